"""Retrieval, broker-free: vector search fused with keywords, aware of time, gated by relevance."""

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from brain_worker.keywords import KeywordCache, KeywordIndex
from brain_worker.timewindow import parse_time_window
from shared.memory.embedder import Embedder
from shared.memory.messages import MemoryHit, QueryReply, QueryRequest
from shared.memory.store import MemoryStore, StoredMemory

RRF_K = 60  # reciprocal-rank fusion constant; the usual choice
CREATED_AT = "lumia_created_at"
PRIVATE_KEYS = ("lumia_hash",)


def public_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if k not in PRIVATE_KEYS}


def to_hit(memory: StoredMemory) -> MemoryHit:
    return MemoryHit(id=memory.id, content=memory.content, metadata=public_metadata(memory.metadata),
                     score=memory.score)


def _cosine(a: list[float], b: list[float]) -> float:
    return round(sum(x * y for x, y in zip(a, b, strict=True)), 4)  # both are L2-normalised


class Retriever:
    def __init__(self, store: MemoryStore, embedder: Embedder, keywords: KeywordCache, min_score: float,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.embedder = embedder
        self.keywords = keywords
        self.min_score = min_score
        self._clock = clock

    async def keyword_index(self, brain: str) -> KeywordIndex:
        index = self.keywords.get(brain)
        # A missed change notice shows up as a size mismatch: rebuild rather than serve stale results.
        if index is None or len(index) != await self.store.count(brain):
            index = KeywordIndex()
            for memory in await self.store.get(brain):
                index.add(memory.id, memory.content)
            self.keywords.put(brain, index)
        return index

    async def query(self, request: QueryRequest) -> QueryReply:
        now = datetime.fromtimestamp(self._clock(), UTC)
        window = parse_time_window(request.question, now)
        vector = await self.embedder.query(request.question)
        depth = max(4 * request.n_results, 20)
        hits = await self._search(request, vector, depth, window)
        if window is not None and not hits:
            # Nothing in that window: answer from all time rather than from nothing.
            window = None
            hits = await self._search(request, vector, depth, None)
        if request.relevant_only:
            hits = [h for h in hits if (h.score or 0.0) >= self.min_score]
        return QueryReply(results=[to_hit(h) for h in hits[: request.n_results]], time_window=window)

    async def _search(self, request: QueryRequest, vector: list[float], depth: int,
                      window: tuple[float, float] | None) -> list[StoredMemory]:
        where = _combine(request.where, window)
        by_vector = await self.store.search(request.brain, vector, depth, where)
        fused: dict[str, float] = {}
        for rank, memory in enumerate(by_vector):
            fused[memory.id] = 1 / (RRF_K + rank)
        found = {m.id: m for m in by_vector}
        if request.where is None:
            by_keyword = (await self.keyword_index(request.brain)).search(request.question, depth)
            for rank, (memory_id, _) in enumerate(by_keyword):
                fused[memory_id] = fused.get(memory_id, 0.0) + 1 / (RRF_K + rank)
            missing = [memory_id for memory_id, _ in by_keyword if memory_id not in found]
            for memory in await self.store.get(request.brain, ids=missing, with_vectors=True) if missing else []:
                if window is not None and not window[0] <= float(memory.metadata.get(CREATED_AT, -1)) < window[1]:
                    fused.pop(memory.id, None)
                    continue
                memory.score = _cosine(vector, memory.vector or [])
                memory.vector = None
                found[memory.id] = memory
        ranked = sorted((i for i in fused if i in found), key=lambda i: fused[i], reverse=True)
        return [found[i] for i in ranked]


def _combine(where: dict[str, Any] | None, window: tuple[float, float] | None) -> dict[str, Any] | None:
    clauses = [where] if where else []
    if window is not None:
        clauses += [{CREATED_AT: {"$gte": window[0]}}, {CREATED_AT: {"$lt": window[1]}}]
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
