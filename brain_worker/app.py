"""brain_worker: retrieval and the memory store's read side.

Consumes (request/reply, queue `brain`)
- `lumia.brain.query`: `QueryRequest` → `QueryReply` (best first, with the persona on request).
- `lumia.brain.stats`: `BrainRequest` → `BrainStats`.
- `lumia.brain.list`: `BrainsRequest` → `BrainsReply` (the brains whose id starts with a prefix, by name).
- `lumia.brain.clear`: `BrainRequest` → `ClearReply` (memories, persona and caches), at once: also
  the memories accepted before it and still queued (a mark drops them, shared/memory/forgets.py)
  and those kept aside as dead letters; refused (`expired`) once its `deadline` has passed.
- `lumia.brain.memories.list`: `ListRequest` → `ListReply`.
- `lumia.brain.memories.delete`: `DeleteRequest` → `DeleteReply`, effective at once, also for an id
  accepted and still queued (read off the brain's queue, for up to LUMIA_FORGET_WAIT, and marked);
  refused (`expired`) past its `deadline`, before it begins or after reading the queue.
- `lumia.brain.documents.list`: `BrainRequest` → `DocumentsReply` (newest first).
- `lumia.brain.documents.delete`: `DocumentDeleteRequest` → `DocumentDeleteReply`, every chunk of the
  document of that source, at once, also chunks still queued (read as a delete reads them, and
  marked), which `removed` counts with those stored; `deadline` as for a delete.
- `lumia.brain.reindex`: `BrainRequest` → `ReindexReply` (re-embed with the current embedder); a
  request with the header `Lumia-Progress: 1` also gets an empty message with that header on its reply
  subject every PROGRESS_BEAT (5) seconds, or as often as `Lumia-Progress-Every` asks, while the work
  goes on, so that its asker can tell a long reindex from a worker that died.
- `lumia.brain.changed.*` (every replica): keeps the keyword caches current.
- `lumia.brain.ping`: health probe; `memory_cache_size` is the number of cached brain indexes,
  `store_error` why the memory store cannot be reached.
A failed request is answered with `BrainError` (`busy` when reading a queue runs out of time,
`expired` past a deadline, `unavailable` while Chroma or the embedder cannot be reached).

Publishes
- `lumia.brain.changed.<brain_key>` after a delete (of a memory or a document) or clear.

With embedded Chroma (no CHROMA_URL) this process owns the store and also runs
ingestion (see ingest_worker.app). Run: `python -m brain_worker`.
"""

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

from faststream import Context, ContextRepo, FastStream
from faststream.exceptions import IgnoredException
from faststream.middlewares import ExceptionMiddleware
from faststream.nats import NatsMessage
from pydantic import ValidationError

from brain_worker.housekeeping import (
    brain_stats,
    clear_brain,
    forget,
    forget_document,
    has_document,
    in_persona,
    list_brains,
    list_documents,
    list_memories,
    reindex,
)
from brain_worker.keywords import KeywordCache
from brain_worker.retrieval import Retriever, index_memory
from ingest_worker.app import attach as attach_ingest
from shared import subjects
from shared.bus import beat_every, beats, instance_name, make_app, make_broker, stream_subjects
from shared.memory.brains import brain_key
from shared.memory.embedder import EmbeddingUnavailable
from shared.memory.forgets import key_of, source_of
from shared.memory.jetstream import StillStoring, drop_dead_letters, queued_ids, queued_items, replay_dead_letters
from shared.memory.messages import (
    BrainChanged,
    BrainError,
    BrainErrorCode,
    BrainRequest,
    BrainsReply,
    BrainsRequest,
    BrainStats,
    ClearReply,
    DeleteReply,
    DeleteRequest,
    DocumentDeleteReply,
    DocumentDeleteRequest,
    DocumentsReply,
    ListReply,
    ListRequest,
    MemoryItem,
    QueryReply,
    QueryRequest,
    ReindexReply,
)
from shared.memory.runtime import MemoryRuntime, memory_runtime
from shared.memory.store import BadFilter, EmbedderMismatch, StoreUnavailable
from shared.messages import WorkerStatus, describe_validation_error
from shared.settings import Settings, get_settings

