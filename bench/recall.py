"""Retrieval quality: recall@10 of plain vector search vs Lumia's hybrid retrieval.

Runs in-process on the broker-free core, no NATS: synthetic English and Swedish
conversations (bench/recall_data.py) are written through the production
`Ingestor` into a throwaway Chroma, then every question is asked twice:
- vector: the question's embedding straight to `MemoryStore.search`, top 10;
- hybrid: `Retriever.query` (cosine nudged by keywords and recency, relative-time windows),
  with its clock set to the question's `now`.
Also reports how well the cosine score of the top hit separates answerable
questions from ones about things never said, and the threshold that does it best.

    python bench/recall.py                  # 12 brains, the target: < 10 minutes on 2 cores
    python bench/recall.py --quick          # 3 brains
    python bench/recall.py --brains 6 --seed 1 --keep /tmp/recall-chroma
"""

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from recall_data import Question, Turn, generate  # noqa: E402

from brain_worker.keywords import KeywordCache  # noqa: E402
from brain_worker.retrieval import Retriever  # noqa: E402
from ingest_worker.context import ContextEnricher  # noqa: E402
from ingest_worker.ingest import Ingestor  # noqa: E402
from shared.memory.embedder import LocalEmbedder  # noqa: E402
from shared.memory.messages import MemoryItem, QueryRequest  # noqa: E402
from shared.memory.store import MemoryStore, open_chroma  # noqa: E402
from shared.settings import Settings  # noqa: E402

K = 10
BATCH = 64
METHODS = ("vector", "hybrid")
TYPES = ("fact", "paraphrase", "update", "relative")


@dataclass(frozen=True, slots=True)
class Ranking:
    ids: list[str]
    scores: list[float]


@dataclass(frozen=True, slots=True)
class Outcome:
    question: Question
    rankings: dict[str, Ranking]  # method -> its top K


# ---------------------------------------------------------------- running


@contextmanager
def chroma_dir(keep: str | None) -> Iterator[Path]:
    if keep:
        yield Path(keep)
        return
    with tempfile.TemporaryDirectory(prefix="lumia-recall-") as tmp:
        yield Path(tmp)


async def ingest(ingestor: Ingestor, turns: list[Turn]) -> None:
    await write_in_batches(ingestor, [MemoryItem(id=t.id, brain=t.brain, content=t.content, kind="turn",
                                                 created_at=t.created_at) for t in turns])


PLAIN = "plain/"
"""The baseline's copy of a brain: the same turns, each stored with its own embedding only."""


async def write_in_batches(ingestor: Ingestor, items: list[MemoryItem]) -> None:
    """Through the production write path, BATCH items at a time, twice: as Lumia stores them
    (each memory given its context, as the ingest worker's context loop does once drained),
    and into PLAIN copies of the brains for plain vector search."""
    enricher = ContextEnricher(ingestor.store, ingestor.embedder)
    for start in range(0, len(items), BATCH):
        written = await ingestor.write(items[start : start + BATCH])
        await enricher.enrich([(brain, memory_id) for brain, ids in written.items() for memory_id in ids])
    for start in range(0, len(items), BATCH):
        await ingestor.write([i.model_copy(update={"brain": PLAIN + i.brain}) for i in items[start : start + BATCH]])


async def ask_all(store: MemoryStore, embedder: LocalEmbedder, questions: list[Question]) -> list[Outcome]:
    now = [0.0]
    # The clock is read per query: relative time is resolved against each question's own `now`.
    retriever = Retriever(store, embedder, keywords=KeywordCache(), min_score=0.0, clock=lambda: now[0])
    outcomes: list[Outcome] = []
    for q in questions:
        vector = await embedder.query(q.question)
        plain = await store.search(PLAIN + q.brain, vector, K, None)
        now[0] = q.now
        reply = await retriever.query(QueryRequest(brain=q.brain, question=q.question, n_results=K))
        outcomes.append(Outcome(q, {
            "vector": Ranking([m.id for m in plain], [m.score or 0.0 for m in plain]),
            "hybrid": Ranking([h.id for h in reply.results], [h.score or 0.0 for h in reply.results]),
        }))
    return outcomes


