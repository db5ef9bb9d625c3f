"""Stats, listing, forgetting and re-embedding a brain, broker-free."""


from brain_worker.keywords import KeywordCache
from brain_worker.retrieval import CREATED_AT, Retriever, to_hit
from shared.memory.embedder import Embedder
from shared.memory.messages import (
    BrainStats,
    ListReply,
    ListRequest,
    Persona,
    QueryRequest,
)
from shared.memory.persona import PersonaBook
from shared.memory.store import MemoryStore

REINDEX_BATCH = 128


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
        embedding_model=await store.embedder_of(brain) or (store.embedder_name if len(index) else None),
        dead_letters=dead,
    )


async def list_memories(retriever: Retriever, request: ListRequest) -> ListReply:
    if request.q:
        found = await retriever.query(
            QueryRequest(brain=request.brain, question=request.q, n_results=min(request.offset + request.limit, 100))
        )
        return ListReply(memories=found.results[request.offset:], total=len(found.results))
    memories = await retriever.store.get(request.brain)
    memories.sort(key=lambda m: float(m.metadata.get(CREATED_AT, 0)), reverse=True)
    page = memories[request.offset : request.offset + request.limit]
    return ListReply(memories=[to_hit(m) for m in page], total=len(memories))


async def clear_brain(store: MemoryStore, personas: PersonaBook, keywords: KeywordCache, brain: str) -> int:
    removed = await store.clear(brain)
    await personas.forget(brain)
    keywords.drop(brain)
    return removed


async def reindex(store: MemoryStore, embedder: Embedder, brain: str) -> int:
    """Re-embed every memory of a brain with the current embedder, in place (same ids, text and metadata)."""
    memories = await store.get(brain)
    vectors = []
    for start in range(0, len(memories), REINDEX_BATCH):
        vectors += await embedder.passages([m.content for m in memories[start : start + REINDEX_BATCH]])
    if memories:
        await store.rebuild(brain, memories, vectors)
    return len(memories)


