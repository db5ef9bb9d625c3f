"""llm_worker: streams answers from Ollama back over NATS.

Consumes
- `lumia.chat.request` (queue `llm`): `ChatRequest` with a reply subject.
- `lumia.chat.cancel.<request_id>` (every replica): stop that request's stream.
- `lumia.llm.ping` (queue `llm`): health probe, includes the Ollama check.

Requests
- `lumia.brain.query` before answering (memories and persona; the answer goes on
  without them after LUMIA_BRAIN_TIMEOUT).
- With `route`: `lumia.tools.list` (the registered tools), the router model's
  decision from Ollama (ROUTER_MODEL), then `lumia.tools.invoke` for the chosen tools.

Reads and writes conversation threads in SQL (DATABASE_URL) for requests with a
`thread_id`: the history goes to the model, both sides of the turn are stored.

Publishes
- `ChatEvent`s, in `seq` order, on each request's reply subject; every stream
  ends with exactly one `done` or `error`.
- The finished turn to `lumia.memory.ingest.<brain_key>` (JetStream), after `done`.
- `WorkerStatus` as the reply to a ping.

Run: `python -m llm_worker` (or `faststream run llm_worker.app:create_app --factory`).
"""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from faststream import Context, ContextRepo, FastStream
from faststream.middlewares import ExceptionMiddleware
from faststream.nats import NatsMessage
from pydantic import ValidationError

from llm_worker.engine import EventStream, Keep, Window, check_fits, stream_turn
from llm_worker.memory import BusMemory
from llm_worker.router import Router
from llm_worker.threads import ThreadNotFound, ThreadTurn, begin_thread_turn
from llm_worker.tools import BusTools
from llm_worker.turns import Outcome, Turns
from shared import subjects
from shared.bus import instance_name, make_app, make_broker
from shared.memory.jetstream import ensure_streams
from shared.messages import ChatEvent, ChatRequest, ErrorCode, WorkerStatus, describe_validation_error
from shared.ollama import OllamaClient, ollama_session
from shared.prompts import PromptTooLong
from shared.settings import Settings, get_settings
from shared.threads.store import ThreadStore

log = logging.getLogger("lumia.llm")


