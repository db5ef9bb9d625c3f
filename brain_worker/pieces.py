"""A long memory is scored by its best piece.

A note may be up to 32,000 characters, and its vector is the mean of its windows: a fact
deep in a long journal entry is diluted by the rest of it. "Min dotter Elsa fyller år den 12
maj." at the end of 2,700 characters about a day at the office scored 0.82 against "När fyller
min dotter Elsa år?", under the chat's threshold; alone in its 1,000-character piece, 0.88. So
a candidate longer than a document's chunk is cut as documents are (shared/memory/chunking.py),
its pieces embedded once and kept (in the background when it is stored and when its brain is
first asked after a start, else by the query, the best-ranked first, within a budget and a wait),
and it scores as its best piece, which is also what a chat's model is given of it. Derived data like the
keyword index: any replica computes it.

A document's chunk is a piece already, of up to 1,000 characters, and as diluted: in a house guide
cut in two, "Where is the spare key?" scored its chunk 0.839 and "When are the bins emptied?" 0.817,
and no question reached a chat (a black-box pass). So a chunk past FINE_FROM characters is scored by
its best few sentences (FINE_CHARS; 0.876 and 0.873 there), and given whole.
"""

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Sequence
from functools import partial

import numpy as np

from shared.memory import context
from shared.memory.chunking import CHUNK_CHARS, chunk_text
from shared.memory.embedder import Embedder
from shared.memory.overlap import most_shared
from shared.memory.store import StoredMemory

log = logging.getLogger("lumia.brain.pieces")
LONG_CHARS = CHUNK_CHARS
FINE_FROM = 400  # a document's chunk longer than this is scored by its sentences
FINE_CHARS, FINE_OVERLAP = 300, 75
HELD_PIECES = 20_000  # about 30 MB of vectors
# New pieces a query embeds, past which no more memories are cut, and how long it waits for them:
# within LUMIA_BRAIN_TIMEOUT (3 s), whatever else the embedder is doing. Memories are cut as they
# are stored (`warm`), so a query rarely has any to cut.
PIECES_PER_QUERY = 24
PIECES_WAIT = 1.0
PIECES_PER_WARMING = 256


