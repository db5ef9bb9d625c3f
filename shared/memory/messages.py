"""Bus messages of the memory side: ingestion, retrieval, stats and housekeeping."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.memory.brains import BrainId

MAX_MEMORY_CHARS = 32_000
MAX_RESULTS = 100

MetadataValue = str | int | float | bool
Metadata = Annotated[
    dict[str, MetadataValue],
    Field(max_length=32, description="Flat key/value pairs, stored and returned with the memory"),
]
MemoryKind = Literal["turn", "note", "document"]


class MemoryItem(BaseModel):
    """Published to JetStream on `lumia.memory.ingest.<brain_key>` with `Nats-Msg-Id: <id>`."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=8, max_length=80, pattern=r"^[A-Za-z0-9_.:-]+$")
    brain: BrainId
    content: str = Field(min_length=1, max_length=MAX_MEMORY_CHARS)
    kind: MemoryKind = "note"
    created_at: float = Field(description="Unix seconds: when it was said or added")
    metadata: Metadata = Field(default_factory=dict)


class ContextJob(BaseModel):
    """Published to JetStream on `lumia.memory.context.<brain_key>` with `Nats-Msg-Id: ctx:<id>`
    once a memory is stored: embed it with the turn before it (shared/memory/context.py)."""

    brain: BrainId
    id: str = Field(min_length=1, max_length=80)


class MemoryHit(BaseModel):
    id: str
    content: str
    metadata: dict[str, Any]
    score: float | None = Field(
        default=None,
        description="Similarity to the question, 0..1: the mean cosine of the memory and of it with its neighbours",
    )


class QueryRequest(BaseModel):
    """`lumia.brain.query` (queue `brain`)."""

    brain: BrainId
    question: str = Field(min_length=1, max_length=MAX_MEMORY_CHARS)
    n_results: int = Field(default=3, ge=1, le=MAX_RESULTS)
    where: dict[str, Any] | None = Field(default=None, description="Chroma metadata filter")
    relevant_only: bool = Field(default=False, description="Drop memories below the relevance threshold")
    include_persona: bool = False


class QueryReply(BaseModel):
    results: list[MemoryHit] = Field(default_factory=list)
    persona: str | None = None
    time_window: tuple[float, float] | None = None
    error: str | None = None
    code: str | None = None


class BrainRequest(BaseModel):
    """`lumia.brain.stats` and `lumia.brain.clear` (queue `brain`)."""

    brain: BrainId


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


class ListRequest(BaseModel):
    """`lumia.brain.memories.list` (queue `brain`): newest first, or best first with `q`."""

    brain: BrainId
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=50, ge=1, le=500)
    q: str | None = Field(default=None, max_length=1000)


class ListReply(BaseModel):
    memories: list[MemoryHit]
    total: int


class DeleteRequest(BaseModel):
    """`lumia.brain.memories.delete` (queue `brain`)."""

    brain: BrainId
    id: str = Field(min_length=1, max_length=80)


class DeleteReply(BaseModel):
    deleted: bool


class BrainChanged(BaseModel):
    """Core NATS, `lumia.brain.changed.<brain_key>`: what changed, so every replica's caches follow."""

    brain: str
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    cleared: bool = False


class Persona(BaseModel):
    """JetStream KV `lumia_persona`, key `<brain_key>`."""

    text: str = ""
    updated_at: float | None = None
    turns_since_refresh: int = 0


class ReindexReply(BaseModel):
    brain: str
    reindexed: int
    embedder: str


class BrainError(BaseModel):
    """The reply of any `lumia.brain.*` request that failed; `code` says how."""

    error: str
    code: Literal["bad_request", "embedder_mismatch", "not_found", "internal"]
