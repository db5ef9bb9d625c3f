"""What the llm_worker asks of the tools_worker, over the bus: the registered tools, and
running the chosen ones. A missing or silent tools_worker fails the tools, not the chat."""

import logging

from nats.aio.client import Client
from nats.errors import Error as NatsError
from pydantic import ValidationError

from shared import subjects
from shared.messages import ChatRequest, describe_validation_error
from shared.tools import InvokeReply, InvokeRequest, ToolCall, ToolDefinition, ToolList, ToolResult, ToolsQuery

log = logging.getLogger("lumia.llm.tools")
LIST_TIMEOUT = 2.0


class BusTools:
    def __init__(self, nc: Client, tool_timeout: float) -> None:
        self._nc = nc
        self._invoke_timeout = tool_timeout + 2.0  # the tools_worker's own deadline comes first

    async def registered(self, owner: str | None) -> list[ToolDefinition]:
        try:
            query = ToolsQuery(owner=owner).model_dump_json().encode()
            reply = await self._nc.request(subjects.TOOLS_LIST, query, timeout=LIST_TIMEOUT)
            return ToolList.model_validate_json(reply.data).tools
        except (NatsError, TimeoutError, ValidationError) as exc:
            log.warning("registered tools unavailable (%s); offering the request's own tools only",
                        type(exc).__name__)
            return []

    async def invoke(self, request: ChatRequest, calls: list[ToolCall]) -> list[ToolResult]:
        try:
            body = InvokeRequest(user_id=request.user_id, message=request.message, calls=calls,
                                 tools=request.tools, owner=request.tools_owner)
        except ValidationError as exc:  # the router keeps to the limits; this keeps a slip from failing the chat
            why = describe_validation_error(exc)
            log.warning("request %s: tools not run (%s)", request.request_id, why)
            return [ToolResult(name=c.name, ok=False, content=f"not run: {why}") for c in calls]
        try:
            reply = await self._nc.request(subjects.TOOLS_INVOKE, body.model_dump_json().encode(),
                                           timeout=self._invoke_timeout)
            return InvokeReply.model_validate_json(reply.data).results
        except (NatsError, TimeoutError, ValidationError) as exc:
            log.warning("request %s: tools failed (%s)", request.request_id, type(exc).__name__)
            return [ToolResult(name=c.name, ok=False, content="no tools_worker answered") for c in calls]
