"""The gateway application: FastAPI over one NATS connection."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException

from gateway.accounts import Accounts
from gateway.auth import RateLimiter, Tokens, load_secret
from gateway.errors import unreadable_body, validation_error
from gateway.limits import BodyLimit, RouteLimit
from gateway.relay import ChatRelay
from gateway.routes import auth, chat, health, memory, router, threads
from shared.bus import connect, instance_name, servers_named
from shared.memory.jetstream import ensure_streams
from shared.settings import Settings, get_settings
from shared.threads.store import ThreadStore

log = logging.getLogger("lumia.gateway")


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404 and "route" not in request.scope:  # no route matched
        try:
            memory.refuse_slashed_segment(request)
        except RequestValidationError as refused:
            return await validation_error(request, refused)
    return await unreadable_body(request, exc)


def create_app(settings: Settings | None = None) -> FastAPI:
    configured = settings or get_settings()
    configured.refuse_unsafe_auth()
    # Refuse a weak SECRET_KEY before connecting to anything.
    tokens = (Tokens(load_secret(configured), configured.algorithm, configured.access_token_expire_minutes)
              if configured.auth == "required" else None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = resolved = configured
        app.state.limiter = RateLimiter(resolved.rate_limit, resolved.rate_burst)
        app.state.memory_limiter = RateLimiter(resolved.ingest_rate, max(1, round(2 * resolved.ingest_rate)))
        attempts = resolved.account_attempts
        app.state.account_limiter = RateLimiter(attempts, max(1, round(attempts)))
        relay: ChatRelay | None = None

        def bus_lost() -> None:
            if relay is not None:
                relay.bus_lost()

        nc = await connect(resolved.nats_servers, instance_name("gateway"), on_lost=bus_lost)
        await ensure_streams(nc.jetstream(), resolved.jetstream_replicas)
        app.state.threads = store = await ThreadStore.open(resolved.database)
        relay = ChatRelay(nc, resolved.stream_timeout,
                          per_user=resolved.user_streams if resolved.auth == "required" else None,
                          abandoned=store.fail_question)
        await relay.start()
        app.state.nats, app.state.relay = nc, relay
        app.state.accounts = Accounts(store.engine)
        app.state.tokens = tokens
        log.info("gateway connected to NATS at %s", servers_named(resolved.nats_servers))
        try:
            yield
        finally:
            await relay.stop()
            await nc.drain()
            await store.close()

    # The docs page's script and styles are served from here: FastAPI's own load them from a CDN, and
    # nothing of a private assistant (nor the token pasted into that page) should depend on one.
    app = FastAPIOffline(title="Lumia", summary="A private AI assistant with a personal memory", lifespan=lifespan)
    # A document is one body by nature (MAX_DOCUMENT_BYTES); everything else keeps the global limit.
    documents = RouteLimit("POST", memory.DOCUMENTS_PATH, memory.MAX_DOCUMENT_BYTES, memory.DOCUMENT_TOO_LARGE)
    app.add_middleware(BodyLimit, max_bytes=configured.max_body_bytes, routes=[documents])

    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONResponse:
        # Never a stack trace or an internal address in a response; the log has the details.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "Lumia failed on this request; the gateway log says why."}, status_code=500)

    app.include_router(auth.router)
    app.include_router(chat.router)
    app.include_router(memory.router)
    app.include_router(threads.router)
    app.include_router(router.router)
    app.include_router(health.router)
    return app
