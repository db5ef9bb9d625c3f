"""Memories in context: a turn's vector is the mean of its own embedding and of the runs of
turns it ends or starts.

A chat turn alone is often vague ("Finished in 1:58, so proud!" answers "How did the race
go?", and "A roadrunner, apparently." answers a question about a card mentioned the turn
before that). So besides its own embedding P, each turn gets the embedding of itself with
the turn before it, C = embed(previous + this), and of itself with the two turns before it,
T = embed(the one before that + previous + this); the turn before it gets that same C as its
"next" part. The vector stored is the plain mean of the parts, in an inner-product index,
so its score is the mean of the parts' cosines: measured on bench/recall_dialogues.py,
recall@10 0.558 -> 0.683 (P+C+next) against 0.639 for P+C and 0.549 for the normalised sum;
T added 2-4 points on the written dialogues of bench/recall_written.py (docs/performance.md).
Each part is kept besides (`lumia_parts`, with the own words' `lumia_own`): the retriever ranks
a turn half by the mean and half by its best part (brain_worker/retrieval.py).

The parts arrive at different times (a turn's own runs are embedded after it is stored, its
next pair when the next turn comes), so the metadata says which parts a vector holds:
`lumia_prev` / `lumia_next` name the neighbours whose pair is in it, `lumia_prev2` the turn
two back whose run of three is in it, `lumia_context` is 1 once the turn's own runs have been
decided (0: still to do). Documents are left alone: their chunks overlap already.
"""

import base64
import binascii
import re
from collections.abc import Collection, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

from shared.memory import identity
from shared.memory.asking import tells_nothing
from shared.memory.chunking import CHUNK_CHARS
from shared.memory.embedder import Embedder
from shared.memory.store import EmbedderMismatch, MemoryStore, StoredMemory

PREV, PREV2, NEXT, DONE, SEQ = "lumia_prev", "lumia_prev2", "lumia_next", "lumia_context", "lumia_seq"
CREATED_AT, KIND = "lumia_created_at", "lumia_kind"
OWN, PARTS = "lumia_own", "lumia_parts"
KEYS = (PREV, PREV2, NEXT, DONE, SEQ, OWN, PARTS)
GONE_READ = 1000  # forgotten ids looked up at once, three times each: Chroma takes 32,766 SQL variables a read
GAP_SECONDS = 3600.0
"""A turn said more than this after the one before it starts a new conversation: no pair."""


_SPEAKER = re.compile(r"^\s*([^\W\d_][\w'.-]*(?: [^\W\d_][\w'.-]*){0,2}):\s")


def speaker_of(memory: StoredMemory) -> set[str]:
    """Who said it, as lowercase words: metadata `speaker`, or a leading "Name:" in the text.
    A question about Caroline is mostly answered by what Caroline said (the retriever's
    speaker nudge: recall@10 0.698 -> 0.747 on bench/recall_dialogues.py)."""
    said_by = memory.metadata.get("speaker")
    if not isinstance(said_by, str):
        found = _SPEAKER.match(memory.content)
        said_by = found.group(1) if found else ""
    return {w for w in said_by.lower().split() if len(w) > 1}


def words(memory: StoredMemory) -> str:
    """What was said, without a leading "Name: "."""
    found = _SPEAKER.match(memory.content)
    return memory.content[found.end():] if found else memory.content


_SENTENCE_BREAK = re.compile(r"(?<=[.!?…？])\s+|\n+")
_WORDY = re.compile(r"\w")
_QUESTION_END = re.compile(r"[?？][?？!.…]*\W*$")  # "go?", "go?!", "go? :)"


def only_asks(memory: StoredMemory) -> bool:
    """A turn of a conversation between people (its speaker known) that ends in a question and
    states nothing of six words or more before it ("Oh wow! How did the race go?"): the turn
    after it tells. A user's own chat message is not one: "My wife turns 40, any gift ideas?"
    tells who the user is, and the answer is not a memory of its own."""
    if not in_context(memory.metadata) or not speaker_of(memory):
        return False
    sentences = [s.strip() for s in _SENTENCE_BREAK.split(words(memory)) if _WORDY.search(s)]  # not a lone "😊"
    if not sentences or not _QUESTION_END.search(sentences[-1]):
        return False
    return not any(not _QUESTION_END.search(s) and len(s.split()) >= 6 for s in sentences)


def said(memory: StoredMemory) -> str:
    """The text embedded and indexed for a memory (shared/memory/identity.py)."""
    return identity.said(memory.content, memory.metadata)


def in_context(metadata: dict[str, Any]) -> bool:
    return metadata.get(KIND) != "document"


