"""Writing memories, broker-free: deduplicate, embed in batches, upsert with stable ids."""

import hashlib
from collections import defaultdict

from shared.memory.embedder import Embedder
from shared.memory.messages import MemoryItem
from shared.memory.store import MemoryStore, StoredMemory


def content_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()[:32]


def stored_form(item: MemoryItem) -> StoredMemory:
    metadata = {**item.metadata, "lumia_kind": item.kind, "lumia_created_at": item.created_at,
                "lumia_hash": content_hash(item.content)}
    return StoredMemory(id=item.id, content=item.content, metadata=metadata)


class Ingestor:
    def __init__(self, store: MemoryStore, embedder: Embedder) -> None:
        self.store = store
        self.embedder = embedder

    async def write(self, items: list[MemoryItem]) -> dict[str, list[str]]:
        """Store what is new; returns the ids written per brain. Writing the same item twice
        (a redelivery) or the same words again (a repeat) stores one memory."""
        by_brain: dict[str, list[MemoryItem]] = defaultdict(list)
        for item in items:
            by_brain[item.brain].append(item)
        fresh = {brain: await self._unseen(brain, batch) for brain, batch in by_brain.items()}
        fresh = {brain: memories for brain, memories in fresh.items() if memories}
        # One embedding call for every brain in the batch: a few texts per call would waste the model.
        vectors = await self.embedder.passages([m.content for memories in fresh.values() for m in memories])
        written: dict[str, list[str]] = {}
        at = 0
        for brain, memories in fresh.items():
            await self.store.upsert(brain, memories, vectors[at : at + len(memories)])
            at += len(memories)
            written[brain] = [m.id for m in memories]
        return written

    async def _unseen(self, brain: str, batch: list[MemoryItem]) -> list[StoredMemory]:
        forms: dict[str, StoredMemory] = {}
        for item in batch:
            form = stored_form(item)
            forms.setdefault(form.metadata["lumia_hash"], form)
        known = await self.store.get(brain, where={"lumia_hash": {"$in": list(forms)}})
        seen_ids = {m.id for m in known} | {m.metadata.get("lumia_hash") for m in known}
        return [f for h, f in forms.items() if h not in seen_ids and f.id not in seen_ids]
