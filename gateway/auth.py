"""Who is calling: JWT bearer tokens (PyJWT), the signing secret, and per-user rate limits.

With LUMIA_AUTH=required every protected endpoint needs a token, a `user_id` given
in a request must be the token's user (it defaults to it), and brains are
namespaced per user, so user A's `work` and user B's `work` are different
memories. LUMIA_AUTH=off is the single-user trust mode of the original README:
the body's `user_id` is trusted and brain ids are global; it only runs on a
loopback address.
"""

import math
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

import jwt
from fastapi import HTTPException

from gateway.errors import invalid
from shared.memory.brains import no_own_brain
from shared.settings import Settings

PLACEHOLDERS = frozenset({
    "your-secret-key-here", "changethis", "change-this", "changeme", "change-me", "secret", "secret-key",
    "your-secret-key", "supersecret", "please-change-me", "dev", "development", "test",
})
MIN_SECRET_BYTES = 32
SEPARATOR = "/"  # between a user's id and their brain's name; user ids never contain it


class SecretRefused(SystemExit):
    pass


def load_secret(settings: Settings) -> str:
    """SECRET_KEY, or one generated on first start and kept in LUMIA_DATA_DIR (mode 0600)."""
    if settings.secret_key is not None:
        key = settings.secret_key
        if key.strip().lower() in PLACEHOLDERS:
            raise SecretRefused("SECRET_KEY is a well-known placeholder; set a random one "
                                "(python -c 'import secrets; print(secrets.token_urlsafe(48))') or unset it.")
        if len(key.encode()) < MIN_SECRET_BYTES:
            raise SecretRefused(f"SECRET_KEY is shorter than {MIN_SECRET_BYTES} bytes; use a longer random one.")
        return key
    path = settings.data_dir / "secret_key"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    return _read_private(path)


def _read_private(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Tokens:
    secret: str
    algorithm: str
    lifetime_minutes: int

    def issue(self, user_id: str) -> tuple[str, int]:
        now = int(time.time())
        expires_in = self.lifetime_minutes * 60
        token = jwt.encode({"sub": user_id, "iat": now, "exp": now + expires_in}, self.secret,
                           algorithm=self.algorithm)
        return token, expires_in

    def subject(self, token: str) -> str:
        """The token's user, or 401. Only our algorithm is accepted (never `none`), and `exp` and `sub` are required."""
        try:
            claims = jwt.decode(token, self.secret, algorithms=[self.algorithm],
                                options={"require": ["exp", "sub"]})
        except jwt.ExpiredSignatureError as exc:
            raise unauthorized("The token has expired; log in again.") from exc
        except jwt.InvalidTokenError as exc:
            raise unauthorized("The token is not valid; log in again (POST /auth/login).") from exc
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise unauthorized("The token names no user; log in again.")
        return subject


def unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"WWW-Authenticate": "Bearer"})


@dataclass(frozen=True)
class Identity:
    """The caller of one request. `user_id` is None in LUMIA_AUTH=off (trust) mode."""

    user_id: str | None

    def user(self, claimed: str | None, field_name: str = "user_id", where: str = "body") -> str:
        """`where` the claim is sent: "body", or "query" for a `?user_id=` parameter."""
        if self.user_id is None:
            if claimed is None:
                raise invalid((where, field_name), "Field required: LUMIA_AUTH=off trusts the user_id you send")
            return claimed
        if claimed is not None and claimed != self.user_id:
            raise HTTPException(403, f"{field_name} must be your own user id ({self.user_id}) or left out.")
        return self.user_id

    def brain(self, name: str) -> str:
        """The bus-side id of one of the caller's brains."""
        return name if self.user_id is None else f"{self.user_id}{SEPARATOR}{name}"

    def named_brain(self, name: str | None, field_name: str = "customer_id", user: str | None = None) -> str:
        """The brain a body names, or, left out, the caller's own default brain (the one chats use).
        A `user` the body claims must be the caller, as everywhere (trusted when accounts are off)."""
        if user is not None:
            self.user(user)
        if name is None:
            if self.user_id is None:
                raise invalid(("body", field_name), "Field required: LUMIA_AUTH=off needs the brain to use")
            name = self.user_id
        return self.brain(name)

    def chat_brain(self, brain: str | None, user: str) -> str | None:
        """The brain a chat uses: the named one, or the user's own (the worker's default when trusted)."""
        if self.user_id is None:
            if brain is None and (problem := no_own_brain(user)) is not None:
                raise invalid(("body", "brain_id"), problem, user)
            return brain
        return self.brain(brain or user)

    def public_brain(self, internal: str) -> str:
        """A brain id as the caller named it."""
        if self.user_id is None:
            return internal
        return internal.removeprefix(f"{self.user_id}{SEPARATOR}")


@dataclass
class RateLimiter:
    """A token bucket per caller: `rate` requests a minute on average, bursts up to `burst`.
    Each gateway replica keeps its own buckets, so the limit holds per replica."""

    rate: float
    burst: int
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)

    def take(self, key: str, what: str = "requests", cost: float = 1.0) -> None:
        now, tokens = self._admitted(key, what, cost)
        self._buckets[key] = (tokens - cost, now)
        if len(self._buckets) > 100_000:  # forget the idle ones rather than grow without bound
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 600}

    def refund(self, key: str, cost: float = 1.0) -> None:
        """Gives back what `take` took, when what it paid for turned out not to count."""
        now = time.monotonic()
        self._buckets[key] = (min(float(self.burst), self._level(key, now) + cost), now)

    def check(self, key: str, what: str = "requests", cost: float = 1.0) -> None:
        """Refuses (429) when `key` has less than `cost` left, without taking any, and a cost above the
        burst (413)."""
        self._admitted(key, what, cost)

    def _admitted(self, key: str, what: str, cost: float) -> tuple[float, float]:
        """The time now and what `key` has left, or the refusal of `check`."""
        if cost > self.burst:  # it could never pass; a Retry-After would be a false promise
            raise HTTPException(413, f"Too many {what} in one request: at most {self.burst:,}; send fewer at once.")
        now = time.monotonic()
        tokens = self._level(key, now)
        if tokens < cost:
            wait = math.ceil((cost - tokens) * 60 / self.rate)
            raise HTTPException(429, f"Too many {what}; try again in {wait} s.", headers={"Retry-After": str(wait)})
        return now, tokens

    def _level(self, key: str, now: float) -> float:
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - last) * self.rate / 60)