@dataclass(frozen=True)
class Parts:
    ollama: OllamaClient
    memory: BusMemory
    threads: ThreadStore
    router: Router


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or get_settings()
    exceptions = ExceptionMiddleware()
    instance = instance_name("llm")
    broker = make_broker(settings.nats_servers, instance, middlewares=[exceptions])
    turns = Turns()
    slots = asyncio.Semaphore(settings.llm_concurrency)
    windows: dict[str, Window] = {}
    # What answering needs, built in the lifespan. Held here rather than in FastStream's
    # context: resolving four context parameters per message cost the chat hot path ~0.4 ms.
    built: list[Parts] = []

    async def window_of(ollama: OllamaClient, model: str) -> Window:
        # The smaller of the model's own window and the one Lumia is allowed to use.
        if model not in windows:
            known = await ollama.context_length(model)
            window = Window(min(known or settings.context_window, settings.context_window), settings.answer_tokens)
            if known is None:
                return window  # Ollama may be down; ask again next time
            windows[model] = window
        return windows[model]

    async def publish_to(reply: str, event: ChatEvent) -> None:
        # Raw nats-py publish on the hot path: one call per streamed piece. nats-py writes from
        # a flusher task; yielding once lets it send now rather than after the next Ollama read.
        await broker.connection.publish(reply, event.model_dump_json(exclude_none=True).encode())
        await asyncio.sleep(0)

    @asynccontextmanager
    async def lifespan(context: ContextRepo) -> AsyncIterator[None]:
        session = ollama_session(settings.ollama_connect_timeout, settings.ollama_read_timeout,
                                 connections=settings.llm_concurrency + 4)
        async with session as http:
            ollama = OllamaClient(http, settings.ollama_base_url, settings.ollama_stall_timeout)
            status = await ollama.status(settings.llm_model)
            if not status.ok:
                log.warning("%s", status.message)
            context.set_global("ollama", ollama)
            await broker.connect()
            await ensure_streams(broker.connection.jetstream(), settings.jetstream_replicas)
            store = await ThreadStore.open(settings.database)
            tools = BusTools(broker.connection, settings.tool_timeout)
            built.append(Parts(
                ollama=ollama, threads=store,
                memory=BusMemory(broker.connection, settings.brain_timeout, settings.memory_results),
                router=Router(ollama, settings.router_model, settings.router_timeout, tools.registered, tools.invoke),
            ))
            try:
                yield
            finally:
                await store.close()

    async def stop_turns() -> None:
        await turns.cancel_all()

    @exceptions.add_handler(ValidationError)
    async def on_invalid(exc: ValidationError, message: NatsMessage) -> None:
        log.warning("rejected a bus message on %s: %s", message.raw_message.subject, describe_validation_error(exc))
        if message.reply_to:
            error = ChatEvent(seq=0, type="error", code=ErrorCode.BAD_REQUEST, error=describe_validation_error(exc))
            await publish_to(message.reply_to, error)

    @broker.subscriber(
        subjects.CHAT_REQUEST,
        queue=subjects.QUEUE_LLM,
        no_reply=True,
        description="Replies stream on the request's reply subject as `ChatEvent`s: `delta`s and `keepalive`s "
        "numbered by `seq` from 0, then exactly one `done` (with `stats`) or `error` (with `code`, `error`).",
    )
    # `raw`, not `message`: the AsyncAPI document took an argument of that name for the request's
    # own `message` field and left the field out.
    async def on_chat(request: ChatRequest, raw: NatsMessage) -> None:
        reply = raw.reply_to
        if not reply:
            log.warning("chat request %s has no reply subject; nobody would read it", request.request_id)
            return

        async def publish(event: ChatEvent) -> None:
            await publish_to(reply, event)

        events = EventStream(publish)
        # The stream runs in its own task so this subscription takes the next request at once
        # (a nats-py subscription runs one callback at a time); `slots` bounds how many run.
        await slots.acquire()
        turns.spawn(answer(request, events, built[0]), on_done=slots.release)

    async def answer(request: ChatRequest, events: EventStream, parts: Parts) -> None:
        ollama, memory, threads, router = parts.ollama, parts.memory, parts.threads, parts.router
        async with turns.handling():
            thread_turn: ThreadTurn | None = None
            keep: Keep | None = None
            window = await window_of(ollama, settings.llm_model)
            if request.thread_id is not None:
                try:
                    # A message too long for the window is refused before the thread stores it: no trace.
                    thread_turn = await begin_thread_turn(
                        threads, request, lambda resolved: check_fits(resolved, settings.system_prompt, window))
                except ThreadNotFound as exc:
                    await events.fail(ErrorCode.NOT_FOUND, str(exc))
                    return
                except PromptTooLong as exc:
                    await events.fail(ErrorCode.BAD_REQUEST, exc.message)
                    return
                request, keep = thread_turn.request, thread_turn.finish
                events.before_failing = thread_turn.settle_failed
            turn = stream_turn(
                request, events, ollama,
                model=settings.llm_model,
                default_system_prompt=settings.system_prompt,
                keepalive_interval=settings.keepalive_interval,
                recall=memory.recall if thread_turn is None else thread_turn.recalling(memory.recall, settings.zone),
                remember=memory.remember,
                history=thread_turn.history if thread_turn else (),
                window=window,
                keep=keep,
                router=router,
                zone=settings.zone,
            )
            try:
                outcome = await turns.run(request.request_id, turn)
            finally:
                if thread_turn is not None and not thread_turn.finished:
                    await asyncio.shield(thread_turn.settle_failed(events.error))
            log.info("request %s %s", request.request_id, outcome.value)
            if outcome is Outcome.CANCELLED:
                await events.fail(ErrorCode.CANCELLED, "The request was cancelled.")
            elif outcome is Outcome.SHUTDOWN:
                await events.fail(
                    ErrorCode.WORKER_UNAVAILABLE, "The llm_worker shut down mid-answer; send the message again."
                )

    @broker.subscriber(subjects.CHAT_CANCEL_ALL)
    async def on_cancel(message: NatsMessage) -> None:
        request_id = message.raw_message.subject.rsplit(".", 1)[-1]
        if turns.cancel(request_id):
            log.info("cancelled request %s", request_id)

    @broker.subscriber(subjects.worker_ping("llm"), queue=subjects.QUEUE_LLM)
    async def on_ping(ollama: OllamaClient = Context()) -> WorkerStatus:
        return WorkerStatus(kind="llm", instance=instance, ollama=await ollama.status(settings.llm_model))

    return make_app(broker, "llm", __doc__, lifespan=lifespan, on_shutdown=[stop_turns])
