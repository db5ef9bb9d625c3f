"""The persona of each brain ("Om användaren"), kept in JetStream KV so every replica sees it at once."""

import contextlib

from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from shared.memory.brains import brain_key
from shared.memory.messages import Persona


class PersonaBook:
    def __init__(self, kv: KeyValue) -> None:
        self._kv = kv

    async def load(self, brain: str) -> Persona:
        try:
            entry = await self._kv.get(brain_key(brain))
        except KeyNotFoundError:
            return Persona()
        if not entry.value:
            return Persona()
        return Persona.model_validate_json(entry.value)

    async def save(self, brain: str, persona: Persona) -> None:
        await self._kv.put(brain_key(brain), persona.model_dump_json().encode())

    async def forget(self, brain: str) -> None:
        with contextlib.suppress(KeyNotFoundError):
            await self._kv.purge(brain_key(brain))
