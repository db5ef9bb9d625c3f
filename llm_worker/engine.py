"""One chat turn, broker-free: prompt in, ordered `ChatEvent`s out."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo

from llm_worker.memory import BadMemoryFilter, Recollection
from llm_worker.router import Recall, Router
from llm_worker.threads import ThreadNotFound
from shared.messages import ChatEvent, ChatRequest, ErrorCode, TurnStats
from shared.ollama import OllamaClient, OllamaError
from shared.prompts import (
    PromptTooLong,
    Turn,
    answer_system_prompt,
    build_messages,
    check_message_fits,
    context_block,
    fit_context,
    today_in,
)
from shared.tools import ToolRef, ToolResult

log = logging.getLogger("lumia.llm.engine")

Publish = Callable[[ChatEvent], Awaitable[None]]

Remember = Callable[[ChatRequest, str], Awaitable[str | None]]  # why the turn was not remembered
Keep = Callable[[str], Awaitable[None]]


SETTLE_WAIT = 5.0  # seconds a failure's record (a thread question marked failed) may hold up its error event


class EventStream:
    """Numbers events in the order they are published; the lock keeps the
    keepalive ticker and the token loop from interleaving out of order."""

    def __init__(self, publish: Publish) -> None:
        self._publish = publish
        self._lock = asyncio.Lock()
        self._next_seq = 0
        self.last_sent = time.monotonic()
        self.finished = False
        self.error: ErrorCode | None = None  # the code the stream ended with, if it failed
        # Runs before the error event goes out, so what the asker reads next already shows the failure.
        self.before_failing: Callable[[ErrorCode], Awaitable[None]] | None = None

    async def emit(self, type_: str, **fields: object) -> None:
        async with self._lock:
            if self.finished:
                return
            event = ChatEvent(seq=self._next_seq, type=type_, **fields)
            self._next_seq += 1
            self.finished = event.is_final
            self.last_sent = time.monotonic()
            await self._publish(event)

    async def fail(self, code: ErrorCode, message: str) -> None:
        if self.finished:
            return
        self.error = code
        if self.before_failing is not None:
            settle, self.before_failing = self.before_failing, None
            try:
                # Bounded: a database that hangs must not keep the asker from hearing why.
                await asyncio.wait_for(asyncio.shield(settle(code)), SETTLE_WAIT)
            except Exception:  # the asker is still told why the answer failed
                log.exception("could not record the failure before reporting it")
        await self.emit("error", code=code, error=message)


async def _keepalive(events: EventStream, interval: float) -> None:
    while True:
        await asyncio.sleep(interval - (time.monotonic() - events.last_sent))
        if time.monotonic() - events.last_sent >= interval:
            await events.emit("keepalive")


@dataclass(frozen=True, slots=True)
class Window:
    """How many tokens one request may hold (Ollama's num_ctx), and how many of them the answer gets."""

    tokens: int
    answer_tokens: int

    @property
    def prompt_budget(self) -> int:
        return self.tokens - self.answer_tokens

    @property
    def options(self) -> dict[str, int]:
        return {"num_ctx": self.tokens, "num_predict": self.answer_tokens}


def system_prompt_of(request: ChatRequest, default_system_prompt: str) -> str:
    system_prompt = request.system_prompt or default_system_prompt
    return answer_system_prompt(system_prompt) if request.purpose == "answer" else system_prompt


def check_fits(request: ChatRequest, default_system_prompt: str, window: Window | None) -> None:
    """Raise PromptTooLong, as `stream_turn` would, when the message cannot fit the window at all."""
    check_message_fits(system_prompt_of(request, default_system_prompt), request.message,
                       window.prompt_budget if window else None)


async def stream_turn(
    request: ChatRequest,
    events: EventStream,
    ollama: OllamaClient,
    *,
    model: str,
    default_system_prompt: str,
    keepalive_interval: float,
    recall: Recall | None = None,
    remember: Remember | None = None,
    history: Sequence[Turn] = (),
    window: Window | None = None,
    keep: Keep | None = None,
    router: Router | None = None,
    zone: tzinfo = UTC,
) -> None:
    """Stream one answer. Ends with exactly one `done` or `error`, unless cancelled.

    With a `window`, the prompt (system prompt, memories, `history`, message) is fitted
    to it and Ollama is told the window, so no request ever exceeds it.
    With a `router` and `request.route`, the router decides on memory and tools first;
    one `tool` event per tool that ran comes before the first delta.
    `keep` stores the whole answer before `done` is sent, so whoever reads the thread
    after `done` finds it; a failed answer never reaches `keep`.
    The finished turn is handed to `remember` before `done` is sent, which waits for it to be queued
    (a millisecond), not stored, and says so when it could not be."""
    ticker = asyncio.create_task(_keepalive(events, keepalive_interval))
    parts: list[str] = []
    eval_count: int | None = None
    known = Recollection()
    system_prompt = system_prompt_of(request, default_system_prompt)
    results: list[ToolResult] | None = None
    used_brain: bool | None = None
    today = today_in(zone)
    try:
        if router is not None and request.route and recall is not None:
            plan = await router.plan(request, recall)
            known, results, used_brain = plan.known, plan.results, plan.use_brain
            for result in results:
                await events.emit("tool", tool=ToolRef(name=result.name, ok=result.ok))
        elif recall is not None:
            known = await recall(request)
        budget = window.prompt_budget if window else None
        if request.purpose == "answer":
            history = ()
        # What does not fit the window is not sent, and not reported as used either.
        persona, memories = fit_context(system_prompt, request.message, known.persona, known.memories, budget,
                                        results or (), today=today)
        left_out = known.memories and not memories  # said, or it looks like memory found nothing
        unavailable = (f"Memory was not used: the {len(known.memories)} memories found for this message did not "
                       "fit the model's window (LUMIA_CONTEXT_WINDOW) beside the message, the system prompt"
                       + (", the user's profile" if persona else "") + (" and the tools' results" if results else "")
                       + "; a larger window or a shorter message leaves them room.") if left_out else known.unavailable
        known = Recollection(memories=memories, persona=persona, unavailable=unavailable)
        messages = build_messages(system_prompt, request.message, known.persona, known.memories, history, budget,
                                  tool_results=results or (), zone=zone, today=today)
        if known.memories:
            await events.emit("context", memories=known.refs(request.message))
        async for piece in ollama.chat_stream(model, messages, window.options if window else None):
            if piece.text:
                parts.append(piece.text)
                await events.emit("delta", text=piece.text)
            if piece.done:
                eval_count = piece.eval_count
    except OllamaError as exc:
        log.warning("request %s: %s", request.request_id, exc.message)
        await events.fail(exc.code, exc.message)
        return
    except (PromptTooLong, BadMemoryFilter) as exc:
        await events.fail(ErrorCode.BAD_REQUEST, exc.message)
        return
    except Exception:
        log.exception("request %s failed", request.request_id)
        await events.fail(ErrorCode.INTERNAL, "The llm_worker failed on this request; see its log.")
        return
    finally:
        await _stop(ticker)
    response = "".join(parts)
    if keep is not None:
        try:
            await keep(response)
        except ThreadNotFound as exc:
            await events.fail(ErrorCode.NOT_FOUND, str(exc))
            return
        except Exception:
            log.exception("request %s: the answer could not be stored in its thread", request.request_id)
            await events.fail(ErrorCode.INTERNAL, "The answer could not be stored in the thread; send it again.")
            return
    unsaved = await remember(request, response) if remember is not None else None
    stats = TurnStats(
        response_length=len(response), model=model, eval_count=eval_count,
        context_used=bool(known.memories), persona_included=bool(known.persona),
        context_length=len(context_block(known.persona, known.memories, zone)),
        used_brain=used_brain, tools_invoked=results, memory_unavailable=known.unavailable,
        memory_unsaved=unsaved,
    )
    await events.emit("done", stats=stats)


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
