"""Stats, listing, forgetting and re-embedding a brain, broker-free."""

import re
from collections.abc import Iterable

import numpy as np

from brain_worker.keywords import KeywordCache, tokens
from brain_worker.retrieval import CREATED_AT, Retriever, to_hit
from shared.memory import context
from shared.memory.asking import tells_nothing, wordless
from shared.memory.embedder import Embedder
from shared.memory.messages import (
    MAX_RESULTS,
    BrainInfo,
    BrainsReply,
    BrainsRequest,
    BrainStats,
    DocumentInfo,
    ListReply,
    ListRequest,
    MemoryHit,
    Persona,
    QueryRequest,
)
from shared.memory.persona import PersonaBook
from shared.memory.store import MemoryStore, StoredMemory

REINDEX_BATCH = 128
PREVIEW_CHARS = 200
# How much nearer to a search than to an empty one a memory found by meaning alone must be: at
# least this, and this share of the best match's margin (the words' matches included).
LIFT_FLOOR, LIFT_SHARE = 0.015, 0.5


def _place(chunk: StoredMemory) -> int:
    """A chunk's place in its document; one stored before places were checked, without a number, last."""
    place = chunk.metadata.get("chunk", 0)
    return place if isinstance(place, int) and not isinstance(place, bool) else 2**62


async def brain_stats(retriever: Retriever, persona: Persona, brain: str, pending: int, dead: int) -> BrainStats:
    # The keyword index holds every memory's text already and is kept current, so stats
    # need not read the whole brain from Chroma on every call.
    index = await retriever.keyword_index(brain)
    store = retriever.store
    return BrainStats(
        brain=brain,
        has_context=len(index) > 0,
        context_length=index.total_chars,
        has_persona=bool(persona.text),
        persona_last_updated=persona.updated_at if persona.text else None,
        memory_count=len(index),
        pending_ingest=pending,
        # Null for an empty brain, whether it was cleared (no collection) or emptied one delete at a
        # time (a collection that still records its embedder): nothing in it was embedded.
        embedding_model=(await store.embedder_of(brain) or store.embedder_name) if len(index) else None,
        dead_letters=dead,
    )


async def list_brains(store: MemoryStore, request: BrainsRequest) -> BrainsReply:
    """The brains whose id starts with the prefix and hold memories, by name, with how many, a page of
    them. A brain whose last memory was deleted is as gone as a cleared one."""
    held, next_offset = await store.brain_counts(request.prefix, request.offset, request.limit)
    return BrainsReply(brains=[BrainInfo(brain=name, memory_count=count) for name, count in held],
                       next_offset=next_offset)


_WORD = re.compile(r"[^\W_]")  # a letter or digit: "_" is a sign, as for the keyword index it is no word


