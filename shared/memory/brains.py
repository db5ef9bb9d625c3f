"""A brain id is free text (`u1`, `anna@home`); NATS tokens and Chroma names are not.

`brain_key` maps an id to `b_<base32>`: reversible, collision-free, and valid
both as a NATS subject token and a Chroma collection name (3–512 chars of
`[a-z0-9_]`).
"""

import base64
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, Field, TypeAdapter, ValidationError

from shared.text import BIDI_CONTROLS, NOT_UTF8, shows_nothing

MAX_BRAIN_CHARS = 128
MAX_BRAIN_BYTES = 256
MAX_BUS_BRAIN_BYTES = 300
"""On the bus a brain is `<user_id>/<name>` when accounts are on (a user id is 20 characters);
300 bytes keep `brain_key` within Chroma's 512-character collection names."""


RESERVED_BRAINS = frozenset({"clear", "stats"})
"""Names `/memory/clear/{brain}` and `/memory/stats/{brain}` take the place of: `POST
/memory/clear/documents` is a clear of brain 'documents', never an upload to brain 'clear'."""


def _valid_brain(value: str) -> str:
    # "kökbok" typed on one device (composed ö) and on another (o and a combining diaeresis) is one brain.
    value = unicodedata.normalize("NFC", value)
    _check_name(value)
    return value


def _check_name(value: str) -> None:
    """A brain's name as a user writes it (composed already)."""
    if shows_nothing(value):  # a zero-width space alone listed as a blank brain
        raise ValueError("must contain text, not only whitespace or invisible characters")
    # "/" joins a user's id and their brain's name, and a name holding it could never be
    # named again in a URL path (/memory/{brain}/...): refused up front, not found later.
    if "/" in value or "\\" in value:
        raise ValueError("must not contain '/' or '\\'")
    if value in RESERVED_BRAINS:
        raise ValueError("'clear' and 'stats' are reserved: /memory/clear/… and /memory/stats/… are actions, so a "
                         "brain of that name could not be told apart in a URL; choose another name")
    if not value.strip("."):
        raise ValueError("must not be only dots")
    if "\ufffd" in value:  # what a URL's bytes that are not UTF-8 (%FF) are decoded to: one name for them all
        raise ValueError(NOT_UTF8)
    if value != value.strip():
        raise ValueError(f"must not start or end with whitespace ({value!r} would be another brain than "
                         f"{value.strip()!r})")
    if _has_control(value):
        raise ValueError("must not contain control characters")
    if BIDI_CONTROLS.intersection(value) or "\ufeff" in value:
        raise ValueError("must not contain direction marks (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F) or a "
                         "byte order mark (U+FEFF): the name would show otherwise than it is")
    if _HIDDEN.intersection(value) or _joins_latin(value):
        raise ValueError("must not contain zero-width or soft-hyphen characters (U+200B, U+2060, U+00AD, or U+200C/"
                         "U+200D beside Latin letters or digits): 'crm\u200b' shows as 'crm' and would be another "
                         "brain")
    if len(value) > MAX_BRAIN_CHARS:
        raise ValueError(f"must be at most {MAX_BRAIN_CHARS} characters")
    if len(value.encode()) > MAX_BRAIN_BYTES:
        raise ValueError(f"must be at most {MAX_BRAIN_BYTES} bytes as UTF-8")


# Characters that show as nothing inside a name, often pasted along with an id from a web page (a black-box pass).
_HIDDEN = frozenset("\u200b\u2060\u00ad\u180e")
_JOINERS = frozenset("\u200c\u200d")  # of emoji sequences and of scripts that need them; beside ASCII, hidden


def _joins_latin(value: str) -> bool:
    return any(ch in _JOINERS and any(0 <= at < len(value) and value[at].isascii() for at in (i - 1, i + 1))
               for i, ch in enumerate(value))


def _has_control(value: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in value)  # tab, newline, NUL...


def _valid_bus_brain(value: str) -> str:
    """As the gateway names brains: `<name>`, or `<user_id>/<name>` with accounts on. A brain an
    internal system wrote to must be one its user can list, read and forget over HTTP (a black-box
    pass stored memories in "usr_…/a/b", "usr_…/.." and "usr_…/", which no URL could name)."""
    value = unicodedata.normalize("NFC", value)
    if len(value.encode()) > MAX_BUS_BRAIN_BYTES:
        raise ValueError(f"must be at most {MAX_BUS_BRAIN_BYTES} bytes as UTF-8")
    user, slash, name = value.partition("/")
    if not slash:
        _check_name(value)
        return value
    if not user.strip() or user != user.strip() or _has_control(user):
        raise ValueError("the user id before '/' must be text without whitespace at its ends or control characters")
    try:
        _check_name(name)
    except ValueError as bad:
        raise ValueError(f"the brain's name after '{user}/' {bad}") from None
    return value


BrainId = Annotated[
    str,
    Field(min_length=1, max_length=MAX_BRAIN_CHARS, description="Which memory: the user's id by default"),
    AfterValidator(_valid_brain),
]
BusBrain = Annotated[
    str,
    Field(min_length=1, max_length=MAX_BUS_BRAIN_BYTES,
          description="A brain as workers know it: the brain's id, behind its user's id and '/' with accounts on"),
    AfterValidator(_valid_bus_brain),
]
"""A brain in a bus message. The gateway checks names as users write them (`BrainId`)."""

_BRAIN_ID = TypeAdapter(BrainId)
_BUS_BRAIN = TypeAdapter(BusBrain)


def checked_brain(name: str) -> str:
    """A brain's name as a user writes it, composed; pydantic's ValidationError says what is wrong."""
    return _BRAIN_ID.validate_python(name)


def no_own_brain(user: str, bus: bool = False) -> str | None:
    """Why a chat without `brain_id` needs one: the user's id, which names its default brain, is no
    brain's name (over HTTP as users write names, on the bus as `BusBrain`); None when it is one.
    The gateway's 422 and the bus's bad_request say it in the same words."""
    try:
        (_BUS_BRAIN if bus else _BRAIN_ID).validate_python(user)
    except ValidationError as exc:
        reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
        # A bus name's parts name themselves ("the brain's name after 'usr_1/' must ...").
        reason = reason if reason.startswith("the ") else f"a brain's name {reason}"
        return f"is needed: user '{user}' names no brain of its own ({reason})"
    return None


def brain_key(brain: str) -> str:
    encoded = base64.b32encode(brain.encode()).decode().rstrip("=").lower()
    return f"b_{encoded}"


def brain_from_key(key: str) -> str:
    body = key.removeprefix("b_").upper()
    return base64.b32decode(body + "=" * (-len(body) % 8)).decode()


def names_its_brain(subject: str, brain: str) -> bool:
    """Whether a memory subject (`lumia.memory.<queue>.<brain_key>`) is the one of `brain`; a key
    made from the name as the publisher wrote it (not yet composed) counts."""
    try:
        named = brain_from_key(subject.rsplit(".", 1)[-1])
    except (ValueError, UnicodeDecodeError):  # not a key at all
        return False
    return unicodedata.normalize("NFC", named) == brain
