"""Pydantic models of every message that crosses the bus."""

import math
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from shared.memory.brains import BusBrain, no_own_brain
from shared.request import Request
from shared.text import HALF_CHARACTER, has_half_character, shows_nothing
from shared.tools import MAX_TOOLS, ToolDefinition, ToolRef, ToolResult


def storable_number(value: int | float) -> bool:
    """Whether a memory's metadata can hold this number: Chroma keeps booleans, integers of 64 bits
    and finite floats."""
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, bool) or -(2**63) <= value < 2**63


def _storable_numbers(where: dict[str, Any] | None) -> dict[str, Any] | None:
    """A number no metadata value can be: parsed again on the bus, an integer beyond 64 bits
    became a float and silently matched nothing."""
    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, each in value.items():
                walk(key)
                walk(each)
        elif isinstance(value, list):
            for each in value:
                walk(each)
        elif isinstance(value, int) and not storable_number(value):
            raise ValueError(f"{value} does not fit in 64 bits, so no stored value equals it; compare with a smaller "
                             "number, or store and compare it as a string")
        elif isinstance(value, float) and not storable_number(value):
            raise ValueError(f"{value} is not a number a memory can hold; use a finite number")
        elif isinstance(value, str) and has_half_character(value):
            raise ValueError(f"{value.encode('utf-8', 'replace').decode()!r} {HALF_CHARACTER}")

    walk(where)
    return where


def _one_clause_plain(where: dict[str, Any] | None) -> dict[str, Any] | None:
    """`{"$and": [clause]}` (or `$or`) is the clause: a filter built by a program, one clause per
    choice made, has one when one choice is made, and Chroma refuses it ("at least two")."""
    if not isinstance(where, dict):
        return where
    if len(where) == 1:
        [(key, clauses)] = where.items()
        if key in ("$and", "$or") and isinstance(clauses, list):
            if not clauses:  # Chroma's own word, "at least two", is wrong since one is taken (a black-box pass)
                raise ValueError(f"an empty {key} filters by nothing: give at least one expression in it, "
                                 "or leave `where` out")
            if len(clauses) == 1 and isinstance(clauses[0], dict):
                return _one_clause_plain(clauses[0])
            return {key: [_one_clause_plain(c) if isinstance(c, dict) else c for c in clauses]}
    return where


Where = Annotated[dict[str, Any] | None, AfterValidator(_storable_numbers), AfterValidator(_one_clause_plain)]
"""A Chroma metadata filter; the brain_worker checks the rest of its shape (shared/memory/store.py)."""

MAX_MESSAGE_CHARS = 32_000
MAX_SYSTEM_PROMPT_CHARS = 8_000


def not_blank(value: str) -> str:
    # Zero-width spaces and byte order marks are no text either: such a note was stored and found nothing.
    if "\x00" in value:  # no text holds one; a file's bytes, or UTF-16, sent as text do
        raise ValueError("must not contain NUL characters (\\u0000)")
    if shows_nothing(value):
        raise ValueError("must contain text, not only whitespace")
    if has_half_character(value):
        raise ValueError(HALF_CHARACTER)
    return value


UserMessage = Annotated[
    str,
    Field(min_length=1, max_length=MAX_MESSAGE_CHARS, description="The user's text"),
    AfterValidator(not_blank),
]
UserId = Annotated[
    str,
    Field(min_length=1, max_length=128, description="Who is chatting"),
    AfterValidator(not_blank),
]
SystemPrompt = Annotated[str, Field(max_length=MAX_SYSTEM_PROMPT_CHARS)]
# As a client gives one: blank, the model was sent a system prompt of spaces (leave it out for the
# default). Not on the bus: a thread kept from before may hold one.
GivenSystemPrompt = Annotated[SystemPrompt, AfterValidator(not_blank)]


class ChatRequest(Request):
    """Published on `lumia.chat.request` with a reply subject."""

    request_id: str = Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="Unguessable id; `lumia.chat.cancel.<request_id>` stops the stream",
    )
    user_id: UserId
    message: UserMessage
    system_prompt: SystemPrompt | None = None
    brain_id: BusBrain | None = Field(default=None, description="Which memory to use; the user's id when omitted")
    purpose: Literal["chat", "answer"] = Field(
        default="chat",
        description="`chat` uses relevant memories and remembers the turn; `answer` answers from the brain's "
        "best `memory_results` memories and remembers nothing (POST /query with answer)",
    )
    memory_results: int | None = Field(default=None, ge=1, le=100)
    memory_where: Where = Field(
        default=None, description="Chroma metadata filter on the memories recalled (`answer`: the one of POST /query)",
    )
    route: bool = Field(
        default=False,
        description="Let the router model decide whether memory is used and which tools run first",
    )
    tools: list[ToolDefinition] = Field(
        default_factory=list, max_length=MAX_TOOLS,
        description="Tools offered for this message only (with `route`); they win over registered tools",
    )
    tools_owner: str | None = Field(
        default=None, description="Whose registered tools the router may use besides everyone's (the account)",
    )
    thread_id: str | None = Field(
        default=None, min_length=1, max_length=64,
        description="Continue this conversation thread (it must belong to `user_id`): its history, brain and "
        "system prompt apply, and both sides of the turn are stored in it",
    )

    @model_validator(mode="after")
    def _names_a_brain(self) -> "ChatRequest":
        # Without brain_id or a thread (whose brain it takes), the user's id is the brain. A user id that
        # is no brain's name was answered without memory and not remembered, the reasons in the stats.
        if self.brain_id is None and self.thread_id is None and (problem := no_own_brain(self.user_id, bus=True)):
            raise ValidationError.from_exception_data(type(self).__name__, [InitErrorDetails(
                type=PydanticCustomError("value_error", problem), loc=("brain_id",), input=self.user_id)])
        return self

    @property
    def brain(self) -> str:
        return self.brain_id or self.user_id


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    OLLAMA_UNAVAILABLE = "ollama_unavailable"
    MODEL_MISSING = "model_missing"
    OLLAMA_ERROR = "ollama_error"
    WORKER_UNAVAILABLE = "worker_unavailable"
    WORKER_TIMEOUT = "worker_timeout"
    STREAM_GAP = "stream_gap"
    BUS_UNAVAILABLE = "bus_unavailable"
    CANCELLED = "cancelled"
    NOT_FOUND = "not_found"
    TOO_MANY = "too_many"
    SHUTTING_DOWN = "shutting_down"
    INTERNAL = "internal"


