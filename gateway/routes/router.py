"""The router: a small model picks memory and tools before the answer; the tool registry."""

from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Response
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from pydantic import BaseModel, ValidationError

from gateway.deps import Nats, Relay
from gateway.routes.chat import ERRORS, SSE_RESPONSES, answer_json, answer_sse
from gateway.schemas import RouterChatBody, RouterChatResponse
from shared import subjects
from shared.tools import ToolDefinition, ToolDeleted, ToolList, ToolName

router = APIRouter(prefix="/router", tags=["router"])
T = TypeVar("T", bound=BaseModel)
REGISTRY_TIMEOUT = 5.0


def _fields(body: RouterChatBody) -> dict[str, Any]:
    return {**body.model_dump(exclude={"tools"}), "tools": body.tools, "route": True}


@router.post("/chat", response_model=RouterChatResponse, responses=ERRORS)
async def router_chat(body: RouterChatBody, relay: Relay) -> RouterChatResponse | JSONResponse:
    """The router decides whether memory is needed and which tools run (in parallel), then Lumia answers."""
    answer = await answer_json(relay, _fields(body))
    return answer if isinstance(answer, JSONResponse) else RouterChatResponse(**answer)


@router.post("/chat/stream", response_model=None, responses=SSE_RESPONSES)
async def router_chat_stream(body: RouterChatBody, relay: Relay) -> EventSourceResponse:
    """As `/memory/chat/stream`, with one `data: {"tool": {name, ok}}` event per tool before the first chunk."""
    return await answer_sse(relay, _fields(body))


async def _ask(nc: Nats, subject: str, body: BaseModel, reply: type[T]) -> T:
    try:
        answer = await nc.request(subject, body.model_dump_json().encode(), timeout=REGISTRY_TIMEOUT)
    except NoRespondersError as exc:
        raise HTTPException(503, "No tools_worker is running; start one (python -m tools_worker).") from exc
    except (NatsError, TimeoutError) as exc:
        raise HTTPException(503, f"The tools_worker did not answer: {type(exc).__name__}.") from exc
    try:
        return reply.model_validate_json(answer.data)
    except ValidationError as exc:
        raise HTTPException(502, "The tools_worker sent an answer the gateway cannot read.") from exc


class _Empty(BaseModel):
    pass


@router.get("/tools", response_model=list[ToolDefinition])
async def list_tools(nc: Nats) -> list[ToolDefinition]:
    return (await _ask(nc, subjects.TOOLS_LIST, _Empty(), ToolList)).tools


@router.post("/tools/register", response_model=ToolDefinition)
async def register_tool(tool: ToolDefinition, nc: Nats) -> ToolDefinition:
    """Create a tool, or update the one with this name. Every replica sees it at once."""
    return await _ask(nc, subjects.TOOLS_REGISTER, tool, ToolDefinition)


@router.delete("/tools/{name}", status_code=204, responses={404: {"description": "No tool of that name"}})
async def delete_tool(name: str, nc: Nats) -> Response:
    try:
        target = ToolName(name=name)
    except ValidationError as exc:
        raise HTTPException(404, f"No tool named '{name}'.") from exc
    if not (await _ask(nc, subjects.TOOLS_DELETE, target, ToolDeleted)).deleted:
        raise HTTPException(404, f"No tool named '{name}'.")
    return Response(status_code=204)
