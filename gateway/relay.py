"""Relay one chat over the bus: publish the request, yield its reply events in order.

One wildcard subscription per gateway process receives every reply; each
stream gets an unguessable token under it and a queue of its own.
"""

import asyncio
import logging
import secrets
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import anyio
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.errors import Error as NatsError
from pydantic import ValidationError

from shared import subjects
from shared.bus import is_no_responders
from shared.messages import ChatEvent, ChatRequest, ErrorCode

log = logging.getLogger("lumia.gateway.relay")


SHUTTING_DOWN = "Lumia's gateway is stopping, so this answer was cut short; send the message again once it is back."


def _error(code: ErrorCode, message: str) -> ChatEvent:
    return ChatEvent(seq=0, type="error", code=code, error=message)


async def _single(event: ChatEvent) -> AsyncGenerator[ChatEvent, None]:
    yield event


class ChatRelay:
    def __init__(self, nc: Client, stall_timeout: float, per_user: int | None = None,
                 abandoned: Callable[[str], Awaitable[None]] | None = None) -> None:
        """`per_user`: answers one user may have open at once (None: no limit, the trusted single user).
        The llm_workers' slots are shared: 20 long streams of one user left everyone else waiting.
        `abandoned(request_id)`: a thread chat ended here, not by its llm_worker (which may be gone),
        so its question is not left waiting for good."""
        self._nc = nc
        self._abandoned = abandoned
        self._closing = False
        self._stall_timeout = stall_timeout
        self._per_user = per_user
        self._open_by: dict[str, int] = {}
        self._prefix = nc.new_inbox()
        self._streams: dict[str, asyncio.Queue[Msg | ChatEvent]] = {}  # an event: the stream's end, from here
        self._sub: Subscription | None = None

    @property
    def active_streams(self) -> int:
        return len(self._streams)

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(f"{self._prefix}.*", cb=self._route)

    async def _route(self, msg: Msg) -> None:
        queue = self._streams.get(msg.subject[len(self._prefix) + 1 :])
        if queue is not None:
            queue.put_nowait(msg)

    async def open(self, **fields: Any) -> AsyncGenerator[ChatEvent, None]:
        """Publish a chat request now; the returned iterator yields `context` and `delta`
        events, then exactly one `done` or `error`.

        `fields` are those of `ChatRequest` but its id. Publishing before the HTTP
        response starts lets the worker begin while the gateway sends headers.
        Closing the iterator early (the client went away) cancels the turn.
        """
        request = ChatRequest(request_id=secrets.token_urlsafe(18), **fields)
        user = request.user_id
        if self._closing:
            return _single(_error(ErrorCode.SHUTTING_DOWN, SHUTTING_DOWN))
        if self._per_user is not None and self._open_by.get(user, 0) >= self._per_user:
            return _single(_error(ErrorCode.TOO_MANY, f"{self._per_user} answers of yours are being written "
                                                      "(LUMIA_USER_STREAMS); wait for one to finish."))
        queue: asyncio.Queue[Msg | ChatEvent] = asyncio.Queue()
        self._streams[request.request_id] = queue
        self._open_by[user] = self._open_by.get(user, 0) + 1  # before the publish, which may yield
        try:
            await self._nc.publish(
                subjects.CHAT_REQUEST,
                request.model_dump_json(exclude_none=True).encode(),
                reply=f"{self._prefix}.{request.request_id}",
            )
        except NatsError as exc:
            self._release(request.request_id, user)
            return _single(_error(ErrorCode.BUS_UNAVAILABLE, f"The message bus (NATS) is not available: {exc!s}"))
        events = self._events(request.request_id, queue, user, in_thread=request.thread_id is not None)
        # An answer never read (its client gone before the response began) never runs its `finally`:
        # without this its user would keep the slot for good.
        weakref.finalize(events, self._release, request.request_id, user)
        return events

    def _release(self, request_id: str, user: str) -> None:
        if self._streams.pop(request_id, None) is not None:
            self._open_by[user] -= 1
            if not self._open_by[user]:
                del self._open_by[user]

    def end_streams(self, code: ErrorCode, message: str) -> None:
        """Ends every open answer with this error (and cancels its turn)."""
        for queue in self._streams.values():
            queue.put_nowait(_error(code, message))

    def shutting_down(self) -> None:
        # An answer cut off by the server would end without saying why; one asked for now would be.
        self._closing = True
        self.end_streams(ErrorCode.SHUTTING_DOWN, SHUTTING_DOWN)

    def bus_lost(self) -> None:
        # What the worker publishes meanwhile never arrives: waiting would end, 30 s later, in
        # a worker_timeout blaming the llm_worker.
        self.end_streams(ErrorCode.BUS_UNAVAILABLE, "The gateway lost its connection to the message bus (NATS) "
                                                    "mid-answer, so the rest of it cannot arrive; send the message "
                                                    "again.")

    async def _events(self, request_id: str, queue: asyncio.Queue[Msg | ChatEvent], user: str,
                      in_thread: bool) -> AsyncGenerator[ChatEvent, None]:
        finished = False
        try:
            expected = 0
            while True:
                try:
                    async with asyncio.timeout(self._stall_timeout):
                        msg = await queue.get()
                except TimeoutError:
                    # Nothing at all yet: no llm_worker took the request (a working one sends keepalives).
                    why = ("no llm_worker took the request: every one is busy (LUMIA_LLM_CONCURRENCY each) or has "
                           "stopped" if expected == 0 else "it may have stopped")
                    yield _error(
                        ErrorCode.WORKER_TIMEOUT,
                        f"No answer from the llm_worker for {self._stall_timeout:g} s "
                        f"(LUMIA_STREAM_TIMEOUT); {why}. Send the message again.",
                    )
                    return
                if isinstance(msg, ChatEvent):
                    yield msg
                    return
                if is_no_responders(msg):
                    finished = True
                    yield _error(
                        ErrorCode.WORKER_UNAVAILABLE,
                        f"No llm_worker is listening on {subjects.CHAT_REQUEST}; start one (python -m llm_worker).",
                    )
                    return
                try:
                    event = ChatEvent.model_validate_json(msg.data)
                except ValidationError:
                    log.error("unreadable reply for request %s: %r", request_id, msg.data[:200])
                    yield _error(ErrorCode.INTERNAL, "The llm_worker sent a reply the gateway cannot read.")
                    return
                if event.seq != expected:
                    yield _error(
                        ErrorCode.STREAM_GAP,
                        f"The answer stream lost part {expected} (got {event.seq}); send the message again.",
                    )
                    return
                expected += 1
                if event.type == "keepalive":
                    continue
                finished = event.is_final
                yield event
                if finished:
                    return
        finally:
            self._release(request_id, user)
            if not finished:
                await self._cancel(request_id)
                if in_thread:
                    await self._settle(request_id)

    async def _cancel(self, request_id: str) -> None:
        # Runs while the response is being torn down: shield it so the cancel still goes out.
        with anyio.CancelScope(shield=True), anyio.move_on_after(2):
            try:
                await self._nc.publish(subjects.chat_cancel(request_id), b"")
            except NatsError as exc:
                log.warning("could not cancel request %s: %s", request_id, exc)

    async def _settle(self, request_id: str) -> None:
        if self._abandoned is None:
            return
        with anyio.CancelScope(shield=True), anyio.move_on_after(5):
            try:
                await self._abandoned(request_id)
            except Exception:
                log.exception("could not mark the question of request %s failed", request_id)

    async def stop(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()
