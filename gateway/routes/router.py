"""The router: a small model picks memory and tools before the answer; the tool registry."""

from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse
from pydantic import BaseModel, Field, HttpUrl, ValidationError

from gateway.auth import Identity
from gateway.bus_client import ask
from gateway.deps import AccountStore, AppSettings, Caller, Nats, Relay
from gateway.errors import invalid
from gateway.routes.chat import ERRORS, SSE_RESPONSES, answer_json, answer_sse
from gateway.schemas import RouterChatBody, RouterChatResponse
from shared import subjects
from shared.tools import (
    ToolDefinition,
    ToolDeleted,
    ToolList,
    ToolName,
    ToolRegistered,
    ToolRegistration,
    ToolsQuery,
)

router = APIRouter(prefix="/router", tags=["router"])
REGISTRY_TIMEOUT = 5.0
T = TypeVar("T", bound=BaseModel)
ForEveryone = Annotated[bool, Query(description="Register or remove a tool for every user (LUMIA_TOOL_ADMINS only)")]


class ListedTool(BaseModel):
    """A tool as `GET /router/tools` shows it: the callback URL (which may hold credentials) only to
    whoever may change the tool."""

    name: str
    description: str
    input_hint: str | None = None
    callback_url: HttpUrl | None = Field(
        default=None, description="Your own tools', and everyone's for LUMIA_TOOL_ADMINS (or without accounts)")
    shared: bool = Field(description="A tool for everyone, registered by an admin")


def _fields(body: RouterChatBody, caller: Identity) -> dict[str, Any]:
    user = caller.user(body.user_id)
    return {"user_id": user, "message": body.message, "system_prompt": body.system_prompt,
            "brain_id": caller.chat_brain(body.brain_id, user), "tools": body.tools, "route": True,
            "tools_owner": caller.user_id}


@router.post("/chat", response_model=RouterChatResponse, responses=ERRORS)
async def router_chat(body: RouterChatBody, relay: Relay, caller: Caller,
                      request: Request) -> RouterChatResponse | JSONResponse:
    """The router decides whether memory is needed and which tools run (in parallel), then Lumia answers."""
    answer = await answer_json(relay, _fields(body, caller), request)
    return answer if isinstance(answer, JSONResponse) else RouterChatResponse(**answer)


@router.post("/chat/stream", response_model=None, responses=SSE_RESPONSES)
async def router_chat_stream(body: RouterChatBody, relay: Relay, caller: Caller) -> EventSourceResponse:
    """As `/memory/chat/stream`, with one `data: {"tool": {name, ok}}` event per tool before the first chunk."""
    return await answer_sse(relay, _fields(body, caller))


async def _ask_tools(nc: Nats, subject: str, body: BaseModel, reply: type[T]) -> T:
    return await ask(nc, subject, body, reply, REGISTRY_TIMEOUT, worker="tools_worker")


def _admins(settings: AppSettings) -> set[str]:
    return {name.strip() for name in settings.tool_admins.split(",") if name.strip()}


async def _is_admin(caller: Identity, accounts: AccountStore, settings: AppSettings) -> bool:
    user = await accounts.get(caller.user_id) if caller.user_id is not None else None
    return user is not None and user.username in _admins(settings)


async def _owner(caller: Identity, for_everyone: bool, accounts: AccountStore, settings: AppSettings) -> str | None:
    """Whose tool this is: the caller's own, or everyone's (always, without accounts)."""
    if caller.user_id is None:
        return None
    if not for_everyone:
        return caller.user_id
    if not await _is_admin(caller, accounts, settings):
        raise HTTPException(403, "Only the users in LUMIA_TOOL_ADMINS may change tools for everyone.")
    return None


@router.get("/tools", response_model=list[ListedTool])
async def list_tools(nc: Nats, caller: Caller, accounts: AccountStore, settings: AppSettings) -> list[ListedTool]:
    """Everyone's tools and your own (yours win on a name). The callback URL of a tool for everyone
    is shown only to LUMIA_TOOL_ADMINS, who may change it."""
    listing = await _ask_tools(nc, subjects.TOOLS_LIST, ToolsQuery(owner=caller.user_id), ToolList)
    shared = set(listing.shared)
    sees_shared = caller.user_id is None or (bool(shared) and await _is_admin(caller, accounts, settings))
    return [ListedTool(name=tool.name, description=tool.description, input_hint=tool.input_hint,
                       callback_url=tool.callback_url if sees_shared or tool.name not in shared else None,
                       shared=tool.name in shared)
            for tool in listing.tools]


@router.post("/tools/register", response_model=ToolDefinition)
async def register_tool(tool: ToolDefinition, nc: Nats, caller: Caller, accounts: AccountStore,
                        settings: AppSettings, for_everyone: ForEveryone = False) -> ToolDefinition:
    """Create a tool, or update the one with this name. Every replica sees it at once. A callback
    to an address every call would refuse, or a tool past the most one may register, is a 422."""
    registration = ToolRegistration(tool=tool, owner=await _owner(caller, for_everyone, accounts, settings))
    registered = await _ask_tools(nc, subjects.TOOLS_REGISTER, registration, ToolRegistered)
    if registered.tool is None:
        refused = registered.refused
        reason = refused.reason if refused is not None else "The tools_worker did not store the tool."
        field = (refused.field,) if refused is not None and refused.field else ()
        raise invalid(("body", *field), reason)  # not echoed: a callback URL may hold credentials
    return registered.tool


@router.delete("/tools/{name}", status_code=204, responses={404: {"description": "No tool of that name"}})
async def delete_tool(name: str, nc: Nats, caller: Caller, accounts: AccountStore, settings: AppSettings,
                      for_everyone: ForEveryone = False) -> Response:
    try:
        target = ToolName(name=name, owner=await _owner(caller, for_everyone, accounts, settings))
    except ValidationError as exc:
        raise HTTPException(404, f"No tool named '{name}'.") from exc
    if not (await _ask_tools(nc, subjects.TOOLS_DELETE, target, ToolDeleted)).deleted:
        raise HTTPException(404, f"No tool named '{name}'.")
    return Response(status_code=204)
