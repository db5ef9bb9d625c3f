"""Background persona refresh: every N turns or M minutes the LLM rewrites the profile, and at once
when a memory is forgotten."""

import asyncio
import logging
import time
from datetime import UTC, tzinfo

from shared.memory import context
from shared.memory.asking import tells_nothing
from shared.memory.persona import PersonaBook
from shared.memory.store import MemoryStore
from shared.ollama import OllamaClient, OllamaError
from shared.prompts import build_persona_messages, persona_of

log = logging.getLogger("lumia.ingest.persona")
RECENT_STATEMENTS = 60
RETRY_FIRST, RETRY_MOST = 15.0, 300.0  # seconds between rewrites the model could not write


class PersonaRefresher:
    def __init__(self, book: PersonaBook, store: MemoryStore, ollama: OllamaClient, model: str,
                 every_turns: int, every_seconds: float, zone: tzinfo = UTC, retry_first: float = RETRY_FIRST) -> None:
        self.book = book
        self.store = store
        self.ollama = ollama
        self.model = model
        self.every_turns = every_turns
        self.every_seconds = every_seconds
        self.zone = zone
        self.retry_first = retry_first
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()  # brains whose running refresh may have read a memory forgotten since
        # Brains whose profile may hold a forgotten memory's words: written again from statements alone.
        self._rewrite: set[str] = set()
        # A rewrite after a forget that the model could not write is tried again by itself: the persona
        # is withdrawn meanwhile, and chats went without one until the next turn told something.
        self._retries: dict[str, tuple[asyncio.TimerHandle, float]] = {}

    async def note_turns(self, brain: str, count: int) -> None:
        persona = await self.book.count_turns(brain, count)
        stale = persona.updated_at is None or time.time() - persona.updated_at >= self.every_seconds
        if persona.turns_since_refresh >= self.every_turns or stale:
            self.start(brain)

    async def forgotten(self, brain: str, whole_brain: bool = False) -> None:
        """A chat turn of `brain` was deleted and the persona withdrawn with it (or, `whole_brain`,
        every memory and the persona went): it is written again from what is left, not at the
        next scheduled refresh."""
        if whole_brain:
            self._rewrite.discard(brain)  # the persona went with the brain
        else:
            self._rewrite.add(brain)
        if self._busy(brain):
            self._again.add(brain)
        elif not whole_brain:
            self.start(brain)

    def _busy(self, brain: str) -> bool:
        return brain in self._running and not self._running[brain].done()

    def start(self, brain: str) -> None:
        if self._busy(brain):
            return
        task = asyncio.create_task(self.refresh(brain), name=f"persona-{brain}")
        self._running[brain] = task
        task.add_done_callback(lambda t: self._running.pop(brain, None) if self._running.get(brain) is t else None)

    async def refresh(self, brain: str) -> None:
        self._again.discard(brain)
        while True:
            await self._refresh(brain)
            if brain not in self._again:
                return
            self._again.discard(brain)

    async def _refresh(self, brain: str) -> None:
        # After a forget the current profile may carry the forgotten words: it is then written from
        # the statements alone, and stays marked for that until a profile so written is saved.
        rewrite = brain in self._rewrite
        self._rewrite.discard(brain)
        saved = False
        try:
            saved = await self._write(brain, rewrite)
        except OllamaError as exc:
            log.warning("persona refresh of brain %r failed: %s", brain, exc.message)
        except Exception:
            log.exception("persona refresh of brain %r failed", brain)
        finally:
            if rewrite and not saved:
                self._rewrite.add(brain)
        if rewrite and not saved and brain not in self._again:
            self._retry_later(brain)
        elif saved:
            self._retries.pop(brain, (None, 0.0))

    def _retry_later(self, brain: str) -> None:
        """Again in `retry_first` seconds (LUMIA_PERSONA_RETRY_SECONDS), doubling to 5 minutes while the
        model stays away."""
        handle, delay = self._retries.pop(brain, (None, 0.0))
        if handle is not None:
            handle.cancel()
        delay = min(max(delay * 2, self.retry_first), RETRY_MOST)
        self._retries[brain] = (asyncio.get_running_loop().call_later(delay, self._again_if_owed, brain), delay)

    def _again_if_owed(self, brain: str) -> None:
        if brain in self._rewrite:
            self.start(brain)
        else:
            self._retries.pop(brain, None)

    async def _write(self, brain: str, rewrite: bool) -> bool:
        """Writes the profile; whether it was saved (or rightly dropped: nothing left to write it from)."""
        # What the user said in chats, less what only asked or greeted: "Where do I live?"
        # tells the profile nothing and would take the place of a statement that does.
        # Read before the statements: a turn counted by then is stored by then, so the count kept
        # for the next refresh leaves out no turn this one doesn't read (one stored but not yet
        # counted is read and counted again: at most a refresh sooner).
        current = await self.book.load(brain)
        memories = [m for m in await self.store.get(brain, where={"lumia_kind": "turn"})
                    if not tells_nothing(context.words(m))]
        memories.sort(key=lambda m: float(m.metadata.get("lumia_created_at", 0)))
        recent = memories[-RECENT_STATEMENTS:]
        if not recent:
            if current.text:  # every statement it came from is forgotten
                await self.book.forget(brain)
            return True
        # The current profile carries what was told before the recent statements: an allergy said
        # 64 statements earlier was lost when each refresh read only these.
        profile = "" if rewrite else current.text
        text = persona_of(await self.ollama.chat(self.model, build_persona_messages(recent, profile, self.zone)))
        # A statement deleted while the model wrote (on any replica) must not be saved with the
        # profile; its delete's own refresh may have finished before this one. Nor may a profile
        # written from one that another refresh (a rewrite after a forget) has replaced meanwhile.
        still_there = len(await self.store.get(brain, ids=[m.id for m in recent])) == len(recent)
        saved = await self.book.refreshed(brain, text, current) if still_there else None
        if saved is None:
            self._again.add(brain)
            if not still_there:
                self._rewrite.add(brain)
            return False
        if saved.turns_since_refresh >= self.every_turns:  # told while the model wrote
            self._again.add(brain)
        log.info("persona of brain %r %s from %d statements", brain, "rewritten" if rewrite else "refreshed",
                 len(recent))
        return True

    async def wait(self) -> None:
        for handle, _ in self._retries.values():
            handle.cancel()
        if self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)
