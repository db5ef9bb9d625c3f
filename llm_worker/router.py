"""The router, broker-free: a small model decides whether memory is used and which tools run.

Retrieval starts at once, alongside the decision; the chosen tools then run in
parallel with whatever retrieval has left. A decision the model gets wrong
(unreadable, empty, a failed call, more tools than MAX_TOOLS) never breaks the
chat: Lumia falls back to "use memory if the brain has relevant memories, no
tools" and logs why.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from llm_worker.memory import Recollection
from shared.messages import ChatRequest
from shared.ollama import OllamaClient, OllamaError
from shared.prompts import build_router_messages
from shared.tools import MAX_TOOLS, RouterDecision, ToolCall, ToolDefinition, ToolResult, decision_schema

log = logging.getLogger("lumia.llm.router")

ListTools = Callable[[str | None], Awaitable[list[ToolDefinition]]]
Invoke = Callable[[ChatRequest, list[ToolCall]], Awaitable[list[ToolResult]]]
Recall = Callable[[ChatRequest], Coroutine[Any, Any, Recollection]]


@dataclass
class Plan:
    use_brain: bool
    known: Recollection
    results: list[ToolResult] = field(default_factory=list)


def offered_tools(registered: list[ToolDefinition], adhoc: list[ToolDefinition]) -> list[ToolDefinition]:
    """Registered tools, with a request's own tools winning over a registered one of the same name."""
    by_name = {tool.name: tool for tool in registered}
    by_name.update({tool.name: tool for tool in adhoc})
    return list(by_name.values())


class Router:
    def __init__(self, ollama: OllamaClient, model: str, timeout: float, list_tools: ListTools,
                 invoke: Invoke) -> None:
        self._ollama = ollama
        self._model = model
        self._timeout = timeout
        self._list_tools = list_tools
        self._invoke = invoke

    async def decide(self, message: str, tools: list[ToolDefinition]) -> RouterDecision | None:
        names = [tool.name for tool in tools]
        try:
            async with asyncio.timeout(self._timeout):
                text = await self._ollama.chat(self._model, build_router_messages(message, tools),
                                               options={"temperature": 0}, format=decision_schema(names))
            decision = RouterDecision.model_validate_json(text)
        except (OllamaError, TimeoutError, ValidationError) as exc:
            log.warning("router model %s gave no usable decision (%s); falling back to memory only",
                        self._model, getattr(exc, "message", None) or type(exc).__name__)
            return None
        calls: dict[str, ToolCall] = {}
        for call in decision.tools:
            if call.name in names and call.name not in calls:  # one call per tool, offered tools only
                calls[call.name] = call
            elif call.name not in names:
                log.warning("router model chose a tool that was not offered: %r", call.name)
        if len(calls) > MAX_TOOLS:  # past the schema's maxItems: more than one invocation may run
            log.warning("router model %s chose %d tools, more than %d; falling back to memory only",
                        self._model, len(calls), MAX_TOOLS)
            return None
        return RouterDecision(use_brain=decision.use_brain, tools=list(calls.values()))

    async def plan(self, request: ChatRequest, recall: Recall) -> Plan:
        retrieval: asyncio.Task[Recollection] = asyncio.create_task(recall(request))
        try:
            tools = offered_tools(await self._list_tools(request.tools_owner), request.tools)
            decision = await self.decide(request.message, tools)
            if decision is None:
                known = await retrieval
                return Plan(use_brain=bool(known.memories), known=known)
            results = await self._invoke(request, decision.tools) if decision.tools else []
            known = await retrieval if decision.use_brain else Recollection()
            return Plan(use_brain=decision.use_brain, known=known, results=results)
        finally:
            if not retrieval.done():
                retrieval.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await retrieval
