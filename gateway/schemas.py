"""The HTTP API's request and response bodies (the bus contracts live in `shared`)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from shared.memory.brains import BrainId
from shared.memory.messages import MAX_RESULTS, MemoryHit, MemoryText, Metadata
from shared.messages import (
    MEMORY_UNAVAILABLE,
    MEMORY_UNSAVED,
    GivenSystemPrompt,
    MemoryRef,
    OllamaStatus,
    UserId,
    UserMessage,
    Where,
    not_blank,
)
from shared.request import Request
from shared.tools import MAX_TOOLS, ToolDefinition, ToolResult

OptionalUser = UserId | None
NamedBrain = Annotated[BrainId | None, Field(
    description="The brain. With a token, left out means your own default brain (the one chats use); "
                "with LUMIA_AUTH=off it is required")]
USER_FIELD = Field(default=None, description="Your user id; with accounts it defaults to the token's user")


class RequestBody(Request):
    """A field the API does not know is a 422 naming it: a misspelled `wher` was ignored, and
    the query answered unfiltered. Null is a field left out."""


class ChatBody(RequestBody):
    user_id: OptionalUser = USER_FIELD
    message: UserMessage
    system_prompt: GivenSystemPrompt | None = Field(default=None, description="Replaces the default system prompt")
    brain_id: BrainId | None = Field(default=None, description="Which memory to use; the user's id when omitted")


class ChatResponse(BaseModel):
    response: str
    user_id: str
    context_used: bool
    context_length: int
    response_length: int
    persona_included: bool
    processing_time_ms: float
    memories_used: list[MemoryRef] = Field(default_factory=list, description="Which memories shaped the answer")
    memory_unavailable: str | None = Field(default=None, description=MEMORY_UNAVAILABLE)
    memory_unsaved: str | None = Field(default=None, description=MEMORY_UNSAVED)


class ErrorBody(BaseModel):
    detail: str
    code: str


class WorkerCheck(BaseModel):
    ok: bool
    instance: str | None = None
    error: str | None = None


class HealthChecks(BaseModel):
    nats: bool
    workers: dict[str, WorkerCheck]
    ollama: OllamaStatus | None


class HealthResponse(BaseModel):
    status: Literal["healthy", "degraded"]
    service: str = "Memory"
    memory_cache_size: int
    checks: HealthChecks


class IngestItemBody(RequestBody):
    content: MemoryText
    metadata: Metadata = Field(
        default_factory=dict,
        description="Stored and returned with the memory. `timestamp` (Unix seconds, ISO 8601, or written like "
                    "'14 March 2026' or '9:30 am on 14 March, 2026') dates it: when it was said, at most a day "
                    "ahead of now",
    )


class IngestBody(IngestItemBody):
    user_id: OptionalUser = Field(default=None, description="Your user id, if you send one: with accounts it "
                                                             "must be the token's user")
    customer_id: NamedBrain = None


class IngestBatchBody(RequestBody):
    user_id: OptionalUser = Field(default=None, description="Your user id, if you send one: with accounts it "
                                                             "must be the token's user")
    customer_id: NamedBrain = None
    items: list[IngestItemBody] = Field(min_length=1, max_length=1000)


class IngestAccepted(BaseModel):
    id: str


class IngestBatchAccepted(BaseModel):
    ids: list[str]


class QueryBody(RequestBody):
    user_id: OptionalUser = Field(default=None, description="Your user id, if you send one: with accounts it "
                                                             "must be the token's user")
    customer_id: NamedBrain = None
    question: MemoryText
    # Strict: `true` taken as 1 result, or "yes" as asking for an answer, hides a client's mistake.
    n_results: int = Field(default=3, ge=1, le=MAX_RESULTS, strict=True)
    where: Where = Field(default=None, description="Chroma metadata filter, e.g. {\"topic\": \"work\"}")
    answer: bool = Field(default=False, strict=True,
                         description="Also generate an answer from the results with the LLM")


class TimeWindow(BaseModel):
    start: datetime = Field(description="Where the time the question names begins, in LUMIA_TIMEZONE")
    end: datetime = Field(description="Where it ends (excluded)")
    only: bool = Field(description="true: the results are of that time alone (the question asks of the past); "
                                   "false: of all time, that time's first")


class QueryResponse(BaseModel):
    results: list[MemoryHit]
    answer: str | None = None
    time_window: TimeWindow | None = Field(default=None, description="The time the question names, as the "
                                           "results were found; null when it names none, or nothing was said then")


class DocumentAccepted(BaseModel):
    source: str
    ids: list[str]


class ThreadCreate(RequestBody):
    user_id: OptionalUser = USER_FIELD
    brain_id: BrainId | None = Field(
        default=None, description="The memory this thread uses; left out, your own default brain (the one chats use)")
    system_prompt: GivenSystemPrompt | None = Field(default=None, description="The thread's personality")
    # The length on the text, not on the optional: "at most 200 items" said pydantic (a recheck).
    title: Annotated[str, Field(min_length=1, max_length=200), AfterValidator(not_blank)] | None = Field(
        default=None, description="Derived from the first message when omitted")
    initial_message: UserMessage | None = Field(default=None, description="Stored as the first user message")


class ThreadOut(BaseModel):
    thread_id: str
    user_id: str
    brain_id: str
    system_prompt: str | None
    title: str
    created_at: datetime
    updated_at: datetime
    message_count: int = Field(description="Every stored message, user and assistant")
    last_message: str | None


class ThreadChatBody(RequestBody):
    message: UserMessage
    user_id: OptionalUser = USER_FIELD
    thread_id: str | None = Field(default=None, description="When given, must be the thread of the path")
    brain_id: BrainId | None = Field(default=None, description="Another brain for this message only")
    system_prompt: GivenSystemPrompt | None = Field(default=None,
                                                    description="Another personality for this message only")


class ThreadChatResponse(ChatResponse):
    thread_id: str


class ThreadMessageOut(BaseModel):
    role: Literal["user", "assistant"]
    content: str
    created_at: datetime
    brain_id: str
    status: Literal["complete", "pending", "failed"] = Field(
        description="A user message is `pending` while answered and `failed` when its answer failed")


class RouterChatBody(RequestBody):
    user_id: OptionalUser = USER_FIELD
    message: UserMessage
    tools: list[ToolDefinition] = Field(default_factory=list, max_length=MAX_TOOLS,
                                        description="Tools for this request only; they win over registered ones")
    system_prompt: GivenSystemPrompt | None = None
    brain_id: BrainId | None = None


class RouterChatResponse(BaseModel):
    response: str
    used_brain: bool
    tools_invoked: list[ToolResult]
    context_used: bool
    context_length: int
    persona_included: bool
    response_length: int
    processing_time_ms: float
    memories_used: list[MemoryRef] = Field(default_factory=list, description="Which memories shaped the answer")
    memory_unavailable: str | None = Field(default=None, description=MEMORY_UNAVAILABLE)
    memory_unsaved: str | None = Field(default=None, description=MEMORY_UNSAVED)