def asks_the_assistant(memory: StoredMemory) -> bool:
    """A user's own chat message that only asks or requests ("What's my job?", "Tell me a
    joke."). What follows it is the assistant's answer, not the user's next message, so it is
    no part of its neighbours' context: paired, it lifted the facts said around it towards every
    later question (e5 puts questions near questions), and "I drive a blue Saab." said before
    "What's my job?" was found for "What is my job?"."""
    return memory.metadata.get("role") == "user" and not speaker_of(memory) and tells_nothing(words(memory))


def linked(memory: StoredMemory) -> bool:
    """Whether a memory takes part in the runs of turns: the turns around a chat's question
    are paired with each other, past it."""
    return in_context(memory.metadata) and not asks_the_assistant(memory)


def document_chunks(source: str | None = None) -> dict[str, Any]:
    """A `where` for the chunks of every document, or of the one uploaded under `source`."""
    kind = {KIND: "document"}
    return kind if source is None else {"$and": [{"source": source}, kind]}


def follows(previous: dict[str, Any], current: dict[str, Any]) -> bool:
    """Whether `current` continues the conversation `previous` was in (same brain assumed)."""
    gap = float(current.get(CREATED_AT, 0.0)) - float(previous.get(CREATED_AT, 0.0))
    return in_context(previous) and in_context(current) and 0.0 <= gap <= GAP_SECONDS


def run_text(*turns: StoredMemory) -> str:
    """Turns as said one after the other, embedded together: a pair, or a run of three."""
    return "\n".join(said(turn) for turn in turns)


def keep_own(memory: StoredMemory, vector: Sequence[float], embedder: str) -> None:
    """Keeps the embedding of a memory's own words with it, in its metadata (`OWN`: the embedder's
    name and the vector in half precision, base64, about 1 KB). Its stored vector holds its neighbours'
    words too, and whether a newer memory changes it is told by their own words (the update rule in
    brain_worker/retrieval.py): kept, a chat need not embed them again (at a brain's first questions,
    up to 8 a question: bench/retrieval.py --chat p95 67 ms against 22). Not for a document's chunk
    nor a memory scored by its pieces, which the rule leaves out. The memory's vector is its own
    embedding again: the parts kept besides it (`PARTS`) start over."""
    if in_context(memory.metadata) and len(memory.content) <= CHUNK_CHARS:
        memory.metadata[OWN] = f"{embedder}|{_pack([vector])}"
        memory.metadata[PARTS] = ""


def own_vector(memory: StoredMemory, embedder: str) -> np.ndarray | None:
    """The vector `keep_own` kept, if `embedder` made it (a memory carried over a reindex may hold
    another's)."""
    kept = memory.metadata.get(OWN)
    if not isinstance(kept, str):
        return None
    made_by, _, packed = kept.rpartition("|")
    if made_by != embedder:
        return None
    vectors = _unpack(packed)
    return vectors[0] if vectors is not None else None


def each_part(memory: StoredMemory, embedder: str) -> np.ndarray | None:
    """Every embedding the memory's vector is the mean of, one a row (its own words first), if all
    were kept (`add_part`); None for a memory stored before they were, or whose own vector another
    embedder made."""
    own = own_vector(memory, embedder)
    kept = memory.metadata.get(PARTS)
    if own is None or not isinstance(kept, str):
        return None
    others = _unpack_parts(kept, len(own))
    if others is None or len(others) + 1 != parts(memory.metadata):
        return None
    return np.vstack([own, others])


def _pack(vectors: Sequence[Sequence[float]]) -> str:
    return base64.b64encode(np.asarray(vectors, dtype="<f2").tobytes()).decode("ascii")


def _unpack(packed: str) -> np.ndarray | None:
    """Half-precision vectors as `_pack` wrote them, as one row."""
    try:
        return np.frombuffer(base64.b64decode(packed, validate=True), dtype="<f2").astype(np.float32).reshape(1, -1)
    except (binascii.Error, ValueError):
        return None


def _pack_parts(vectors: Sequence[Sequence[float]]) -> str:
    """Vectors in 8 bits, each with its scale: half the size of half precision (Chroma indexes every
    metadata string, so a kept part costs twice its size on disk), and a cosine moves by about 1e-4.
    Packed again with one more, the earlier ones come out the same."""
    array = np.asarray(vectors, dtype=np.float32).reshape(len(vectors), -1)
    scales = np.abs(array).max(axis=1) / 127
    scales[scales == 0] = 1.0
    codes = np.round(array / scales[:, np.newaxis]).astype(np.int8)
    return base64.b64encode(scales.astype("<f4").tobytes() + codes.tobytes()).decode("ascii")