log = logging.getLogger("lumia.brain")
# A clear reads the ids of this many queued memories at most, in this long (about 0.3 ms each), to
# count each once; past it, a large import's count stands (a copy in hand may count twice).
QUEUED_READ, QUEUED_READ_SECONDS = 1_000, 1.0


class Expired(Exception):
    """A clear or delete whose asker stopped waiting before it could be done."""


def check_deadline(request: BrainRequest | DeleteRequest | DocumentDeleteRequest, what: str) -> None:
    # The asker has told its client this failed (504); done now, it would also forget whatever
    # the client added since, believing nothing had happened.
    if request.deadline is not None and time.time() > request.deadline:
        log.warning("refused an expired %s of brain %r: its asker stopped waiting %.1f s ago",
                    what, request.brain, time.time() - request.deadline)
        raise Expired(f"The {what} of brain '{request.brain}' was not done: its deadline passed before it could "
                      "be, and nothing was forgotten.")


def _answer_with(code: BrainErrorCode, field: str | None = None) -> Callable[[Exception], Awaitable[BrainError]]:
    async def answer(exc: Exception) -> BrainError:
        return BrainError(error=str(exc), code=code, field=field)
    return answer


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or get_settings()
    instance = instance_name("brain")
    errors = ExceptionMiddleware()
    broker = make_broker(settings.nats_servers, instance, middlewares=[errors])
    keywords = KeywordCache()

    @errors.add_handler(ValidationError, publish=True)
    async def on_invalid(exc: ValidationError) -> BrainError:
        return BrainError(error=describe_validation_error(exc), code="bad_request")

    # Failures whose message is the answer: each names what to do, under its code (and the field at fault).
    answered: tuple[tuple[type[Exception], BrainErrorCode, str | None], ...] = (
        (EmbedderMismatch, "embedder_mismatch", None), (BadFilter, "bad_request", "where"),
        (StillStoring, "busy", None), (Expired, "expired", None), (StoreUnavailable, "unavailable", None),
        (EmbeddingUnavailable, "unavailable", None))
    for failure, code, field in answered:
        errors.add_handler(failure, publish=True)(_answer_with(code, field))

    @errors.add_handler(Exception, publish=True)
    async def on_failure(exc: Exception) -> BrainError:
        # Answered at once: left unanswered, the caller would wait out its timeout for nothing.
        if isinstance(exc, IgnoredException):  # FastStream's own ack/nack/stop signals are not failures
            raise exc
        log.exception("request failed", exc_info=exc)
        return BrainError(error=f"The brain_worker failed on this request: {type(exc).__name__}: {exc}",
                          code="internal")

    @asynccontextmanager
    async def lifespan(context: ContextRepo) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await broker.connect()
            runtime = await memory_runtime(context, settings, broker.connection, stack)
            with contextlib.suppress(StoreUnavailable):  # a store not up yet holds nothing to recover
                if restored := await runtime.store.recover_rebuilds():
                    log.warning("restored %s from the copies a reindex that died left", ", ".join(map(repr, restored)))
            context.set_global("retriever", Retriever(runtime.store, runtime.embedder, keywords,
                                                      settings.memory_min_score, zone=runtime.zone))
            yield

    async def changed(runtime: MemoryRuntime, notice: BrainChanged) -> None:
        await runtime.nc.publish(subjects.brain_changed(brain_key(notice.brain)), notice.model_dump_json().encode())

    async def forgotten(runtime: MemoryRuntime, brain: str, ids: list[str], persona_stale: bool = True) -> None:
        index = keywords.get(brain)
        if index is not None:
            for memory_id in ids:
                index.remove(memory_id)
        await changed(runtime, BrainChanged(brain=brain, removed=ids, persona_stale=persona_stale))

    async def waiting(runtime: MemoryRuntime, brain: str, wanted: Callable[[MemoryItem], bool],
                      first: bool = False) -> list[tuple[int, MemoryItem]]:
        """The brain's memories accepted and not stored yet that `wanted` picks, with their stream
        sequences (shared/memory/jetstream.py); with `first`, only the first that no delete or clear
        has marked forgotten already."""
        found: list[tuple[int, MemoryItem]] = []
        try:
            async with contextlib.aclosing(queued_items(runtime.nc.jetstream(), brain, settings.forget_wait)) as queue:
                async for seq, item in queue:
                    if not wanted(item):
                        continue
                    if not first:
                        found.append((seq, item))
                    elif not await runtime.forgets.covered([(seq, item)]):
                        return [(seq, item)]
        except StillStoring:
            # Nothing is stored while the store is down: say so, not "a large import".
            if (why := await runtime.store.unreachable()) is not None:
                raise StoreUnavailable(why) from None
            raise
        return found

    async def queued(runtime: MemoryRuntime, brain: str, stream: str) -> int:
        return sum((await stream_subjects(runtime.nc.jetstream(), stream, f"*.*.*.{brain_key(brain)}")).values())

    @broker.subscriber(subjects.BRAIN_QUERY, queue=subjects.QUEUE_BRAIN, max_workers=8)
    async def on_query(request: QueryRequest, retriever: Retriever = Context(),
                       runtime: MemoryRuntime = Context("memory_runtime")) -> QueryReply:
        reply = await retriever.query(request)
        if request.include_persona:
            reply.persona = (await runtime.personas.load(request.brain)).text or None
        return reply

    @broker.subscriber(subjects.BRAIN_STATS, queue=subjects.QUEUE_BRAIN)
    async def on_stats(request: BrainRequest, runtime: MemoryRuntime = Context("memory_runtime"),
                       retriever: Retriever = Context()) -> BrainStats:
        persona = await runtime.personas.load(request.brain)
        pending = await queued(runtime, request.brain, subjects.MEMORY_STREAM)
        dead = await queued(runtime, request.brain, subjects.DEAD_LETTER_STREAM)
        return await brain_stats(retriever, persona, request.brain, pending, dead)

    @broker.subscriber(subjects.BRAIN_LIST, queue=subjects.QUEUE_BRAIN)
    async def on_brains(request: BrainsRequest, runtime: MemoryRuntime = Context("memory_runtime")) -> BrainsReply:
        return await list_brains(runtime.store, request)

    # Several at once: one may read a brain's long queue (queued_items) and must not hold up the rest.
    @broker.subscriber(subjects.BRAIN_CLEAR, queue=subjects.QUEUE_BRAIN, max_workers=4)
    async def on_clear(request: BrainRequest, runtime: MemoryRuntime = Context("memory_runtime")) -> ClearReply:
        check_deadline(request, "clear")
        # Refused before the mark: a clear that fails must not go on dropping what is queued.
        if (why := await runtime.store.unreachable()) is not None:
            raise StoreUnavailable(why)
        # Memories kept aside (sent while the brain's embedder differed) first: failing, nothing is done yet.
        removed = await drop_dead_letters(runtime.nc.jetstream(), request.brain)
        # Which memories are queued, when few are: one written and not yet acked is counted once.
        ids = await queued_ids(runtime.nc.jetstream(), request.brain, QUEUED_READ, QUEUED_READ_SECONDS)
        queued = await runtime.forgets.mark(request.brain)  # before the delete (shared/memory/forgets.py)
        removed += await clear_brain(runtime.store, runtime.personas, keywords, request.brain, ids or ())
        if ids is not None:
            queued = 0  # counted by the clear
        # What the mark covered may all have been stored and acked meanwhile: then nobody else would.
        await runtime.forgets.prune([(request.brain, key_of(request.brain))])
        await runtime.forgets.sweep([request.brain])
        await changed(runtime, BrainChanged(brain=request.brain, cleared=True))
        log.info("cleared brain %r: %d memories, stored or queued", request.brain, removed + queued)
        return ClearReply(brain=request.brain, removed=removed + queued)

    @broker.subscriber(subjects.BRAIN_MEMORIES_LIST, queue=subjects.QUEUE_BRAIN)
    async def on_list(request: ListRequest, retriever: Retriever = Context()) -> ListReply:
        return await list_memories(retriever, request)

    @broker.subscriber(subjects.BRAIN_MEMORIES_DELETE, queue=subjects.QUEUE_BRAIN, max_workers=4)
    async def on_delete(request: DeleteRequest, runtime: MemoryRuntime = Context("memory_runtime")) -> DeleteReply:
        check_deadline(request, "delete")
        try:
            gone = await forget(runtime.store, runtime.embedder, request.brain, request.id)
        except EmbeddingUnavailable as exc:
            # The turns around it go back to their own embedding first: a black-box pass read the bare
            # reason as a delete that might have half happened.
            raise type(exc)(f"{exc} The memory was not forgotten: nothing changed. Try again once the embedder "
                            "answers.") from exc
        queued = False
        if gone is None:
            # It may be accepted (202) and still queued: the mark below drops it. One a delete marked
            # before is forgotten already (a second delete of it is a 404, as once it is stored).
            queued = bool(await waiting(runtime, request.brain, lambda item: item.id == request.id, first=True))
            check_deadline(request, "delete")
        # Marked, what is queued under the id is not stored: it, or the same note posted again.
        marked = await runtime.forgets.mark(request.brain, memory_id=request.id) if gone or queued else 0
        # Kept aside (sent while the brain's embedder differed) after the mark: the ingest side keeps
        # nothing aside that a mark covers (ingest_worker/app.py), and `lumia reindex` would store it.
        aside = await drop_dead_letters(runtime.nc.jetstream(), request.brain, memory_id=request.id)
        # Stored while the queue was read, or before the mark: the mark covers only what is queued.
        gone = await forget(runtime.store, runtime.embedder, request.brain, request.id) or gone
        if marked:
            await runtime.forgets.prune([(request.brain, key_of(request.brain, memory_id=request.id))])
            await runtime.forgets.sweep([request.brain])
        deleted = gone is not None or bool(aside) or queued
        if deleted:
            # A chat turn is what the persona is written from: the profile is withdrawn before the
            # reply, and written again without it by the ingest_worker. Left until that rewrite, it
            # went on being sent while Ollama was down (a black-box pass), or for good had no
            # ingest_worker heard of the delete. The notice goes out in any case: a refresh running
            # now (the persona still empty) may have read the turn, and must run again.
            stale = gone is not None and in_persona(gone)
            try:
                if stale:
                    await runtime.personas.withdraw(request.brain)
            finally:
                await forgotten(runtime, request.brain, [request.id], persona_stale=stale)
        return DeleteReply(deleted=deleted)

    @broker.subscriber(subjects.BRAIN_DOCUMENTS_LIST, queue=subjects.QUEUE_BRAIN)
    async def on_documents(request: BrainRequest,
                           runtime: MemoryRuntime = Context("memory_runtime")) -> DocumentsReply:
        return DocumentsReply(documents=await list_documents(runtime.store, request.brain))

    @broker.subscriber(subjects.BRAIN_DOCUMENTS_DELETE, queue=subjects.QUEUE_BRAIN, max_workers=4)
    async def on_document_delete(request: DocumentDeleteRequest,
                                 runtime: MemoryRuntime = Context("memory_runtime")) -> DocumentDeleteReply:
        check_deadline(request, "document delete")
        # An upload is accepted before it is stored: its chunks still queued are read before the
        # mark, which drops them. A chunk stored and taken off the queue while it is read is found
        # stored below: the mark comes after, so the ingest side did not drop it.
        try:
            chunks = await waiting(runtime, request.brain, lambda item: source_of(item) == request.source)
        except StillStoring:
            # Too long a queue to read (a large import): with chunks stored, the document exists and
            # is forgotten all the same, its queued chunks dropped but not counted.
            if not await has_document(runtime.store, request.brain, request.source):
                raise
            chunks = []
        check_deadline(request, "document delete")
        # What a clear or an earlier delete of it marked is forgotten already: not counted again.
        floor = await runtime.forgets.covering(request.brain, request.source)
        queued = {item.id for seq, item in chunks if seq > floor}
        await runtime.forgets.mark(request.brain, request.source)
        # Kept aside after the mark, as a memory's delete does.
        aside = await drop_dead_letters(runtime.nc.jetstream(), request.brain, source=request.source)
        ids = await forget_document(runtime.store, request.brain, request.source)
        await runtime.forgets.prune([(request.brain, key_of(request.brain, request.source))])
        await runtime.forgets.sweep([request.brain])
        if ids:
            await forgotten(runtime, request.brain, ids, persona_stale=False)
        return DocumentDeleteReply(source=request.source, removed=len(queued.union(ids)) + aside)

    @broker.subscriber(subjects.BRAIN_REINDEX, queue=subjects.QUEUE_BRAIN)
    async def on_reindex(request: BrainRequest, raw: NatsMessage, runtime: MemoryRuntime = Context("memory_runtime"),
                         retriever: Retriever = Context()) -> ReindexReply:
        headers = raw.headers or {}
        beating = headers.get(subjects.PROGRESS_HEADER) == "1" and bool(raw.reply_to)
        every = beat_every(headers.get(subjects.PROGRESS_EVERY_HEADER))
        async with beats(runtime.nc, raw.reply_to if beating else None, every):
            count = await reindex(runtime.store, runtime.embedder, request.brain)
            keywords.drop(request.brain)
            retriever.directions.drop(request.brain)  # the same count, new vectors: the mean is stale
            await changed(runtime, BrainChanged(brain=request.brain, cleared=True))
            # What arrived while the brain still had the other embedder was kept aside: store it now.
            replayed = await replay_dead_letters(runtime.nc.jetstream(), request.brain)
        return ReindexReply(brain=request.brain, reindexed=count, embedder=runtime.embedder.name, replayed=replayed)

    @broker.subscriber(subjects.BRAIN_CHANGED_ALL)
    async def on_changed(notice: BrainChanged, runtime: MemoryRuntime = Context("memory_runtime"),
                         retriever: Retriever = Context()) -> None:
        index = keywords.get(notice.brain)
        if notice.cleared:
            keywords.drop(notice.brain)
            return
        if index is not None:
            for memory_id in notice.removed:
                index.remove(memory_id)
        if notice.added:
            added = await runtime.store.get(notice.brain, ids=notice.added)
            if index is not None:
                for memory in added:
                    index_memory(index, memory)
            retriever.pieces.warm(notice.brain, added)  # before a question about them: 6 s for 30,000 characters

    @broker.subscriber(subjects.worker_ping("brain"), queue=subjects.QUEUE_BRAIN)
    async def on_ping(runtime: MemoryRuntime = Context("memory_runtime")) -> WorkerStatus:
        return WorkerStatus(kind="brain", instance=instance, memory_cache_size=len(keywords),
                            store_error=await runtime.store.unreachable())

    lifespans: list[Callable[[ContextRepo], AbstractAsyncContextManager[None]]] = [lifespan]
    on_shutdown = []
    if not settings.chroma_url:
        ingest_lifespan, stop_ingest = attach_ingest(broker, settings)
        lifespans.append(ingest_lifespan)
        on_shutdown.append(stop_ingest)

    @asynccontextmanager
    async def combined(context: ContextRepo) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for each in lifespans:
                await stack.enter_async_context(each(context))
            yield

    return make_app(broker, "brain", __doc__, lifespan=combined, on_shutdown=on_shutdown)


