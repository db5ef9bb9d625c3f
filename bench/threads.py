"""What a conversation thread adds to a chat: storing the message and reading the history.

In-process, on the same code the llm_worker runs (`begin_thread_turn`, the prompt
builder, `ThreadTurn.finish`), against a real SQLite file and, when one answers,
the machine's PostgreSQL. For threads of 10, 50 and 500 messages it times:
- prompt: look up the thread, store the user message, read up to 50 earlier
  messages, and build the prompt fitted to an 8,192-token window; the baseline
  is building the prompt of a chat without a thread, timed in the same run;
- finish: store the answer and mark the question answered (after the answer is
  generated, before `done` is sent).
Target (2 cores): a thread adds <= 5 ms p50 to building the prompt at 50 messages.

    python bench/threads.py
    python bench/threads.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

import argparse
import asyncio
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
from sqlalchemy import delete

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llm_worker.threads import begin_thread_turn  # noqa: E402
from shared.db import database_url, messages  # noqa: E402
from shared.messages import ChatRequest  # noqa: E402
from shared.prompts import build_messages  # noqa: E402
from shared.threads.store import ThreadStore  # noqa: E402

SIZES = (10, 50, 500)
WINDOW_BUDGET = 8192 - 1024
SYSTEM = "You are Lumia, a private personal assistant. Answer helpfully and concisely."


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def sentence(i: int) -> str:
    return f"Message {i}: we talked about the garden, the trip to Umeå and what to cook on Friday. " * 2


async def thread_of(store: ThreadStore, size: int) -> str:
    thread_id = f"thr_bench_{uuid.uuid4().hex[:10]}"
    await store.create(thread_id, "bench-user", "bench-brain", SYSTEM, "bench")
    for i in range(size):
        await store.append(thread_id, "user" if i % 2 == 0 else "assistant", sentence(i), "bench-brain")
    return thread_id


async def measure(store: ThreadStore, size: int, rounds: int) -> tuple[list[float], list[float], list[float]]:
    thread_id = await thread_of(store, size)
    prompt, finish, baseline = [], [], []
    for i in range(rounds):
        request = ChatRequest(request_id=secrets.token_urlsafe(12), user_id="bench-user", message=f"question {i}",
                              thread_id=thread_id)
        started = time.perf_counter()
        build_messages(SYSTEM, request.message, budget=WINDOW_BUDGET)
        baseline.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        turn = await begin_thread_turn(store, request)
        build_messages(turn.request.system_prompt or SYSTEM, request.message, history=turn.history,
                       budget=WINDOW_BUDGET)
        prompt.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await turn.finish(f"answer {i}")
        finish.append((time.perf_counter() - started) * 1000)
        await forget_round(store, thread_id, turn.question.id)
    return prompt, finish, baseline


async def forget_round(store: ThreadStore, thread_id: str, first_id: int) -> None:
    """Keep the thread at its size: remove this round's question and answer again."""
    async with store.engine.begin() as conn:
        await conn.execute(delete(messages).where(messages.c.thread_id == thread_id, messages.c.id >= first_id))


async def run(url: str, label: str, rounds: int) -> bool:
    store = await ThreadStore.open(url)
    ok = True
    try:
        for size in SIZES:
            prompt, finish, baseline = await measure(store, size, rounds)
            added = pct(prompt, 50) - pct(baseline, 50)
            print(f"{label:<10} {size:>5} {pct(baseline, 50):>9.3f} {pct(prompt, 50):>9.2f} {pct(prompt, 95):>9.2f} "
                  f"{pct(finish, 50):>9.2f} {pct(finish, 95):>9.2f} {added:>9.2f}")
            if size == 50:
                ok = ok and added <= 5
    finally:
        await store.close()
    return ok


async def postgres_database(admin_url: str) -> str | None:
    name = f"lumia_bench_{uuid.uuid4().hex[:8]}"
    try:
        conn = await asyncpg.connect(admin_url, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        print(f"(PostgreSQL skipped: nothing answers at {admin_url}: {exc})")
        return None
    try:
        await conn.execute(f"CREATE DATABASE {name}")
    finally:
        await conn.close()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


async def drop(admin_url: str, url: str) -> None:
    conn = await asyncpg.connect(admin_url, timeout=3)
    try:
        await conn.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
    finally:
        await conn.close()


async def main_async(args: argparse.Namespace) -> None:
    print(f"{args.rounds} chat turns per thread size, times in ms (p50 unless marked), 2 cores\n")
    print(f"{'database':<10} {'msgs':>5} {'baseline':>9} {'prompt':>9} {'p95':>9} {'finish':>9} {'p95':>9} "
          f"{'added':>9}")
    results = []
    with tempfile.TemporaryDirectory(prefix="lumia-threads-") as tmp:
        results.append(await run(database_url(None, Path(tmp)), "sqlite", args.rounds))
    pg = await postgres_database(args.postgres)
    if pg is not None:
        try:
            results.append(await run(database_url(pg, Path(".")), "postgresql", args.rounds))
        finally:
            await drop(args.postgres, pg)
    verdict = "PASS" if all(results) else "FAIL"
    print(f"\nbaseline: the prompt of a chat without a thread; added = prompt - baseline (p50)\n"
          f"target: a thread adds <= 5 ms p50 to building the prompt at 50 messages: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres",
                        help="an admin URL; a temporary database is created and dropped")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
