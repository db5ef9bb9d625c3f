"""Writing memories, broker-free: deduplicate, embed in batches, upsert with stable ids,
and link each turn to the one before it (its context, added later by ContextEnricher)."""

import asyncio
import time
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, tzinfo

from shared.memory import context
from shared.memory.asking import asks_or_requests_only, tells_nothing
from shared.memory.embedder import Embedder, Vector
from shared.memory.identity import content_hash, note_text
from shared.memory.messages import MemoryItem
from shared.memory.store import MemoryStore, StoredMemory
from shared.memory.timewindow import ABOUT_FROM, ABOUT_TO, told_of

LAST_TURNS = 4096  # brains whose last turn is remembered between batches; the others are looked up


def stored_form(item: MemoryItem, zone: tzinfo = UTC) -> StoredMemory:
    """`zone`: the user's, for what a memory tells of an earlier day ("Yesterday I bought a bike")."""
    memory = StoredMemory(id=item.id, content=item.content,
                          metadata={**item.metadata, context.KIND: item.kind, context.CREATED_AT: item.created_at})
    # The same words from someone else are another memory: "Thanks!" said by each of two speakers.
    # A document's chunk is its place in the document: a heading repeated in it is stored each time.
    # A chat turn that tells is its place in a conversation: "I said yes." to the job offer and
    # again to the car for sale are two things told (a black-box pass: the second was dropped, and
    # with it the purchase); a redelivered turn keeps its id. The same question asked again that
    # day is the one memory, as it was: thirty of them took every place a chat searched (a recheck);
    # so is one that tells as it asks ("What could Karin and I cook?", asked again: a black-box pass).
    # A note is known by its words and metadata (shared/memory/identity.py).
    spoken, said = context.said(memory), context.words(memory)
    tells = not tells_nothing(said)
    place = f"{item.id}\x00" if item.kind != "turn" or (tells and not asks_or_requests_only(said)) else ""
    text = {"document": f"{item.id}\x00{item.content}", "turn": f"turn\x00{place}{spoken}"}.get(
        item.kind, note_text(item.content, item.metadata))
    memory.metadata["lumia_hash"] = content_hash(text, item.created_at)
    if context.in_context(memory.metadata):
        # Arrival order breaks ties between turns of one session stored with the same time.
        memory.metadata |= {context.SEQ: time.time_ns(), context.PREV: "", context.PREV2: "", context.NEXT: "",
                            context.DONE: 0}
        # Not a question: "What did I buy yesterday?" tells of no day, and would be found as asked then.
        if tells and (told := told_of(said, item.created_at, zone)) is not None:
            memory.metadata |= {ABOUT_FROM: told[0], ABOUT_TO: told[1]}
    return memory


@dataclass(frozen=True, slots=True)
class Prepared:
    """New memories of a batch with their vectors, per brain, not yet stored."""

    brains: dict[str, tuple[list[StoredMemory], list[Vector]]]
    # Ids of copies of what a batch before this one has in hand, not stored yet: no repeat to drop
    # before that batch is done. Its memory may be forgotten (a delete marked it while it was in
    # hand) and unwritten; the same note posted again after the delete was lost with it.
    waiting: set[str] = field(default_factory=set)


