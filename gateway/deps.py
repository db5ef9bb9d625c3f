"""FastAPI dependencies: the clients built in the lifespan, handed to routes.

All are `async def`: FastAPI runs a plain `def` dependency in a worker thread, a
thread hop on every request that showed up in time-to-first-token."""

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from nats.aio.client import Client

from gateway.accounts import Accounts
from gateway.auth import Identity, RateLimiter, Tokens, unauthorized
from gateway.errors import invalid
from gateway.relay import ChatRelay
from shared.settings import Settings
from shared.text import NOT_UTF8
from shared.threads.store import ThreadStore


async def _relay(request: Request) -> ChatRelay:
    await _nats(request)
    return request.app.state.relay  # type: ignore[no-any-return]


async def _nats(request: Request) -> Client:
    """The bus, connected: while NATS is away a request would wait out its whole timeout and then
    blame a worker, and a publish would sit in the client's buffer and be sent on reconnect after
    the client was told it failed."""
    nc: Client = request.app.state.nats
    if not nc.is_connected:
        raise HTTPException(503, "Lumia's message bus (NATS) is not connected, so nothing was sent or stored. "
                                 "Try again when it is back: GET /memory/health shows it.")
    return nc


async def _any_nats(request: Request) -> Client:
    return request.app.state.nats  # type: ignore[no-any-return]


async def _settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def _threads(request: Request) -> ThreadStore:
    return request.app.state.threads  # type: ignore[no-any-return]


Threads = Annotated[ThreadStore, Depends(_threads)]
Relay = Annotated[ChatRelay, Depends(_relay)]
Nats = Annotated[Client, Depends(_nats)]
NatsAsItIs = Annotated[Client, Depends(_any_nats)]  # for health, which reports a lost connection
AppSettings = Annotated[Settings, Depends(_settings)]


async def _accounts(request: Request) -> Accounts:
    return request.app.state.accounts  # type: ignore[no-any-return]


async def _tokens(request: Request) -> Tokens:
    return request.app.state.tokens  # type: ignore[no-any-return]


_bearer = HTTPBearer(auto_error=False, description="A token from POST /auth/login")


async def identify(request: Request,
             credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Identity:
    """The caller: the token's user, rate-limited (LUMIA_AUTH=required), or the one local user (off)."""
    if (await _settings(request)).auth == "off":
        return Identity(None)
    if credentials is None:
        raise unauthorized("Log in first: send `Authorization: Bearer <token>` (POST /auth/login gives one).")
    user_id = (await _tokens(request)).subject(credentials.credentials)
    limiter: RateLimiter = request.app.state.limiter
    limiter.take(user_id)
    # A token outlives its account otherwise: a removed user kept chatting and writing memories.
    if not await (await _accounts(request)).exists(user_id):
        raise unauthorized("This account no longer exists.")
    return Identity(user_id)


async def _account_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.account_limiter
    return limiter


async def _memory_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.memory_limiter
    return limiter


AccountStore = Annotated[Accounts, Depends(_accounts)]
AccountLimiter = Annotated[RateLimiter, Depends(_account_limiter)]
MemoryLimiter = Annotated[RateLimiter, Depends(_memory_limiter)]
TokenIssuer = Annotated[Tokens, Depends(_tokens)]
Caller = Annotated[Identity, Depends(identify)]


async def known_query(request: Request) -> None:
    """A query parameter the route does not take is a 422, as an unknown body field is: "?limt=5"
    listed 50 (a black-box pass), and "source" on a clear was meant as an upload; so is one given
    twice. For the memory and thread routers."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = _query_names(route.dependant) | {"user_id"}
    for name in request.query_params:
        if name not in known:
            takes = ", ".join(sorted(known - {"user_id"})) or "none but user_id"
            raise invalid(("query", name), f"unknown query parameter '{name}': {request.method} {route.path} "
                                           f"takes {takes}", name)
        # "?source=a.txt&source=b.txt" stored b.txt, silently (a black-box pass): which was meant?
        if len(given := request.query_params.getlist(name)) > 1:
            raise invalid(("query", name), f"'{name}' is given {len(given)} times: give it once", given)
    # Bytes that are not UTF-8 (%FF) reach a route as U+FFFD: "/threads/user/a%FFb" listed nobody's
    # threads rather than saying why (a recheck).
    for where, params in (("path", request.path_params), ("query", request.query_params)):
        for name, value in params.items():
            if isinstance(value, str) and "\ufffd" in value:
                raise invalid((where, name), NOT_UTF8, value)


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names
