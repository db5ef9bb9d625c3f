"""The persona of each brain ("Om användaren"), kept in JetStream KV so every replica sees it at once."""

import contextlib
import time
from collections.abc import Callable

from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from shared.memory.brains import brain_key
from shared.memory.messages import Persona

ATTEMPTS = 20  # of a compare-and-set, against writes by other replicas


class PersonaBook:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def load(self, brain: str) -> Persona:
        return (await self._entry(brain))[0]

    async def _entry(self, brain: str) -> tuple[Persona, int | None]:
        """The persona and its revision in the bucket (None: never written, or purged)."""
        try:
            entry = await self._kv.get(brain_key(brain))
        except KeyNotFoundError:
            return Persona(), None
        if not entry.value:
            return Persona(), entry.revision
        return Persona.model_validate_json(entry.value), entry.revision

    async def save(self, brain: str, persona: Persona) -> None:
        await self._kv.put(brain_key(brain), persona.model_dump_json().encode())

    async def refreshed(self, brain: str, text: str, written_over: Persona) -> Persona | None:
        """Saves a profile the model wrote over `written_over`; None (nothing saved) if another
        text was saved or withdrawn meanwhile. Turns counted while the model wrote stay counted:
        they are not in this profile, and a reset to 0 left them out until N more were told."""
        def refresh(persona: Persona, _: int | None) -> Persona | None:
            if persona.text != written_over.text:
                return None
            counted = max(0, persona.turns_since_refresh - written_over.turns_since_refresh)
            return Persona(text=text, updated_at=time.time(), turns_since_refresh=counted)

        return await self._change(brain, refresh, "save it")

    async def count_turns(self, brain: str, count: int) -> Persona:
        """Adds to the turns since the last refresh without writing back a text another replica has
        replaced meanwhile (a rewrite after a forget would be undone): compare-and-set on the revision."""
        def counted(persona: Persona, _: int | None) -> Persona:
            return persona.model_copy(update={"turns_since_refresh": persona.turns_since_refresh + count})

        changed = await self._change(brain, counted, "count turns")
        assert changed is not None  # counting always writes
        return changed

    async def withdraw(self, brain: str) -> bool:
        """Removes the persona's text, keeping the count of turns since its refresh; whether there
        was one. Compare-and-set, as `count_turns`: a text saved meanwhile is withdrawn too."""
        def withdrawn(persona: Persona, revision: int | None) -> Persona | None:
            if not persona.text or revision is None:
                return None
            return Persona(turns_since_refresh=persona.turns_since_refresh)

        return await self._change(brain, withdrawn, "withdraw it") is not None

    async def _change(self, brain: str, change: Callable[[Persona, int | None], Persona | None],
                      doing: str) -> Persona | None:
        """Writes `change` of the stored persona (and its revision) unless it is None, compare-and-set
        on the revision: another replica's write in between is read again, never written over."""
        for _ in range(ATTEMPTS):
            persona, revision = await self._entry(brain)
            if (changed := change(persona, revision)) is None:
                return None
            value = changed.model_dump_json().encode()
            try:
                if revision is None:
                    await self._kv.create(brain_key(brain), value)
                else:
                    await self._kv.update(brain_key(brain), value, last=revision)
                return changed
            except KeyWrongLastSequenceError:  # someone wrote first: read again
                continue
        raise RuntimeError(f"the persona of brain {brain!r} kept changing: {ATTEMPTS} attempts to {doing} failed")

    async def forget(self, brain: str) -> None:
        with contextlib.suppress(KeyNotFoundError):
            await self._kv.purge(brain_key(brain))
