"""Time to first token and relay throughput: straight to the model vs through Lumia.

Starts its own real parts (nats-server, the Ollama-protocol test server, one
gateway, one llm_worker) and runs N chats at each concurrency, first directly
against the model server's /api/chat, then through Lumia's /memory/chat/stream.
Memory retrieval is excluded, as the target says: no brain_worker runs, so the
llm_worker's recall fails at once (NATS "no responders") and it answers without
memory. `--with-memory` adds a brain_worker to show what retrieval costs.

    python bench/ttft.py                       # 200 chats at concurrency 1 and 50
    python bench/ttft.py --n 500 --tokens 1000 --concurrency 50

Targets (2 cores): Lumia adds <= 5 ms p50 to TTFT at concurrency 1 and relays
>= 5,000 tokens/s at concurrency 50 with no lost or reordered token. Every
process here, the client included, shares the same cores.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lumia_stack import start  # noqa: E402


@dataclass
class Run:
    ttft_ms: list[float]
    tokens: int
    seconds: float
    failures: int


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def direct_chat(client: httpx.AsyncClient, url: str, expected: str) -> tuple[float, int, bool]:
    started = time.perf_counter()
    first: float | None = None
    parts: list[str] = []
    async with client.stream("POST", f"{url}/api/chat", json={
        "model": "llama3.2", "messages": [{"role": "user", "content": "bench"}], "stream": True,
    }) as response:
        async for line in response.aiter_lines():
            if not line:
                continue
            item = json.loads(line)
            content = item.get("message", {}).get("content", "")
            if content:
                if first is None:
                    first = time.perf_counter()
                parts.append(content)
    text = "".join(parts)
    return ((first or time.perf_counter()) - started) * 1000, len(parts), text == expected


async def lumia_chat(client: httpx.AsyncClient, url: str, expected: str, user: str) -> tuple[float, int, bool]:
    started = time.perf_counter()
    first: float | None = None
    parts: list[str] = []
    done = False
    async with client.stream("POST", f"{url}/memory/chat/stream",
                             json={"user_id": user, "message": "bench"}) as response:
        async for line in response.aiter_lines():
            if not line:
                continue
            event = json.loads(line.removeprefix("data: "))
            if "chunk" in event:
                if first is None:
                    first = time.perf_counter()
                parts.append(event["chunk"])
            elif event.get("done"):
                done = "error" not in event
    text = "".join(parts)
    return ((first or time.perf_counter()) - started) * 1000, len(text.split()), done and text == expected


async def measure(kind: str, url: str, n: int, concurrency: int, expected: str) -> Run:
    limits = httpx.Limits(max_connections=concurrency + 10, max_keepalive_connections=concurrency + 10)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        async def one(i: int) -> tuple[float, int, bool]:
            if kind == "direct":
                return await direct_chat(client, url, expected)
            return await lumia_chat(client, url, expected, f"bench-{i % 7}")

        for i in range(min(20, n)):  # warm up connections, caches and code paths
            await one(i)
        gate = asyncio.Semaphore(concurrency)

        async def bounded(i: int) -> tuple[float, int, bool]:
            async with gate:
                return await one(i)

        started = time.perf_counter()
        results = await asyncio.gather(*(bounded(i) for i in range(n)))
        seconds = time.perf_counter() - started
    return Run(ttft_ms=[r[0] for r in results], tokens=sum(r[1] for r in results), seconds=seconds,
               failures=sum(1 for r in results if not r[2]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 50])
    parser.add_argument("--tokens", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds per token in the model server")
    parser.add_argument("--with-memory", action="store_true", help="run a brain_worker: include retrieval")
    args = parser.parse_args()
    expected = "".join(f"t{i} " for i in range(args.tokens))
    with tempfile.TemporaryDirectory(prefix="lumia-bench-") as tmp:
        stack = start(Path(tmp), ("gateway", "llm_worker", *(("brain_worker",) if args.with_memory else ())),
                      ready=("llm", *(("brain",) if args.with_memory else ())),
                      model_args=("--tokens", str(args.tokens), "--delay", str(args.delay)),
                      env={"LUMIA_LLM_CONCURRENCY": str(max(args.concurrency) + 8)})
        model, lumia = stack.model_url, stack.url
        try:
            print(f"{args.n} chats of {args.tokens} tokens, model delay {args.delay * 1000:g} ms/token, "
                  f"{os.cpu_count()} cores shared by every process\n")
            print(f"{'conc':>4} {'path':<7} {'ttft p50':>9} {'ttft p95':>9} {'tokens/s':>10} {'failures':>8}")
            for concurrency in args.concurrency:
                direct = asyncio.run(measure("direct", model, args.n, concurrency, expected))
                through = asyncio.run(measure("lumia", lumia, args.n, concurrency, expected))
                for label, run in (("direct", direct), ("lumia", through)):
                    print(f"{concurrency:>4} {label:<7} {pct(run.ttft_ms, 50):>7.2f}ms {pct(run.ttft_ms, 95):>7.2f}ms "
                          f"{run.tokens / run.seconds:>10.0f} {run.failures:>8}")
                added = pct(through.ttft_ms, 50) - pct(direct.ttft_ms, 50)
                ratio = (through.tokens / through.seconds) / (direct.tokens / direct.seconds)
                print(f"{concurrency:>4} lumia adds {added:.2f} ms p50 TTFT "
                      f"(x{statistics.median(through.ttft_ms) / statistics.median(direct.ttft_ms):.2f}); "
                      f"throughput ratio lumia/direct {ratio:.2f}\n")
                if concurrency == 1 and args.with_memory:
                    print("(memory retrieval included: the 5 ms target excludes it; this shows what it costs)\n")
                elif concurrency == 1:
                    print(f"target: <= 5 ms added p50 TTFT at concurrency 1: {'PASS' if added <= 5 else 'FAIL'}")
                if concurrency == 50:
                    rate = through.tokens / through.seconds
                    ok = rate >= 5000 and through.failures == 0
                    print(f"target: >= 5,000 tokens/s at concurrency 50, none lost or reordered: "
                          f"{'PASS' if ok else 'FAIL'} ({rate:.0f} tokens/s, {through.failures} failures)\n")
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