async def list_memories(retriever: Retriever, request: ListRequest) -> ListReply:
    if request.q and (not _WORD.search(request.q) or not tokens(request.q)):
        # Signs mean nothing to e5 ("(" or "*" was near any note, 0.83), and the keyword index holds
        # words and numbers only, not the commonest ("a", "och", "the": a black-box pass got twelve
        # unrelated memories for "a"): such a search lists what holds it, as written, newest first.
        searched = request.q.strip()
        if _WORD.search(searched):
            # As a word, in either case ("Och" opens a sentence): "a" is not every memory with the letter in it.
            whole = re.compile(rf"(?<!\w){re.escape(searched)}(?!\w)", re.IGNORECASE)
            held = {m.id: m for form in {searched, searched.lower(), searched.capitalize()}
                    for m in await retriever.store.get(request.brain, containing=form)}
            holders = [m for m in held.values() if whole.search(m.content)]
        else:
            holders = await retriever.store.get(request.brain, containing=searched, with_content=False)
        holders.sort(key=lambda m: -float(m.metadata.get(CREATED_AT, 0)))
        newest = [m.id for m in holders[:MAX_RESULTS]]
        return ListReply(memories=await _page(retriever, request, newest), total=len(newest))
    if request.q:
        # Always the full depth: the ranking and `total` must not depend on which page is asked for.
        found = await retriever.query(QueryRequest(brain=request.brain, question=request.q, n_results=MAX_RESULTS))
        # What matches: the words, or the meaning as closely as a chat's relevance gate asks. Not
        # the whole brain ranked: a search for a name nobody mentions must find nothing.
        index = await retriever.keyword_index(request.brain)
        words = index.with_forms(request.q)
        worded = [memory_id for memory_id, _ in index.search(words, MAX_RESULTS)]
        worded += index.in_answers(words)
        holding = set(worded)
        # Those holding the words first, as a search box promises: a note paired with its batch
        # neighbour "My dog Bosse…" outranked it for "Bosse". Then what matches the meaning alone,
        # if it has words to mean anything: "🐶🐶🐶" came first for "volvo".
        matches = [h for h in found.results if h.id in holding]
        # Those holding the words outside the ranking's best (an answer's words are not ranked).
        ranked = {h.id for h in found.results}
        rest = list(dict.fromkeys(i for i in worded if i not in ranked))[: max(0, MAX_RESULTS - len(matches))]
        stored = {m.id: m for m in await retriever.store.get(request.brain, ids=rest)} if rest else {}
        matches += [to_hit(stored[i]) for i in rest if i in stored]
        standing_out = await _standing_out(retriever, request.brain, found.results)
        matches += [h for h in found.results if h.id not in holding and h.id in standing_out
                    and not wordless(h.content)][: max(0, MAX_RESULTS - len(matches))]
        return ListReply(memories=matches[request.offset : request.offset + request.limit], total=len(matches))
    # The order comes from the keyword index, kept current anyway: reading every memory of a
    # 10,000-memory brain for one page of 50 took 200 ms.
    index = await retriever.keyword_index(request.brain)
    return ListReply(memories=await _page(retriever, request, index.newest()), total=len(index))


async def _standing_out(retriever: Retriever, brain: str, hits: list[MemoryHit]) -> set[str]:
    """Of the memories a search found, those that match it by meaning: over the chat's threshold, and
    nearer to it than to an empty search by a clear share of what the best match is. Short texts with
    little to say ("a.b", "(", "Ümlaut ÅÄÖ") are near every short search in e5, 0.83-0.89, over the
    threshold, and were listed for "example" or "1234"; nearer to it than to nothing they are not."""
    passing = [h for h in hits if (h.score or 0.0) >= retriever.min_score]
    if not passing:
        return set()
    blank = np.asarray(await retriever.blank(), dtype=np.float32)
    vectors = {m.id: m.vector for m in await retriever.store.get(brain, ids=[h.id for h in hits], with_vectors=True)}
    lift = {h.id: (h.score or 0.0) - float(np.asarray(vectors[h.id], dtype=np.float32) @ blank)
            for h in hits if vectors.get(h.id)}
    bar = max(LIFT_FLOOR, LIFT_SHARE * max(lift.values(), default=0.0))
    return {h.id for h in passing if lift.get(h.id, 0.0) >= bar}


async def _page(retriever: Retriever, request: ListRequest, ids: list[str]) -> list[MemoryHit]:
    """The page of `ids` the request asks for, read from the store."""
    page = ids[request.offset : request.offset + request.limit]
    stored = {m.id: m for m in await retriever.store.get(request.brain, ids=page)} if page else {}
    return [to_hit(stored[i]) for i in page if i in stored]


async def list_documents(store: MemoryStore, brain: str) -> list[DocumentInfo]:
    """The brain's documents, newest first: what a document dashboard lists."""
    # The text of each document's first chunk only: a 2 MB document is 5,000 chunks.
    chunks: dict[str, list[StoredMemory]] = {}
    for chunk in await store.get(brain, where=context.document_chunks(), with_content=False):
        chunks.setdefault(str(chunk.metadata.get("source", "")), []).append(chunk)
    firsts = {source: min(parts, key=_place).id for source, parts in chunks.items()}
    texts = {m.id: m.content for m in await store.get(brain, ids=list(firsts.values()))} if firsts else {}
    documents = [DocumentInfo(source=source, chunks=len(parts), preview=texts.get(firsts[source], "")[:PREVIEW_CHARS],
                              created_at=max(float(c.metadata.get(CREATED_AT, 0)) for c in parts))
                 for source, parts in chunks.items()]
    documents.sort(key=lambda d: (-d.created_at, d.source))
    return documents