# ---------------------------------------------------------------- metrics


def recall(outcomes: list[Outcome], method: str) -> float:
    """Found evidence over all evidence, so a two-turn history question weighs twice."""
    found = sum(len(set(o.question.evidence_ids) & set(o.rankings[method].ids)) for o in outcomes)
    total = sum(len(o.question.evidence_ids) for o in outcomes)
    return found / total if total else float("nan")


def hit_at_1(outcomes: list[Outcome], method: str) -> float:
    hits = [bool(r.ids) and r.ids[0] in o.question.evidence_ids for o in outcomes for r in [o.rankings[method]]]
    return sum(hits) / len(hits) if hits else float("nan")


def mrr(outcomes: list[Outcome], method: str) -> float:
    def reciprocal(o: Outcome) -> float:
        ids = o.rankings[method].ids
        return next((1 / (rank + 1) for rank, i in enumerate(ids) if i in o.question.evidence_ids), 0.0)

    return sum(map(reciprocal, outcomes)) / len(outcomes) if outcomes else float("nan")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else float("nan")


def best_threshold(answerable: list[float], unanswerable: list[float]) -> tuple[float, float]:
    """The t for which "top score >= t means answerable" is right most often, and that accuracy."""
    candidates = [*sorted(set(answerable + unanswerable)), 1.01]
    scored = [(accuracy(answerable, unanswerable, t), t) for t in candidates]
    best_accuracy, best_t = max(scored, key=lambda s: (s[0], -s[1]))
    return best_t, best_accuracy


def accuracy(answerable: list[float], unanswerable: list[float], t: float) -> float:
    right = sum(s >= t for s in answerable) + sum(s < t for s in unanswerable)
    return right / (len(answerable) + len(unanswerable))


# ---------------------------------------------------------------- report


def ratio(a: float, b: float) -> str:
    return f"{a / b:5.2f}x" if b else "   - "


def table(outcomes: list[Outcome]) -> list[str]:
    answerable = [o for o in outcomes if o.question.evidence_ids]
    groups: list[tuple[str, list[Outcome]]] = [("all", answerable)]
    groups += [(f"lang={lang}", [o for o in answerable if o.question.lang == lang]) for lang in ("en", "sv")]
    groups += [(f"type={t}", [o for o in answerable if o.question.qtype == t]) for t in TYPES]
    header = (f"{'group':<16}{'n':>4}  {'R@10 vec':>8} {'R@10 hyb':>8} {'hyb/vec':>7}  "
              f"{'hit@1 vec':>9} {'hit@1 hyb':>9}  {'MRR vec':>7} {'MRR hyb':>7} {'hyb/vec':>7}")
    lines = [header, "-" * len(header)]
    for name, group in groups:
        rv, rh = recall(group, "vector"), recall(group, "hybrid")
        mv, mh = mrr(group, "vector"), mrr(group, "hybrid")
        lines.append(f"{name:<16}{len(group):>4}  {rv:8.3f} {rh:8.3f} {ratio(rh, rv):>7}  "
                     f"{hit_at_1(group, 'vector'):9.3f} {hit_at_1(group, 'hybrid'):9.3f}  "
                     f"{mv:7.3f} {mh:7.3f} {ratio(mh, mv):>7}")
    return lines


def exchange(outcomes: list[Outcome]) -> str:
    """Where the methods differ: evidence in hybrid's top 10 but not vector's, and the reverse."""
    def found(o: Outcome, method: str) -> set[str]:
        return set(o.question.evidence_ids) & set(o.rankings[method].ids)

    gained = sum(len(found(o, "hybrid") - found(o, "vector")) for o in outcomes)
    lost = sum(len(found(o, "vector") - found(o, "hybrid")) for o in outcomes)
    return f"evidence turns in hybrid's top {K} but not vector's: {gained}; in vector's but not hybrid's: {lost}"


