"""Bus messages of the memory side: ingestion, retrieval, stats and housekeeping."""

import time
import unicodedata
from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from shared.memory.brains import BusBrain
from shared.messages import Where, not_blank, storable_number
from shared.request import Request
from shared.text import BIDI_CONTROLS, HALF_CHARACTER, NOT_UTF8, has_half_character, shows_nothing

MAX_MEMORY_CHARS = 32_000
MAX_RESULTS = 100

def _composed(text: str) -> str:
    # "Umeå" typed on a Mac arrives decomposed (a + ring): stored as sent, it was a second memory
    # beside the same words composed, and its words missed the keyword index's.
    return unicodedata.normalize("NFC", text)


MemoryText = Annotated[str, Field(min_length=1, max_length=MAX_MEMORY_CHARS), AfterValidator(not_blank),
                       AfterValidator(_composed)]
"""What is remembered or asked: blank text would be embedded as noise, or match anything."""

MAX_METADATA_KEY_CHARS = 64
MAX_METADATA_VALUE_CHARS = 4_000
RESERVED_METADATA_PREFIXES = ("lumia_", "chroma:", "$", "#")
"""Lumia's own bookkeeping (`lumia_context`, `lumia_created_at`), Chroma's own keys, and
operators of a `where` filter, and Chroma's own fields (`#document`; Chroma refuses any key
starting with '#'): a key like these would be overwritten or refused by Chroma after the 202,
dead-lettering the memory."""


def _valid_metadata(metadata: dict[str, "MetadataValue"]) -> dict[str, "MetadataValue"]:
    for key, value in metadata.items():
        if not key.strip() or len(key) > MAX_METADATA_KEY_CHARS:
            raise ValueError(f"key {key!r}: use 1-{MAX_METADATA_KEY_CHARS} characters")
        if has_half_character(key):
            raise ValueError(f"key {key.encode('utf-8', 'replace').decode()!r}: {HALF_CHARACTER}")
        # A NUL, a newline, a zero-width space (stored mangled).
        if any(unicodedata.category(c) in ("Cc", "Cf") for c in key):
            raise ValueError(f"key {key!r}: control and invisible characters are not allowed in keys")
        if key.startswith(RESERVED_METADATA_PREFIXES):
            raise ValueError(f"key {key!r} is reserved: keys must not start with "
                             + ", ".join(repr(p) for p in RESERVED_METADATA_PREFIXES))
        if isinstance(value, float) and not storable_number(value):
            raise ValueError(f"{key!r}: {value} is not a number Lumia can store; use a finite number")
        if isinstance(value, int) and not storable_number(value):
            raise ValueError(f"{key!r}: {value} does not fit in 64 bits; send it as a string")
        if isinstance(value, str) and len(value) > MAX_METADATA_VALUE_CHARS:
            raise ValueError(f"{key!r}: at most {MAX_METADATA_VALUE_CHARS} characters; put long text in the content")
        if isinstance(value, str) and "\x00" in value:  # refused in the content too: no text holds one
            raise ValueError(f"{key!r}: must not contain NUL characters (\\u0000)")
        if isinstance(value, str) and has_half_character(value):  # was a 500 (a black-box pass)
            raise ValueError(f"{key!r}: {HALF_CHARACTER}")
    # Who said it is read as a name (embedded in front of the words, shown to the model): `5` was
    # stored and then ignored everywhere.
    if "speaker" in metadata and not isinstance(metadata["speaker"], str):
        raise ValueError("'speaker' names who said it: a string such as \"Maria\"")
    return metadata


MetadataValue = str | int | float | bool


def _flat(metadata: object) -> object:
    """One clear error for a value that is no flat value: the type check alone listed four (not a
    string, not an integer, not a number, not a boolean) for one nested object. Null is none, as
    leaving it out is (a client's `"metadata": null` was a 422)."""
    if metadata is None:
        return {}
    if isinstance(metadata, dict):
        for key, value in metadata.items():
            if value is None or isinstance(value, list | dict):
                kind = "null" if value is None else "a list" if isinstance(value, list) else "an object"
                raise ValueError(f"key {key!r} holds {kind}: values are strings, numbers or booleans (flat)")
    return metadata


