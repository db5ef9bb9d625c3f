"""Accounts: register, log in (JSON or the OAuth2 password form the docs' Authorize button uses), who am I."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel, Field

from gateway.deps import AccountStore, Caller, TokenIssuer

router = APIRouter(prefix="/auth", tags=["accounts"])


class Credentials(BaseModel):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[a-zA-Z0-9_.-]+$")
    password: str = Field(min_length=8, max_length=1024)


class Account(BaseModel):
    user_id: str
    username: str


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds until the token expires")


@router.post("/register", status_code=201, response_model=Account, responses={409: {"description": "Taken"}})
async def register(body: Credentials, accounts: AccountStore) -> Account:
    user = await accounts.register(body.username, body.password)
    if user is None:
        raise HTTPException(409, f"The username '{body.username}' is taken; choose another.")
    return Account(user_id=user.id, username=user.username)


async def _token(username: str, password: str, accounts: AccountStore, tokens: TokenIssuer) -> Token:
    user = await accounts.authenticate(username, password)
    if user is None:
        raise HTTPException(401, "Wrong username or password.", headers={"WWW-Authenticate": "Bearer"})
    token, expires_in = tokens.issue(user.id)
    return Token(access_token=token, expires_in=expires_in)


@router.post("/login", response_model=Token, responses={401: {"description": "Wrong username or password"}})
async def login(body: Credentials, accounts: AccountStore, tokens: TokenIssuer) -> Token:
    return await _token(body.username, body.password, accounts, tokens)


@router.post("/token", response_model=Token, responses={401: {"description": "Wrong username or password"}})
async def token(form: Annotated[OAuth2PasswordRequestForm, Depends()], accounts: AccountStore,
                tokens: TokenIssuer) -> Token:
    """The same as /auth/login, as an OAuth2 password form."""
    return await _token(form.username, form.password, accounts, tokens)


@router.get("/me", response_model=Account, responses={401: {"description": "Not logged in"}})
async def me(caller: Caller, accounts: AccountStore) -> Account:
    if caller.user_id is None:
        raise HTTPException(404, "LUMIA_AUTH=off: there are no accounts, every request names its user_id.")
    user = await accounts.get(caller.user_id)
    if user is None:
        raise HTTPException(401, "This account no longer exists.", headers={"WWW-Authenticate": "Bearer"})
    return Account(user_id=user.id, username=user.username)