def staleness(outcomes: list[Outcome], method: str) -> tuple[int, int]:
    """Of the "what is it now?" questions with both versions in the top K: how often the outdated one ranks first."""
    stale = both = 0
    for o in outcomes:
        ids = o.rankings[method].ids
        for old in o.question.superseded_ids:
            current = o.question.evidence_ids[0]
            if old in ids and current in ids:
                both += 1
                stale += int(ids.index(old) < ids.index(current))
    return stale, both


def threshold_report(outcomes: list[Outcome]) -> list[str]:
    """Scores are the ones the relevance gate sees: Lumia's, the similarity in context (shared/memory/context.py)."""
    evidence_best, answerable_top, unanswerable_top = [], [], []
    for o in outcomes:
        ranking = o.rankings["hybrid"]
        if not ranking.scores:
            continue
        if not o.question.evidence_ids:
            unanswerable_top.append(max(ranking.scores))
            continue
        answerable_top.append(max(ranking.scores))
        found = [s for i, s in zip(ranking.ids, ranking.scores, strict=True) if i in o.question.evidence_ids]
        if found:
            evidence_best.append(max(found))
    t, acc = best_threshold(answerable_top, unanswerable_top)
    configured = Settings.model_fields["memory_min_score"].default

    def row(name: str, values: list[float]) -> str:
        return f"{name:<34}{len(values):>4}  {pct(values, 10):6.3f} {pct(values, 50):6.3f} {pct(values, 90):6.3f}"

    return [
        f"{'score (Lumia, in context)':<34}{'n':>4}  {'p10':>6} {'p50':>6} {'p90':>6}",
        row("best evidence hit (answerable)", evidence_best),
        row("top hit (answerable)", answerable_top),
        row("top hit (unanswerable)", unanswerable_top),
        f"best threshold: top score >= {t:.3f} -> answerable, accuracy {acc:.3f} "
        f"(all-answerable baseline {len(answerable_top) / (len(answerable_top) + len(unanswerable_top)):.3f})",
        f"configured LUMIA_MEMORY_MIN_SCORE {configured:.3f}: accuracy "
        f"{accuracy(answerable_top, unanswerable_top, configured):.3f}, keeps "
        f"{sum(s >= configured for s in evidence_best)}/{len(evidence_best)} best evidence hits",
    ]


# ---------------------------------------------------------------- main


async def run(brains: int, seed: int, keep: str | None) -> None:
    started = time.perf_counter()
    turns, questions = generate(brains, seed)
    answerable = sum(bool(q.evidence_ids) for q in questions)
    print(f"data: {brains} brains, {len(turns)} turns, {len(questions)} questions "
          f"({answerable} answerable, {len(questions) - answerable} unanswerable), seed {seed}")
    embedder = LocalEmbedder()
    try:
        with chroma_dir(keep) as directory:
            store = MemoryStore(open_chroma(None, directory), embedder.name)
            clock = time.perf_counter()
            await ingest(Ingestor(store, embedder), turns)
            ingest_seconds = time.perf_counter() - clock
            stored = sum([await store.count(b) for b in sorted({t.brain for t in turns})])
            print(f"ingest: {stored}/{len(turns)} turns stored twice (in context, and plain) in "
                  f"{ingest_seconds:.1f}s")
            clock = time.perf_counter()
            outcomes = await ask_all(store, embedder, questions)
            query_seconds = time.perf_counter() - clock
            print(f"queries: {len(questions)} x {len(METHODS)} methods in {query_seconds:.1f}s\n")
    finally:
        embedder.close()
    print("\n".join(table(outcomes)))
    print(exchange(outcomes))
    for method in METHODS:
        stale, both = staleness(outcomes, method)
        print(f"{method}: the outdated version ranks above the current one in {stale} of {both} "
              f"updates with both in the top {K}")
    print()
    print("\n".join(threshold_report(outcomes)))
    print(f"\ntotal {time.perf_counter() - started:.1f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brains", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 brains")
    parser.add_argument("--keep", metavar="DIR", help="keep the Chroma store in DIR instead of a temporary one")
    args = parser.parse_args()
    asyncio.run(run(3 if args.quick else args.brains, args.seed, args.keep))


if __name__ == "__main__":
    main()
