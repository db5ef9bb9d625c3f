"""Contracts of the router and the tools: tool definitions, invocations, results, the decision."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from shared.request import Request

TOOL_NAME = r"^[a-zA-Z0-9_-]{1,64}$"
MAX_TOOLS = 32  # tools a request may carry, calls one invocation may make
MAX_REGISTERED = MAX_TOOLS  # tools one account (or everyone, by the admins) may register: the router reads them all


class ToolDefinition(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=TOOL_NAME, description="Unique name, `[a-zA-Z0-9_-]{1,64}`")
    description: str = Field(min_length=1, max_length=1000, description="What the tool does; the router reads it")
    callback_url: HttpUrl = Field(description="Lumia POSTs {name, input, user_id, message} here")
    input_hint: str | None = Field(default=None, max_length=1000, description="What `input` the tool expects")


class ToolCall(BaseModel):
    name: str = Field(pattern=TOOL_NAME)
    input: Any = None


class ToolResult(BaseModel):
    name: str
    ok: bool
    content: str = Field(default="", description="What the tool answered (capped), or why it failed")


class ToolRef(BaseModel):
    """A tool that ran for a message, as a stream announces it before the first chunk."""

    name: str
    ok: bool


class InvokeRequest(Request):
    """`lumia.tools.invoke`: run these calls in parallel; `tools` (ad-hoc) win over registered ones."""

    user_id: str = Field(min_length=1, max_length=128)
    message: str = Field(min_length=1, max_length=32_000)
    calls: list[ToolCall] = Field(max_length=MAX_TOOLS)
    tools: list[ToolDefinition] = Field(default_factory=list, max_length=MAX_TOOLS)
    owner: str | None = Field(default=None, description="Whose registered tools apply besides everyone's")


class InvokeReply(BaseModel):
    results: list[ToolResult]


OWNER = r"^[A-Za-z0-9_-]{1,64}$"


class ToolsQuery(Request):
    """`lumia.tools.list`: everyone's tools, and `owner`'s own (which win on a name)."""

    owner: str | None = Field(default=None, pattern=OWNER)


class ToolList(BaseModel):
    tools: list[ToolDefinition]
    shared: list[str] = Field(default_factory=list,
                              description="The names of the listed tools that are everyone's, not the owner's own")


class ToolRegistration(Request):
    """`lumia.tools.register`: a tool for `owner` only, or for everyone when `owner` is None."""

    tool: ToolDefinition
    owner: str | None = Field(default=None, pattern=OWNER)


class ToolRefused(BaseModel):
    """Why a registration was not stored: the field at fault (None: the tool as a whole) and the reason."""

    field: str | None = None
    reason: str


class ToolRegistered(BaseModel):
    """The reply of `lumia.tools.register`: the stored tool, or why it was refused."""

    tool: ToolDefinition | None = None
    refused: ToolRefused | None = None


class ToolName(Request):
    name: str = Field(pattern=TOOL_NAME)
    owner: str | None = Field(default=None, pattern=OWNER)


class ToolDeleted(BaseModel):
    deleted: bool


class ToolsError(BaseModel):
    """The reply of any `lumia.tools.*` request that is not valid: what to fix, field by field."""

    error: str
    code: Literal["bad_request"] = "bad_request"


class RouterDecision(BaseModel):
    """What the router model decides for one message."""

    use_brain: bool = False
    tools: list[ToolCall] = Field(default_factory=list)


def decision_schema(tool_names: list[str]) -> dict[str, Any]:
    """The JSON schema handed to Ollama's `format`: the model can only name offered tools."""
    call: dict[str, Any] = {
        "type": "object",
        "properties": {"name": {"type": "string", "enum": tool_names}, "input": {"type": "string"}},
        "required": ["name", "input"],
    }
    return {
        "type": "object",
        "properties": {
            "use_brain": {"type": "boolean"},
            "tools": {"type": "array", "items": call, "maxItems": MAX_TOOLS} if tool_names
            else {"type": "array", "maxItems": 0},
        },
        "required": ["use_brain", "tools"],
    }