def _unpack_parts(packed: str, dimensions: int) -> np.ndarray | None:
    """Vectors as `_pack_parts` wrote them, one a row (none of ""), or None if they are not whole vectors."""
    try:
        raw = base64.b64decode(packed, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not dimensions or len(raw) % (4 + dimensions):
        return None
    count = len(raw) // (4 + dimensions)
    scales = np.frombuffer(raw[: 4 * count], dtype="<f4")
    codes = np.frombuffer(raw[4 * count :], dtype=np.int8).reshape(count, dimensions)
    vectors: np.ndarray = codes.astype(np.float32) * scales[:, np.newaxis]
    return vectors


def parts(metadata: dict[str, Any]) -> int:
    """How many embeddings the stored vector is the mean of."""
    return (1 + (bool(metadata.get(PREV)) and bool(metadata.get(DONE))) + bool(metadata.get(NEXT))
            + bool(metadata.get(PREV2)))


def add_part(memory: StoredMemory, vector: Sequence[float]) -> None:
    """Folds one more embedding into the memory's mean (the caller sets the metadata that says so)."""
    assert memory.vector is not None
    k = parts(memory.metadata)
    memory.vector = [(v * k + x) / (k + 1) for v, x in zip(memory.vector, vector, strict=True)]
    kept = memory.metadata.get(PARTS)
    if isinstance(kept, str) and memory.metadata.get(OWN):  # each part kept too: a turn is also ranked by its best
        before = _unpack_parts(kept, len(vector))
        if before is not None:  # what cannot be read stays so: each_part then counts the memory's parts unknown
            memory.metadata[PARTS] = _pack_parts([*before, vector])


def fold(pairs: Sequence[tuple[StoredMemory, StoredMemory]], vectors: Sequence[Sequence[float]]) -> None:
    """Adds each (previous, current) pair's embedding to both turns. In the order said: a turn
    that is also the next one's predecessor then already holds its own pair."""
    for (previous, current), vector in zip(pairs, vectors, strict=True):
        add_part(current, vector)
        current.metadata[DONE] = 1
        if not previous.metadata.get(NEXT):
            add_part(previous, vector)
            previous.metadata[NEXT] = current.id


def fold_runs(runs: Sequence[tuple[StoredMemory, StoredMemory, StoredMemory]],
              vectors: Sequence[Sequence[float]]) -> None:
    """Adds each run of three's embedding to the turn that ends it."""
    for (first, _, current), vector in zip(runs, vectors, strict=True):
        add_part(current, vector)
        current.metadata[PREV2] = first.id


def order(memories: Sequence[StoredMemory]) -> list[StoredMemory]:
    """As they were said: by time, then by arrival (turns of one session may share a timestamp)."""
    return sorted(memories, key=lambda m: (float(m.metadata.get(CREATED_AT, 0.0)), int(m.metadata.get(SEQ, 0))))


def chain(memories: Sequence[StoredMemory]) -> dict[str, str]:
    """Each memory's predecessor among `memories` (every one of a brain, say), by `order`."""
    links: dict[str, str] = {}
    ordered = [m for m in order(memories) if linked(m)]
    for previous, current in pairwise(ordered):
        if follows(previous.metadata, current.metadata):
            links[current.id] = previous.id
    return links


async def detach(store: MemoryStore, embedder: Embedder, brain: str, gone: Collection[str]) -> int:
    """Puts every turn whose vector holds words of the `gone` memories (deleted) back to its own
    embedding alone, so forgotten words leave the vectors of the turns around them too."""
    neighbours = await without(store, embedder, brain, gone)
    if neighbours:
        await store.update(brain, neighbours)
    return len(neighbours)


async def without(store: MemoryStore, embedder: Embedder, brain: str, gone: Collection[str]) -> list[StoredMemory]:
    """The turns whose vectors hold words of the `gone` memories, each back to its own embedding
    alone, not written yet: a delete makes them first, so that an embedder that is down refuses it
    before anything changed. A brain built with another embedder keeps them as they are: a delete
    must not wait for `lumia reindex`, which embeds every turn again from its words."""
    ids, found = list(gone), dict[str, StoredMemory]()
    for start in range(0, len(ids), GONE_READ):
        some = ids[start : start + GONE_READ]
        holding: list[dict[str, object]] = [{key: {"$in": some}} for key in (PREV, PREV2, NEXT)]
        found |= {m.id: m for m in await store.get(brain, where={"$or": holding})}
    neighbours = list(found.values())
    if neighbours:
        try:
            await store.check_embedder(brain)
        except EmbedderMismatch:
            return []
        vectors = await embedder.passages([said(m) for m in neighbours])
        for memory, vector in zip(neighbours, vectors, strict=True):
            memory.metadata |= {PREV: "", PREV2: "", NEXT: "", DONE: 1}
            memory.vector = vector
            keep_own(memory, vector, embedder.name)
    return neighbours