class Ingestor:
    def __init__(self, store: MemoryStore, embedder: Embedder, zone: tzinfo = UTC) -> None:
        self.store = store
        self.embedder = embedder
        self.zone = zone
        # Prepared but not yet stored, per brain (ids and content hashes): a batch is embedded
        # while the one before it is written, and must not take that one's memories for new.
        self._unstored: dict[str, set[str]] = defaultdict(set)
        self._last: OrderedDict[str, StoredMemory] = OrderedDict()  # per brain, the last turn prepared

    async def write(self, items: list[MemoryItem]) -> dict[str, list[str]]:
        """Store what is new; returns the ids written per brain. Writing the same item twice
        (a redelivery) or the same words again (a repeat) stores one memory."""
        prepared = await self.prepare(items)
        try:
            return await self.store_prepared(prepared)
        finally:
            self.forget(prepared)

    async def unwrite(self, items: list[MemoryItem]) -> None:
        """Deletes what these copies wrote when they were delivered before. Only their own writes:
        the same memory posted again after a forget has the same id and a later time, and stays."""
        copies: dict[str, dict[str, set[float]]] = defaultdict(lambda: defaultdict(set))
        for item in items:
            copies[item.brain][item.id].add(item.created_at)
        for brain, times in copies.items():
            stored = await self.store.get(brain, ids=sorted(times), with_content=False)
            ours = [m.id for m in stored if m.metadata.get(context.CREATED_AT) in times[m.id]]
            if ours:
                await self.store.delete(brain, ours)

    async def prepare(self, items: list[MemoryItem]) -> Prepared:
        by_brain: dict[str, list[MemoryItem]] = defaultdict(list)
        for item in items:
            by_brain[item.brain].append(item)
        fresh: dict[str, list[StoredMemory]] = {}
        waiting: set[str] = set()
        for brain, batch in by_brain.items():
            new, held = await self._unseen(brain, batch)
            if new:
                fresh[brain] = new
            waiting |= held
        for brain, memories in fresh.items():
            await self._link(brain, memories)
        # One embedding call for every brain in the batch: a few texts per call would waste the model.
        vectors = await self.embedder.passages([context.said(m) for memories in fresh.values() for m in memories])
        prepared: dict[str, tuple[list[StoredMemory], list[Vector]]] = {}
        at = 0
        for brain, memories in fresh.items():
            prepared[brain] = (memories, vectors[at : at + len(memories)])
            at += len(memories)
            for memory, vector in zip(*prepared[brain], strict=True):
                context.keep_own(memory, vector, self.embedder.name)
            self._unstored[brain] |= {m.id for m in memories} | {m.metadata["lumia_hash"] for m in memories}
        return Prepared(prepared, waiting)

    async def store_prepared(self, prepared: Prepared) -> dict[str, list[str]]:
        """Writes a prepared batch; the caller `forget`s it once it is done with it (the ingest loop:
        once what a forget covered is unwritten again)."""
        written: dict[str, list[str]] = {}
        for brain, (memories, vectors) in prepared.brains.items():
            await self.store.upsert(brain, memories, vectors)
            gone = await self._drop_twins(brain, memories)
            written[brain] = [m.id for m in memories if m.id not in gone]
            await self._drop_superseded(brain, memories)
        return written

    async def _drop_twins(self, brain: str, memories: list[StoredMemory]) -> set[str]:
        """Two ingest replicas may both take the same words, sent under two ids (by an internal
        publisher, or over HTTP and the bus at once), for new in the same moment: each looks
        again after its write, and of twins the smallest id stays. Whichever looks last sees
        both. Returns the ids dropped (forgotten as a delete would: neighbours let go of them)."""
        hashes = [m.metadata["lumia_hash"] for m in memories if context.in_context(m.metadata)]
        if not hashes:
            return set()  # a document's chunk is its place in the document: no twin
        by_hash: dict[str, list[str]] = defaultdict(list)
        for twin in await self.store.get(brain, where={"lumia_hash": {"$in": hashes}}):
            by_hash[twin.metadata["lumia_hash"]].append(twin.id)
        gone = {memory_id for ids in by_hash.values() for memory_id in sorted(ids)[1:]}
        if gone:
            await self.store.delete(brain, sorted(gone))
            await context.detach(self.store, self.embedder, brain, gone)
        return gone

    async def _drop_superseded(self, brain: str, memories: list[StoredMemory]) -> None:
        """A document uploaded again under its source replaces the chunks of the upload before.
        A chunk's id is `<document>_<n>`, and the document part changes with the text
        (gateway/routes/memory.py). The upload accepted last wins, whichever is stored last: a
        small new version goes with the notes and is stored before the rest of a large old one,
        whose chunks, stored after it, deleted it. The version before goes once the latest is whole
        (its chunks carry their number, `chunks`): a changed manual of 2,501 chunks uploaded again was
        found in neither version for the minute its new chunks took (a black-box pass). Nothing is
        announced: the brain workers' keyword indexes see the count change and rebuild."""
        sources = {m.metadata["source"] for m in memories
                   if not context.in_context(m.metadata) and isinstance(m.metadata.get("source"), str)}
        for source in sources:
            chunks = await self.store.get(brain, where=context.document_chunks(source), with_content=False)
            uploaded: dict[str, float] = {}
            stored: Counter[str] = Counter()
            whole: dict[str, int] = {}
            for chunk in chunks:
                document = chunk.id.rpartition("_")[0]
                uploaded[document] = max(uploaded.get(document, 0.0), float(chunk.metadata.get(context.CREATED_AT, 0)))
                stored[document] += 1
                if isinstance(count := chunk.metadata.get("chunks"), int):
                    whole[document] = count
            if not uploaded:  # forgotten meanwhile (a clear, a delete of the document)
                continue
            latest = max(uploaded, key=lambda document: (uploaded[document], document))
            if stored[latest] < whole.get(latest, 0):
                continue  # the rest of it is on its way: its last write drops the version before
            stale = [c.id for c in chunks if c.id.rpartition("_")[0] != latest]
            if stale:
                await self.store.delete(brain, stale)

    def forget(self, prepared: Prepared) -> None:
        """Drops a prepared batch that will not be stored (or just was)."""
        for brain, (memories, _) in prepared.brains.items():
            self._unstored[brain] -= {m.id for m in memories} | {m.metadata["lumia_hash"] for m in memories}
            if not self._unstored[brain]:
                del self._unstored[brain]

    async def _link(self, brain: str, memories: list[StoredMemory]) -> None:
        """Names each turn's predecessor: the turn of the same brain that arrived just before it,
        past a chat's question (shared/memory/context.py `linked`)."""
        previous = self._last.pop(brain, None) or await self._last_stored(brain, memories[0])
        for memory in memories:
            if not context.linked(memory):
                continue
            itself = previous is not None and previous.id == memory.id
            if previous is not None and not itself and context.follows(previous.metadata, memory.metadata):
                memory.metadata[context.PREV] = previous.id
            previous = memory
        if previous is not None:
            self._last[brain] = previous
            while len(self._last) > LAST_TURNS:
                self._last.popitem(last=False)

    async def _last_stored(self, brain: str, first: StoredMemory) -> StoredMemory | None:
        at = float(first.metadata[context.CREATED_AT])
        near = await self.store.get(brain, where={"$and": [{context.CREATED_AT: {"$gte": at - context.GAP_SECONDS}},
                                                           {context.CREATED_AT: {"$lte": at}}]})
        turns = [m for m in near if context.linked(m)]
        return context.order(turns)[-1] if turns else None

    async def _unseen(self, brain: str, batch: list[MemoryItem]) -> tuple[list[StoredMemory], set[str]]:
        """The batch's new memories, and the ids of those a batch before it has in hand (Prepared.waiting)."""
        forms: dict[str, StoredMemory] = {}
        for item in batch:
            form = stored_form(item, self.zone)
            kept = forms.get(form.metadata["lumia_hash"])
            # The same words twice in one batch: the first said, unless a document's chunk, whose
            # later upload is the one that counts (A, B, A again in one batch kept B).
            if kept is None or (not context.in_context(form.metadata)
                                and form.metadata[context.CREATED_AT] > kept.metadata[context.CREATED_AT]):
                forms[form.metadata["lumia_hash"]] = form
        # What a batch before has in hand, taken before the store is read: that batch may write its copy and
        # unwrite it again (a clear covered it) during the read, and be done with it by the end of the read.
        # Looked up after, the read saw the copy, nothing was in hand, and the note sent again after the
        # clear was acked unstored (once in a full test run).
        in_hand = set(self._unstored.get(brain, ()))
        # By id too: a memory stored under another hash (before the hash counted the day) is still stored.
        same_words, same_ids = await asyncio.gather(
            self.store.get(brain, where={"lumia_hash": {"$in": list(forms)}}),
            self.store.get(brain, ids=[form.id for form in forms.values()]))
        held = {f.id for h, f in forms.items() if h in in_hand or f.id in in_hand}
        # A document sent again under its source after another version is its latest upload: its
        # chunks, stored before, are written again with the later time (A, then B, then A again kept B).
        # Found by its words or its id: the two reads may straddle the delete of the version before.
        known = same_words + same_ids
        stored_at = {m.id: float(m.metadata.get(context.CREATED_AT, 0)) for m in known}
        renewed = {f.id for f in forms.values() if not context.in_context(f.metadata) and f.id in stored_at
                   and stored_at[f.id] < float(f.metadata[context.CREATED_AT])}
        seen = {m.id for m in known} | {m.metadata.get("lumia_hash") for m in known}
        return [f for h, f in forms.items()
                if f.id not in held and (f.id in renewed or (h not in seen and f.id not in seen))], held
