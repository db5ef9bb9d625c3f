"""Chat over HTTP: one JSON answer, an SSE stream, or the legacy plain-text stream."""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.sse import EventSourceResponse, format_sse_event

from gateway.auth import Identity
from gateway.deps import Caller, Relay
from gateway.relay import ChatRelay
from gateway.schemas import ChatBody, ChatResponse, ErrorBody
from shared.messages import ChatEvent, ErrorCode, MemoryRef, TurnStats

router = APIRouter(tags=["chat"])

_STATUS = {
    ErrorCode.BAD_REQUEST: 422,
    ErrorCode.OLLAMA_UNAVAILABLE: 503,
    ErrorCode.MODEL_MISSING: 503,
    ErrorCode.OLLAMA_ERROR: 502,
    ErrorCode.WORKER_UNAVAILABLE: 503,
    ErrorCode.BUS_UNAVAILABLE: 503,
    ErrorCode.WORKER_TIMEOUT: 504,
    ErrorCode.STREAM_GAP: 502,
    ErrorCode.CANCELLED: 503,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.TOO_MANY: 429,
    ErrorCode.SHUTTING_DOWN: 503,
    ErrorCode.INTERNAL: 500,
}
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in sorted(set(_STATUS.values()) - {422})
}


def error_response(event: ChatEvent) -> JSONResponse:
    code = event.code or ErrorCode.INTERNAL
    body = ErrorBody(detail=event.error or "The chat failed.", code=code)
    # A slot frees when one of the user's answers ends, usually within seconds.
    headers = {"Retry-After": "2"} if code == ErrorCode.TOO_MANY else None
    return JSONResponse(body.model_dump(), status_code=_STATUS[code], headers=headers)


def _summary(user_id: str, stats: TurnStats | None, started: float) -> dict[str, Any]:
    stats = stats or TurnStats()
    summary = {
        "user_id": user_id,
        "context_used": stats.context_used,
        "context_length": stats.context_length,
        "response_length": stats.response_length,
        "persona_included": stats.persona_included,
        "processing_time_ms": round((time.perf_counter() - started) * 1000, 2),
    }
    if stats.memory_unavailable is not None:  # else an answer without memory looks like one that needed none
        summary["memory_unavailable"] = stats.memory_unavailable
    if stats.memory_unsaved is not None:
        summary["memory_unsaved"] = stats.memory_unsaved
    if stats.used_brain is not None:  # a routed chat says what the router chose
        summary["used_brain"] = stats.used_brain
        summary["tools_invoked"] = [t.model_dump() for t in stats.tools_invoked or []]
    return summary


def _sse(payload: dict[str, Any]) -> bytes:
    return format_sse_event(data_str=json.dumps(payload, ensure_ascii=False))


async def answer_json(relay: ChatRelay, fields: dict[str, Any], request: Request,
                      **extra: Any) -> dict[str, Any] | JSONResponse:
    """Relay one chat and gather it into the JSON answer (plus `extra` fields), or an error response.

    If the client of `request` goes away first, the turn is cancelled like a stream's."""
    started = time.perf_counter()
    parts: list[str] = []
    memories: list[MemoryRef] = []
    async with aclosing(await relay.open(**fields)) as events:
        gather = asyncio.ensure_future(anext(events, None))
        gone = asyncio.ensure_future(_disconnected(request))
        try:
            while True:
                waiting: set[asyncio.Future[Any]] = {gather, gone}
                await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                if not gather.done():  # the client left: closing `events` cancels the turn
                    gather.cancel()
                    with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                        await gather
                    return error_response(ChatEvent(seq=0, type="error", code=ErrorCode.CANCELLED,
                                                    error="The client went away."))
                event = gather.result()
                if event is None:
                    break
                if event.type == "delta":
                    parts.append(event.text)
                elif event.type == "context":
                    memories = event.memories or []
                elif event.type == "error":
                    return error_response(event)
                elif event.type == "done":
                    return {"response": "".join(parts), "memories_used": memories,
                            **_summary(fields["user_id"], event.stats, started), **extra}
                gather = asyncio.ensure_future(anext(events, None))
        finally:
            gone.cancel()
    ended = ChatEvent(seq=0, type="error", code=ErrorCode.INTERNAL, error="The stream ended without an answer.")
    return error_response(ended)


