"""Delete latency end to end over HTTP, for memories stored and for memories accepted but still queued.

A delete of an id (`DELETE /memory/{brain}/memories/{id}`) or of a document
(`DELETE /memory/{brain}/documents?source=...`) that is accepted (202) and not stored yet reads the
brain's queued messages in the JetStream work queue (shared/memory/jetstream.py `queued_items`, one
request per message, for at most LUMIA_FORGET_WAIT seconds, then a 503) and marks what it finds
forgotten (brain_worker/app.py on_delete, on_document_delete). It used to wait for the memory to be
stored instead: a 503 after LUMIA_FORGET_WAIT while ingestion was held up.

Starts its own real parts (nats-server, gateway, one brain_worker with embedded Chroma that runs
ingestion), embedding with the Ollama-protocol stand-in (tests/fake_ollama.py) run in this process,
so that ingestion can be held: while `embed_held` is set, the ingest loop waits on its first batch
and everything accepted after it stays queued. Then, every delete timed alone, one at a time:

1. Baseline: a memory already stored, nothing of its brain queued (ingestion free).
2. Queued: a memory posted just before the delete, ingestion held: the only message of its brain
   in the queue (the case that used to be a 503 after LUMIA_FORGET_WAIT).
3. Behind N: a memory posted after N memories of the same brain (posted with /ingest/batch), all
   queued: the id delete reads the queue up to its first copy, so N + 1 messages; the cost per queued
   message is (p50 - p50 of 2) / N. Also the first of those N deleted (found at once: "ahead") and
   an id the brain never had (reads the whole queue, then a 404). Where reading takes longer than
   LUMIA_FORGET_WAIT the answer is a 503 and nothing is forgotten.
4. Documents: a small document (a few chunks) uploaded and deleted while another brain's 2 MB import
   is queued; and the import itself deleted (every chunk of it read off the queue).

At the end, ingestion is let go and the brains of 2. must hold what was not deleted, and nothing
of what was deleted while queued.

    python bench/forget.py                               # 40 deletes per case, N = 1,000 ... 20,000
    python bench/forget.py --samples 20 --sizes 1000,10000 --repeat 3
    python bench/forget.py --forget-wait 2               # LUMIA_FORGET_WAIT for the brain_worker

p50 and p95 are nearest-rank percentiles (of 5 samples, p95 is the slowest); the ratios are to the
p50 and p95 of the baseline measured in the same run. Every process here, the client included,
shares the same cores.
"""

import argparse
import math
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from lumia_stack import busy_cores, start  # noqa: E402

from shared.embedded_nats import free_port  # noqa: E402
from tests.fake_ollama import FakeOllama  # noqa: E402

BATCH = 1000  # items per POST /ingest/batch, the most it takes
IMPORT_BYTES = 2 * 1024 * 1024 - 4096  # under the 2 MB a document may be
DEFAULT_FORGET_WAIT = 5.0  # shared/settings.py LUMIA_FORGET_WAIT
SETTLE_SECONDS = 60.0


@dataclass
class Case:
    label: str
    seconds: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    note: str = ""

    def add(self, seconds: float, status: int) -> None:
        self.seconds.append(seconds)
        self.statuses.append(status)

    def answered(self, status: int) -> list[float]:
        return [s for s, code in zip(self.seconds, self.statuses, strict=True) if code == status]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# ---------------------------------------------------------------- HTTP

def post_notes(client: httpx.Client, brain: str, texts: list[str]) -> list[str]:
    ids: list[str] = []
    for i in range(0, len(texts), BATCH):
        response = client.post("/ingest/batch", json={"customer_id": brain,
                                                      "items": [{"content": t} for t in texts[i:i + BATCH]]})
        if response.status_code != 202:
            raise RuntimeError(f"{brain}: /ingest/batch answered {response.status_code}: {response.text[:300]}")
        ids += response.json()["ids"]
    return ids


def post_note(client: httpx.Client, brain: str, text: str) -> str:
    response = client.post("/ingest", json={"customer_id": brain, "content": text})
    if response.status_code != 202:
        raise RuntimeError(f"{brain}: /ingest answered {response.status_code}: {response.text[:300]}")
    return str(response.json()["id"])


def delete_memory(client: httpx.Client, brain: str, memory_id: str, case: Case) -> httpx.Response:
    started = time.perf_counter()
    response = client.delete(f"/memory/{brain}/memories/{memory_id}")
    case.add(time.perf_counter() - started, response.status_code)
    return response


def delete_document(client: httpx.Client, brain: str, source: str, case: Case) -> httpx.Response:
    started = time.perf_counter()
    response = client.request("DELETE", f"/memory/{brain}/documents", params={"source": source})
    case.add(time.perf_counter() - started, response.status_code)
    return response


