"""Facts deep in long notes: does a question find the note, and would a chat be given it?

A note may be up to 32,000 characters; its vector is the mean of its windows, so a fact in
the middle of a long journal entry is diluted by the rest. brain_worker/pieces.py scores a
long candidate by its best 1,000-character piece too. This bench writes 24 long notes (2,000
to 12,000 characters of everyday diary lines, English and Swedish, one fact each at a random
place) and 400 short notes of the same diary lines through the production write path, then
asks about each fact, twice in one run: with pieces (what ships) and without them (the
baseline: LONG_CHARS set past every note). Reported: the note first, the note in the top 3
(a chat's default), the note over the chat's relevance threshold (0.825), and query latency
p50/p95 on a cold cache (the pieces are embedded then) and a warm one.

    python bench/long_notes.py
"""

import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import brain_worker.pieces as pieces  # noqa: E402
from brain_worker.keywords import KeywordCache  # noqa: E402
from brain_worker.retrieval import Retriever  # noqa: E402
from ingest_worker.context import ContextEnricher  # noqa: E402
from ingest_worker.ingest import Ingestor  # noqa: E402
from shared.memory.embedder import LocalEmbedder  # noqa: E402
from shared.memory.messages import MemoryItem, QueryRequest  # noqa: E402
from shared.memory.store import MemoryStore, open_chroma  # noqa: E402

