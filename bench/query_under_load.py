"""A question's embedding while a bulk import is being embedded, against the same when idle.

With embedded Chroma the brain_worker also runs ingestion, so a chat's retrieval shares the
embedder with an import (a 2 MB document is about 5,000 chunks). Measured in-process on the
local embedder: 15 questions idle, then 15 while batches of 128 long passages are embedded
without pause. Target: the loaded p50 within a few times the idle one (a question must not
wait for a batch; the chat gives up on memory after LUMIA_BRAIN_TIMEOUT, 3 s).

    python bench/query_under_load.py
"""

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from shared.memory.embedder import LocalEmbedder

QUESTIONS = 15
CHUNK = "The cabin by the lake was built in 1931; the key hangs under the blue pot by the door. " * 12


async def timed(embedder: LocalEmbedder) -> list[float]:
    out = []
    for i in range(QUESTIONS):
        started = time.perf_counter()
        await embedder.query(f"Where is the key to the cabin, question {i}?")
        out.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.2)
    return sorted(out)


async def run() -> None:
    embedder = LocalEmbedder()
    await embedder.load()
    idle = await timed(embedder)
    importing = True

    async def bulk_import() -> None:
        while importing:
            await embedder.passages([CHUNK] * 128)

    task = asyncio.create_task(bulk_import())
    await asyncio.sleep(1.0)
    loaded = await timed(embedder)
    importing = False
    await task
    embedder.close()
    for name, values in (("idle", idle), ("during import", loaded)):
        print(f"{name:<14} p50 {statistics.median(values):7.1f} ms   max {values[-1]:7.1f} ms")
    print(f"ratio p50 during import / idle: x{statistics.median(loaded) / statistics.median(idle):.1f}")


if __name__ == "__main__":
    asyncio.run(run())
