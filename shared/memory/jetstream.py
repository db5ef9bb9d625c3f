"""The JetStream side of memory: streams, the persona bucket, and publishing items durably."""

import asyncio
import contextlib
import json
import time
import unicodedata
from collections.abc import AsyncGenerator, Sequence
from typing import Any

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from pydantic import ValidationError

from shared import subjects
from shared.bus import NO_PEERS_YET, copies, placed, stream_subjects
from shared.memory.brains import brain_key
from shared.memory.messages import ContextJob, MemoryItem

DEAD_LETTER_MAX_AGE = 30 * 24 * 3600.0
MAX_ITEM_BYTES = 256 * 1024  # the memory stream's largest message: one memory as JSON in UTF-8


class ItemTooLarge(ValueError):
    """A memory larger than one message of the stream can hold: JetStream would refuse it, after the
    items before it in the same call were queued."""

    def __init__(self, index: int, size: int) -> None:
        self.index, self.size = index, size
        super().__init__(f"this memory is {size / 1024:.0f} KB as stored (its content and metadata as UTF-8 JSON), "
                         f"over the {MAX_ITEM_BYTES // 1024} KB one memory may take: shorten its metadata, or "
                         "send a long text as a document (POST /memory/{brain}/documents), which is cut into chunks")


async def ensure_streams(js: JetStreamContext, replicas: int) -> None:
    """Create the memory streams if missing, or bring them to these settings. Safe to call from
    every replica at start-up."""
    await _add_or_update(js, StreamConfig(
        name=subjects.MEMORY_STREAM,
        subjects=[subjects.MEMORY_INGEST_ALL, subjects.MEMORY_DOCUMENT_ALL, subjects.MEMORY_CONTEXT_ALL],
        retention=RetentionPolicy.WORK_QUEUE,
        storage=StorageType.FILE,
        max_msg_size=MAX_ITEM_BYTES,
        discard=DiscardPolicy.NEW,
        num_replicas=replicas,
    ))
    await _add_or_update(js, StreamConfig(
        name=subjects.DEAD_LETTER_STREAM,
        subjects=[f"{subjects.DEAD_LETTER_PREFIX}.*"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=DEAD_LETTER_MAX_AGE,
        num_replicas=replicas,
    ))


async def _add_or_update(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        existing = (await js.stream_info(str(config.name))).config
    except NotFoundError:
        try:
            await placed(lambda: js.add_stream(config))
            return
        except BadRequestError as refused:  # another replica made it first
            if refused.err_code == NO_PEERS_YET:
                raise
            existing = (await js.stream_info(str(config.name))).config
    config.num_replicas = copies(str(config.name), existing.num_replicas, config.num_replicas or 1)
    await placed(lambda: js.update_stream(config))


def encoded(items: Sequence[MemoryItem]) -> list[bytes]:
    """The items as the stream takes them; ItemTooLarge for the first one over MAX_ITEM_BYTES."""
    payloads = [item.model_dump_json().encode() for item in items]
    for index, payload in enumerate(payloads):
        if len(payload) > MAX_ITEM_BYTES:
            raise ItemTooLarge(index, len(payload))
    return payloads


async def publish_items(js: JetStreamContext, items: Sequence[MemoryItem],
                        payloads: Sequence[bytes] | None = None) -> None:
    """Store items in the stream (`payloads`: as `encoded` gave them); returns once JetStream has
    acknowledged every one. ItemTooLarge, and nothing queued, when one is over MAX_ITEM_BYTES.

    No `Nats-Msg-Id`: a repeat is stored once by the ingest side (same id, or same speaker,
    words and day), while JetStream's duplicate filter would also drop a note posted again
    within two minutes of being forgotten, answering 202 for a memory never stored.
    Publishes run concurrently: awaiting each ack in turn costs milliseconds apiece.
    """
    payloads = encoded(items) if payloads is None else payloads  # all checked before any is queued
    large = sum(item.kind == "document" for item in items) > SMALL_DOCUMENT
    await asyncio.gather(*(js.publish(_queue(item, large), payload) for item, payload in zip(items, payloads,
                                                                                              strict=True)))


SMALL_DOCUMENT = 16  # chunks: a document this small is stored like a note, at once


def _queue(item: MemoryItem, large: bool) -> str:
    """The chunks of a large document have a queue of their own, taken when the one of turns and
    notes is empty: a 2 MB upload must not hold up the notes sent after it. A small document
    goes with the notes: behind another brain's large upload it waited for all of it."""
    key = brain_key(item.brain)
    return subjects.memory_document(key) if item.kind == "document" and large else subjects.memory_ingest(key)


async def publish_context_jobs(js: JetStreamContext, brain: str, ids: Sequence[str]) -> None:
    """One job per stored memory. A repeat (the ingest message was redelivered) changes nothing:
    the context stage skips a turn that has its context (ingest_worker/context.py)."""
    subject = subjects.memory_context(brain_key(brain))
    await asyncio.gather(*(
        js.publish(subject, ContextJob(brain=brain, id=memory_id).model_dump_json().encode()) for memory_id in ids
    ))


class StillStoring(Exception):
    """A brain had more memories queued (accepted, not stored yet) than a delete could look through in its wait."""


async def queued_items(js: JetStreamContext, brain: str, wait: float) -> AsyncGenerator[tuple[int, MemoryItem], None]:
    """Each memory of `brain` queued for ingestion now (accepted, not stored yet), with its stream
    sequence, oldest first. Raises StillStoring when reading them takes more than `wait` seconds.

    The ingest stream is a work queue and a message is acked only after its memory is written, so a
    message still in the stream is a memory not yet stored, whichever ingest replica holds it. A
    delete used to wait for them to be stored instead: behind another brain's import, a 503 after
    LUMIA_FORGET_WAIT. Each message costs one request to the stream's leader (about 0.3 ms; a
    follower answering a direct get may not have a message the leader acknowledged). Only messages
    up to the last one queued now are read: a brain that keeps receiving memories cannot keep a
    delete reading."""
    deadline = time.monotonic() + wait
    queues = brain_queues(brain)
    lasts = [await last_queued(js, subject) for subject in queues]
    for subject, last in zip(queues, lasts, strict=True):
        seq = 1
        while last is not None and seq <= last:
            try:
                msg = await js.get_msg(subjects.MEMORY_STREAM, seq=seq, subject=subject, next=True)
            except NotFoundError:
                break
            if msg.seq is None or msg.seq > last:
                break
            try:
                item = MemoryItem.model_validate_json(msg.data or b"")
            except ValidationError:
                item = None  # poison: dead-lettered by the ingest side, never a memory
            if item is not None and item.brain == brain:
                yield msg.seq, item
            seq = msg.seq + 1
            if seq <= last and time.monotonic() >= deadline:
                raise StillStoring(f"Brain '{brain}' has more accepted memories waiting to be stored than could be "
                                   f"looked through in {wait:g} s (a large import); nothing was forgotten. Try "
                                   "again once `pending_ingest` in its stats has fallen.")


async def queued_ids(js: JetStreamContext, brain: str, most: int, wait: float) -> set[str] | None:
    """The ids of the memories of `brain` queued now, when there are at most `most` queued and they can
    be read in `wait` seconds; else None (a large import: its count is what is known)."""
    if await queued_count(js, brain) > most:
        return None
    try:
        return {item.id async for _, item in queued_items(js, brain, wait)}
    except StillStoring:
        return None


async def queued_count(js: JetStreamContext, brain: str) -> int:
    """How many messages of `brain` are queued for ingestion now."""
    return sum([sum((await stream_subjects(js, subjects.MEMORY_STREAM, queue)).values())
                for queue in brain_queues(brain)])


def brain_queues(brain: str) -> tuple[str, str]:
    """The subjects a brain's memories are queued on for ingestion: notes and turns, large documents."""
    key = brain_key(brain)
    return subjects.memory_ingest(key), subjects.memory_document(key)


async def last_queued(js: JetStreamContext, subject: str) -> int | None:
    """The sequence of the last message queued on `subject`, if any is."""
    try:
        return (await js.get_last_msg(subjects.MEMORY_STREAM, subject)).seq
    except NotFoundError:
        return None


EMBEDDER_MISMATCH = "embedder mismatch"
"""How the ingest side marks (Lumia-Reason) a memory it could not store because its brain was
built with another embedder: `lumia reindex` publishes those again (replay_dead_letters)."""


async def replay_dead_letters(js: JetStreamContext, brain: str, reason: str = EMBEDDER_MISMATCH) -> int:
    """Publishes again, for ingestion, the dead letters of `brain` whose reason starts with
    `reason`, and removes them from the dead-letter stream. Returns how many."""
    replayed = 0
    queues = brain_queues(brain)
    async with contextlib.aclosing(_dead_letters(js, brain)) as letters:
        async for msg in letters:
            headers = msg.headers or {}
            if headers.get("Lumia-Reason", "").startswith(reason):
                # Back to the queue it came from: a large document's chunks on the notes' queue held
                # every user's notes until they were stored.
                queue = headers.get("Lumia-Subject", "")
                if queue not in queues:
                    queue = queues[0]
                await js.publish(queue, msg.data)
                await _delete(js, msg)
                replayed += 1
    return replayed


async def drop_dead_letters(js: JetStreamContext, brain: str, memory_id: str | None = None,
                            source: str | None = None) -> int:
    """Removes the memories of `brain` kept aside as dead letters (sent while its embedder differed,
    say), as a clear (every one), a delete (`memory_id`) or a document's delete (`source`) removes
    what is stored: a reindex must not bring them back. Returns how many memories it removed."""
    dropped = 0
    async with contextlib.aclosing(_dead_letters(js, brain)) as letters:
        async for msg in letters:
            item = _fields_of(msg.data)
            if memory_id is not None and item.get("id") != memory_id:
                continue
            if source is not None and (item.get("kind") != "document"
                                       or (item.get("metadata") or {}).get("source") != source):
                continue
            await _delete(js, msg)
            # Every letter on the brain's subject goes (it holds what was sent for it), but only a
            # memory of this brain counts as one removed: not poison, nor a letter naming another brain.
            dropped += isinstance(item.get("content"), str) and isinstance(item.get("brain"), str) \
                and unicodedata.normalize("NFC", item["brain"]) == brain
    return dropped


async def _delete(js: JetStreamContext, msg: Msg) -> None:
    with contextlib.suppress(NotFoundError):  # a clear, delete or reindex at the same time took it
        await js.delete_msg(subjects.DEAD_LETTER_STREAM, msg.metadata.sequence.stream)


async def _dead_letters(js: JetStreamContext, brain: str) -> AsyncGenerator[Msg, None]:
    """Each dead letter of `brain`, acked once the caller is done with it."""
    dead = subjects.dead_letter(brain_key(brain))
    try:
        waiting = (await js.stream_info(subjects.DEAD_LETTER_STREAM, subjects_filter=dead)).state.subjects or {}
    except NotFoundError:
        return
    if not waiting.get(dead):
        return
    reader = await js.pull_subscribe(dead, stream=subjects.DEAD_LETTER_STREAM)  # ephemeral: gone when unsubscribed
    try:
        while True:
            try:
                batch = await reader.fetch(64, timeout=1.0)
            except TimeoutError:  # nats' and asyncio's are both TimeoutError subclasses
                break
            for msg in batch:
                yield msg
                await msg.ack()
    finally:
        await reader.unsubscribe()


def _fields_of(data: bytes) -> dict[str, Any]:
    """A dead letter's fields as sent (a letter may fail today's checks of a memory), or {} for poison."""
    try:
        fields = json.loads(data)
    except ValueError:
        return {}
    return fields if isinstance(fields, dict) else {}
