"""Forgetting what is still queued: a clear, or a document's delete, done at once.

Memories are accepted (202) before they are stored, so a clear or a document delete must also
cover what is still in the ingest queue. Waiting for it to be stored first made a clear during a
2 MB import, or while ingestion was down, a 503 for as long. Instead the forget leaves a mark in
JetStream KV `lumia_forgets`: the stream sequence of the brain's last queued message. The ingest
side drops every message at or below the mark, before embedding it (so a forgotten import
drains in seconds) and again after writing it, since a batch may have been in hand when the
mark was set. The forget writes its mark before it deletes what is stored, and the ingest side
looks after it writes, so whichever comes second removes the memory.

A mark lives as long as a message it covers may still be in the stream, which is until the
ingest side acks it; it is removed once none is left.

Keys: `<brain_key>` for a clear (every memory), `<brain_key>.<source_key>` for one document.
"""

import asyncio
import contextlib
import hashlib
from collections.abc import Iterable

from nats.js import JetStreamContext
from nats.js.errors import KeyNotFoundError, KeyWrongLastSequenceError, NotFoundError
from nats.js.kv import KeyValue

from shared import subjects
from shared.bus import bucket, stream_subjects
from shared.memory.brains import brain_key
from shared.memory.messages import MemoryItem


def key_of(brain: str, source: str | None = None) -> str:
    key = brain_key(brain)
    return key if source is None else f"{key}.{hashlib.sha256(source.encode()).hexdigest()[:32]}"


def _queues(brain: str) -> tuple[str, str]:
    key = brain_key(brain)
    return subjects.memory_ingest(key), subjects.memory_document(key)


class Forgets:
    def __init__(self, js: JetStreamContext, kv: KeyValue) -> None:
        self._js = js
        self._kv = kv

    @classmethod
    async def open(cls, js: JetStreamContext, replicas: int) -> "Forgets":
        return cls(js, await bucket(js, subjects.FORGETS_BUCKET, replicas))

    async def mark(self, brain: str, source: str | None = None) -> int:
        """Marks everything of `brain` (or of its document `source`) queued now as forgotten;
        how many queued messages of the brain the mark covers (0: nothing was queued, no mark)."""
        last = [seq for subject in _queues(brain) if (seq := await self._last(subject)) is not None]
        if not last:
            return 0
        await self._raise_to(key_of(brain, source), max(last))
        counts = [sum((await stream_subjects(self._js, subjects.MEMORY_STREAM, q)).values()) for q in _queues(brain)]
        return sum(counts)

    async def _raise_to(self, key: str, seq: int) -> None:
        # Two forgets at once: the later mark must win, whichever writes last.
        while True:
            try:
                entry = await self._kv.get(key)
            except KeyNotFoundError:
                try:
                    await self._kv.create(key, str(seq).encode())
                    return
                except KeyWrongLastSequenceError:
                    continue
            if entry.value is not None and int(entry.value) >= seq:
                return
            try:
                await self._kv.update(key, str(seq).encode(), last=entry.revision)
                return
            except KeyWrongLastSequenceError:
                continue

    async def covered(self, queued: Iterable[tuple[int, MemoryItem]]) -> set[int]:
        """The stream sequences, of the (sequence, item) pairs given, that a forget covers."""
        pairs = list(queued)
        keys = {key_of(item.brain) for _, item in pairs}
        keys |= {key_of(item.brain, source) for _, item in pairs if (source := _source(item)) is not None}
        marks = dict(zip(keys, await asyncio.gather(*(self._get(k) for k in keys)), strict=True))
        found = set()
        for seq, item in pairs:
            source = _source(item)
            if seq <= (marks[key_of(item.brain)] or 0) or (
                    source is not None and seq <= (marks[key_of(item.brain, source)] or 0)):
                found.add(seq)
        return found

    async def prune(self, marks: Iterable[tuple[str, str | None]]) -> None:
        """Removes the marks, of (brain, document source or None) pairs, that no queued message is left under."""
        for brain, source in set(marks):
            key = key_of(brain, source)
            try:
                entry = await self._kv.get(key)
            except KeyNotFoundError:
                continue
            oldest = [seq for subject in _queues(brain) if (seq := await self._first(subject)) is not None]
            if entry.value and (not oldest or min(oldest) > int(entry.value)):
                # Only this revision: a forget that raised the mark meanwhile keeps it.
                with contextlib.suppress(KeyWrongLastSequenceError):
                    await self._kv.delete(key, last=entry.revision)

    async def _get(self, key: str) -> int | None:
        try:
            entry = await self._kv.get(key)
        except KeyNotFoundError:
            return None
        return int(entry.value) if entry.value else None

    async def _last(self, subject: str) -> int | None:
        try:
            return (await self._js.get_last_msg(subjects.MEMORY_STREAM, subject)).seq
        except NotFoundError:
            return None

    async def _first(self, subject: str) -> int | None:
        try:
            return (await self._js.get_msg(subjects.MEMORY_STREAM, seq=1, subject=subject, next=True)).seq
        except NotFoundError:
            return None


def _source(item: MemoryItem) -> str | None:
    source = item.metadata.get("source")
    return source if item.kind == "document" and isinstance(source, str) else None


def marks_of(items: Iterable[MemoryItem]) -> set[tuple[str, str | None]]:
    """The marks that may cover `items`: their brains', and their documents'."""
    return {pair for item in items for pair in ((item.brain, None), (item.brain, _source(item)))}