async def has_document(store: MemoryStore, brain: str, source: str) -> bool:
    return bool(await store.get(brain, where=context.document_chunks(source), with_content=False, limit=1))


async def forget_document(store: MemoryStore, brain: str, source: str) -> list[str]:
    """Deletes every chunk of one document; the ids forgotten. Chunks are no turn's context, so no
    other memory's vector changes."""
    ids = [chunk.id for chunk in await store.get(brain, where=context.document_chunks(source), with_content=False)]
    if ids:
        await store.delete(brain, ids)
    return ids


async def clear_brain(store: MemoryStore, personas: PersonaBook, keywords: KeywordCache, brain: str,
                      queued: Iterable[str] = ()) -> int:
    """How many memories it removed, those `queued` (ids) counted once whether stored yet or not."""
    removed = await store.clear(brain, queued)
    await personas.forget(brain)
    keywords.drop(brain)
    return removed


async def forget(store: MemoryStore, embedder: Embedder, brain: str, memory_id: str) -> StoredMemory | None:
    """Deletes one memory, and its words from the vectors of the turns it gave context to:
    those go back to their own embedding alone. The memory deleted; None if there was none."""
    held = await store.get(brain, ids=[memory_id])
    if not held:
        return None
    neighbours = await context.without(store, embedder, brain, [memory_id])
    if not await store.delete(brain, [memory_id]):
        return None
    if neighbours:
        await store.update(brain, neighbours)
    return held[0]


def in_persona(memory: StoredMemory) -> bool:
    """Whether the persona may hold its words: a chat turn that tells something (ingest_worker/persona.py)."""
    return memory.metadata.get(context.KIND) == "turn" and not tells_nothing(context.words(memory))


async def reindex(store: MemoryStore, embedder: Embedder, brain: str) -> int:
    """Re-embed every memory of a brain with the current embedder, in place (same ids, text and
    metadata), each turn with its context."""
    memories = await store.get(brain)
    read_as = {m.id: dict(m.metadata) for m in memories}  # what changes meanwhile is kept (store.rebuild)
    plain = await _embed(embedder, [context.said(m) for m in memories])
    links = context.chain(memories)
    by_id = {m.id: m for m in memories}
    for memory, vector in zip(memories, plain, strict=True):
        memory.vector = vector
        context.keep_own(memory, vector, embedder.name)
        if context.in_context(memory.metadata):
            memory.metadata |= {context.PREV: links.get(memory.id, ""), context.PREV2: "", context.NEXT: "",
                                context.DONE: 0, context.SEQ: int(memory.metadata.get(context.SEQ, 0))}
    pairs = [(by_id[prev], by_id[cur]) for cur, prev in links.items()]  # in the order said
    context.fold(pairs, await _embed(embedder, [context.run_text(p, c) for p, c in pairs]))
    runs = [(by_id[links[prev]], by_id[prev], by_id[cur]) for cur, prev in links.items() if prev in links]
    context.fold_runs(runs, await _embed(embedder, [context.run_text(*run) for run in runs]))
    for memory in memories:
        if context.in_context(memory.metadata):
            memory.metadata[context.DONE] = 1
    if memories:
        stale = await store.rebuild(brain, memories, [m.vector or [] for m in memories], read_as)
        # A turn forgotten while this ran left the copy, not the turns it was linked to here (its delete
        # detached them in the old collection): they are detached now.
        ids = [m.id for m in memories]
        if gone := set(ids) - {m.id for m in await store.get(brain, ids=ids, with_content=False)}:
            await context.detach(store, embedder, brain, gone)
        if stale:  # stored by a worker on the old embedder as the brain was swapped: embedded plainly
            vectors = await _embed(embedder, [context.said(m) for m in stale])
            for memory, vector in zip(stale, vectors, strict=True):
                context.keep_own(memory, vector, embedder.name)
            await store.upsert(brain, stale, vectors)
    return len(memories)


async def _embed(embedder: Embedder, texts: list[str]) -> list[list[float]]:
    vectors = []
    for start in range(0, len(texts), REINDEX_BATCH):
        vectors += await embedder.passages(texts[start : start + REINDEX_BATCH])
    return vectors
