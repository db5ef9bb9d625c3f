"""ingest_worker: durable, asynchronous memory writes.

Consumes
- `lumia.memory.ingest.<brain_key>`: JetStream stream `LUMIA_MEMORY` (work queue),
  durable pull consumer `ingest`; `MemoryItem`s. Acked only after the memory is
  stored; a message that cannot be decoded, or fails LUMIA_INGEST_MAX_DELIVER
  times, moves to the dead-letter stream. While Chroma or the embedder cannot be
  reached, the batch in hand waits (its ack deadline extended) and nothing counts as failed.
- `lumia.memory.document.<brain_key>`: the same for document chunks (durable consumer `document`),
  16 at a time and only while the queue above is empty: a 2 MB upload is 5,000 chunks, and the
  turns and notes sent after it must not wait for them.
- `lumia.ingest.ping` (queue `ingest`): health probe.
- `lumia.brain.changed.*` (queue `ingest`: one replica per notice): a chat turn deleted (the
  brain_worker withdrew the persona) has its persona written again from what is left, at once.

Publishes
- `lumia.brain.changed.<brain_key>` (`BrainChanged`) after each write, so
  retrieval caches stay current.
- `lumia.memory.context.<brain_key>` (`ContextJob`) for every
  memory of a batch, before the batch is acked.
- `lumia.memory.dead.<brain_key>` (stream `LUMIA_MEMORY_DEAD`) for poison messages,
  with `Lumia-Reason` and `Lumia-Subject` headers.
- The persona of a brain (KV `lumia_persona`), refreshed by the LLM every
  LUMIA_PERSONA_EVERY_TURNS turns or LUMIA_PERSONA_EVERY_MINUTES minutes.

With embedded Chroma (no CHROMA_URL) ingestion runs inside the brain_worker
process, which owns the store; run this module on its own only with CHROMA_URL.
Run: `python -m ingest_worker`.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from functools import partial
from typing import TypeVar

import nats.errors
from faststream import Context, ContextRepo, FastStream
from faststream.nats import NatsBroker
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig
from pydantic import ValidationError

from ingest_worker.context import ContextEnricher
from ingest_worker.ingest import Ingestor, Prepared
from ingest_worker.persona import PersonaRefresher
from shared import subjects
from shared.bus import instance_name, make_app, make_broker
from shared.memory.brains import brain_key, names_its_brain
from shared.memory.embedder import EmbedderUnreachable
from shared.memory.forgets import marks_of
from shared.memory.jetstream import EMBEDDER_MISMATCH, publish_context_jobs
from shared.memory.messages import BrainChanged, ContextJob, MemoryItem
from shared.memory.runtime import MemoryRuntime, memory_runtime
from shared.memory.store import EmbedderMismatch, StoreUnavailable
from shared.messages import WorkerStatus, describe_validation_error
from shared.settings import Settings, get_settings

log = logging.getLogger("lumia.ingest")
DOCUMENT_BATCH = 16  # chunks of about 1,000 characters: a note arriving meanwhile waits for at most one such batch
# Context jobs taken at once: each embeds a turn's runs with its neighbours, texts up to three
# times as long, in the embedder's threads that new memories also need. 256 at once held every
# brain's new memories (and their deletes) for a minute behind one brain's import of long notes.
CONTEXT_BATCH = 32
T = TypeVar("T")
BATCH = 256
WAIT_AGAIN = 0.5  # seconds before a copy of a memory another batch has in hand is delivered again


class IngestLoop:
    """Pulls batches from the work queue; raw nats-py, because the ack of each message
    must follow its own write, and a poison message must not fail its neighbours."""

    def __init__(self, runtime: MemoryRuntime, refresher: PersonaRefresher, max_deliver: int,
                 ack_wait: float, lifetime: "Lifetime", documents_after: "IngestLoop | None" = None) -> None:
        """`documents_after`: this loop takes document chunks, a small batch at a time and only
        while that loop (turns and notes) has nothing queued."""
        self.runtime = runtime
        self.lifetime = lifetime
        self.after = documents_after
        self.subject, self.durable, self.batch = (
            (subjects.MEMORY_INGEST_ALL, subjects.INGEST_CONSUMER, BATCH) if documents_after is None
            else (subjects.MEMORY_DOCUMENT_ALL, subjects.DOCUMENT_CONSUMER, DOCUMENT_BATCH))
        self.ack_wait = ack_wait
        self.ingestor = Ingestor(runtime.store, runtime.embedder, runtime.zone)
        self.refresher = refresher
        self.max_deliver = max_deliver
        self.js = runtime.nc.jetstream()
        self.drained = asyncio.Event()  # the last fetch left nothing behind: time for context work

    async def consume(self) -> None:
        config = ConsumerConfig(durable_name=self.durable, ack_policy=AckPolicy.EXPLICIT,
                                ack_wait=self.ack_wait, max_deliver=self.max_deliver + 1, max_ack_pending=4 * BATCH)
        pull = await self.js.pull_subscribe(self.subject, durable=self.durable,
                                            stream=subjects.MEMORY_STREAM, config=config)
        # Two stages: a batch is embedded while the one before it is stored and acked, so the
        # store's single-threaded work does not leave the embedder's cores idle.
        storing: asyncio.Task[None] | None = None
        in_hand: list[Msg] = []  # fetched, not yet handed to a store task
        try:
            while not self.lifetime.stopping:
                if self.after is not None:
                    await self.after.drained.wait()
                try:
                    messages = await fetch(pull, self.batch)
                except nats.errors.Error as exc:  # reconnecting: the stream keeps everything meanwhile
                    log.warning("%s fetch failed: %s", self.durable, exc)
                    await asyncio.sleep(0.5)
                    continue
                in_hand = messages
                if len(messages) < self.batch:
                    self.drained.set()
                else:
                    self.drained.clear()
                batch = await self.prepare(messages)
                if storing is not None:
                    # Shielded: a stop must not cut a batch off half-written; it is awaited below.
                    await asyncio.shield(storing)
                storing = asyncio.create_task(self.finish(*batch)) if batch else None
                in_hand = []
        finally:
            if storing is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await storing
            await hand_back(pull, in_hand, self.durable)

    async def prepare(self, messages: list[Msg]) -> tuple[list[tuple[Msg, MemoryItem]], Prepared | None] | None:
        """Decodes (dead-lettering what cannot be) and embeds; None when nothing is left.
        A batch that cannot be embedded comes back unprepared, to be written one by one."""
        decoded: list[tuple[Msg, MemoryItem]] = []
        for msg in messages:
            try:
                item = MemoryItem.model_validate_json(msg.data)
            except ValidationError as exc:
                await self.dead_letter(msg, f"undecodable: {describe_validation_error(exc)}"[:300])
                continue
            if not names_its_brain(msg.subject, item.brain):
                # A clear, a delete and the stats look for a brain's memories under its own subject.
                await self.dead_letter(msg, f"published on {msg.subject}, which is not the subject of brain "
                                            f"{item.brain!r} ({subjects.memory_ingest(brain_key(item.brain))})")
                continue
            decoded.append((msg, item))
        decoded = await self.drop_forgotten(decoded)
        if not decoded:
            return None
        try:
            items = [item for _, item in decoded]
            return decoded, await outlast(lambda: self.ingestor.prepare(items), [msg for msg, _ in decoded])
        except Exception:
            log.exception("batch of %d could not be embedded; retrying one by one", len(decoded))
            return decoded, None

    async def finish(self, decoded: list[tuple[Msg, MemoryItem]], prepared: Prepared | None) -> None:
        if prepared is not None:
            try:
                await self.write(decoded, prepared)
                return
            except EmbedderMismatch as exc:  # documented and expected until `lumia reindex`: no traceback
                log.warning("batch of %d refused (%s); retrying one by one", len(decoded), exc)
            except Exception:
                log.exception("batch of %d failed; retrying one by one", len(decoded))
        for msg, item in decoded:
            try:
                await self.write([(msg, item)], await outlast(partial(self.ingestor.prepare, [item]), [msg]))
            except Exception as exc:
                await self.failed(msg, item, exc)

    async def write(self, pairs: list[tuple[Msg, MemoryItem]], prepared: Prepared) -> None:
        try:
            written = await outlast(lambda: self.ingestor.store_prepared(prepared), [msg for msg, _ in pairs])
            await self.stored(pairs, written, prepared.waiting)
        finally:  # after the unwriting in `stored`: until then a copy of it waits (Prepared.waiting)
            self.ingestor.forget(prepared)

    async def drop_forgotten(self, decoded: list[tuple[Msg, MemoryItem]]) -> list[tuple[Msg, MemoryItem]]:
        """Acks, unstored, what a clear or a document delete covered while it was queued."""
        forgotten = await self.runtime.forgets.covered((msg.metadata.sequence.stream, item) for msg, item in decoded)
        if not forgotten:
            return decoded
        dropped = [(msg, item) for msg, item in decoded if msg.metadata.sequence.stream in forgotten]
        # A message delivered before may have been written then, and its undoing failed (the
        # worker died, or the store went away, between the two): it is undone now.
        await self.ingestor.unwrite([item for msg, item in dropped if msg.metadata.num_delivered > 1])
        await asyncio.gather(*(msg.ack_sync() for msg, _ in dropped))
        await self.runtime.forgets.prune(marks_of(item for _, item in dropped))
        await self.sweep({item.brain for _, item in dropped})
        log.info("dropped %d queued memories forgotten before they were stored", len(dropped))
        return [(msg, item) for msg, item in decoded if msg.metadata.sequence.stream not in forgotten]

    async def unwrite_forgotten(self, pairs: list[tuple[Msg, MemoryItem]],
                                written: dict[str, list[str]]) -> list[tuple[Msg, MemoryItem]]:
        """Deletes again what was written while a clear or a document delete covering it was done
        (shared/memory/forgets.py); the pairs left to go on with."""
        forgotten = await self.runtime.forgets.covered((msg.metadata.sequence.stream, item) for msg, item in pairs)
        if not forgotten:
            return pairs
        kept = [(msg, item) for msg, item in pairs if msg.metadata.sequence.stream not in forgotten]
        undo: dict[str, set[str]] = {}
        for msg, item in pairs:
            if msg.metadata.sequence.stream in forgotten:
                undo.setdefault(item.brain, set()).add(item.id)
        for brain, ids in undo.items():
            ids -= {item.id for _, item in kept if item.brain == brain}  # sent again after the forget
            if ids:
                await self.runtime.store.delete(brain, sorted(ids))
                await self.runtime.nc.publish(subjects.brain_changed(brain_key(brain)),
                                              BrainChanged(brain=brain, removed=sorted(ids)).model_dump_json().encode())
            if brain in written:
                written[brain] = [i for i in written[brain] if i not in ids]
        await asyncio.gather(*(msg.ack_sync() for msg, _ in pairs if msg.metadata.sequence.stream in forgotten))
        await self.runtime.forgets.prune(marks_of(item for msg, item in pairs
                                                  if msg.metadata.sequence.stream in forgotten))
        return kept

    async def stored(self, pairs: list[tuple[Msg, MemoryItem]], written: dict[str, list[str]],
                     waiting: set[str]) -> None:
        brains = {item.brain for _, item in pairs}
        # Copies of what an earlier batch still has in hand come again once it is done, stored if
        # that was forgotten meanwhile; near the last delivery, taken for the repeat they likely are.
        held: list[Msg] = []
        kept: list[tuple[Msg, MemoryItem]] = []
        for msg, item in await self.unwrite_forgotten(pairs, written):
            if item.id in waiting and msg.metadata.num_delivered < self.max_deliver - 1:
                held.append(msg)
            else:
                kept.append((msg, item))
        pairs = kept
        await asyncio.gather(*(msg.nak(delay=WAIT_AGAIN) for msg in held))
        # Every item, not only what was new: a redelivery may come from a crash after the write
        # and before its jobs were published (a job for a memory already in context does nothing).
        jobs: dict[str, list[str]] = {}
        for _, item in pairs:
            if item.kind != "document":
                jobs.setdefault(item.brain, []).append(item.id)
        await asyncio.gather(*(publish_context_jobs(self.js, brain, ids) for brain, ids in jobs.items()))
        await asyncio.gather(*(msg.ack_sync() for msg, _ in pairs))
        for brain, ids in written.items():
            await self.runtime.nc.publish(subjects.brain_changed(brain_key(brain)),
                                          BrainChanged(brain=brain, added=ids).model_dump_json().encode())
            turns = sum(1 for _, item in pairs if item.brain == brain and item.kind == "turn" and item.id in ids)
            if turns:
                await self.refresher.note_turns(brain, turns)
        await self.sweep(brains)

    async def sweep(self, brains: set[str]) -> None:
        try:
            await self.runtime.forgets.sweep(brains)
        except Exception as exc:  # what is stored stays stored; the next batch of the brain sweeps again
            log.warning("could not sweep the forget marks of %d brains: %s", len(brains), exc)

    async def failed(self, msg: Msg, item: MemoryItem, exc: Exception) -> None:
        # Forgotten while it was in hand (a delete read it off the queue and marked it): dropped, not
        # kept aside, where `lumia reindex` would publish it again past the mark.
        try:
            if not await self.drop_forgotten([(msg, item)]):
                return
        except Exception as looking:  # kept aside or tried again below, as before marks were looked at
            log.warning("could not look up the forget marks of a failed memory: %s", looking)
        if isinstance(exc, EmbedderMismatch):
            # No retry can help: kept aside at once, and `lumia reindex` publishes it again.
            await self.dead_letter(msg, f"{EMBEDDER_MISMATCH}: {exc!s}"[:300])
        elif msg.metadata.num_delivered >= self.max_deliver:
            await self.dead_letter(msg, f"failed {msg.metadata.num_delivered} times: {exc!s}"[:300])
        else:
            await msg.nak(delay=min(2.0 ** msg.metadata.num_delivered, 30.0))

    async def dead_letter(self, msg: Msg, reason: str) -> None:
        key = msg.subject.rsplit(".", 1)[-1]
        await self.js.publish(subjects.dead_letter(key), msg.data,
                              headers={"Lumia-Reason": reason, "Lumia-Subject": msg.subject})
        await msg.term()
        log.warning("dead-lettered a message on %s: %s", msg.subject, reason)


class ContextLoop:
    """Pulls context jobs when the ingest queue is drained, and acks them once written."""

    def __init__(self, runtime: MemoryRuntime, drained: asyncio.Event, max_deliver: int, ack_wait: float,
                 lifetime: "Lifetime") -> None:
        self.ack_wait = ack_wait
        self.lifetime = lifetime
        self.enricher = ContextEnricher(runtime.store, runtime.embedder)
        self.drained = drained
        self.max_deliver = max_deliver
        self.js = runtime.nc.jetstream()

    async def consume(self) -> None:
        config = ConsumerConfig(durable_name=subjects.CONTEXT_CONSUMER, ack_policy=AckPolicy.EXPLICIT,
                                ack_wait=self.ack_wait, max_deliver=self.max_deliver, max_ack_pending=4 * BATCH)
        pull = await self.js.pull_subscribe(subjects.MEMORY_CONTEXT_ALL, durable=subjects.CONTEXT_CONSUMER,
                                            stream=subjects.MEMORY_STREAM, config=config)
        in_hand: list[Msg] = []
        try:
            while not self.lifetime.stopping:
                await self.drained.wait()
                try:
                    in_hand = await fetch(pull, CONTEXT_BATCH)
                except nats.errors.Error as exc:
                    log.warning("context fetch failed: %s", exc)
                    await asyncio.sleep(0.5)
                    continue
                if in_hand:
                    await self.handle(in_hand)
                in_hand = []
        finally:
            await hand_back(pull, in_hand, subjects.CONTEXT_CONSUMER)

    async def handle(self, messages: list[Msg]) -> None:
        jobs: list[tuple[Msg, ContextJob]] = []
        for msg in messages:
            try:
                jobs.append((msg, ContextJob.model_validate_json(msg.data)))
            except ValidationError:
                log.warning("dropped an undecodable context job on %s", msg.subject)
                await msg.term()
        try:
            await outlast(lambda: self.enricher.enrich([(job.brain, job.id) for _, job in jobs]), [m for m, _ in jobs])
        except Exception:
            # Context only improves retrieval; the memories are stored and searchable already,
            # so a job that keeps failing is dropped rather than left pending for ever.
            log.exception("context for %d memories failed", len(jobs))
            await asyncio.gather(*(
                msg.term() if msg.metadata.num_delivered >= self.max_deliver
                else msg.nak(delay=min(2.0 ** msg.metadata.num_delivered, 30.0))
                for msg, _ in jobs
            ))
            return
        await asyncio.gather(*(msg.ack_sync() for msg, _ in jobs))


OUTAGE_RETRY_MAX = 30.0  # seconds between attempts while the store or the embedder is unreachable; < ack wait


async def outlast(work: Callable[[], Awaitable[T]], messages: list[Msg]) -> T:
    """Runs `work` again until Chroma and the embedder (with its model) answer. An outage is no fault of the
    memories: counted as failed deliveries, a store down for half a minute dead-lettered every
    memory sent meanwhile. So the messages in hand wait, their ack deadline extended, and the
    loop takes no more until the outage ends."""
    delay = 1.0
    while True:
        try:
            return await work()
        except (StoreUnavailable, EmbedderUnreachable) as exc:
            log.warning("%s Holding %d messages; trying again in %.0f s.", exc, len(messages), delay)
            await asyncio.gather(*(msg.in_progress() for msg in messages), return_exceptions=True)
            await asyncio.sleep(delay)
            delay = min(2 * delay, OUTAGE_RETRY_MAX)


FETCH_SECONDS = 1.0


async def fetch(pull: JetStreamContext.PullSubscription, batch: int = BATCH) -> list[Msg]:
    """The next batch; none when the queue stayed empty for a second.

    nats-py says "empty" with several timeouts: nats.errors.TimeoutError, its subclass
    FetchTimeoutError, and a bare asyncio.TimeoutError when the server's "request timeout"
    status arrives just before the client's own deadline (nats/js/client.py, _fetch_n). All
    are the builtin TimeoutError; every other failure is a nats.errors.Error for the caller."""
    taking = asyncio.ensure_future(pull.fetch(batch, timeout=FETCH_SECONDS))
    try:
        return await asyncio.shield(taking)
    except TimeoutError:
        return []
    except asyncio.CancelledError:
        # A stop in the middle of a fetch: what it had taken would be held by no one until the ack
        # wait passed. The fetch ends within its second, and what it took is given back.
        with contextlib.suppress(Exception):
            await give_back(await taking)
        raise


async def give_back(messages: list[Msg]) -> None:
    for msg in messages:
        with contextlib.suppress(Exception):  # already settled (acked, dead-lettered), or the bus is gone
            # Sent again only once any pull request of this stopping worker has expired: one still
            # open would take them straight back, to be held for the ack wait.
            await msg.nak(delay=2 * FETCH_SECONDS)


async def hand_back(pull: JetStreamContext.PullSubscription, in_hand: list[Msg], name: str = "") -> None:
    """At a stop: what this worker holds goes back to the queue within seconds, not after its ack wait
    (a restart found the memories sent just before a stop only an ack wait later). That is the batch
    in hand, and what the server delivered after the last fetch had returned, which waits in the
    subscription for a fetch that will not come."""
    waiting: list[Msg] = []
    with contextlib.suppress(Exception):
        # Only what is already here: a fetch would also ask the server for more, and take fresh
        # memories from the workers that go on. nats-py takes them no other way than privately.
        while pull.pending_msgs:
            waiting.append(await pull._sub.next_msg(timeout=0.1))
    held = [*in_hand, *(msg for msg in waiting if msg.reply)]  # not the server's status notes
    await give_back(held)
    if held:
        log.info("%s: handed back %d messages at the stop", name, len(held))
    # Leftover fetch replies would otherwise hold up the connection's drain at shutdown.
    with contextlib.suppress(nats.errors.Error):
        await pull.unsubscribe()


class Lifetime:
    """The ingestion loops of a process, stopped by a flag as well as a cancel.

    A cancel alone is not enough on Python 3.11: asyncio.wait_for, which nats-py's fetch and
    requests use, swallows a cancel that lands as the result it waits for arrives, and the loop
    went on taking batches; one stop in about 60 hung the worker until it was killed. The flag is
    looked at before every batch, so a swallowed cancel ends the loop after the batch in hand."""

    def __init__(self) -> None:
        self.stopping = False
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, consume: Callable[[], Awaitable[None]], name: str) -> None:
        self._tasks.append(asyncio.create_task(self._forever(consume, name)))

    async def _forever(self, consume: Callable[[], Awaitable[None]], name: str) -> None:
        while not self.stopping:
            try:
                await consume()
            except asyncio.CancelledError:
                raise
            except Exception:  # never let ingestion stop silently
                log.exception("%s loop failed; restarting it", name)
                await asyncio.sleep(1)

    async def stop(self) -> None:
        self.stopping = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()


Lifespan = Callable[[ContextRepo], AbstractAsyncContextManager[None]]


def attach(broker: NatsBroker, settings: Settings) -> tuple[Lifespan, Callable[[], Awaitable[None]]]:
    """Subscribe ingestion on `broker`. Returns its lifespan and its stop hook, which must run
    before the broker drains (a pending fetch would hold the drain up)."""
    instance = instance_name("ingest")
    lifetime = Lifetime()
    refreshers: list[PersonaRefresher] = []  # built in the lifespan, after the subscribers

    @broker.subscriber(subjects.worker_ping("ingest"), queue=subjects.QUEUE_INGEST)
    async def on_ping(runtime: MemoryRuntime = Context("memory_runtime")) -> WorkerStatus:
        return WorkerStatus(kind="ingest", instance=instance, store_error=await runtime.store.unreachable())

    @broker.subscriber(subjects.BRAIN_CHANGED_ALL, queue=subjects.QUEUE_INGEST)
    async def on_changed(notice: BrainChanged) -> None:
        if ((notice.removed and notice.persona_stale) or notice.cleared) and refreshers:
            await refreshers[0].forgotten(notice.brain, whole_brain=notice.cleared)

    @asynccontextmanager
    async def lifespan(context: ContextRepo) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await broker.connect()
            runtime = await memory_runtime(context, settings, broker.connection, stack)
            refresher = PersonaRefresher(runtime.personas, runtime.store, runtime.ollama, settings.llm_model,
                                         settings.persona_every_turns, settings.persona_every_minutes * 60,
                                         runtime.zone, settings.persona_retry_seconds)
            refreshers.append(refresher)
            ingest = IngestLoop(runtime, refresher, settings.ingest_max_deliver, settings.ingest_ack_wait, lifetime)
            documents = IngestLoop(runtime, refresher, settings.ingest_max_deliver, settings.ingest_ack_wait,
                                   lifetime, documents_after=ingest)
            context_loop = ContextLoop(runtime, ingest.drained, settings.ingest_max_deliver,
                                       2 * settings.ingest_ack_wait, lifetime)
            lifetime.start(ingest.consume, ingest.durable)
            lifetime.start(documents.consume, documents.durable)
            lifetime.start(context_loop.consume, "context")
            try:
                yield
            finally:
                await lifetime.stop()
                refreshers.clear()
                await refresher.wait()

    return lifespan, lifetime.stop


def create_app(settings: Settings | None = None) -> FastStream:
    settings = settings or get_settings()
    if not settings.chroma_url:
        raise SystemExit("With embedded Chroma the brain_worker process runs ingestion (one process must own "
                         "the store). Set CHROMA_URL to a Chroma server to run ingest_worker on its own.")
    broker = make_broker(settings.nats_servers, instance_name("ingest"))
    lifespan, stop = attach(broker, settings)
    return make_app(broker, "ingest", __doc__, lifespan=lifespan, on_shutdown=[stop])
