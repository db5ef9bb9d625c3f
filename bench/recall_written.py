"""Retrieval on written dialogues: recall@10 of plain vector search, of vector + keyword
fusion, and of Lumia's retrieval.

bench/recall_dialogues.py builds its conversations from templates: it is big and
deterministic, but its words come from a bank of a few hundred sentences, so how much the
questions share with their evidence is whatever the templates made it. The conversations in
bench/written/ were written out in full instead (by language-model helpers, each from a
two-line brief of two people, in the shape of LoCoMo: two friends, sessions weeks apart,
small talk, plans and follow-ups, facts told in reply to questions), and their questions were
written afterwards, in the third person, with the turns that answer them. en1-en4, sv1 and
sv2 have 14-15 sessions (326-353 turns); en5 and en6 are LoCoMo's length (28 sessions, 638
and 701 turns, photos shared as "[photo: caption]"). Nobody who wrote them saw Lumia's code.

Every turn of a session carries the session's time, as a LoCoMo turn does, and goes through
the production `Ingestor` into a throwaway Chroma. Each question is then asked three ways:
- vector: its embedding straight to `MemoryStore.search` on plain copies of the brains;
- fusion: reciprocal-rank fusion (k = 60) of that vector ranking with BM25 over the same
  turns, the usual hybrid baseline;
- lumia: `Retriever.query`, its clock a day after the conversation's last session.
Recall@10 is the share of a question's evidence in the top 10, averaged over questions.

    python bench/recall_written.py
    python bench/recall_written.py --speaker metadata   # "Name: " only in metadata `speaker`
    python bench/recall_written.py --keep /tmp/written-chroma   # reuse the store next run
    python bench/recall_written.py --http      # Lumia's figure through a real stack, over HTTP

`--http` measures Lumia the way a client would: a real gateway, brain_worker and
nats-server (bench/lumia_stack.py); each turn posted on its own to `POST /ingest` in
the order said, with the session's written date as `metadata.timestamp`; once
`pending_ingest` is 0, each question sent to `POST /query` (`n_results` 10) and its
hits matched to turns by the `turn` id they carry in metadata.
"""

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import httpx  # noqa: E402
from ingest import wait_settled  # noqa: E402
from lumia_stack import start  # noqa: E402
from recall import PLAIN, chroma_dir, ratio  # noqa: E402
from recall_dialogues import DAY, K, Question, Turn, ingest, last_said  # noqa: E402

from brain_worker.keywords import KeywordCache, KeywordIndex  # noqa: E402
from brain_worker.retrieval import Retriever  # noqa: E402
from ingest_worker.ingest import Ingestor  # noqa: E402
from shared.memory.embedder import LocalEmbedder  # noqa: E402
from shared.memory.messages import QueryRequest  # noqa: E402
from shared.memory.store import MemoryStore, open_chroma  # noqa: E402

DEPTH = 50  # of each ranking fused
RRF_K = 60
METHODS = ("vector", "fusion", "lumia")
CATEGORIES = ("single", "multi", "temporal", "open", "adversarial")  # the last: LoCoMo's (bench/locomo.py)
DATA = ROOT / "bench" / "written"


def load(paths: list[Path], speaker: str = "prefix") -> tuple[list[Turn], list[Question]]:
    """Each turn's metadata as a client would send it: the session's written date, the turn's
    id (how `--http` maps hits back to turns) and, unless `speaker` is none, who said it."""
    turns: list[Turn] = []
    questions: list[Question] = []
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        brain = path.stem
        for number, session in enumerate(data["sessions"], start=1):
            at = datetime.strptime(session["date_time"], "%I:%M %p on %d %B, %Y").replace(tzinfo=UTC).timestamp()
            for turn in session["turns"]:
                turn_id = f"{brain}:{turn['id']}"
                metadata: dict[str, str | int] = {"timestamp": session["date_time"], "session": number,
                                                  "turn": turn_id}
                content = turn["text"]
                if speaker == "prefix":
                    content = f"{turn['speaker']}: {content}"
                if speaker != "none":
                    metadata["speaker"] = turn["speaker"]
                turns.append(Turn(turn_id, brain, content, at, metadata))
        questions += [Question(brain, q["question"], [f"{brain}:{e}" for e in q["evidence"]], q["category"],
                               data["lang"]) for q in data["questions"]]
    return turns, questions


def fuse(*rankings: list[str]) -> list[str]:
    score: dict[str, float] = {}
    for ranking in rankings:
        for rank, memory_id in enumerate(ranking):
            score[memory_id] = score.get(memory_id, 0.0) + 1 / (RRF_K + rank + 1)
    return sorted(score, key=lambda i: score[i], reverse=True)


async def ask_all(store: MemoryStore, embedder: LocalEmbedder, turns: list[Turn],
                  questions: list[Question]) -> list[dict[str, list[str]]]:
    bm25: dict[str, KeywordIndex] = {}
    for t in turns:
        bm25.setdefault(t.brain, KeywordIndex()).add(t.id, t.content)
    last, now = last_said(turns), [0.0]
    retriever = Retriever(store, embedder, keywords=KeywordCache(), min_score=0.0, clock=lambda: now[0])
    rankings = []
    for q in questions:
        vector = [m.id for m in await store.search(PLAIN + q.brain, await embedder.query(q.question), DEPTH, None)]
        keyword = [memory_id for memory_id, _ in bm25[q.brain].search(q.question, DEPTH)]
        now[0] = last[q.brain] + DAY
        reply = await retriever.query(QueryRequest(brain=q.brain, question=q.question, n_results=K))
        rankings.append({"vector": vector[:K], "fusion": fuse(vector, keyword)[:K],
                         "lumia": [h.id for h in reply.results]})
    return rankings