def upload(client: httpx.Client, brain: str, source: str, text: str) -> list[str]:
    response = client.post(f"/memory/{brain}/documents", params={"source": source}, content=text.encode(),
                           headers={"content-type": "text/plain"})
    if response.status_code != 202:
        raise RuntimeError(f"{brain}: upload answered {response.status_code}: {response.text[:300]}")
    return list(response.json()["ids"])


def stats(client: httpx.Client, brain: str) -> dict[str, int]:
    response = client.get(f"/memory/stats/{brain}")
    response.raise_for_status()
    return dict(response.json())


def wait_for(check: Callable[[], bool], timeout: float, poll: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(poll)
    return check()


def settled(client: httpx.Client, brains: list[str], count: int) -> bool:
    """Every brain holds `count` memories and has nothing pending (both ingestion stages done)."""
    return all((s := stats(client, b))["memory_count"] == count and s["pending_ingest"] == 0 for b in brains)


# ---------------------------------------------------------------- the cases

def run(client: httpx.Client, fake: FakeOllama, samples: int, sizes: list[int], repeat: int,
        documents: bool, tag: str) -> tuple[list[Case], list[str]]:
    cases: list[Case] = []
    problems: list[str] = []
    brains = [f"fg-{tag}-{i}" for i in range(samples)]

    # Ingestion free: two notes stored in each brain.
    for brain in brains:
        post_notes(client, brain, [f"{brain} keeps the spare key under the blue flower pot number {n}." for n in
                                   range(2)])
    if not wait_for(lambda: settled(client, brains, 2), SETTLE_SECONDS, poll=0.5):
        raise SystemExit("the notes of the baseline were not stored in time")
    listed = {b: [m["id"] for m in client.get(f"/memory/{b}/memories").json()["memories"]] for b in brains}
    warm = Case("warm-up")
    delete_memory(client, brains[0], listed[brains[0]][0], warm)  # first delete: connections, caches
    baseline = Case("1. stored, nothing queued")
    for brain in brains[1:]:
        delete_memory(client, brain, listed[brain][0], baseline)
    cases.append(baseline)

    # Ingestion held from here on: the ingest loop waits on the holder's note, all else stays queued.
    fake.behaviour.embed_held = True
    post_note(client, f"fg-{tag}-holder", "The holder's note, which keeps ingestion busy.")
    if not wait_for(lambda: fake.record.embeds_held >= 1, 30):
        raise SystemExit("ingestion did not take the holder's note")

    queued = Case("2. queued (1 of its brain)")
    gone: dict[str, str] = {}
    for brain in brains[1:]:
        memory_id = post_note(client, brain, f"{brain} has a locker code, 4711, that must be forgotten.")
        if delete_memory(client, brain, memory_id, queued).status_code == 204:
            gone[brain] = memory_id
    cases.append(queued)

    for n in sizes:
        brain = f"fq-{tag}-{n}"
        started = time.perf_counter()
        ids = post_notes(client, brain, [f"Note {i} of the large import into {brain}: shelf {i % 97}, box {i % 13}."
                                         for i in range(n)])
        accepted = time.perf_counter() - started
        behind = Case(f"3. behind {n:,} queued", note=f"{n:,} posted in {accepted:.1f} s")
        for r in range(repeat):
            memory_id = post_note(client, brain, f"A late note {r} of {brain}, posted after its import.")
            delete_memory(client, brain, memory_id, behind)
        ahead = Case(f"   ahead of {n:,} queued")
        for memory_id in ids[:repeat]:
            delete_memory(client, brain, memory_id, ahead)
        unknown = Case(f"   unknown id, {n:,} queued")
        delete_memory(client, brain, uuid.uuid4().hex, unknown)
        cases += [behind, ahead, unknown]

    if documents:
        importer = f"fi-{tag}"
        paragraph = "The quarterly handbook explains how the warehouse shelves are counted and labelled. " * 6
        text = "\n\n".join(f"Section {i}. {paragraph}" for i in range(IMPORT_BYTES // (len(paragraph) + 16)))
        started = time.perf_counter()
        chunks = upload(client, importer, "handbook.txt", text)
        accepted = time.perf_counter() - started
        small = Case("4. small document behind import", note=f"another brain's {len(text) / 1e6:.1f} MB import: "
                                                              f"{len(chunks):,} chunks queued in {accepted:.1f} s")
        removed: Counter[int] = Counter()
        for i in range(samples - 1):
            brain = f"fd-{tag}-{i}"
            upload(client, brain, "notes.txt", "\n\n".join(f"Page {p}. " + "The boiler is serviced in May. " * 30
                                                           for p in range(3)))
            response = delete_document(client, brain, "notes.txt", small)
            if response.status_code == 200:
                removed[response.json()["removed"]] += 1
        small.note += f"; removed per delete: {dict(removed)}"
        whole = Case(f"   the import itself ({len(chunks):,} chunks)")
        response = delete_document(client, importer, "handbook.txt", whole)
        if response.status_code == 200 and response.json()["removed"] != len(chunks):
            problems.append(f"the import's delete removed {response.json()['removed']} of {len(chunks)} chunks")
        cases += [small, whole]

    # Let go: what was deleted while queued must never be stored, the rest must be.
    fake.behaviour.embed_held = False
    checked = list(gone)
    if not wait_for(lambda: settled(client, checked, 1), SETTLE_SECONDS, poll=0.5):
        problems.append(f"the brains of case 2 did not settle within {SETTLE_SECONDS:.0f} s of letting ingestion go")
    for brain in checked:
        kept = [m["id"] for m in client.get(f"/memory/{brain}/memories").json()["memories"]]
        if gone[brain] in kept or len(kept) != 1:
            problems.append(f"{brain}: holds {kept} after ingestion went on (deleted while queued: {gone[brain]})")
    return cases, problems


# ---------------------------------------------------------------- report

def report(cases: list[Case], forget_wait: float) -> None:
    base = cases[0]
    base50, base95 = percentile(base.seconds, 50), percentile(base.seconds, 95)
    width = max(len(c.label) for c in cases)
    print("ratios: p50 to the baseline's p50 / p95 to the baseline's p95 (case 1); per queued message: "
          "(p50 - p50 of case 2) / N")
    queued50 = percentile(cases[1].seconds, 50) if len(cases) > 1 else base50
    for case in cases:
        p50, p95 = percentile(case.seconds, 50), percentile(case.seconds, 95)
        statuses = " ".join(f"{status}x{count}" for status, count in sorted(Counter(case.statuses).items()))
        line = (f"{case.label:<{width}} : n={len(case.seconds):<3} p50 {p50 * 1000:8.1f} ms  p95 {p95 * 1000:8.1f} ms"
                f"  ratio {p50 / base50:6.1f}x / {p95 / base95:6.1f}x  [{statuses}]")
        if case.label.startswith("3.") and 204 in case.statuses:
            n = int(case.label.split()[2].replace(",", ""))
            line += f"  {(percentile(case.answered(204), 50) - queued50) / n * 1000:.3f} ms per queued message"
        if 503 in case.statuses:
            refused = case.answered(503)
            line += f"  503 after {min(refused):.2f}-{max(refused):.2f} s"
        print(line)
        if case.note:
            print(f"{'':<{width}}   ({case.note})")
    refused = [c.label.strip() for c in cases if 503 in c.statuses]
    print(f"LUMIA_FORGET_WAIT {forget_wait:g} s: " + (f"503 for {', '.join(refused)}" if refused else
                                                      "no delete answered 503"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=40, help="deletes timed in cases 1, 2 and 4")
    parser.add_argument("--sizes", default="1000,5000,10000,20000", help="N memories queued ahead, case 3")
    parser.add_argument("--repeat", type=int, default=5, help="deletes timed per N in case 3")
    parser.add_argument("--forget-wait", type=float, default=None, help="LUMIA_FORGET_WAIT (default: its own, 5 s)")
    parser.add_argument("--no-documents", action="store_true", help="skip case 4")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.samples < 3 or args.repeat < 1 or any(n < 1 for n in sizes):
        parser.error("--samples must be at least 3, --repeat and every size at least 1")
    forget_wait = DEFAULT_FORGET_WAIT if args.forget_wait is None else args.forget_wait
    print(f"{os.cpu_count()} cores shared by every process; LUMIA_FORGET_WAIT {forget_wait:g} s")
    busy = busy_cores()
    if busy is not None and busy >= 0.2:  # the numbers are only comparable when nothing else competes for the cores
        print(f"note: other processes kept {busy:.1f} cores busy just before the start")
    began = time.perf_counter()
    fake = FakeOllama(free_port()).start()  # in this process: the bench holds its embedding on demand
    env = {"EMBEDDING_BACKEND": "ollama", "OLLAMA_BASE_URL": fake.url}
    if args.forget_wait is not None:
        env["LUMIA_FORGET_WAIT"] = f"{args.forget_wait:g}"
    try:
        with tempfile.TemporaryDirectory(prefix="lumia-bench-forget-") as tmp:
            stack = start(Path(tmp), ("gateway", "brain_worker"), ready=("brain",), env=env)
            try:
                with httpx.Client(base_url=stack.url, timeout=60) as client:
                    cases, problems = run(client, fake, args.samples, sizes, args.repeat, not args.no_documents,
                                          uuid.uuid4().hex[:6])
            finally:
                stack.stop()
    finally:
        fake.behaviour.embed_held = False
        fake.stop()
    report(cases, forget_wait)
    for problem in problems:
        print(f"problem: {problem}")
    print(f"deleted while queued, then ingestion let go: {'FAIL' if problems else 'nothing of it stored (ok)'}")
    print(f"run took {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
