"""tools_worker: the tool registry and HTTP tool callbacks.

Consumes (request/reply, queue `tools`)
- `lumia.tools.invoke`: `InvokeRequest` → `InvokeReply`; the calls run in parallel, each
  with its own deadline (LUMIA_TOOL_TIMEOUT), retries on connection errors and 5xx,
  the outbound address policy (LUMIA_TOOL_ALLOWED_NETWORKS) and a size cap.
- `lumia.tools.list`: `ToolsQuery` → `ToolList` (everyone's tools and the owner's own; `shared`
  names everyone's).
- `lumia.tools.register`: `ToolRegistration` → `ToolRegistered` (create or update by name, for one
  account or for everyone; refused when the callback is an address a call would always be
  refused, or when the owner already has MAX_REGISTERED tools).
- `lumia.tools.delete`: `ToolName` → `ToolDeleted`.
- `lumia.tools.ping`: health probe.
A request that is not valid is answered with `ToolsError` (`code` `bad_request`) naming the field.

The registry is the JetStream key-value bucket `lumia_tools`: every replica sees
the same tools at once, and they survive restarts.

Run: `python -m tools_worker`.
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from faststream import Context, ContextRepo, FastStream
from faststream.middlewares import ExceptionMiddleware
from pydantic import ValidationError

from shared import subjects
from shared.bus import bucket, instance_name, make_app, make_broker
from shared.messages import WorkerStatus, describe_validation_error
from shared.settings import Settings, get_settings
from shared.tools import (
    MAX_REGISTERED,
    InvokeReply,
    InvokeRequest,
    ToolDeleted,
    ToolList,
    ToolName,
    ToolRefused,
    ToolRegistered,
    ToolRegistration,
    ToolResult,
    ToolsError,
    ToolsQuery,
)
from tools_worker.callbacks import CallbackLimits, ToolCaller, shown
from tools_worker.policy import OutboundPolicy, Refused
from tools_worker.registry import ToolRegistry

log = logging.getLogger("lumia.tools")


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or get_settings()
    instance = instance_name("tools")
    errors = ExceptionMiddleware()
    broker = make_broker(settings.nats_servers, instance, middlewares=[errors])

    @errors.add_handler(ValidationError, publish=True)
    async def on_invalid(exc: ValidationError) -> ToolsError:
        # (Every handler names its message `request`, which describe_validation_error leaves out of a field's path.)
        # Answered, not only logged: the asker would otherwise wait out its timeout for nothing.
        return ToolsError(error=describe_validation_error(exc))

    @asynccontextmanager
    async def lifespan(context: ContextRepo) -> AsyncIterator[None]:
        policy = OutboundPolicy.from_setting(settings.tool_allowed_networks)
        limits = CallbackLimits(timeout=settings.tool_timeout, max_bytes=settings.tool_max_bytes)
        # No redirects, no proxies from the environment: the checked address is the one reached.
        async with httpx.AsyncClient(follow_redirects=False, trust_env=False,
                                     timeout=httpx.Timeout(settings.tool_timeout)) as http:
            await broker.connect()
            js = broker.connection.jetstream()
            tools = await bucket(js, subjects.TOOLS_BUCKET, settings.jetstream_replicas)
            context.set_global("registry", ToolRegistry(tools, js))
            context.set_global("caller", ToolCaller(http, policy, limits))
            context.set_global("policy", policy)
            yield

    @broker.subscriber(subjects.TOOLS_INVOKE, queue=subjects.QUEUE_TOOLS, max_workers=64)
    async def on_invoke(request: InvokeRequest, registry: ToolRegistry = Context(),
                        caller: ToolCaller = Context()) -> InvokeReply:
        adhoc = {tool.name: tool for tool in request.tools}

        async def run(call_index: int) -> ToolResult:
            call = request.calls[call_index]
            tool = adhoc.get(call.name) or await registry.get(call.name, request.owner)
            if tool is None:
                return ToolResult(name=call.name, ok=False, content="no such tool")
            return await caller.call(tool, call, request.user_id, request.message)

        results = await asyncio.gather(*(run(i) for i in range(len(request.calls))))
        for result in results:
            log.info("tool %s for %s: %s", result.name, request.user_id, "ok" if result.ok else result.content)
        return InvokeReply(results=list(results))

    @broker.subscriber(subjects.TOOLS_LIST, queue=subjects.QUEUE_TOOLS)
    async def on_list(request: ToolsQuery, registry: ToolRegistry = Context()) -> ToolList:
        return await registry.visible(request.owner)

    @broker.subscriber(subjects.TOOLS_REGISTER, queue=subjects.QUEUE_TOOLS)
    async def on_register(request: ToolRegistration, registry: ToolRegistry = Context(),
                          policy: OutboundPolicy = Context()) -> ToolRegistered:
        tool, owner = request.tool, request.owner
        try:  # an address every call would refuse is refused now; a host name is resolved at call time
            policy.check_literal(str(tool.callback_url))
        except Refused as exc:
            return ToolRegistered(refused=ToolRefused(field="callback_url",
                                                      reason=f"every call to this address would be refused: {exc}"))
        held = await registry.names(owner)
        if tool.name not in held and len(held) >= MAX_REGISTERED:
            whose = "You already have" if owner is not None else "Everyone already has"
            return ToolRegistered(refused=ToolRefused(reason=(
                f"{whose} {len(held)} registered tools, the most allowed ({MAX_REGISTERED}: the router reads "
                "every one for each message); delete one, or update one by registering its name again.")))
        await registry.put(tool, owner)
        log.info("registered tool %s for %s -> %s", tool.name, owner or "everyone", shown(str(tool.callback_url)))
        return ToolRegistered(tool=tool)

    @broker.subscriber(subjects.TOOLS_DELETE, queue=subjects.QUEUE_TOOLS)
    async def on_delete(request: ToolName, registry: ToolRegistry = Context()) -> ToolDeleted:
        return ToolDeleted(deleted=await registry.delete(request.name, request.owner))

    @broker.subscriber(subjects.worker_ping("tools"), queue=subjects.QUEUE_TOOLS)
    async def on_ping() -> WorkerStatus:
        return WorkerStatus(kind="tools", instance=instance)

    return make_app(broker, "tools", __doc__, lifespan=lifespan)
