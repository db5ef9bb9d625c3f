"""The chat's relevance gate on written data: does a chat get the memory it needs, and does a
message that no memory helps get none?

bench/recall.py calibrates the threshold on generated questions about things never said, which
are on the brain's topics. bench/gate.json was written by a language-model helper who
saw no code: eight people (four English, four Swedish), each with 12-13 chat messages telling
something about themselves, 12 later messages that need one of them (direct questions,
paraphrases, requests like "suggest a dinner for me" for a vegan), 12 off-topic ones (trivia,
jokes, maths, code) and 6 near off-topic ones (a fact about a cat, "what is the most popular
cat breed?").

Played as a chat would be: the facts are said one a minute (and again with a question or
request of someone else's between every two of them: a chat's neighbouring messages are part of
a memory's vector), then the other messages a day later in a fixed shuffled order, each asked
as the chat asks (`Retriever.query` with `relevant_only`, `LUMIA_MEMORY_RESULTS` results) and
then remembered itself, as every chat message is. A relevant message is served when its fact is
among the memories the model gets; an off-topic one when the model gets none. Also the
threshold that would serve most messages (balanced: the mean of the relevant and the off-topic
shares). Then the whole gate as a chat runs it at the configured threshold (the margins for what the
question names, for updates and for the user's own statements): served is what it returns.

    python bench/gate.py
    python bench/gate.py --data bench/gate_bilingual.json   # told in one language, asked in the other
    python bench/gate.py --data bench/gate_bilingual.json --one-language   # the baseline: no language means

bench/gate_bilingual.json (written the same way, by a helper who saw no code) has eight people who
tell about half their facts in Swedish and half in English, and ask of each in the other language.
"""

import argparse
import asyncio
import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from recall import chroma_dir, write_in_batches  # noqa: E402

from brain_worker import direction  # noqa: E402
from brain_worker.keywords import KeywordCache  # noqa: E402
from brain_worker.retrieval import Retriever  # noqa: E402
from ingest_worker.context import ContextEnricher  # noqa: E402
from ingest_worker.ingest import Ingestor  # noqa: E402
from shared.memory.embedder import LocalEmbedder  # noqa: E402
from shared.memory.messages import MemoryItem, QueryRequest  # noqa: E402
from shared.memory.store import MemoryStore, open_chroma  # noqa: E402
from shared.settings import Settings  # noqa: E402

DATA = ROOT / "bench" / "gate.json"
START = 1_767_225_600.0  # 2026-01-01
MINUTE, DAY = 60.0, 86_400.0
KINDS = ("relevant", "off_topic", "near_off_topic")
CHAT_TURN = {"role": "user", "answer": "(the answer)"}  # as llm_worker/memory.py remembers a chat message


@dataclass
class Asked:
    brain: str
    lang: str
    kind: str
    text: str
    want: str | None  # the fact's memory id, for a relevant message
    scores: list[tuple[str, float]]  # what passed every rule of the gate but the threshold, best first


def fact_id(brain: str, index: int) -> str:
    return f"turn_{brain}_fact_{index}"


def chatter(brains: list[dict], b: dict) -> list[str]:
    """What a chat says between the facts when they are interleaved: the other people of the same
    language's off-topic messages and questions about themselves, alternately, so that no later
    message of this person was said before."""
    others = [o for o in brains if o["lang"] == b["lang"] and o is not b]
    off = [m for o in others for m in o["off_topic"]]
    own = [m["q"] for o in others for m in o["relevant"]]
    random.Random(f"chatter {b['name']}").shuffle(off)
    random.Random(f"chatter {b['name']}").shuffle(own)
    return [m for pair in zip(off, own, strict=False) for m in pair]


def day_one(brains: list[dict], interleave: bool) -> list[MemoryItem]:
    """The first day's chat: the facts a minute apart, and with `interleave` a question or request
    between every two of them, as a chat goes ("I drive a blue Saab." / "What's my job?")."""
    items = []
    for b in brains:
        said = [(fact_id(b["name"], i), text) for i, text in enumerate(b["facts"])]
        if interleave:
            between = chatter(brains, b)
            said = [x for i, fact in enumerate(said) for x in (fact, (f"turn_{b['name']}_chatter_{i}", between[i]))]
        items += [MemoryItem(id=memory_id, brain=b["name"], content=text, kind="turn", created_at=START + n * MINUTE,
                             metadata=CHAT_TURN) for n, (memory_id, text) in enumerate(said)]
    return items


