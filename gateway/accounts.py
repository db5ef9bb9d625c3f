"""User accounts in SQL; passwords hashed with argon2id (a deliberately slow KDF), never logged."""

import asyncio
import secrets
import time
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import users

EXISTS_FOR = 30.0  # seconds


@dataclass(frozen=True, slots=True)
class User:
    id: str
    username: str


class Accounts:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._hasher = PasswordHasher()
        # Verifying against this when the user does not exist costs the same as a real check,
        # so response times do not tell which usernames exist.
        self._decoy = self._hasher.hash(secrets.token_urlsafe(16))
        self._seen: dict[str, float] = {}  # user id -> when its account was last seen to exist

    async def register(self, username: str, password: str) -> User | None:
        """The new user, or None when the username is taken (in any mix of upper and lower case)."""
        hashed = await asyncio.to_thread(self._hasher.hash, password)
        user = User(id=f"usr_{secrets.token_hex(8)}", username=username)
        try:
            async with self._engine.begin() as conn:
                await conn.execute(insert(users).values(id=user.id, username=username, password_hash=hashed,
                                                        created_at=time.time()))
        except IntegrityError:
            return None
        return user

    async def authenticate(self, username: str, password: str) -> User | None:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(select(users).where(func.lower(users.c.username) == username.lower()))).all()
        # Two rows only in a database from before usernames were folded (shared/db.py): the exact one wins.
        row = next((r for r in rows if r.username == username), rows[0] if rows else None)
        try:
            await asyncio.to_thread(self._hasher.verify, row.password_hash if row else self._decoy, password)
        except (VerificationError, InvalidHashError):
            return None
        return User(id=row.id, username=row.username) if row else None

    async def exists(self, user_id: str) -> bool:
        """Whether the account of a token still exists; a yes is trusted for EXISTS_FOR seconds, so a
        removed account's tokens stop working within that time without a query on every request."""
        now = time.monotonic()
        if self._seen.get(user_id, -EXISTS_FOR) > now - EXISTS_FOR:
            return True
        if await self.get(user_id) is None:
            self._seen.pop(user_id, None)
            return False
        self._seen[user_id] = now
        if len(self._seen) > 100_000:  # forget the idle ones rather than grow without bound
            self._seen = {k: v for k, v in self._seen.items() if now - v < EXISTS_FOR}
        return True

    async def get(self, user_id: str) -> User | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(users).where(users.c.id == user_id))).first()
        return User(id=row.id, username=row.username) if row else None
