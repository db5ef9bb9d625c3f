"""A page of the memory listing (`GET /memory/{brain}/memories`, newest first) at 10,000 memories.

In-process on the broker-free core, against embedded Chroma: a brain of N memories (random
vectors: listing never embeds) and pages of 50 taken from all over it, timed two ways in one run:
- baseline: read every memory of the brain from Chroma and sort them by time (the listing before
  2026-12-02, third session of that day);
- Lumia: the order from the brain's keyword index (kept current for search and stats anyway),
  then only the page's memories read from Chroma.
The first page of a cold brain builds the index once; it is timed apart.

    python bench/listing.py --memories 10000
"""

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from brain_worker.housekeeping import list_memories  # noqa: E402
from brain_worker.keywords import KeywordCache  # noqa: E402
from brain_worker.retrieval import CREATED_AT, Retriever, to_hit  # noqa: E402
from shared.memory.embedder import LocalEmbedder  # noqa: E402
from shared.memory.messages import ListReply, ListRequest  # noqa: E402
from shared.memory.store import MemoryStore, StoredMemory, open_chroma  # noqa: E402

BRAIN = "bench-listing"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def read_all(store: MemoryStore, request: ListRequest) -> ListReply:
    memories = await store.get(request.brain)
    memories.sort(key=lambda m: float(m.metadata.get(CREATED_AT, 0)), reverse=True)
    page = memories[request.offset : request.offset + request.limit]
    return ListReply(memories=[to_hit(m) for m in page], total=len(memories))


async def main(count: int, pages: int) -> None:
    rnd = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="lumia-listing-") as tmp:
        embedder = LocalEmbedder()
        store = MemoryStore(open_chroma(None, Path(tmp)), embedder.name)
        memories = [StoredMemory(id=f"m{n:06d}", content=" ".join(f"w{rnd.randrange(5000)}" for _ in range(25)),
                                 metadata={CREATED_AT: 1.7e9 + rnd.random() * 3e7, "lumia_kind": "note"})
                    for n in range(count)]
        for start in range(0, count, 500):
            chunk = memories[start : start + 500]
            await store.upsert(BRAIN, chunk, [[rnd.gauss(0, 1) for _ in range(384)] for _ in chunk])
        retriever = Retriever(store, embedder, KeywordCache(), 0.825)
        started = time.perf_counter()
        first = await list_memories(retriever, ListRequest(brain=BRAIN, limit=50))
        cold = time.perf_counter() - started
        offsets = [rnd.randrange(0, max(1, count - 50)) for _ in range(pages)]
        timings: dict[str, list[float]] = {"baseline": [], "lumia": []}
        for offset in offsets:
            request = ListRequest(brain=BRAIN, offset=offset, limit=50)
            for name, page in (("baseline", lambda r=request: read_all(store, r)),
                               ("lumia", lambda r=request: list_memories(retriever, r))):
                started = time.perf_counter()
                reply = await page()
                timings[name].append(time.perf_counter() - started)
            assert reply.total == count
        assert [m.id for m in first.memories] == [m.id for m in (await read_all(store, ListRequest(
            brain=BRAIN, limit=50))).memories]
    print(f"{count} memories, {pages} pages of 50; a cold brain's first page (builds the index): {cold * 1000:.1f} ms")
    for name, values in timings.items():
        ms = [v * 1000 for v in values]
        print(f"  {name:9s} p50 {pct(ms, 50):7.2f} ms  p95 {pct(ms, 95):7.2f} ms  p99 {pct(ms, 99):7.2f} ms")
    ratio = pct(timings["baseline"], 50) / pct(timings["lumia"], 50)
    print(f"  baseline / Lumia at p50: {ratio:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--memories", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(main(args.memories, args.pages))
