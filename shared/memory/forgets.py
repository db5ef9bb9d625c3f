"""Forgetting what is still queued: a clear, a document's delete or a memory's, done at once.

Memories are accepted (202) before they are stored, so a clear or a delete must also cover what
is still in the ingest queue. Waiting for it to be stored first made a clear during a
2 MB import, or while ingestion was down, a 503 for as long. Instead the forget leaves a mark in
JetStream KV `lumia_forgets`: the stream sequence of the brain's last queued message. The ingest
side drops every message at or below the mark, before embedding it (so a forgotten import
drains in seconds) and again after writing it, since a batch may have been in hand when the
mark was set. The forget writes its mark before it deletes what is stored, and the ingest side
looks after it writes, so whichever comes second removes the memory.

A mark lives as long as a message it covers may still be in the stream, which is until the
ingest side acks it; it is removed once none is left.

A single memory's delete marks its id when the memory is stored or queued (a delete reads the
brain's queue to know: shared/memory/jetstream.py queued_items): what is queued under the id,
it or the same note posted again (a retry) shortly before, would otherwise be stored after the
204. The ingest side also drops, rather than keeps aside as a dead letter, a memory whose
storing failed once a mark covers it.

Keys: `<brain_key>` for a clear (every memory), `<brain_key>.<source_key>` for one document,
`<brain_key>.id.<id_key>` for one memory. The ingest side prunes a mark when it drops what the
mark covers; a document's or a memory's mark may cover nothing that is dropped (what it covers
was another memory's), so `<brain_key>.any`, raised with each of them, tells the ingest side
when the brain's queue is past them all, and they are swept then.
"""

import asyncio
import hashlib
from collections.abc import Iterable

from nats.js import JetStreamContext
from nats.js.errors import BadRequestError, KeyNotFoundError, KeyWrongLastSequenceError, NotFoundError
from nats.js.kv import KeyValue

from shared import subjects
from shared.bus import bucket
from shared.memory.brains import brain_key
from shared.memory.jetstream import brain_queues, last_queued, queued_count
from shared.memory.messages import MemoryItem


def key_of(brain: str, source: str | None = None, memory_id: str | None = None) -> str:
    key = brain_key(brain)
    if memory_id is not None:
        return f"{key}.id.{_hashed(memory_id)}"
    return key if source is None else f"{key}.{_hashed(source)}"


def _any_key(brain: str) -> str:
    return f"{brain_key(brain)}.any"