def recall(questions: list[Question], rankings: list[dict[str, list[str]]], method: str) -> float:
    shares = [len(set(q.evidence_ids) & set(r[method])) / len(q.evidence_ids)
              for q, r in zip(questions, rankings, strict=True)]
    return sum(shares) / len(shares) if shares else float("nan")


def table(questions: list[Question], rankings: list[dict[str, list[str]]]) -> list[str]:
    """A column per method ranked; with vector among them, Lumia's ratio to it."""
    methods = [m for m in METHODS if m in rankings[0]]
    versus = "vector" in methods
    rows = [("all", lambda q: True)]
    if any(q.category == "adversarial" for q in questions):
        rows += [("all-adv", lambda q: q.category != "adversarial")]
    rows += [(c, lambda q, c=c: q.category == c) for c in CATEGORIES if any(q.category == c for q in questions)]
    rows += [(f"lang={lang}", lambda q, lang=lang: q.lang == lang) for lang in ("en", "sv")
             if any(q.lang == lang for q in questions)]
    header = (f"{'group':<10}{'n':>5}  " + " ".join(f"{m:>7}" for m in methods)
              + (f"  {'lumia/vector':>12}" if versus else ""))
    lines = [header, "-" * len(header)]
    for name, keep in rows:
        picked = [(q, r) for q, r in zip(questions, rankings, strict=True) if keep(q)]
        qs, rs = [q for q, _ in picked], [r for _, r in picked]
        values = [recall(qs, rs, m) for m in methods]
        lines.append(f"{name:<10}{len(qs):>5}  " + " ".join(f"{v:7.3f}" for v in values)
                     + (f"  {ratio(values[-1], values[0]):>12}" if versus else ""))
    return lines


async def over_http(paths: list[Path], speaker: str,
                    in_flight: int) -> tuple[list[Question], list[dict[str, list[str]]]]:
    """Turns posted one by one to /ingest (`in_flight` at a time: above 1 they may arrive out of
    order), questions to /query."""
    turns, questions = load(paths, speaker)
    with chroma_dir(None) as directory:
        stack = start(directory, ("gateway", "brain_worker"), ready=("brain",))
        try:
            async with httpx.AsyncClient(base_url=stack.url, timeout=120) as client:
                clock = time.perf_counter()
                gate = asyncio.Semaphore(in_flight)  # hands out its slots first come, first served

                async def post(turn: Turn) -> None:
                    async with gate:
                        response = await client.post("/ingest", json={"customer_id": turn.brain,
                                                                       "content": turn.content,
                                                                       "metadata": turn.metadata})
                    response.raise_for_status()

                await asyncio.gather(*map(post, turns))
                posted = time.perf_counter() - clock
                if not await wait_settled(client, [p.stem for p in paths], time.perf_counter() + 1800):
                    raise SystemExit("ingestion did not settle in 30 minutes")
                print(f"ingest over HTTP: {len(turns)} turns posted in {posted:.1f}s, settled (pending_ingest 0) "
                      f"after {time.perf_counter() - clock:.1f}s")
                rankings = []
                for q in questions:
                    response = await client.post("/query", json={"customer_id": q.brain, "question": q.question,
                                                                  "n_results": K})
                    response.raise_for_status()
                    rankings.append({"lumia": [hit["metadata"]["turn"] for hit in response.json()["results"]]})
        finally:
            stack.stop()
    return questions, rankings


async def run(paths: list[Path], speaker: str, keep: str | None) -> None:
    started = time.perf_counter()
    turns, questions = load(paths, speaker)
    print(f"data: {len({t.brain for t in turns})} conversations, {len(turns)} turns, {len(questions)} questions; "
          f"speaker: {speaker}")
    embedder = LocalEmbedder()
    try:
        with chroma_dir(keep) as directory:
            store = MemoryStore(open_chroma(None, directory), embedder.name)
            if await store.count(turns[0].brain) == 0:
                clock = time.perf_counter()
                await ingest(Ingestor(store, embedder), turns)
                print(f"ingest: {len(turns)} turns stored twice (in context, and plain) in "
                      f"{time.perf_counter() - clock:.1f}s")
            rankings = await ask_all(store, embedder, turns, questions)
    finally:
        embedder.close()
    print("\n".join(table(questions, rankings)))
    print(f"\ntotal {time.perf_counter() - started:.1f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--speaker", choices=("prefix", "metadata", "none"), default="prefix",
                        help="who said a turn: 'Name: ' in front of its words (default), only in metadata "
                             "`speaker`, or nowhere")
    parser.add_argument("--data", metavar="DIR", type=Path, default=DATA,
                        help="conversations to measure (default bench/written; LoCoMo's: bench/locomo.py)")
    parser.add_argument("--keep", metavar="DIR", help="keep the Chroma store in DIR (reused when it holds the data)")
    parser.add_argument("--http", action="store_true", help="only Lumia, through a real stack over HTTP")
    parser.add_argument("--in-flight", type=int, default=1, help="with --http: /ingest requests at once")
    args = parser.parse_args()
    if not args.http:
        asyncio.run(run(sorted(args.data.glob("*.json")), args.speaker, args.keep))
        return
    started = time.perf_counter()
    questions, rankings = asyncio.run(over_http(sorted(args.data.glob("*.json")), args.speaker, args.in_flight))
    print("\n".join(table(questions, rankings)))
    print(f"\ntotal {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    main()