MEMORY_UNAVAILABLE = ("Set when memory could not be searched (the brain_worker down, slow or refusing), or what it "
                      "found did not fit the model's window beside the message: the answer was given without it, "
                      "and this says why")
MEMORY_UNSAVED = ("Set when this turn could not be queued to be remembered (JetStream refused it or did not "
                  "confirm it): the answer stands, but the assistant may not remember what was said")


class TurnStats(BaseModel):
    """What a finished turn reports; the README's response statistics."""

    response_length: int = 0
    context_used: bool = False
    context_length: int = 0
    persona_included: bool = False
    model: str = ""
    eval_count: int | None = Field(default=None, description="Tokens Ollama generated")
    used_brain: bool | None = Field(default=None, description="With `route`: whether memory was used")
    tools_invoked: list[ToolResult] | None = Field(default=None, description="With `route`: the tools that ran")
    memory_unavailable: str | None = Field(default=None, description=MEMORY_UNAVAILABLE)
    memory_unsaved: str | None = Field(default=None, description=MEMORY_UNSAVED)


class MemoryRef(BaseModel):
    """Which memory shaped an answer; `id` is what DELETE /memory/{brain}/memories/{id} takes."""

    id: str
    # Optional: replies go out with exclude_none, so a None score is left out, and required it made the
    # whole reply unreadable to the gateway (a 500).
    score: float | None = None
    snippet: str
    created_at: float | None = Field(
        default=None, description="When it was said (Unix seconds): of an old fact and the one that changed it, "
                                  "which is newer")


EventType = Literal["context", "tool", "delta", "keepalive", "done", "error"]


class ChatEvent(BaseModel):
    """One item of a chat reply stream, in `seq` order starting at 0.

    A stream ends with exactly one `done` or `error`. `keepalive` only proves
    the worker is alive while the model is slow to start. A `context` event,
    when memories were used, and one `tool` event per tool that ran (with
    `route`), come before the first `delta`.
    """

    seq: int = Field(ge=0)
    type: EventType
    text: str = ""
    memories: list[MemoryRef] | None = None
    tool: ToolRef | None = None
    stats: TurnStats | None = None
    code: ErrorCode | None = None
    error: str | None = None

    @property
    def is_final(self) -> bool:
        return self.type in ("done", "error")


class OllamaStatus(BaseModel):
    base_url: str
    model: str
    reachable: bool
    model_present: bool
    message: str | None = Field(default=None, description="What to do when not ok")

    @property
    def ok(self) -> bool:
        return self.reachable and self.model_present


class WorkerStatus(BaseModel):
    """Reply to `lumia.<kind>.ping`."""

    kind: str
    instance: str
    ollama: OllamaStatus | None = None
    memory_cache_size: int | None = None
    store_error: str | None = None  # why the memory store cannot be reached (brain and ingest workers)


_WHOLE_MESSAGE = frozenset({"model_type", "model_attributes_type", "dict_type", "json_invalid", "json_type"})


def describe_validation_error(exc: Exception) -> str:
    """`field: what is wrong` for each problem, for humans reading an error event."""
    errors = getattr(exc, "errors", None)
    if not callable(errors):
        return str(exc)
    parts = []
    for err in errors():
        loc = err.get("loc", ())
        where = ".".join(str(p) for p in loc if p not in ("body", "request"))
        if len(loc) <= 1 and err.get("type") in _WHOLE_MESSAGE:
            # The message as a whole (not JSON, or not an object); its "location" is only the name
            # a worker gives the argument, and read as a field ("message", "query") it misleads.
            where = ""
        said = str(err.get("msg", "invalid")).removeprefix("Value error, ")  # pydantic's prefix tells a reader nothing
        parts.append(f"{where or 'the message body (send one JSON object)'}: {said}")
    return "; ".join(parts)