Metadata = Annotated[
    dict[str, MetadataValue],
    BeforeValidator(_flat),
    Field(max_length=32, description="Flat key/value pairs, stored and returned with the memory. Keys of 1-64 "
                                     "characters not starting with 'lumia_', 'chroma:', '$' or '#'; strings of at most "
                                     "4,000 characters; finite numbers"),
    AfterValidator(_valid_metadata),
]
MemoryKind = Literal["turn", "note", "document"]


MAX_SOURCE_CHARS = 200
# What a date can hold (years 1-9999): beyond it a timestamp is a mistake, often milliseconds.
EARLIEST, LATEST = datetime.min.replace(tzinfo=UTC).timestamp(), datetime.max.replace(tzinfo=UTC).timestamp()
# A memory is dated when it was said: later than this is a mistake (a year typed wrong, a plan's
# date), and would stay at the top of the listing and outside every "today". A day of slack for
# clocks and zones that differ.
MAX_AHEAD_SECONDS = 86_400
# What the gateway's clock accepted must not be dead-lettered by an ingest worker whose clock is behind.
BUS_AHEAD_SLACK = 3600


def ahead_problem(created_at: float, zone: tzinfo = UTC, slack: float = 0) -> str | None:
    """Why `created_at` (Unix seconds) is too far in the future to date a memory, or None; the time
    is shown in `zone`, the user's."""
    if created_at <= time.time() + MAX_AHEAD_SECONDS + slack:
        return None
    return (f"is in the future ({datetime.fromtimestamp(created_at, zone):%Y-%m-%d %H:%M %Z}): a memory is "
            "dated when it was said, at most a day ahead of now")


def source_problem(source: object) -> str | None:
    """What keeps `source` from naming a document (as stored: composed, NFC), or None."""
    if not isinstance(source, str) or shows_nothing(source):
        return "is blank: name the document, e.g. source=handbook.md"
    if len(source) > MAX_SOURCE_CHARS:
        return f"is longer than {MAX_SOURCE_CHARS} characters"
    if source != source.strip() or any(ord(c) < 32 or ord(c) == 127 for c in source):
        # ' lead.md' would be another document than 'lead.md', and could not be told apart when listed.
        return "has whitespace at its ends or a control character"
    if source != unicodedata.normalize("NFC", source):
        return "is not composed (NFC)"
    if BIDI_CONTROLS.intersection(source) or "\ufeff" in source:  # "a\u202etxt.md" listed as "adm.txt"
        return "holds a direction mark or a byte order mark: it would show otherwise than it is"
    if "\ufffd" in source:  # what bytes that are not UTF-8 (%FF in a URL) decode to
        return NOT_UTF8
    return None