class Pieces:
    def __init__(self, embedder: Embedder, capacity: int = HELD_PIECES) -> None:
        self._embedder = embedder
        self._capacity = capacity
        self._known: OrderedDict[tuple[str, str], tuple[str, list[str], np.ndarray]] = OrderedDict()
        self._held = 0
        # Being cut, by (brain, id, digest): a query waits for a warming's cut rather than repeat it;
        # held here also because a task nobody references may be collected.
        self._pending: dict[tuple[str, str, str], asyncio.Future[None]] = {}
        self._to_warm: list[tuple[str, list[StoredMemory]]] = []
        self._warming: asyncio.Task[None] | None = None

    def warm(self, brain: str, memories: Sequence[StoredMemory]) -> None:
        """Cuts and embeds the long ones of memories just stored, in the background, so that the
        first question about them need not."""
        long = [m for m in memories if cut_in_pieces(m)]
        if long:
            self._to_warm.append((brain, long))
            if self._warming is None or self._warming.done():
                self._warming = asyncio.create_task(self._warm())

    async def _warm(self) -> None:
        while self._to_warm:
            brain, memories = self._to_warm.pop(0)
            await self.of(brain, memories, budget=PIECES_PER_WARMING)  # a failure is logged, and the next query tries

    async def of(self, brain: str, memories: Sequence[StoredMemory], budget: int = PIECES_PER_QUERY,
                 wait: float | None = None) -> list[tuple[list[str], np.ndarray] | None]:
        """Each memory's pieces and their vectors (one row each: the piece a row stands for, what is
        given of the memory when that row scores best), embedded the first time they are
        asked for; None for one whose pieces did not fit in this call's `budget` of new pieces, or
        were not embedded within `wait` seconds (they are still embedded and kept, for the next
        question: behind an import's embedding, 35 pieces took a first query 6 s)."""
        digests = [hashlib.sha256(m.content.encode()).hexdigest() for m in memories]
        found = [self._get(brain, m.id, d) for m, d in zip(memories, digests, strict=True)]
        texts: dict[tuple[str, str], list[tuple[str, str]]] = {}
        waiting: set[asyncio.Future[None]] = set()
        for memory, digest, known in zip(memories, digests, found, strict=True):
            if known is not None:
                continue
            if (pending := self._pending.get((brain, memory.id, digest))) is not None:  # being cut already
                waiting.add(pending)
            elif budget > 0:
                texts[(memory.id, digest)] = _pieces(memory)
                budget -= len(texts[(memory.id, digest)])
        if texts:
            cutting = asyncio.ensure_future(self._cut(brain, texts))
            keys = [(brain, memory_id, digest) for memory_id, digest in texts]
            self._pending.update(dict.fromkeys(keys, cutting))
            cutting.add_done_callback(partial(self._cut_done, keys))
            waiting.add(cutting)
        if waiting:
            await asyncio.wait(waiting, timeout=wait)
            found = [known or self._get(brain, m.id, d) for known, m, d in zip(found, memories, digests, strict=True)]
        return found

    async def _cut(self, brain: str, texts: dict[tuple[str, str], list[tuple[str, str]]]) -> None:
        vectors = await self._embedder.passages([embedded for pieces in texts.values() for _, embedded in pieces])
        start = 0
        for (memory_id, digest), pieces in texts.items():
            self._put(brain, memory_id, digest, [shown for shown, _ in pieces],
                      np.asarray(vectors[start : start + len(pieces)], dtype=np.float32))
            start += len(pieces)

    def _cut_done(self, keys: list[tuple[str, str, str]], cutting: asyncio.Future[None]) -> None:
        for key in keys:
            self._pending.pop(key, None)
        if not cutting.cancelled() and (failed := cutting.exception()) is not None:  # scored whole meanwhile
            log.warning("could not cut %d long memories into pieces: %s", len(keys), failed)

    def _get(self, brain: str, memory_id: str, digest: str) -> tuple[list[str], np.ndarray] | None:
        entry = self._known.get((brain, memory_id))
        if entry is None or entry[0] != digest:
            return None
        self._known.move_to_end((brain, memory_id))
        return entry[1], entry[2]

    def _put(self, brain: str, memory_id: str, digest: str, pieces: list[str], vectors: np.ndarray) -> None:
        old = self._known.pop((brain, memory_id), None)
        self._held -= len(old[1]) if old else 0
        self._known[(brain, memory_id)] = (digest, pieces, vectors)
        self._held += len(pieces)
        while self._held > self._capacity and len(self._known) > 1:
            _, (_, evicted, _) = self._known.popitem(last=False)
            self._held -= len(evicted)


def piece_by_words(content: str, question: str) -> str:
    """The piece of a long memory sharing most words with the question: what a chat's model is given
    of it while its pieces are not embedded yet. Given whole, a long memory or two took a chat's whole
    room for memories, and every memory ranked below them was left out."""
    pieces = chunk_text(content)
    return pieces[most_shared(question, pieces) or 0]


def cut_in_pieces(memory: StoredMemory) -> bool:
    """Whether a memory is scored by its pieces rather than whole."""
    fine = not context.in_context(memory.metadata) and len(memory.content) > FINE_FROM
    return fine or len(memory.content) > LONG_CHARS


def _pieces(memory: StoredMemory) -> list[tuple[str, str]]:
    """Each row of a memory: the piece given of it, and the text embedded for it."""
    pieces = chunk_text(memory.content)
    if context.in_context(memory.metadata):  # not a document's chunk
        return [(piece, piece) for piece in pieces]
    return [(piece, fine) for piece in pieces for fine in chunk_text(piece, FINE_CHARS, FINE_OVERLAP)]