def _hashed(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


class Forgets:
    def __init__(self, js: JetStreamContext, kv: KeyValue) -> None:
        self._js = js
        self._kv = kv

    @classmethod
    async def open(cls, js: JetStreamContext, replicas: int) -> "Forgets":
        return cls(js, await bucket(js, subjects.FORGETS_BUCKET, replicas))

    async def mark(self, brain: str, source: str | None = None, memory_id: str | None = None) -> int:
        """Marks everything of `brain` (or of its document `source`, or with `memory_id`) queued now
        as forgotten; how many queued messages of the brain the mark covers (0: nothing was queued,
        no mark)."""
        # Counted before the mark: once it is up, the ingest side drops what it covers, and a count
        # after it missed a memory dropped in between (a clear answered `removed: 0`). Counted before
        # the last sequence is read, so nothing counted is left uncovered.
        count = await queued_count(self._js, brain)
        last = [seq for subject in brain_queues(brain) if (seq := await last_queued(self._js, subject)) is not None]
        if not last:
            return 0
        await self._raise_to(key_of(brain, source, memory_id), max(last))
        if source is not None or memory_id is not None:
            await self._raise_to(_any_key(brain), max(last))
        return max(count, 1)  # one queued after the count is covered too

    async def covering(self, brain: str, source: str) -> int:
        """The highest stream sequence a clear of `brain` or a delete of its document `source` has
        marked (0: none): a chunk queued at or below it is forgotten already."""
        marks = [await self._get(key_of(brain)), await self._get(key_of(brain, source))]
        return max(mark or 0 for mark in marks)

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
        flagged = await self._flagged(item.brain for _, item in pairs)
        keyed = [(seq, _keys(item) if item.brain in flagged else (key_of(item.brain),)) for seq, item in pairs]
        keys = {key for _, item_keys in keyed for key in item_keys}
        marks = dict(zip(keys, await asyncio.gather(*(self._get(k) for k in keys)), strict=True))
        return {seq for seq, item_keys in keyed if any(seq <= (marks[key] or 0) for key in item_keys)}

    async def _flagged(self, brains: Iterable[str]) -> set[str]:
        """The brains that may have marks of documents or memories (`.any` is up): only theirs are
        looked up key by key, not two more lookups for every memory ingested."""
        unique = set(brains)
        flags = await asyncio.gather(*(self._get(_any_key(brain)) for brain in unique))
        return {brain for brain, flag in zip(unique, flags, strict=True) if flag}

    async def prune(self, marks: Iterable[tuple[str, str]]) -> None:
        """Removes the marks, of (brain, key) pairs, that no queued message is left under."""
        pairs = sorted(set(marks))
        flagged = await self._flagged(brain for brain, _ in pairs)
        pairs = [(brain, key) for brain, key in pairs if brain in flagged or key in (key_of(brain), _any_key(brain))]
        entries = await asyncio.gather(*(self._entry(key) for _, key in pairs))
        oldest: dict[str, int | None] = {}
        for (brain, key), entry in zip(pairs, entries, strict=True):
            if entry is None or not entry.value:
                continue
            if brain not in oldest:
                oldest[brain] = await self._oldest(brain)
            if (first := oldest[brain]) is None or first > int(entry.value):
                # Only this revision: a forget that raised the mark meanwhile keeps it.
                await delete_unless_changed(self._kv, key, entry.revision)

    async def sweep(self, brains: Iterable[str]) -> None:
        """Removes the marks of these brains' documents and memories once the queue is past them all."""
        for brain in set(brains):
            flag = await self._entry(_any_key(brain))
            if flag is None or not flag.value:
                continue
            first = await self._oldest(brain)
            if first is not None and first <= int(flag.value):
                continue
            watcher = await self._kv.watch(f"{brain_key(brain)}.>", ignore_deletes=True, meta_only=True)
            keys = []
            async for entry in watcher:
                if entry is None:  # the end of what is there now
                    break
                keys.append(entry.key)
            await watcher.stop()  # type: ignore[no-untyped-call]  # (nats-py leaves it unannotated)
            await self.prune((brain, key) for key in keys if key != _any_key(brain))
            await delete_unless_changed(self._kv, _any_key(brain), flag.revision)  # raised meanwhile: kept

    async def _entry(self, key: str) -> KeyValue.Entry | None:
        try:
            return await self._kv.get(key)
        except KeyNotFoundError:
            return None

    async def _oldest(self, brain: str) -> int | None:
        """The sequence of the brain's oldest queued message, if any is."""
        firsts = [seq for subject in brain_queues(brain) if (seq := await self._first(subject)) is not None]
        return min(firsts) if firsts else None

    async def _get(self, key: str) -> int | None:
        entry = await self._entry(key)
        return int(entry.value) if entry is not None and entry.value else None

    async def _first(self, subject: str) -> int | None:
        try:
            return (await self._js.get_msg(subjects.MEMORY_STREAM, seq=1, subject=subject, next=True)).seq
        except NotFoundError:
            return None


WRONG_LAST_SEQUENCE = (10071, 10164)  # JetStream's codes for a write expecting another last revision


async def delete_unless_changed(kv: KeyValue, key: str, revision: int | None) -> bool:
    """Deletes the key if it is still at `revision`; False if it changed meanwhile. nats-py reports
    that as a BadRequestError on a delete (only updates get KeyWrongLastSequenceError): a sweep
    racing a new forget failed with "wrong last sequence" and left the brain's other marks."""
    try:
        await kv.delete(key, last=revision)
    except KeyWrongLastSequenceError:
        return False
    except BadRequestError as exc:
        if exc.err_code not in WRONG_LAST_SEQUENCE:
            raise
        return False
    return True


def source_of(item: MemoryItem) -> str | None:
    """The document a memory is a chunk of, if it is one."""
    source = item.metadata.get("source")
    return source if item.kind == "document" and isinstance(source, str) else None


def _keys(item: MemoryItem) -> tuple[str, ...]:
    """The marks that may cover `item`: its brain's, its own, and its document's."""
    source = source_of(item)
    own = (key_of(item.brain), key_of(item.brain, memory_id=item.id))
    return own if source is None else (*own, key_of(item.brain, source))


def marks_of(items: Iterable[MemoryItem]) -> set[tuple[str, str]]:
    """(brain, key) of the marks that may cover `items`."""
    return {(item.brain, key) for item in items for key in _keys(item)}
