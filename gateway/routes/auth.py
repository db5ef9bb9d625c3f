"""Accounts: register, log in (JSON or the OAuth2 password form the docs' Authorize button uses), who am I."""

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field, field_validator

from gateway.deps import AccountLimiter, AccountStore, Caller, TokenIssuer
from gateway.schemas import RequestBody

router = APIRouter(prefix="/auth", tags=["accounts"])


USERNAME = re.compile(r"[a-zA-Z0-9_.-]+")


class Credentials(RequestBody):
    # Checked below, not by `pattern`: its error quoted the regular expression to a user who typed "Åsa".
    username: str = Field(min_length=3, max_length=64, json_schema_extra={"pattern": f"^{USERNAME.pattern}$"})
    password: str = Field(min_length=8, max_length=1024)

    @field_validator("username")
    @classmethod
    def _plain(cls, username: str) -> str:
        if not USERNAME.fullmatch(username):
            raise ValueError("a username may hold only the letters a-z (no å, ä, ö or accents), digits, '_', '.' "
                             "and '-', and no spaces")
        return username


class Account(BaseModel):
    user_id: str
    username: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


TOO_MANY: dict[int | str, dict[str, Any]] = {
    429: {"description": "Over LUMIA_ACCOUNT_ATTEMPTS; Retry-After says when to try again"}}


ADDRESS_SHARE = 5


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/register", status_code=201, response_model=Account,
             responses={409: {"description": "Taken"}, **TOO_MANY})
async def register(body: Credentials, request: Request, accounts: AccountStore, limiter: AccountLimiter) -> Account:
    # Each account costs a 64 MiB argon2 hash, and would bring a rate-limit bucket of its own.
    limiter.take(f"register {_address(request)}", "new accounts from this address")
    user = await accounts.register(body.username, body.password)
    if user is None:
        raise HTTPException(409, f"The username '{body.username}' is taken; choose another.")
    return Account(user_id=user.id, username=user.username)


async def _token(username: str, password: str, request: Request, accounts: AccountStore, tokens: TokenIssuer,
                 limiter: AccountLimiter) -> Token:
    """Failed logins are limited per username (guessing one account's password) and per address
    (trying many accounts); a correct password takes nothing, but is refused too while either is used up."""
    # An address may fail ADDRESS_SHARE times as often as one username: people behind one NAT.
    costs = ((f"login {username.lower()}", 1.0), (f"login from {_address(request)}", 1 / ADDRESS_SHARE))
    for key, cost in costs:  # both checked first: a refusal by one must not charge the other
        limiter.check(key, "failed logins", cost)
    # Taken before the (slow) check, so guesses sent at once cannot all pass the limit; given back
    # when the password was right.
    for key, cost in costs:
        limiter.take(key, "failed logins", cost)
    user = await accounts.authenticate(username, password)
    if user is None:
        raise HTTPException(401, "Wrong username or password.", headers={"WWW-Authenticate": "Bearer"})
    for key, cost in costs:
        limiter.refund(key, cost)
    token, expires_in = tokens.issue(user.id)
    return Token(access_token=token, expires_in=expires_in)


@router.post("/login", response_model=Token,
             responses={401: {"description": "Wrong username or password"}, **TOO_MANY})
async def login(body: Credentials, request: Request, accounts: AccountStore, tokens: TokenIssuer,
                limiter: AccountLimiter) -> Token:
    return await _token(body.username, body.password, request, accounts, tokens, limiter)


@router.post("/token", response_model=Token,
             responses={401: {"description": "Wrong username or password"}, **TOO_MANY})
async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], request: Request, accounts: AccountStore,
                tokens: TokenIssuer, limiter: AccountLimiter) -> Token:
    """The same as /auth/login, as an OAuth2 password form."""
    return await _token(form.username, form.password, request, accounts, tokens, limiter)


@router.get("/me", response_model=Account, responses={401: {"description": "Not logged in"}})
async def me(caller: Caller, accounts: AccountStore) -> Account:
    if caller.user_id is None:
        raise HTTPException(404, "LUMIA_AUTH=off: there are no accounts, every request names its user_id.")
    user = await accounts.get(caller.user_id)
    if user is None:
        raise HTTPException(401, "This account no longer exists.", headers={"WWW-Authenticate": "Bearer"})
    return Account(user_id=user.id, username=user.username)
