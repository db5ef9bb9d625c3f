"""A brain id is free text (`u1`, `anna@home`); NATS tokens and Chroma names are not.

`brain_key` maps an id to `b_<base32>`: reversible, collision-free, and valid
both as a NATS subject token and a Chroma collection name (3–512 chars of
`[a-z0-9_]`).
"""

import base64
from typing import Annotated

from pydantic import AfterValidator, Field

MAX_BRAIN_CHARS = 128


def _valid_brain(value: str) -> str:
    if not value.strip():
        raise ValueError("must contain text, not only whitespace")
    if any(ch in value for ch in "\x00\r\n"):
        raise ValueError("must not contain control characters")
    return value


BrainId = Annotated[
    str,
    Field(min_length=1, max_length=MAX_BRAIN_CHARS, description="Which memory: the user's id by default"),
    AfterValidator(_valid_brain),
]


def brain_key(brain: str) -> str:
    encoded = base64.b32encode(brain.encode()).decode().rstrip("=").lower()
    return f"b_{encoded}"


def brain_from_key(key: str) -> str:
    body = key.removeprefix("b_").upper()
    return base64.b32decode(body + "=" * (-len(body) % 8)).decode()