async def play(store: MemoryStore, embedder: LocalEmbedder, brains: list[dict], results: int,
               interleave: bool = False, min_score: float = 0.0) -> list[Asked]:
    await write_in_batches(Ingestor(store, embedder), day_one(brains, interleave))
    ingestor, enricher = Ingestor(store, embedder), ContextEnricher(store, embedder)
    clock = [START]
    retriever = Retriever(store, embedder, KeywordCache(), min_score=min_score, clock=lambda: clock[0])
    asked: list[Asked] = []
    for b in brains:
        messages = [(kind, m["q"] if kind == "relevant" else m, fact_id(b["name"], m["fact"]) if kind == "relevant"
                     else None) for kind in KINDS for m in b[kind]]
        random.Random(b["name"]).shuffle(messages)
        for n, (kind, text, want) in enumerate(messages):
            clock[0] = START + DAY + n * MINUTE
            reply = await retriever.query(QueryRequest(brain=b["name"], question=text, n_results=results,
                                                       relevant_only=True))
            asked.append(Asked(b["name"], b["lang"], kind, text, want,
                               [(h.id, h.score or 0.0) for h in reply.results]))
            said = MemoryItem(id=f"turn_{b['name']}_asked_{n}", brain=b["name"], content=text, kind="turn",
                              created_at=clock[0], metadata=CHAT_TURN)
            written = await ingestor.write([said])
            await enricher.enrich([(brain, memory_id) for brain, ids in written.items() for memory_id in ids])
    return asked


def served(a: Asked, threshold: float) -> bool:
    passed = {memory_id for memory_id, score in a.scores if score >= threshold}
    return a.want in passed if a.kind == "relevant" else not passed


def shares(asked: list[Asked], threshold: float) -> dict[str, float]:
    out = {kind: sum(served(a, threshold) for a in asked if a.kind == kind) / max(1, sum(a.kind == kind for a in asked))
           for kind in KINDS}
    off = [a for a in asked if a.kind != "relevant"]
    out["balanced"] = (out["relevant"] + sum(served(a, threshold) for a in off) / max(1, len(off))) / 2
    return out


def groups(asked: list[Asked]) -> list[tuple[str, list[Asked]]]:
    languages = sorted({a.lang for a in asked})
    return [("all", asked), *((lang, [a for a in asked if a.lang == lang]) for lang in languages if len(languages) > 1)]


def report(asked: list[Asked], configured: float) -> list[str]:
    header = f"{'group':<10}{'n':>4}  {'relevant':>8} {'off':>6} {'near':>6} {'balanced':>8}"
    lines = [f"served at the configured threshold {configured:.3f}:", header, "-" * len(header)]
    for name, group in groups(asked):
        s = shares(group, configured)
        lines.append(f"{name:<10}{len(group):>4}  {s['relevant']:8.3f} {s['off_topic']:6.3f} "
                     f"{s['near_off_topic']:6.3f} {s['balanced']:8.3f}")
    lines.append("")
    for name, group in groups(asked):
        grid = [round(0.78 + 0.0025 * i, 4) for i in range(41)]
        best = max(grid, key=lambda t: (shares(group, t)["balanced"], -abs(t - configured)))
        s = shares(group, best)
        lines.append(f"best threshold for {name}: {best:.4f} (relevant {s['relevant']:.3f}, off {s['off_topic']:.3f}, "
                     f"near {s['near_off_topic']:.3f}, balanced {s['balanced']:.3f})")
    return lines


async def run(brains: list[dict]) -> None:
    started = time.perf_counter()
    settings = Settings()
    embedder = LocalEmbedder()
    print(f"data: {len(brains)} people, {sum(len(b['facts']) for b in brains)} facts")
    try:
        for interleave in (False, True):
            told = "between questions and requests" if interleave else "one after another"
            with chroma_dir(None) as directory:
                store = MemoryStore(open_chroma(None, directory), embedder.name)
                asked = await play(store, embedder, brains, settings.memory_results, interleave)
            print(f"\n## the facts told {told}, {len(asked)} later messages")
            print("\n".join(report(asked, settings.memory_min_score)))
            # The threshold alone, above; the whole gate as a chat runs it (the margins for what the
            # question names, for updates, ...) serves what it returns.
            with chroma_dir(None) as directory:
                store = MemoryStore(open_chroma(None, directory), embedder.name)
                gated = await play(store, embedder, brains, settings.memory_results, interleave,
                                   settings.memory_min_score)
            print(f"\nthe whole gate at {settings.memory_min_score:.3f}, facts told {told}:")
            print("\n".join(report(gated, 0.0)[1:6]))
    finally:
        embedder.close()
    print(f"\ntotal {time.perf_counter() - started:.1f}s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--one-language", action="store_true",
                        help="no language means: every memory scored against the question as embedded")
    args = parser.parse_args()
    if args.one_language:
        direction.LANGUAGE_FROM = 2**62
    asyncio.run(run(json.loads(args.data.read_text(encoding="utf-8"))["brains"]))
