"""A brain of Swedish and English memories: a question in one language finds what was told in the
other (brain_worker/language.py, brain_worker/direction.py, `Asked` in brain_worker/retrieval.py),
and a request to make something of nothing of the user's gets no memories."""

from pathlib import Path

import numpy as np
import pytest

from brain_worker.direction import LANGUAGE_FROM, Directions
from brain_worker.keywords import KeywordCache
from brain_worker.retrieval import Retriever
from shared.memory.embedder import LocalEmbedder
from shared.memory.language import language_of
from shared.memory.messages import QueryRequest
from shared.memory.store import MemoryStore, StoredMemory, open_chroma

# A black-box pass's diary, told in both languages over two months.
TOLD = {
    "wife": "My wife's name is Karin and we have two kids, Elsa who is 7 and Oskar who is 4.",
    "dog": "Vi har en hund som heter Bamse, en golden retriever.",
    "job": "I work as a software developer at Ericsson in Kista.",
    "vegetarian": "Jag är vegetarian sedan fem år tillbaka.",
    "penicillin": "I'm allergic to penicillin, found out when I was a kid.",
    "friend": "Min bästa vän heter Jonas, vi känner varandra från gymnasiet i Västerås.",
    "home": "We live in an apartment on Södermalm in Stockholm.",
    "shoes": "Min skostorlek är 44.",
    "mother": "My mother Birgitta lives in Uppsala and turns 70 on 19 December.",
    "book": "Jag läste precis klart Kallocain av Karin Boye, den var riktigt obehaglig.",
    "kitchen": "Our budget for the kitchen renovation is 150,000 kronor.",
    "lactose": "Jag är laktosintolerant, så jag dricker havremjölk.",
    "nuts": "Karin är allergisk mot nötter, så vi har inga jordnötter hemma.",
    "car": "Our car is a grey Volvo V60 and it still needs winter tyres.",
    "moved": "Idag flyttade vi in i huset i Nacka, allt är kaos med flyttkartonger.",
    "gym": "Jag tränar på gymmet varje måndag och onsdag morgon före jobbet.",
    "lisbon": "We booked a trip to Lisbon from 27 December to 2 January, flying with TAP.",
    "vet": "Bamse hade ont i tassen, veterinären sa att det var en sträckning.",
    "skansen": "Idag var vi på Skansen med barnen och åt kanelbullar.",
    "padel": "Played padel with Jonas tonight, we lost 6-3 6-4.",
    "gifts": "Min budget för julklappar i år är 5000 kronor.",
    "dentist": "Idag var jag hos tandläkaren, jag har ett hål som måste lagas.",
    "manager": "First day at Spotify today! My manager is called Priya and my team works on podcast recommendations.",
    "lucia": "Elsa har luciatåg i skolan den 13 december klockan 8.",
    "party": "Nästa fredag har vi julfest med jobbet på Fotografiska.",
}


@pytest.mark.parametrize(("text", "language"), [
    ("Vad heter min fru?", "sv"), ("I work as a software developer at Ericsson in Kista.", "en"),
    ("We live in an apartment on Södermalm in Stockholm.", "en"), ("Min skostorlek är 44.", "sv"),
    ("Bamse?", None), ("OK", None), ("Skostorlek 44, älskar fika", "sv"), ("I love it", "en"),
])
def test_a_text_is_swedish_or_english_by_its_small_words(text: str, language: str | None) -> None:
    assert language_of(text) == language


def test_a_brain_has_language_means_only_when_it_holds_enough_of_two() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(2 * LANGUAGE_FROM, 8)).tolist()
    both = Directions().learn("b", vectors, ["sv", "en"] * LANGUAGE_FROM)
    assert both is not None and set(both.languages) == {"sv", "en"}
    assert Directions().learn("b", vectors, ["sv"] * (2 * LANGUAGE_FROM)) is None  # one language: nothing
    assert Directions().learn("b", vectors, ["sv"] * (LANGUAGE_FROM + 5) + ["en"] * (LANGUAGE_FROM - 5)) is None


async def _chat(retriever: Retriever, question: str) -> list[str]:
    reply = await retriever.query(QueryRequest(brain="b", question=question, n_results=5, relevant_only=True))
    return [hit.id for hit in reply.results]


async def test_a_question_in_one_language_finds_what_was_told_in_the_other(tmp_path: Path) -> None:
    """Found by a black-box pass: 13 of 17 Swedish questions about facts told in English got other
    memories or none ("Vad jobbar jag med?" got the gym and the Christmas party)."""
    embedder = LocalEmbedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        memories = [StoredMemory(id=key, content=text, metadata={"lumia_created_at": 1_790_000_000.0 + 3600 * n,
                                                                   "lumia_kind": "note"})
                    for n, (key, text) in enumerate(TOLD.items())]
        await store.upsert("b", memories, await embedder.passages(list(TOLD.values())))
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.825)
        asked = {question: await _chat(retriever, question) for question in (
            "Vad jobbar jag med?", "Hur gammal fyller mamma?", "När ska vi till Lissabon?", "Hur gick padeln senast?",
            "Är jag allergisk mot något?", "What's the name of our dog?", "Am I vegetarian?",
            "Skriv en dikt om hösten.", "Berätta ett skämt.", "Tell me a joke.", "Översätt god morgon till franska.",
            "Skriv en dikt om Bamse.")}
    finally:
        embedder.close()
    assert "job" in asked["Vad jobbar jag med?"][:1]
    assert asked["Hur gammal fyller mamma?"][:1] == ["mother"]
    assert asked["När ska vi till Lissabon?"][:1] == ["lisbon"]
    assert asked["Hur gick padeln senast?"][:1] == ["padel"]
    assert "penicillin" in asked["Är jag allergisk mot något?"]
    assert asked["What's the name of our dog?"][:1] == ["dog"]  # and the other way, as before
    assert asked["Am I vegetarian?"][:1] == ["vegetarian"]
    # A black-box pass: a poem, a joke or a translation got four or five memories; one of what it names
    # gets that.
    making = ("Skriv en dikt om hösten.", "Berätta ett skämt.", "Tell me a joke.", "Översätt god morgon till franska.")
    assert [asked[message] for message in making] == [[], [], [], []]
    assert "dog" in asked["Skriv en dikt om Bamse."]
