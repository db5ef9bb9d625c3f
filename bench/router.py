"""What the router adds: `/router/chat` vs plain `/memory/chat`, and tools in parallel.

Starts its own real parts: nats-server, the Ollama-protocol test server (instant
tokens; its router model instantly chooses every tool offered), the tool server
(`tests/tool_server.py`: an instant tool and one that takes 200 ms), a gateway,
an llm_worker and a tools_worker. No brain_worker runs: retrieval fails at once
on both paths, so the difference is the router's own cost.

1. N chats through `/memory/chat` (the baseline) and N through `/router/chat`
   with one instant tool: the router's decision, the tool round trip over NATS
   and HTTP, and the tool output in the prompt.
2. `/router/chat` with 5 tools of 200 ms each: run in parallel they should take
   about 200 ms, not 1 s.

Targets (2 cores): the router path adds <= 10 ms p50; 5 x 200 ms tools finish in ~200 ms.

    python bench/router.py
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lumia_stack import start  # noqa: E402

from shared.embedded_nats import free_port  # noqa: E402


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def timed(client: httpx.Client, path: str, body: dict[str, object], n: int) -> tuple[list[float], int]:
    for _ in range(10):  # warm up
        client.post(path, json=body)
    samples, failures = [], 0
    for _ in range(n):
        started = time.perf_counter()
        response = client.post(path, json=body)
        samples.append((time.perf_counter() - started) * 1000)
        reply = response.json()
        if response.status_code != 200 or any(not t["ok"] for t in reply.get("tools_invoked", [])):
            failures += 1
    return samples, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lumia-router-") as tmp:
        tool_port = free_port()
        stack = start(Path(tmp), ("gateway", "llm_worker", "tools_worker"), ready=("llm", "tools"),
                      model_args=("--tokens", "20", "--router-reply", "*"),
                      helpers=[(["-m", "tests.tool_server", "--port", str(tool_port), "--slow", "0.2"], tool_port)])
        url = stack.url
        try:
            def tool(name: str, kind: str) -> dict[str, str]:
                return {"name": name, "description": f"{kind} tool",
                        "callback_url": f"http://127.0.0.1:{tool_port}/tools/{kind}"}

            with httpx.Client(base_url=url, timeout=60) as client:
                plain, plain_failed = timed(client, "/memory/chat", {"user_id": "bench", "message": "hej"}, args.n)
                routed, routed_failed = timed(client, "/router/chat", {
                    "user_id": "bench", "message": "hej", "tools": [tool("instant", "fast")]}, args.n)
                parallel, parallel_failed = timed(client, "/router/chat", {
                    "user_id": "bench", "message": "hej",
                    "tools": [tool(f"slow{i}", "slow") for i in range(5)]}, max(20, args.n // 10))
        finally:
            stack.stop()
    print(f"{args.n} chats per path, sequential, 2 cores shared by every process\n")
    print(f"{'path':<34} {'p50':>9} {'p95':>9} {'failed':>7}")
    for label, samples, failed in (("/memory/chat (baseline)", plain, plain_failed),
                                   ("/router/chat, 1 instant tool", routed, routed_failed),
                                   ("/router/chat, 5 tools x 200 ms", parallel, parallel_failed)):
        print(f"{label:<34} {pct(samples, 50):>7.2f}ms {pct(samples, 95):>7.2f}ms {failed:>7}")
    added = pct(routed, 50) - pct(plain, 50)
    print(f"\nrouter path adds {added:.2f} ms p50 (x{statistics.median(routed) / statistics.median(plain):.2f})")
    print(f"target: <= 10 ms p50 added: {'PASS' if added <= 10 and not routed_failed else 'FAIL'}")
    whole = pct(parallel, 50)
    print(f"5 tools of 200 ms: {whole:.0f} ms p50 (serial would be >= 1000 ms; x{whole / 200:.2f} of one tool)")
    ok = whole < 400 and not parallel_failed
    print(f"target: about 200 ms, not 1 s: {'PASS' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