async def _disconnected(request: Request) -> None:
    # The body has been read, so the next message is the client leaving.
    while (await request.receive())["type"] != "http.disconnect":
        pass


async def answer_sse(relay: ChatRelay, fields: dict[str, Any], **extra: Any) -> EventSourceResponse:
    """Relay one chat as Server-Sent Events; the final `done` event carries `extra` fields too."""
    started = time.perf_counter()
    opened = await relay.open(**fields)

    async def events() -> AsyncIterator[bytes]:
        async with aclosing(opened) as stream:
            async for event in stream:
                if event.type == "delta":
                    yield _sse({"chunk": event.text})
                elif event.type == "context":
                    yield _sse({"context": [m.model_dump() for m in event.memories or []]})
                elif event.type == "tool" and event.tool is not None:
                    yield _sse({"tool": event.tool.model_dump()})
                elif event.type == "done":
                    yield _sse({"done": True, **_summary(fields["user_id"], event.stats, started), **extra})
                elif event.type == "error":
                    yield _sse({"error": event.error, "code": event.code, "done": True})

    return EventSourceResponse(events(), headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


SSE_RESPONSES: dict[int | str, dict[str, Any]] = {200: {"content": {"text/event-stream": {}}}}


def chat_fields(caller: Identity, body: ChatBody) -> dict[str, Any]:
    user = caller.user(body.user_id)
    return {"user_id": user, "message": body.message, "system_prompt": body.system_prompt,
            "brain_id": caller.chat_brain(body.brain_id, user)}


@router.post("/memory/chat", response_model=ChatResponse, responses=ERRORS)
async def chat(body: ChatBody, relay: Relay, caller: Caller, request: Request) -> ChatResponse | JSONResponse:
    """Answer in one JSON document."""
    answer = await answer_json(relay, chat_fields(caller, body), request)
    return answer if isinstance(answer, JSONResponse) else ChatResponse(**answer)


@router.post("/memory/chat/stream", response_model=None, responses=SSE_RESPONSES)
async def chat_stream(body: ChatBody, relay: Relay, caller: Caller) -> EventSourceResponse:
    """Stream the answer as Server-Sent Events.

    Every line is `data: <json>`: `{"context": [{id, score, snippet}]}` first when
    memories shaped the answer, `{"chunk": ...}` per piece of text, then
    `{"done": true, ...statistics}` or `{"error": ..., "done": true}`.
    No comment pings: simple clients parse every non-empty line as JSON.
    """
    return await answer_sse(relay, chat_fields(caller, body))


@router.post(
    "/chat",
    response_class=StreamingResponse,
    response_model=None,
    responses={200: {"content": {"text/plain": {}}}, **ERRORS},
)
async def legacy_chat(body: ChatBody, relay: Relay, caller: Caller) -> StreamingResponse | JSONResponse:
    """Legacy: the answer as plain text chunks. Fails with a JSON error before the first chunk,
    or with a final `[error: ...]` line after it."""
    stream = await relay.open(**chat_fields(caller, body))
    try:
        first = await anext(stream)
    except BaseException:
        await stream.aclose()
        raise
    if first.type == "error":
        await stream.aclose()
        return error_response(first)

    async def text() -> AsyncIterator[str]:
        async with aclosing(stream):
            event = first
            while True:
                if event.type == "delta":
                    yield event.text
                elif event.type == "error":
                    yield f"\n[error: {event.error}]\n"
                    return
                elif event.type == "done":
                    return
                event = await anext(stream)

    return StreamingResponse(text(), media_type="text/plain; charset=utf-8")