BRAIN, THRESHOLD, START = "bench-long", 0.825, 1_767_225_600.0
DIARY = {
    "en": ["Work was quiet today, I answered emails and had coffee with the team.",
           "The bus was late again so I walked the last part.", "We had pasta for dinner and watched a series.",
           "It rained most of the afternoon, so I stayed in and read.",
           "I tidied the kitchen and did two loads of laundry.", "The meeting ran long and nothing much was decided.",
           "I went for a short walk around the block after lunch.",
           "Called the bank about a card payment, sorted now.", "The neighbours were painting their fence all morning.",
           "I felt a bit tired, probably should sleep earlier."],
    "sv": ["Idag var det en lugn dag på kontoret, jag svarade på mejl och drack kaffe med kollegorna.",
           "Bussen var sen igen så jag gick sista biten.", "Vi åt pasta till middag och tittade på en serie.",
           "Det regnade större delen av eftermiddagen, så jag stannade inne och läste.",
           "Jag städade köket och körde två maskiner tvätt.", "Mötet drog över och inget särskilt bestämdes.",
           "Jag tog en kort promenad runt kvarteret efter lunch.", "Ringde banken om en kortbetalning, nu är det löst.",
           "Grannarna målade sitt staket hela förmiddagen.", "Jag kände mig lite trött, borde nog lägga mig tidigare."],
}
FACTS = [  # (language, the fact told deep in a note, the question asked later)
    ("en", "My daughter Elsa turns seven on 12 May.", "When is Elsa's birthday?"),
    ("en", "The spare key is hidden under the blue flowerpot by the shed.", "Where is the spare key?"),
    ("en", "My new bike is a green Bianchi gravel bike.", "What kind of bike did I buy?"),
    ("en", "The plumber's name is Derek and his number is 0770 123456.", "What's the plumber's phone number?"),
    ("en", "I'm allergic to penicillin, I found out at nineteen.", "Which medicine am I allergic to?"),
    ("en", "Our wifi password is sunflower-42.", "What is the wifi password?"),
    ("en", "I booked flights to Lisbon for the 3rd of August.", "When am I flying to Lisbon?"),
    ("en", "Tom's shoe size is 44 and he likes Adidas.", "What shoe size does Tom wear?"),
    ("en", "The car is due for its service in October at the Volvo garage.", "When is the car's service?"),
    ("en", "My manager Priya is leaving the company in March.", "Who is leaving the company?"),
    ("en", "I started taking piano lessons with a teacher called Ines.", "Who is my piano teacher?"),
    ("en", "The dentist appointment moved to Thursday at 8:15.", "When is my dentist appointment?"),
    ("sv", "Min dotter Elsa fyller år den 12 maj.", "När fyller Elsa år?"),
    ("sv", "Reservnyckeln ligger under den blå blomkrukan vid förrådet.", "Var ligger reservnyckeln?"),
    ("sv", "Jag köpte en grön Bianchi gravelcykel.", "Vilken cykel köpte jag?"),
    ("sv", "Rörmokaren heter Derek och hans nummer är 0770 123456.", "Vad har rörmokaren för nummer?"),
    ("sv", "Jag är allergisk mot penicillin.", "Vilket läkemedel är jag allergisk mot?"),
    ("sv", "Lösenordet till wifi är solros-42.", "Vad är lösenordet till wifi?"),
    ("sv", "Jag har bokat flyg till Lissabon den 3 augusti.", "När flyger jag till Lissabon?"),
    ("sv", "Toms skostorlek är 44 och han gillar Adidas.", "Vilken skostorlek har Tom?"),
    ("sv", "Bilen ska på service i oktober hos Volvoverkstaden.", "När ska bilen på service?"),
    ("sv", "Min chef Priya slutar på företaget i mars.", "Vem slutar på företaget?"),
    ("sv", "Jag har börjat ta pianolektioner för en lärare som heter Ines.", "Vem är min pianolärare?"),
    ("sv", "Tandläkartiden flyttades till torsdag klockan 8.15.", "När har jag tandläkartid?"),
]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def notes(rng: random.Random) -> tuple[list[MemoryItem], list[tuple[str, str]]]:
    items, asked = [], []
    for n, (lang, fact, question) in enumerate(FACTS):
        lines = [rng.choice(DIARY[lang]) for _ in range(rng.randint(25, 150))]
        lines.insert(rng.randint(0, len(lines)), fact)
        memory_id = f"long-note-{n:02d}"
        items.append(MemoryItem(id=memory_id, brain=BRAIN, content=" ".join(lines), kind="note",
                                created_at=START + n * 86_400))
        asked.append((memory_id, question))
    for n in range(400):
        lang = "en" if n % 2 else "sv"
        text = " ".join(rng.choice(DIARY[lang]) for _ in range(rng.randint(1, 3)))
        items.append(MemoryItem(id=f"short-note-{n:03d}", brain=BRAIN, content=f"{text} ({n})", kind="note",
                                created_at=START + (n % 24) * 86_400 + 3_600 * (1 + n // 24)))
    return items, asked


async def ask(retriever: Retriever, asked: list[tuple[str, str]]) -> tuple[list[float], float, float, float]:
    first = top3 = gate = 0
    took: list[float] = []
    for memory_id, question in asked:
        began = time.perf_counter()
        reply = await retriever.query(QueryRequest(brain=BRAIN, question=question, n_results=3))
        took.append((time.perf_counter() - began) * 1000)
        ids = [hit.id for hit in reply.results]
        first += ids[:1] == [memory_id]
        top3 += memory_id in ids
        gate += any(hit.id == memory_id and (hit.score or 0) >= THRESHOLD for hit in reply.results)
    return took, first / len(asked), top3 / len(asked), gate / len(asked)


async def run() -> None:
    embedder = LocalEmbedder()
    items, asked = notes(random.Random(7))
    with tempfile.TemporaryDirectory(prefix="lumia-long-") as tmp:
        store = MemoryStore(open_chroma(None, Path(tmp)), embedder.name)
        ingestor, enricher = Ingestor(store, embedder), ContextEnricher(store, embedder)
        for start in range(0, len(items), 64):
            written = await ingestor.write(items[start : start + 64])
            await enricher.enrich([(brain, memory_id) for brain, ids in written.items() for memory_id in ids])
        long_chars = pieces.LONG_CHARS
        pieces.LONG_CHARS = 10**9  # the baseline: every note scored whole
        plain = Retriever(store, embedder, KeywordCache(), min_score=0.0)
        await ask(plain, asked)  # warm: keyword index, common direction
        base = await ask(plain, asked)
        pieces.LONG_CHARS = long_chars
        ships = Retriever(store, embedder, KeywordCache(), min_score=0.0)
        ships.keywords, ships.directions = plain.keywords, plain.directions  # the same warm state, pieces cold
        cold = await ask(ships, asked)
        warm = await ask(ships, asked)
    embedder.close()
    lengths = [len(i.content) for i in items if i.id.startswith("long")]
    print(f"{len(asked)} facts in long notes ({min(lengths)}-{max(lengths)} characters), 400 short notes")
    print("| scored as | note first | note in top 3 | note over 0.825 | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, (took, first, top3, gate) in (("whole note (baseline)", base), ("best piece, cold cache", cold),
                                             ("best piece, warm cache", warm)):
        print(f"| {name} | {first:.3f} | {top3:.3f} | {gate:.3f} | {pct(took, 50):.1f} | {pct(took, 95):.1f} |")
    print(f"ratio note in top 3: {warm[2] / base[2]:.2f}x; over the threshold: {warm[3]:.3f} vs {base[3]:.3f}; "
          f"warm p50 {pct(warm[0], 50) / pct(base[0], 50):.2f}x the baseline's")


if __name__ == "__main__":
    asyncio.run(run())
