"""Which chat turns this process is streaming, so a cancel can reach them."""

import asyncio
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager, suppress
from enum import Enum
from typing import Any

log = logging.getLogger("lumia.llm.turns")


class Outcome(Enum):
    FINISHED = "finished"
    CANCELLED = "cancelled"
    SHUTDOWN = "shutdown"


class Turns:
    # Remember cancels that arrive before their request is picked up.
    _RECENT_CANCELS = 4096

    def __init__(self) -> None:
        self._running: dict[str, asyncio.Task[None]] = {}
        self._cancelled: OrderedDict[str, None] = OrderedDict()
        self._shutting_down = False
        self._handlers = 0
        self._handler_tasks: set[asyncio.Task[None]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    @asynccontextmanager
    async def handling(self) -> AsyncIterator[None]:
        """Wrap a whole handler, final event included, so shutdown can wait for it."""
        self._handlers += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._handlers -= 1
            if self._handlers == 0:
                self._idle.set()

    def spawn(self, handler: Coroutine[Any, Any, None], on_done: Callable[[], None]) -> None:
        """Run a whole request handler as a task; its failure is logged, never lost."""
        task = asyncio.create_task(handler)
        self._handler_tasks.add(task)

        def finished(done: asyncio.Task[None]) -> None:
            self._handler_tasks.discard(done)
            on_done()
            if not done.cancelled() and done.exception() is not None:
                log.error("a chat handler failed", exc_info=done.exception())

        task.add_done_callback(finished)

    def __len__(self) -> int:
        return len(self._running)

    async def run(self, request_id: str, turn: Coroutine[Any, Any, None]) -> Outcome:
        if request_id in self._cancelled or self._shutting_down:
            turn.close()
            return Outcome.SHUTDOWN if self._shutting_down else Outcome.CANCELLED
        task = asyncio.create_task(turn, name=f"turn-{request_id}")
        self._running[request_id] = task
        try:
            # wait() rather than await: a cancelled turn must not cancel this handler.
            await asyncio.wait({task})
        finally:
            self._running.pop(request_id, None)
            task.cancel()
        if not task.cancelled():
            task.result()  # surface a bug instead of hiding it
            return Outcome.FINISHED
        return Outcome.SHUTDOWN if self._shutting_down else Outcome.CANCELLED

    def cancel(self, request_id: str) -> bool:
        self._cancelled[request_id] = None
        while len(self._cancelled) > self._RECENT_CANCELS:
            self._cancelled.popitem(last=False)
        task = self._running.get(request_id)
        if task is None:
            return False
        task.cancel()
        return True

    async def cancel_all(self, grace: float = 5.0) -> None:
        """Stop every turn and give their handlers time to tell their clients."""
        self._shutting_down = True
        for task in self._running.values():
            task.cancel()
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._idle.wait(), grace)
