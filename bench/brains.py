"""Thousands of brains: do memory and file handles stay bounded?

Each brain is a Chroma collection with its own vector index. This writes a few
memories into each of N brains of one embedded Chroma (random unit vectors: the
question is resources, not relevance), then searches every brain twice over,
and prints the process's resident memory and open file descriptors as it goes,
against the process's file-descriptor limit. `open_chroma` bounds embedded
Chroma's cache of open vector indexes (shared/memory/store.py, OPEN_BRAINS), so
descriptors and memory must level off while brains keep coming, and every
brain must still answer after its index was evicted and reloaded.

    python bench/brains.py --brains 3000
"""

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared.memory.store import OPEN_BRAINS, MemoryStore, StoredMemory, open_chroma  # noqa: E402

DIM = 384


def unit(rng: random.Random) -> list[float]:
    v = [rng.gauss(0, 1) for _ in range(DIM)]
    norm = sum(x * x for x in v) ** 0.5
    return [x / norm for x in v]


def resources() -> tuple[float, int]:
    with open("/proc/self/statm") as f:
        rss_pages = int(f.read().split()[1])
    return rss_pages * os.sysconf("SC_PAGE_SIZE") / 2**20, len(os.listdir("/proc/self/fd"))


def report(label: str, started: float) -> None:
    rss, fds = resources()
    print(f"{label:<28} rss {rss:7.0f} MiB   open fds {fds:6d}   {time.perf_counter() - started:6.1f} s", flush=True)


async def run(brains: int, per_brain: int, fd_limit: int | None, sweeps: int) -> None:
    if fd_limit:
        resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))  # as on a machine with that limit
    rng = random.Random(1)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lumia-brains-") as tmp:
        store = MemoryStore(open_chroma(None, Path(tmp)), "bench:random")
        limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        print(f"{brains} brains x {per_brain} memories; file-descriptor limit {limit}, "
              f"at most {OPEN_BRAINS} indexes open\n")
        report("start", started)
        for b in range(brains):
            memories = [StoredMemory(id=f"b{b}-m{m}", content=f"memory {m} of brain {b}",
                                     metadata={"lumia_created_at": float(m)}) for m in range(per_brain)]
            await store.upsert(f"brain-{b}", memories, [unit(rng) for _ in memories])
            if (b + 1) % max(1, brains // 5) == 0:
                report(f"written {b + 1} brains", started)
        for sweep in range(1, sweeps + 1):
            for b in range(brains):
                found = await store.search(f"brain-{b}", unit(rng), 3)
                if len(found) != min(3, per_brain):
                    raise SystemExit(f"brain-{b} answered {len(found)} memories")
            report(f"searched all, sweep {sweep}", started)
    _, fds = resources()
    print(f"\nopen fds after {sweeps * brains} searches over {brains} brains: {fds} of {limit} "
          f"({'bounded' if fds < limit * 0.9 else 'NEAR THE LIMIT'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brains", type=int, default=3000)
    parser.add_argument("--per-brain", type=int, default=5)
    parser.add_argument("--sweeps", type=int, default=3, help="times every brain is searched")
    parser.add_argument("--fd-limit", type=int, help="set this process's descriptor limits first")
    args = parser.parse_args()
    asyncio.run(run(args.brains, args.per_brain, args.fd_limit, args.sweeps))


if __name__ == "__main__":
    main()