class MemoryItem(BaseModel):
    """Published to JetStream on `lumia.memory.ingest.<brain_key>`."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_.:-]+$")
    brain: BusBrain
    content: MemoryText
    kind: MemoryKind = "note"
    created_at: float = Field(
        ge=EARLIEST, le=LATEST, allow_inf_nan=False,
        description="Unix seconds: when it was said or added (from year 1, at most a day ahead of now)")
    metadata: Metadata = Field(default_factory=dict)

    @field_validator("created_at")
    @classmethod
    def _not_ahead(cls, created_at: float) -> float:
        if (problem := ahead_problem(created_at, slack=BUS_AHEAD_SLACK)) is not None:
            raise ValueError(f"created_at {problem}")
        return created_at

    @model_validator(mode="after")
    def _document_named(self) -> "MemoryItem":
        # A chunk without a usable source could be neither listed by it nor forgotten over HTTP.
        if self.kind == "document" and (problem := source_problem(self.metadata.get("source"))) is not None:
            raise ValueError(f"a document's metadata.source {problem}")
        # Its place in the document: a chunk "abc" published on the bus broke the brain's document listing.
        place = self.metadata.get("chunk", 0)
        if self.kind == "document" and (not isinstance(place, int) or isinstance(place, bool) or place < 0):
            raise ValueError(f"a document's metadata.chunk is its place in the document, a whole number from 0, "
                             f"not {place!r}")
        return self


class ContextJob(BaseModel):
    """Published to JetStream on `lumia.memory.context.<brain_key>` once a memory is stored:
    embed it with the turns around it (shared/memory/context.py)."""

    brain: BusBrain
    id: str = Field(min_length=1, max_length=80)


class MemoryHit(BaseModel):
    id: str
    content: str
    metadata: dict[str, Any]
    score: float | None = Field(
        default=None,
        description="Similarity to the question, 0..1: the mean cosine of the memory and of it with its neighbours "
                    "(of a memory longer than 1,000 characters, the best of that and of its best piece's)",
    )
    excerpt: str | None = Field(
        default=None,
        description="Of a memory longer than 1,000 characters: the piece of it that matched the question best, "
                    "what a chat's model is given of it",
    )


class BusRequest(Request):
    """A misspelt field ("wher", "preffix") is refused; null is a field left out."""


class QueryRequest(BusRequest):
    """`lumia.brain.query` (queue `brain`)."""

    brain: BusBrain
    question: MemoryText
    n_results: int = Field(default=3, ge=1, le=MAX_RESULTS)
    where: Where = Field(default=None, description="Chroma metadata filter")
    relevant_only: bool = Field(default=False, description="What a chat's model gets: memories above the "
                                "relevance threshold that tell something")
    telling_only: bool = Field(default=False, description="Leave out memories that tell nothing, at any "
                               "score: the user's own questions to Lumia, and the same question asked before")
    include_persona: bool = False


class QueryReply(BaseModel):
    results: list[MemoryHit] = Field(default_factory=list)
    persona: str | None = None
    time_window: tuple[float, float] | None = Field(default=None, description="The time the question names "
                                                    "(Unix seconds, end excluded), when it shaped the results")
    window_only: bool = Field(default=False, description="Whether the results are of that time alone; otherwise "
                              "they are of all time, that time's first")
    error: str | None = None
    code: str | None = None


DEADLINE_DESCRIPTION = ("Unix seconds when the asker stops waiting: a clear or delete not begun by then is refused "
                        "(`expired`), so one given up on is never carried out later. Optional; clocks must agree")


class BrainRequest(BusRequest):
    """`lumia.brain.stats`, `lumia.brain.clear` and `lumia.brain.reindex` (queue `brain`)."""

    brain: BusBrain
    deadline: float | None = Field(default=None, description=DEADLINE_DESCRIPTION)


class BrainStats(BaseModel):
    brain: str
    has_context: bool
    context_length: int = Field(description="Characters of stored memory text")
    has_persona: bool
    persona_last_updated: float | None
    memory_count: int
    pending_ingest: int
    embedding_model: str | None
    dead_letters: int = 0


class ClearReply(BaseModel):
    brain: str
    removed: int


MAX_OFFSET = 10_000_000  # of a page: far past any listing, and a number every part reads alike


class ListRequest(BusRequest):
    """`lumia.brain.memories.list` (queue `brain`): newest first, or best first with `q`."""

    brain: BusBrain
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    limit: int = Field(default=50, ge=1, le=500)
    q: str | None = Field(default=None, max_length=1000,
                          description="Words to search for; empty or left out lists, only spaces is refused")

    @field_validator("q")
    @classmethod
    def _q_has_words(cls, q: str | None) -> str | None:
        # Checked here, not left to the query it becomes: that error would name `question`.
        if q and "\ufffd" in q:  # "?q=a%FFb" searched for "a\ufffdb" and found nothing (a recheck)
            raise ValueError(NOT_UTF8)
        return not_blank(q) if q else None


class ListReply(BaseModel):
    memories: list[MemoryHit]
    total: int


class DeleteRequest(BusRequest):
    """`lumia.brain.memories.delete` (queue `brain`)."""

    brain: BusBrain
    id: str = Field(min_length=1, max_length=80)
    deadline: float | None = Field(default=None, description=DEADLINE_DESCRIPTION)


class DeleteReply(BaseModel):
    deleted: bool



class DocumentInfo(BaseModel):
    source: str
    chunks: int = Field(description="Chunks stored (each a memory of kind `document`)")
    created_at: float = Field(description="Unix seconds: when this version of the document was uploaded")
    preview: str = Field(description="The first 200 characters of the first chunk still stored of the document")


class DocumentsReply(BaseModel):
    """`lumia.brain.documents.list` answers a `BrainRequest`: newest first."""

    documents: list[DocumentInfo]


class DocumentDeleteRequest(BusRequest):
    """`lumia.brain.documents.delete` (queue `brain`): forget every chunk of one document."""

    brain: BusBrain
    source: str = Field(min_length=1, max_length=MAX_SOURCE_CHARS)
    deadline: float | None = Field(default=None, description=DEADLINE_DESCRIPTION)


class DocumentDeleteReply(BaseModel):
    source: str
    removed: int = Field(description="Chunks forgotten, stored and still queued; 0 when the brain has no "
                                     "document of that source")


# A page of brains: counting each on a Chroma server takes milliseconds, and eight listings of 500 at
# once went past the gateway's 10 s (a black-box pass); 100 by default.
MAX_BRAINS_LISTED, BRAINS_LISTED = 500, 100


class BrainsRequest(BusRequest):
    """`lumia.brain.list` (queue `brain`): the brains whose id starts with `prefix`."""

    prefix: str = Field(default="", max_length=300, description="With accounts, `<user_id>/`: one user's brains")
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET,
                        description="Where the page starts among the brains by name (`next_offset`)")
    limit: int = Field(default=BRAINS_LISTED, ge=1, le=MAX_BRAINS_LISTED,
                       description="How many brains the page looks at (those emptied meanwhile are left out)")


class BrainInfo(BaseModel):
    brain: str
    memory_count: int


class BrainsReply(BaseModel):
    brains: list[BrainInfo]
    next_offset: int | None = Field(default=None, description="The `offset` of the next page; null after the last")


class BrainChanged(BaseModel):
    """Core NATS, `lumia.brain.changed.<brain_key>`: what changed, so every replica's caches follow."""

    brain: str
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    cleared: bool = False
    persona_stale: bool = Field(default=True, description="Whether what was removed may be in the persona (chat "
                                                          "turns); a document's chunks never are")


class Persona(BaseModel):
    """JetStream KV `lumia_persona`, key `<brain_key>`."""

    text: str = ""
    updated_at: float | None = None
    turns_since_refresh: int = 0


class ReindexReply(BaseModel):
    brain: str
    reindexed: int
    embedder: str
    replayed: int = Field(default=0, description="Memories that came while the brain had another embedder, "
                                                 "kept aside as dead letters and now queued for ingestion again")


BrainErrorCode = Literal["bad_request", "embedder_mismatch", "not_found", "busy", "expired", "unavailable", "internal"]


class BrainError(BaseModel):
    """The reply of any `lumia.brain.*` request that failed; `code` says how."""

    error: str
    code: BrainErrorCode
    field: str | None = Field(default=None, description="The request's field at fault, for a bad_request about one")

    @model_serializer(mode="wrap")
    def _no_empty_field(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # A gateway of before reads a reply of exactly {error, code} as a refusal: with "field": null
        # it took one for an empty answer, "no memories" instead of "the store is down".
        data: dict[str, Any] = handler(self)
        if data.get("field") is None:
            data.pop("field", None)
        return data
