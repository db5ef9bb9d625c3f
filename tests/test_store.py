"""The memory store on real embedded Chroma, below the bus."""

import asyncio
import random
import resource
import socket
from pathlib import Path

import pytest

from shared.embedded_nats import free_port
from shared.memory.store import MemoryStore, StoredMemory, StoreUnavailable, open_chroma
from tests.test_chroma_server import run_chroma


def _unit(rng: random.Random) -> list[float]:
    v = [rng.gauss(0, 1) for _ in range(384)]
    norm = sum(x * x for x in v) ** 0.5
    return [x / norm for x in v]


def test_brains_evicted_from_the_index_cache_still_answer(tmp_path: Path) -> None:
    # More brains than indexes kept open: each is evicted and reloaded from disk, even
    # one holding a single memory (Chroma fails to reload those unless they were persisted).
    client = open_chroma(None, tmp_path, open_brains=3)
    store = MemoryStore(client, "test:random")
    rng = random.Random(3)
    cached = client._server.hnsw_cache_size  # type: ignore[attr-defined]  # a few more than asked when many files are open
    brains = 2 * cached + 5

    async def run() -> list[int]:
        for b in range(brains):
            memories = [StoredMemory(id=f"b{b}-m{m}", content=f"memory {m}", metadata={"n": m})
                        for m in range(b % 3 + 1)]
            await store.upsert(f"brain-{b}", memories, [_unit(rng) for _ in memories])
        return [len(await store.search(f"brain-{b}", _unit(rng), 5)) for _ in range(3) for b in range(brains)]

    assert asyncio.run(run()) == [b % 3 + 1 for b in range(brains)] * 3


def test_opening_chroma_leaves_the_descriptor_limit_usable(tmp_path: Path) -> None:
    before = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    open_chroma(None, tmp_path, open_brains=2)
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= before


def test_reads_racing_a_clear_answer_as_before_or_after_it(tmp_path: Path) -> None:
    """Found by a black-box pass on a Chroma server: a read while its brain was cleared failed with
    "Collection does not exist" or "Missing metadata segment", a 500 to the user; an empty brain
    is no error."""
    port = free_port()
    server = run_chroma(tmp_path / "served", port)
    store = MemoryStore(open_chroma(f"http://127.0.0.1:{port}", tmp_path), "test:random")
    rng = random.Random(5)

    async def run() -> list[object]:
        answers: list[object] = []
        for b in range(8):
            memories = [StoredMemory(id=f"m{m}", content=f"memory {m}", metadata={"n": m}) for m in range(10)]
            await store.upsert(f"brain-{b}", memories, [_unit(rng) for _ in memories])
            reads = [read for _ in range(6) for read in (store.get(f"brain-{b}"), store.count(f"brain-{b}"),
                                                         store.search(f"brain-{b}", _unit(rng), 5))]
            answers += await asyncio.gather(*reads[:6], store.clear(f"brain-{b}"), *reads[6:], return_exceptions=True)
        return answers

    try:
        answers = asyncio.run(run())
    finally:
        server.terminate()
        server.wait(10)
    assert [a for a in answers if isinstance(a, BaseException)] == []
    assert all(len(a) in (0, 5, 10) if isinstance(a, list) else a in (0, 10) for a in answers)


def test_a_chroma_server_that_never_answers_at_the_first_use_is_unavailable_not_a_hang(tmp_path: Path) -> None:
    """Found by a review: chromadb's client asks the server with no timeout as it is made, so a server
    stopped before the first use held that call, and every store call behind it, for good. And the
    settings chromadb writes into were shared, so an embedded store made after it talked HTTP."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts, never answers
    port = listener.getsockname()[1]
    try:
        client = open_chroma(f"http://127.0.0.1:{port}", tmp_path / "unused", timeout=1.0)
        with pytest.raises(StoreUnavailable, match="not reachable"):
            asyncio.run(MemoryStore(client, "e").count("b"))
    finally:
        listener.close()
    embedded = MemoryStore(open_chroma(None, tmp_path / "embedded"), "e")
    assert asyncio.run(embedded.count("b")) == 0
