"""How the brain_worker reads a question: words common to the whole brain left out of the
embedding, and what the person it names said put first."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from brain_worker.direction import FROM as COMMON_FROM
from brain_worker.housekeeping import list_memories
from brain_worker.keywords import KeywordCache, KeywordIndex
from brain_worker.pieces import Pieces
from brain_worker.retrieval import Retriever, _with_updates, names_of, without_common_words
from ingest_worker.ingest import stored_form
from shared.memory.asking import (
    about_food,
    about_own_past,
    about_the_conversation,
    asks_of_a_state,
    follows_up,
    in_first_person,
    name_forms,
    of_the_past,
    plans,
    relations_of,
    small_talk,
    tells_a_change,
    tells_a_correction,
    tells_a_deed,
    tells_a_diet,
    tells_a_plan_changed,
    tells_an_end,
    tells_nothing,
    tells_of_topic,
    whom_asked_of,
)
from shared.memory.chunking import chunk_markdown, chunk_text
from shared.memory.context import only_asks, said, speaker_of
from shared.memory.embedder import LocalEmbedder
from shared.memory.messages import ListRequest, MemoryHit, MemoryItem, QueryRequest
from shared.memory.overlap import most_shared
from shared.memory.store import MemoryStore, StoredMemory, open_chroma
from shared.memory.timewindow import ABOUT_FROM, ABOUT_TO, parse_time_window, told_of


class _Kept(LocalEmbedder):
    """One model for the tests of a process (here and tests/test_memory_context.py): a load takes 0.7 s,
    and this file took about 40 s with one per test, 12 s with this. Its `close` leaves it for the next
    test (it keeps nothing between texts)."""

    def close(self) -> None:
        pass


_KEPT: list[_Kept] = []


def shared_test_embedder() -> LocalEmbedder:
    if not _KEPT:
        _KEPT.append(_Kept())
    return _KEPT[0]


def dialogue(turns: int) -> KeywordIndex:
    index = KeywordIndex()
    for n in range(turns):
        speaker = "Jolene" if n % 2 else "Astrid"
        index.add(f"t{n}", f"{speaker}: line {n} about topic{n % 7}")
    return index


def test_names_that_start_every_other_turn_are_left_out() -> None:
    index = dialogue(COMMON_FROM * 2)
    assert without_common_words("Where did Jolene move to?", index) == "Where did move to?"
    assert without_common_words("What did Jolene's cat knock over?", index) == "What did cat knock over?"
    assert without_common_words("Vad heter Astrids hund?", index) == "Vad heter hund?"
    # Rare words stay, and so does what the keyword index never counts (stopwords).
    assert without_common_words("Did Jolene talk about topic3?", index) == "Did talk about topic3?"


def test_a_small_brain_or_a_question_of_only_common_words_is_left_as_it_is() -> None:
    assert without_common_words("Where did Jolene move to?", dialogue(COMMON_FROM - 1)) == "Where did Jolene move to?"
    assert without_common_words("Jolene, Astrid!", dialogue(COMMON_FROM * 2)) == "Jolene, Astrid!"


@pytest.mark.parametrize("first", ["Jolene", "Tim"])
async def test_what_the_named_person_said_ranks_first(tmp_path: Path, first: str) -> None:
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        [vector] = await embedder.passages(["We moved to Northfield last week."])
        # The same words and vector, told by two people: only who said it can decide.
        speakers = [first, "Tim" if first == "Jolene" else "Jolene"]
        await store.upsert("b", [StoredMemory(id=f"said-by-{s}", content="We moved to Northfield last week.",
                                              metadata={"speaker": s, "lumia_created_at": 1.0}) for s in speakers],
                           [vector, vector])
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.0)
        reply = await retriever.query(QueryRequest(brain="b", question="Where did Jolene move to?", n_results=2))
    finally:
        embedder.close()
    assert [hit.id for hit in reply.results] == ["said-by-Jolene", "said-by-Tim"]


async def test_a_turn_that_only_asks_ranks_below_one_that_tells(tmp_path: Path) -> None:
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        [vector] = await embedder.passages(["How did the half marathon go?"])
        # One vector for both, and the one that asks is the newer: only what kind of turn each is
        # can put the other first.
        turns = {"asks": ("Anna: Oh nice! How did the half marathon go?", 2.0),
                 "tells": ("Bob: Finished in 1:58, so proud!", 1.0)}
        await store.upsert("b", [StoredMemory(id=k, content=text, metadata={"lumia_created_at": at})
                                 for k, (text, at) in turns.items()], [vector, vector])
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.0)
        reply = await retriever.query(QueryRequest(brain="b", question="What happened at the race?", n_results=2))
    finally:
        embedder.close()
    assert [hit.id for hit in reply.results] == ["tells", "asks"]


async def test_a_chat_gets_the_same_words_once(tmp_path: Path) -> None:
    """Found on `make up`: "I work as a carpenter in Kiruna." said in two chats was two memories (each
    turn that tells is its own), and the chat's model got the line twice."""
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        texts = ["I work as a carpenter in Kiruna.", "I work as a carpenter in Kiruna.", "I live in Kiruna."]
        await store.upsert("b", [StoredMemory(id=f"t{n}", content=text, metadata={"lumia_created_at": 1.0 + n,
                                                                                  "lumia_kind": "turn"})
                                 for n, text in enumerate(texts)], await embedder.passages(texts))
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.0)
        chat = await retriever.query(QueryRequest(brain="b", question="What is my job?", n_results=5,
                                                  relevant_only=True))
        listed = await retriever.query(QueryRequest(brain="b", question="What is my job?", n_results=5))
    finally:
        embedder.close()
    assert [hit.content for hit in chat.results].count("I work as a carpenter in Kiruna.") == 1
    assert [hit.content for hit in listed.results].count("I work as a carpenter in Kiruna.") == 2  # /query lists all


@pytest.mark.parametrize(("text", "planned"), [
    ("I'll call mom tonight.", True), ("I am going to paint the fence next weekend.", True),
    ("Jag ska jobba hela helgen.", True), ("Vi kommer att flytta till Malmö.", True),
    ("We plan to sell the car.", True), ("I need to pick up the kids at five.", True),
    ("I'm gonna clean the garage later.", True), ("My plan is to run a marathon in May.", True),
    ("We hope to visit Japan next year.", True), ("I'd like to learn Spanish someday.", True),
    ("I have a dog.", False),
    ("I fixed the bike.", False), ("Jag cyklade till jobbet.", False), ("Will you remind me?", False),
    ("Skall vi ses?", False),
])
def test_a_statement_plans_when_it_tells_what_the_speaker_will_do(text: str, planned: bool) -> None:
    assert plans(text) is planned


async def test_an_answer_looks_past_the_users_questions_however_many_results_it_asks(tmp_path: Path) -> None:
    """Found by a review: past 50 results the first search went deeper than the second look meant to
    go further down, and 330 questions with 70 facts gave 100 results before, none after."""
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        asked, told = await embedder.passages(["What did I watch?", "I watched a film about whales."])
        questions = [StoredMemory(id=f"q{n}", content=f"What did I watch, question {n}?",
                                  metadata={"lumia_created_at": 2.0 + n, "lumia_kind": "turn"}) for n in range(260)]
        facts = [StoredMemory(id=f"f{n}", content=f"I watched a film about whales, number {n}.",
                              metadata={"lumia_created_at": 1.0, "lumia_kind": "note"}) for n in range(70)]
        # Near, not equal: among hundreds of equal vectors Chroma's index left the facts out of reach
        # of a search 480 deep (1 run in 8 under load), which is no test of looking further down.
        rng = np.random.default_rng(7)

        def near(vector: list[float], count: int) -> list[list[float]]:
            spread = np.asarray(vector) + rng.normal(0, 0.01, (count, len(vector)))
            return (spread / np.linalg.norm(spread, axis=1, keepdims=True)).tolist()

        await store.upsert("b", questions + facts, near(asked, len(questions)) + near(told, len(facts)))
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.0)
        reply = await retriever.query(QueryRequest(brain="b", question="What did I watch?", n_results=60,
                                                   telling_only=True))
    finally:
        embedder.close()
    assert len(reply.results) == 60 and all(hit.id.startswith("f") for hit in reply.results)


@pytest.mark.parametrize(("text", "metadata", "asks"), [
    ("Anna: How did the race go?", {}, True),
    ("Wow, that's great! What made you pick that one?", {"speaker": "Bob"}, True),
    ("Anna: Åh vad kul! Hur gick loppet?", {}, True),
    ("Anna: How did the race go? 😊", {}, True),
    ("Anna: Wait, you did WHAT?!", {}, True),
    ("Bob: I finished in 1:58 and my knee held up the whole way. Can you believe it?", {}, False),
    ("Bob: we finally bought the house in uppsala\nwhen can you come visit?", {}, False),
    ("Bob: Finished in 1:58, so proud!", {}, False),
    ("Bob: Jag sprang loppet på söndag.", {}, False),
    # A user's own chat message, or a document, says what it says even as a question.
    ("My wife Sara turns 40, any gift ideas?", {"role": "user"}, False),
    ("What is the notice period?", {"lumia_kind": "document", "speaker": "HR"}, False),
    ("Anna:", {}, False),
    ("", {}, False),
])
def test_a_turn_only_asks_when_it_ends_in_a_question_and_tells_nothing_before(
        text: str, metadata: dict[str, str], asks: bool) -> None:
    assert only_asks(StoredMemory("a", text, metadata)) is asks


def test_the_speaker_is_the_metadata_or_a_leading_name() -> None:
    assert speaker_of(StoredMemory("a", "Caroline: I went to a support group.", {})) == {"caroline"}
    assert speaker_of(StoredMemory("b", "I went there.", {"speaker": "Melanie Ray"})) == {"melanie", "ray"}
    assert speaker_of(StoredMemory("c", "No one in particular said this: really.", {})) == set()


def test_a_speaker_in_the_metadata_is_embedded_with_the_words() -> None:
    assert said(StoredMemory("a", "I went there.", {"speaker": "Melanie"})) == "Melanie: I went there."
    assert said(StoredMemory("b", "Melanie: I went there.", {"speaker": "Melanie"})) == "Melanie: I went there."
    assert said(StoredMemory("c", "I went there.", {})) == "I went there."


class FixedQuestion:
    """Our Embedder interface, answering every question with one chosen vector."""

    name = "fixed"

    def __init__(self, vector: list[float]) -> None:
        self.vector = vector

    async def passages(self, texts: list[str]) -> list[list[float]]:
        raise AssertionError("retrieval embeds no passages")

    async def query(self, text: str) -> list[float]:
        self.asked = text
        return self.vector


async def test_of_a_long_message_its_start_and_end_are_embedded(tmp_path: Path) -> None:
    """Found by a black-box pass: an 8,500-character chat message held the query thread for seconds
    while embedded whole, and every user's chats gave up on memory meanwhile."""
    store = MemoryStore(open_chroma(None, tmp_path), "fixed")
    await store.upsert("b", [StoredMemory(id="karin", content="Karin lives in Umeå.",
                                          metadata={"lumia_created_at": 1.0})], [unit(1.0, 0.0)])
    embedder = FixedQuestion(unit(1.0, 0.0))
    retriever = Retriever(store, embedder, KeywordCache(), min_score=0.0)
    pasted = "Dear Karin, " + "the garden is lovely this time of year and the roses bloom. " * 400
    reply = await retriever.query(QueryRequest(brain="b", question=f"{pasted}Where does Karin live?"))
    assert [hit.id for hit in reply.results] == ["karin"]
    assert len(embedder.asked) <= 1_003
    assert embedder.asked.startswith("Dear Karin, the garden") and embedder.asked.endswith(" Where does Karin live?")
    await retriever.query(QueryRequest(brain="b", question=" " * 300 + "Karin " * 200))  # spaces before it: no crash
    assert embedder.asked.startswith("Karin Karin") and len(embedder.asked) <= 1_003
    short = ("Where does Karin live? " * 40).strip()  # 919 characters: whole
    await retriever.query(QueryRequest(brain="b", question=short))
    assert embedder.asked == short


def unit(*parts: float) -> list[float]:
    norm = sum(p * p for p in parts) ** 0.5
    return [p / norm for p in parts]


@pytest.mark.parametrize("chatter", [COMMON_FROM - 2, COMMON_FROM + 10])
async def test_what_every_memory_shares_does_not_decide(tmp_path: Path, chatter: int) -> None:
    """Small talk lies along the brain's common direction and near every question; the memory
    that answers is found by what the question has beyond that, once the brain is big enough."""
    store = MemoryStore(open_chroma(None, tmp_path), "fixed")
    small_talk = [StoredMemory(id=f"chat-{n:03d}", content=f"chatter {n}", metadata={"lumia_created_at": 1.0})
                  for n in range(chatter)]
    vectors = [unit(1.0, 0.0, 0.05 * (n % 5), 0.05 * (n % 3)) for n in range(chatter)]
    answer = StoredMemory(id="the-answer", content="the answer", metadata={"lumia_created_at": 1.0})
    await store.upsert("b", [*small_talk, answer], [*vectors, unit(0.5, 0.866, 0.0, 0.0)])
    retriever = Retriever(store, FixedQuestion(unit(0.95, 0.31, 0.0, 0.0)), KeywordCache(), min_score=0.0)
    reply = await retriever.query(QueryRequest(brain="b", question="where did it go", n_results=1))
    [best] = reply.results
    if chatter < COMMON_FROM:
        assert best.id.startswith("chat-")  # too few memories to tell what is common
    else:
        assert best.id == "the-answer"
        assert best.score == pytest.approx(0.95 * 0.5 + 0.31 * 0.866, abs=2e-3)  # still the plain similarity


@pytest.mark.parametrize(("text", "nothing"), [
    ("What's my job?", True),
    ("Hej! Var bor jag?", True),
    ("Can you suggest a snack for me?", True),
    ("Tell me a joke.", True),
    ("Skriv en dikt om hösten", True),
    ("Skriv ett mejl till hyresvärden om att kranen i badrummet droppar", True),  # Swedish "i" is not "I"
    ("Thanks! How do I boil an egg?", True),
    ("how do i make kimchi", True),  # no question mark
    ("What time is it in Lisbon 🕐", True),
    ("Am I allergic to any animals?", True),
    ("Äter jag kött?", True),  # Swedish: the verb first
    ("Any tips for learning the violin?", True),
    ("Thanks!", True),
    ("Hej hej!", True),
    ("Hi there", True),
    ("Thank you so much!", True),
    ("Nice to meet you!", True),
    ("Hallå där", True),
    ("What is my wife's name?", True),
    ("Vad heter min fru?", True),
    ("How long should I boil an egg today?", True),
    ("What did I eat on Monday?", True),
    ("Where did I put my keys?", True),
    ("What should I get my wife for Christmas?", True),  # a capital after the relation is no name of theirs
    ("Should I take my dog to Paris?", True),
    ("What do I cook for my son on Sunday?", True),
    # Fillers and follow-ups (a black-box pass found them given to "Hello" and to the persona).
    ("lol", True),
    ("Ja.", True),
    ("Hmm, interesting.", True),
    ("Okay, great!", True),
    ("Make it shorter.", True),
    ("Gör den längre.", True),
    ("Another one please.", True),
    ("sup how's it going", True),
    ("Remind me what I did yesterday.", True),
    ("👍", True),
    (":)", True),
    ("I see.", True),
    ("Sounds good.", True),
    ("Jag förstår.", True),
    ("Ja gärna.", True),
    ("Me too.", True),
    ("Mer!", True),
    ("Same here.", True),
    ("Nice one lol", True),
    ("Påminn mig om vad jag gjorde igår.", True),
    # Found by a black-box pass: each was given to later chats and to the persona as a fact.
    ("I vilken stad bor jag?", True),  # Swedish "i" (in), capitalised
    ("I vilket land föddes jag?", True),
    ("Men vad heter min dotter?", True),
    ("But what is my daughter called?", True),
    ("And so where do I work now?", True),
    ("Och vad heter min dotter?", True),
    # Found by the next black-box pass: each was also shown to later chats as a fact.
    ("What did Erik and I do last week?", True),
    ("What did my wife and I eat on Friday?", True),
    ("Vad gjorde Lena och jag i helgen?", True),
    ("Do you remember what my boss is called?", True),
    ("In which city does my wife work?", True),
    ("I vilken stad jobbar min fru?", True),
    ("Vad ska jag göra om jag inte kan sova?", True),  # as "if I" asks
    ("Hur vet jag om jag har feber?", True),
    ("Om jag flyttar till Umeå, vad kostar det?", True),  # supposes
    ("Kommer du ihåg vad min chef heter?", True),
    # Found by a last probe of the rules.
    ("Kan du komma ihåg vad min hund heter?", True),
    ("do you remember my sister's name?", True),
    ("men vad heter min fru", True),  # no question mark
    ("and where do i live", True),
    ("but how do i make kimchi", True),
    ("Thanks a lot!", True),
    ("Hej då!", True),
    ("Tack för hjälpen!", True),
    ("Ha en bra dag!", True),
    ("I somras, vad gjorde vi?", True),  # Swedish "I" (in) before the comma
    # Each of these tells something, so it may be context.
    # Facts carried by a question or request (a black-box pass: none reached a later chat or the persona).
    ("How do I treat my peanut allergy if I accidentally eat one?", False),
    ("What should I give my wife Lena, she turns 40?", False),
    ("Vad ska jag ge min fru Lena i present när hon fyller 40?", False),
    ("Can you suggest a cake for my son Olle's 5th birthday on Saturday?", False),
    ("Kan du föreslå en tårta till min son Olles femårsdag på lördag?", False),
    ("Hur lång tid tar det att köra från Malmö, där jag bor, till Lund?", False),
    ("Could you help me plan a birthday party for my son Olle who turns 5 on Saturday?", False),
    ("Hi! My name is Anna and I live in Malmö.", False),
    ("My wife turns 40, any gift ideas?", False),
    ("I just moved to Oslo, any tips?", False),
    ("Did you know I'm allergic to cats?", False),
    ("did you know that I speak four languages?", False),
    ("Can you believe I turned 40 today?", False),
    ("Visste du att jag är allergisk mot nötter?", False),
    ("Jag har precis flyttat till Luleå, några tips?", False),
    ("Can you remember that my door code is 4711?", False),
    ("Write down that I moved to Oslo.", False),
    ("When I was young I lived in Paris", False),
    ("i love hiking 🏔️", False),
    ("Jag gillar svamp.", False),
    ("Oslo.", False),  # an answer to the assistant's question
    ("4711", False),
    ("I see my sister on Sundays.", False),
    ("Yes, I live in Oslo.", False),
    ("Sure, my daughter is 7.", False),
    ("Another thing: I have a cat named Misse.", False),
    ("Make sure I remember my dentist appointment on Friday.", False),
    # A recheck: requests for what is known, with "my" alone, were taken for statements.
    ("Tell me my passport number.", True),
    ("Remind me of my passport number.", True),
    ("Give me my passport number please.", True),
    ("Påminn mig om mitt passnummer.", True),
    ("Remind me to call mom at five.", False),  # a plan to keep
    ("Remember that my passport expires in May.", False),
    ("Please note that I am vegan.", False),
    # Words a follow-up starts with start facts too (a review: these were left out of chats).
    ("En vän till mig heter Anna.", False),
    ("Om två veckor flyttar Anna till Oslo.", False),
    ("Mer än tio år har Bosse bott hos oss.", False),
    ("More people are coming on Friday.", False),
    ("The door code is 4711, please.", False),
    ("But my daughter Elsa turns 7 on Friday, any ideas?", False),
    ("Men min dotter Elsa fyller 7 på fredag, några idéer?", False),
    ("I think my job is boring, what should I do?", False),  # English "I" tells
    ("I Malmö bor jag med min familj.", False),
    ("I morgon ska jag till tandläkaren, vad ska jag ta med?", False),  # tells, then asks
    ("På fredag flyttar vi till Umeå, hur packar man bäst?", False),
    ("Imorgon fyller jag 40, några tips?", False),
    ("Erik and I got married, any tips?", False),
    ("Lena och jag ska gifta oss, några tips?", False),
    ("Did you know Erik and I got married?", False),
    # Found by a review of the rules above: each tells, and was left out.
    ("Can you remember what my door code is? It's 4711.", False),  # asks to keep, then tells
    ("Kan du komma ihåg vad min portkod är? Den är 4711.", False),
    ("Så var jag på bio med Erik igår", False),  # "var" is "was" here
    ("And how I met Lena was at a party", False),
    ("När jag var liten bodde jag i Lund, hur långt är det dit från Malmö?", False),
    ("Have you heard Erik and I are getting married?", False),
    ("On Friday we move to Umeå, how do we pack best?", False),
    ("We're moving to Denver next month, what should I know about the city?", False),
    ("i just adopted a cat, what food should i buy?", False),  # an English "i", typed in lowercase
    ("Can you remember when my wife's birthday is, it's on May 3?", False),
    ("Do you remember that I'm vegan?", False),
    ("", False),
    # Found by a black-box pass: these only ask, and were given as memories in later chats.
    ("Är min fru allergisk mot något?", True), ("Is my son diabetic?", True),
    ("Gift ideas for my boss for Christmas?", True), ("Present till min fru?", True),
    ("Plan a date night for my wife and me.", True),
    # ... and these tell, as before.
    ("How do I treat my peanut allergy?", False), ("Can you suggest meals for my pregnant wife?", False),
    ("Any ideas for my wife, who is vegan?", False), ("Tips för min son som älskar dinosaurier?", False),
    ("My boss is a nightmare, any advice?", False),
    # Found by a black-box pass of memory: each only asks, and was given to later chats, to `answer`
    # and to the persona as a statement.
    ("Any idea what my wife is called?", True), ("Remind me when my wife has her birthday.", True),
    ("Remember what my sister does for work?", True), ("Remember what I told you about my sister?", True),
    ('Translate "I bought a new bike" into German.', True), ("Översätt 'jag köpte en cykel' till tyska.", True),
    ("Rekommendera en deckare jag inte läst.", True), ("Recommend a thriller I haven't read.", True),
    # ... and these tell.
    ("Any idea why I'm always tired?", False), ("Recommend a book, I loved Dune.", False),
    ("Suggest a gift I could give my wife Lena for her 40th.", False),
    ("Remind me when I get home to call mom.", False),
    ("Suggest a cake for my son Olle's 5th birthday.", False), ("Remember my door code is 4711?", False),
    # A recheck: more ways of only asking, each given to later chats and to the persona ...
    ("I wonder what my dad's name is.", True), ("I'd love to know what my husband wants for Christmas.", True),
    ("Jag undrar när min bror fyller år.", True), ("Jag skulle vilja veta vad min chef heter.", True),
    ("My mom's phone number?", True), ("Min frus favoritfärg?", True),
    ("Can't remember if I have a dentist appointment this month.", True),
    ("Not sure if my passport is still valid.", True), ("Is it true that I'm allergic to penicillin?", True),
    ("Quiz me on my kids' names.", True), ("Hjälp mig komma ihåg vad min pappa heter.", True),
    ("Correct the grammar: 'I has two cats and live in Oslo.'", True),
    ("Paraphrase: 'My husband Pelle is a pilot.'", True), ("Write a haiku that starts 'My dog Bosse is old'.", True),
    # ... and these tell.
    ("I wonder if I should quit, I hate my job at IKEA.", False), ("My wife is pregnant?", False),
    ("Jag undrar om jag ska byta jobb, jag trivs inte på Volvo.", False), ("My wife said 'I love you' today.", False),
    ("Not sure about my new job at Volvo, I started Monday.", False),
    # Casual Swedish without "jag" or a question mark (a black-box pass) tells; a question so written asks.
    ("var på bio med elsa o såg nya bondfilmen", False), ("var hos tandläkaren, fick laga ett hål", False),
    ("vad kul, elsa fick A på matteprovet", False), ("hur som helst så har per bokat bord på lördag", False),
    ("visste du att måns väger 7 kilo?", False), ("Did you know Anna got a new job?", False),
    ("var bor min syster", True), ("var i lund bor min syster", True), ("Var på bio?", True),
    ("Vet du vad min fru heter?", True),
    ("vad gött, fick lönehöjning idag", False), ("vilken tur, hittade plånboken på bussen", False),
    ("hur kul, vann 500 kr på triss", False), ("vilken dag är det idag", True),
    # A review and a recheck: asked, though it opens as a statement might.
    ("when is my dad's birthday", True), ("när har pappa namnsdag", True), ("Hey Lumia, what's my name?", True),
    ("Hej, kommer du ihåg vad min hund heter?", True), ("Do you know that song by Abba?", True),
    ("hur kul var det egentligen", True), ("vilken tur gick du", True), ("vad synd", True),
    ("var så snäll och påminn mig", True), ("When I was a kid we lived in Lund.", False),
    # A black-box pass: an "I" that only says which ones are asked for tells nothing.
    ("Who are the people I mention most?", True), ("What are the hobbies I have?", True),
    ("Which are the clients I worked with?", True), ("What were the places I visited this year?", True),
    # A review: of one asked for, it tells.
    ("What's a good name for the puppy I got on Saturday?", False), ("Who is the woman I met at the gym?", False),
    # A black-box pass: asked without "?", as a student types.
    ("do i work tmrw", True), ("did i pay chloe back", True), ("is sam coming sat", True),
    ("are chloe and i ok now", True), ("whens the maths test", True), ("whos my boyfriend", True),
    ("Did my taxes today", False), ("Have a great weekend", False), ("Did I mention I got promoted", False),
    ("What's the best way to tell my wife I lost my job?", False),
    ("What do you think, the dog I adopted is sick?", False),
    # A review of the questions typed without "?": these tell.
    ("was told i need a root canal", False), ("was busy doing homework all day", False),
    ("did it, passed my driving test", False), ("can you believe emma is pregnant", False),
    ("am i glad that exam is over", False),
    # A black-box pass: Swedish questions typed without "?", verb first.
    ("jobbar jag på lördag", True), ("har vi bokat kanarieresan", True), ("är det simning på fredag", True),
    ("när flyttar vi", True), ("idag jobbar jag dag", False), ("Så var jag på bio med Erik igår", False),
    ("Har ätit lunch med Per", False), ("simmar jag på fredag", True),
    # A review: not a conjunction or an interjection before the subject, nor English.
    ("Om vi hinner ska vi åka till IKEA på lördag", False),
    ("Innan vi åker till Spanien måste jag förnya passet", False),
    ("Nä jag åker inte till Göteborg i helgen", False), ("Vet du vad vi ska få barn", False),
    ("The man at the garage said the car will be ready on Friday", False),
])
def test_a_message_tells_nothing_when_it_only_asks_or_greets(text: str, nothing: bool) -> None:
    assert tells_nothing(text) is nothing


@pytest.mark.parametrize(("text", "goes_on"), [
    ("Och vem rapporterar hen till?", True), ("And before that?", True), ("Vad tyckte jag om det?", True),
    ("Who's running it now?", True), ("What about Per?", True), ("Hur är det med Lisa?", True),
    ("Hur länge?", True), ("Varför då?", True), ("How come?", True),
    ("Varför fick jag byta?", True), ("Why did I switch?", True),  # a black-box pass
    ("Why is the sky blue?", False), ("Why did Erik quit his job at Volvo?", False),
    ("Where do I live?", False), ("What is my dog called?", False), ("Thanks!", False),
    ("Is it raining in Lund today?", False), ("What did we decide about the Atlas launch?", False),
    ("And what else did you say about the long list of all the things that I asked you earlier today?", False),
])
def test_a_short_message_going_on_from_the_one_before_follows_it_up(text: str, goes_on: bool) -> None:
    assert follows_up(text) is goes_on


@pytest.mark.parametrize(("text", "talk"), [
    ("Hello", True),
    ("Hi, how are you?", True),
    ("Hej! Hur mår du idag?", True),
    # Found by bench/gate.py's Swedish off-topic messages, which got memories.
    ("Hej, hur är läget med dig?", True), ("Hur står det till med dig?", True), ("Hallå där, hur har du det?", True),
    ("Hey, how is it going with you?", True), ("Thanks a lot, that helped!", True), ("Tja, läget?", True),
    ("Hur går det med flytten?", False), ("What are you up to with my calendar?", False),
    ("Hej Lumia!", True), ("Hej, allt bra med dig?", True), ("Good morning! How are you doing?", True),
    ("Hi there, how's it going?", True), ("Is it all good with my passport?", False),
    ("Hej igen!", True), ("Hej, hur är det?", True), ("Hiya, how's it going?", True), ("How was your day?", True),
    ("lol", True),
    ("Thanks, great!", True),
    ("How are you handling my data?", False),
    ("Hello, what is my wife's name?", False),
    ("Oslo.", False),
])
def test_small_talk_is_greetings_fillers_and_how_are_you_alone(text: str, talk: bool) -> None:
    assert small_talk(text) is talk


@pytest.mark.parametrize(("text", "own", "talk"), [
    ("What did I do last week?", True, False),
    ("what did i do yesterday", True, False),  # typed in lowercase
    ("Vad gjorde jag i mars?", True, False),
    ("What did we eat on Friday?", True, False),
    ("How are you today?", False, False),
    ("Vad hände i mars?", False, False),  # Swedish "i" (in) is not "I"
    ("What did I ask you yesterday?", True, True),
    ("Vad pratade vi om igår?", True, True),
    ("Hur skriver man en SQL-fråga med JOIN?", False, False),  # a compound: of SQL, not of what was asked
])
def test_a_message_speaks_of_the_user_or_of_the_conversation(text: str, own: bool, talk: bool) -> None:
    assert (in_first_person(text), about_the_conversation(text)) == (own, talk)


@pytest.mark.parametrize(("text", "past"), [
    ("What did I do last week?", True),
    ("Which films have I watched this week?", True),
    ("Vad köpte jag igår?", True),
    ("Vad åt jag igår?", True),
    ("Vilka filmer har jag sett förra veckan?", True),
    ("Vem träffade jag i maj?", True),
    ("How long should I boil an egg today?", False),
    ("Hur länge ska jag koka ett ägg idag?", False),
    ("I'm bored today, what should I do?", False),
    ("Kan du laga något åt mig idag?", False),  # "åt" is "for" here, not "ate"
    ("Jag vill inte jobba idag.", False),  # "inte" only looks like a past form
    # Found by a black-box pass: what happened then is the user's, unless the question names another.
    ("What happened last week?", True),
    ("Minns du vad som hände igår?", True),
    ("Vad hände på jobbet i tisdags?", True),
    ("Did anything special happen on Monday?", True),
    ("Var det något särskilt igår?", True),
    ("What happened in Kyiv yesterday?", False),
    ("Vad hände med Volvo i mars?", False),
    ("Something special happened today, I got promoted!", False),  # tells
    ("Remind me what happened last week", True),
    ("Men åt jag något igår?", True),
    ("And what did I do last week?", True),
    ("Jag har fått i mig 90 gram protein idag, hur mycket fattas?", False),  # tells the past, asks the rest
    ("Åt jag något igår?", True),
    ("Tell me what I did on Friday.", True),
    ("Do I need to take my medicine tonight?", False),  # "need" is no past form
    ("What should I cook for dinner tonight?", False),  # nor is "for"
    ("Should I read a book this weekend?", False),
    ("Har jag ett möte idag?", False),  # nor "möte" ("meeting")
    ("What do I have planned today?", False),  # what today holds, planned before
    ("What have I scheduled for tomorrow?", False),
    ("Which films have I watched this month?", True),
])
def test_a_message_asks_what_the_user_did_or_said(text: str, past: bool) -> None:
    assert about_own_past(text, time_over=False) is past


@pytest.mark.parametrize(("text", "past"), [
    ("What did Anna buy in March?", True),
    ("When was the party?", True),
    ("Vad köpte Erik igår?", True),
    ("När var festen?", True),
    ("What happened in Kyiv yesterday?", True),
    ("Who won the match yesterday?", True),
    ("What has Anna bought this week?", True),
    ("Vad har Anna köpt i veckan?", True),
    ("What did I do last week?", True),
    ("Does Bosse need his medicine today?", False),
    ("Behöver Bosse sin medicin idag?", False),
    ("What am I doing on Christmas Eve?", False),
    ("What will I do on 24 December?", False),
    ("Vad ska jag göra på julafton?", False),
    ("Var bor Anna i mars?", False),  # "var" is "where" here
    ("Har jag tid idag?", False),
    ("How long should I boil an egg today?", False),
    # A review: Swedish past endings and "have" read these as the past, and hid the answer.
    ("Which gate does my flight leave from today?", False),
    ("What code opens the gym today?", False),
    ("Which side dish should I make tonight?", False),
    ("Do I have to decide today?", False),
    ("Do I have a date tonight?", False),
    ("Has Anna finished the report this week?", True),
    # What is planned then, asked of that time: the plans were told before it.
    ("What do I have planned today?", False),
    ("What have I planned for tonight?", False),
    ("Does Anna have anything booked this weekend?", False),
    ("Vad har jag inplanerade idag?", False),
    ("What did I have planned today?", True),  # did
    ("What has Anna painted this week?", True),
])
def test_a_question_asks_of_the_past_or_of_what_is_or_will_be(text: str, past: bool) -> None:
    assert of_the_past(text, time_over=False) is past


@pytest.mark.parametrize("text", [
    "Vad har jag bokat förra veckan?", "Har vi betalat hyran i november?",  # a supine (a recheck)
    "What have I booked last week?", "Which flights have I booked this month?", "Vad planerade jag igår?",
    "What have I arranged this week?", "What events have I organized this month?",
])
def test_what_was_planned_at_a_time_over_is_the_past(text: str) -> None:
    """A review: read as plans, these questions of a time over lost their window."""
    assert of_the_past(text) is True and about_own_past(text) is True


FILLER = "Idag var det en lugn dag på kontoret, jag svarade på mejl och drack kaffe med kollegorna. " * 30
ELSA = "Min dotter Elsa fyller år den 12 maj."


class Counting:
    """The bundled embedder, counting the passages it is asked to embed."""

    def __init__(self, embedder: LocalEmbedder) -> None:
        self.embedder, self.passages_embedded = embedder, 0
        self.name = embedder.name

    async def passages(self, texts: list[str]) -> list[list[float]]:
        self.passages_embedded += len(texts)
        return await self.embedder.passages(texts)

    async def query(self, text: str) -> list[float]:
        return await self.embedder.query(text)


async def test_a_long_memory_scores_as_its_best_piece_embedded_once(tmp_path: Path) -> None:
    """Found by a black-box pass: a fact at the end of a long note scored 0.815 (the mean of the
    note's windows), under the chat's threshold; alone in its piece it is 0.88."""
    embedder = Counting(shared_test_embedder())
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        long, short = FILLER + ELSA, "I started a new job at Spotify in March."
        vectors = await embedder.embedder.passages([long, short])
        await store.upsert("b", [StoredMemory(id=i, content=text, metadata={"lumia_created_at": 1.0})
                                 for i, text in (("long", long), ("short", short))], vectors)
        whole = float(sum(a * b for a, b in zip(vectors[0], await embedder.query("När fyller min dotter Elsa år?"),
                                                strict=True)))
        # The query cuts the pieces here; under the suite's load that took over the 1 s a query waits,
        # which the next tests cover, so this one waits for them.
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.0,  # type: ignore[arg-type]
                              pieces_wait=None)
        asked = QueryRequest(brain="b", question="När fyller min dotter Elsa år?", n_results=2)
        first, again = await retriever.query(asked), await retriever.query(asked)
    finally:
        embedder.embedder.close()
    hit = first.results[0]
    assert hit.id == "long" and hit.excerpt is not None and ELSA in hit.excerpt and len(hit.excerpt) <= 1000
    assert hit.score is not None and hit.score > whole + 0.03
    assert first.results[1].excerpt is None  # a short memory is its own best part
    assert embedder.passages_embedded == len(chunk_text(FILLER + ELSA))  # once: the second query reused them
    assert again.results[0] == hit


async def test_a_long_memory_whose_pieces_are_not_ready_is_given_as_the_piece_sharing_most_words(
        tmp_path: Path) -> None:
    """Found by a black-box pass: while a long note's pieces were still being embedded, a chat was given
    the note whole, and two such notes left no room for any other memory, even a short one."""
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        long = FILLER + ELSA + " " + FILLER
        await store.upsert("b", [StoredMemory(id="long", content=long, metadata={"lumia_created_at": 1.0})],
                           await embedder.passages([long]))
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.0, pieces_wait=0.0)
        found = await retriever.query(QueryRequest(brain="b", question="När fyller min dotter Elsa år?"))
    finally:
        embedder.close()
    [hit] = found.results
    assert hit.excerpt is not None and ELSA in hit.excerpt and len(hit.excerpt) <= 1000 < len(long)


async def test_the_pieces_one_query_embeds_are_bounded_and_the_rest_come_with_later_queries() -> None:
    embedder = Counting(shared_test_embedder())
    notes = [StoredMemory(id=f"n{n}", content=f"Note {n}. " + FILLER, metadata={}) for n in range(3)]
    pieces_each = len(chunk_text(notes[0].content))
    try:
        pieces = Pieces(embedder, capacity=100)  # type: ignore[arg-type]
        first = await pieces.of("b", notes, budget=pieces_each + 1)
        embedded_first = embedder.passages_embedded
        second = await pieces.of("b", notes, budget=pieces_each + 1)
    finally:
        embedder.embedder.close()
    assert [known is not None for known in first] == [True, True, False]  # the budget ran out after two
    assert embedded_first == 2 * pieces_each
    assert all(known is not None for known in second) and embedder.passages_embedded == 3 * pieces_each


async def test_long_memories_just_stored_are_cut_in_the_background_before_anyone_asks() -> None:
    embedder = Counting(shared_test_embedder())
    notes = [StoredMemory(id=f"n{n}", content=f"Note {n}. " + FILLER, metadata={}) for n in range(2)]
    short = StoredMemory(id="s", content="Short.", metadata={})
    try:
        pieces = Pieces(embedder)  # type: ignore[arg-type]
        pieces.warm("b", [*notes, short])
        assert pieces._warming is not None
        await pieces._warming
        warmed = embedder.passages_embedded
        asked = await pieces.of("b", notes, budget=0)  # nothing left to embed: all were cut beforehand
    finally:
        embedder.embedder.close()
    assert warmed == 2 * len(chunk_text(notes[0].content)) and embedder.passages_embedded == warmed
    assert all(known is not None for known in asked)


async def test_a_query_waits_a_bounded_time_for_pieces_and_they_are_kept_for_the_next() -> None:
    """Found by a black-box pass: behind an import's embedding, cutting a 30,000-character note made a
    chat's first query miss the 3 s memory deadline."""
    embedder = Counting(shared_test_embedder())
    note = StoredMemory(id="n", content=FILLER + ELSA, metadata={})
    try:
        pieces = Pieces(embedder)  # type: ignore[arg-type]
        [unready] = await pieces.of("b", [note], wait=0.0)  # not embedded yet: answered without them
        await asyncio.gather(*pieces._pending.values())
        [ready] = await pieces.of("b", [note], wait=0.0)
    finally:
        embedder.embedder.close()
    assert unready is None and ready is not None
    assert embedder.passages_embedded == len(chunk_text(note.content))  # once


async def _chat(retriever: Retriever, question: str) -> list[str]:
    """The ids of the memories a chat of `question` is given, in order."""
    reply = await retriever.query(QueryRequest(brain="b", question=question, n_results=5, relevant_only=True))
    return [hit.id for hit in reply.results]


async def test_a_note_without_letters_reaches_a_chat_only_when_the_message_holds_it(tmp_path: Path) -> None:
    """Found by a black-box pass: the note "12345" was given to "Tell me about my dog." (0.836, its vector
    paired with a neighbour's): e5 puts digits and signs alone near every question. A chat's own "4711"
    (a reply) stays: its vector holds the message it answers."""
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        [dog] = await embedder.passages(["My dog Rex is a beagle who loves carrots."])
        memories = [("dog", "My dog Rex is a beagle who loves carrots.", "note"), ("digits", "12345", "note"),
                    ("signs", "!!!", "note"), ("reply", "4711", "turn")]
        stored = [StoredMemory(id=i, content=text, metadata={"lumia_created_at": 1.0, "lumia_kind": kind})
                  for i, text, kind in memories]
        await store.upsert("b", stored, [dog] * len(memories))  # every vector the dog's
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.0)

        about_the_dog = set(await _chat(retriever, "Tell me about my dog."))
        holding_it = set(await _chat(retriever, "Is 12345 my bank code?"))
    finally:
        embedder.close()
    assert about_the_dog == {"dog", "reply"}
    assert holding_it == {"dog", "digits", "reply"}


async def test_pieces_that_cannot_be_embedded_leave_the_memory_scored_whole() -> None:
    class Failing:
        name = "failing"

        async def passages(self, texts: list[str]) -> list[list[float]]:
            raise RuntimeError("the embedder is down")

    pieces = Pieces(Failing())  # type: ignore[arg-type]
    note = StoredMemory(id="n", content=FILLER + ELSA, metadata={})
    assert await pieces.of("b", [note], wait=1.0) == [None]
    pieces.warm("b", [note])
    assert pieces._warming is not None
    await pieces._warming  # logged, not raised
    assert not pieces._pending


DAY = 86_400.0
NOW = 1_780_000_000.0
FACTS = [  # id, note, days ago
    ("malmo", "Jag bor i Malmö med min familj.", 90),
    ("umea", "Vi har flyttat från Malmö till Umeå.", 10),
    ("spotify", "I work as a developer at Spotify", 80),
    ("klarna", "I quit Spotify, I now work at Klarna.", 5),
    ("lena", "My wife Lena turns 40 next Friday.", 3),
    ("dog", "My dog Bosse needs his medicine every evening.", 50),
    ("cake", "I baked a carrot cake for the party.", 20),
    ("volvo", "Our car is a red Volvo from 2015.", 40),
    ("gym", "I go to the gym on Tuesdays and Thursdays.", 30),
    ("paris", "We saw the Louvre in Paris and ate crêpes.", 21),
]


async def chats(tmp_path: Path, notes: list[tuple[str, str, float]], questions: tuple[str, ...],
                relevant_only: bool = True) -> dict[str, list[str]]:
    """The ids a chat's model gets for each question (or, not `relevant_only`, `/query`'s top three), from
    a brain of `notes` (id, text, days ago)."""
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        vectors = await embedder.passages([text for _, text, _ in notes])
        await store.upsert("b", [StoredMemory(id=i, content=text, metadata={"lumia_created_at": NOW - days * DAY})
                                 for i, text, days in notes], vectors)
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.825, clock=lambda: NOW)
        asked = {}
        for question in questions:
            request = QueryRequest(brain="b", question=question, n_results=5 if relevant_only else 3,
                                   relevant_only=relevant_only)
            asked[question] = [hit.id for hit in (await retriever.query(request)).results]
        return asked
    finally:
        embedder.close()


CHANGED = [  # id, note, days ago: facts, their updates sharing no name with them, and a life around them
    ("malmo", "I live in Malmö.", 170), ("umea", "I have moved to Umeå.", 50),
    ("teacher", "I work as a teacher.", 200), ("nurse", "I changed jobs, I am a nurse now.", 20),
    ("sara", "My girlfriend is called Sara.", 300), ("emma", "My new girlfriend is Emma.", 30),
    ("volvo", "I drive a red Volvo.", 250), ("tesla", "We bought a new car, a Tesla.", 40),
    ("vegan", "I have become vegan.", 15), ("rex", "My dog is called Rex.", 400),
    ("phone", "I got a new phone, a Pixel.", 5), ("spanish", "I started learning Spanish.", 8),
    *((f"life{i}", text, 30 + 17 * i) for i, text in enumerate((
        "My mother's birthday is on 3 May.", "I am allergic to peanuts.", "My favourite band is Radiohead.",
        "I have two kids, Alva and Noah.", "I usually take the train to work.", "My brother Erik lives in Berlin.",
        "I had knee surgery in 2019.", "I prefer tea over coffee.", "We went to Crete last summer.",
        "I'm reading a book about Roman history.", "My passport expires in 2027.", "I support Arsenal.",
        "I'm afraid of heights.", "My best friend is called Jonas.", "I grow tomatoes on the balcony."))),
]


@pytest.mark.parametrize(("text", "theirs"), [
    ("Write a short poem for my wife.", {"partner"}), ("My mother's birthday is on 3 May.", {"mother"}),
    ("When is my mum's birthday?", {"mother"}), ("Min mammas födelsedag är i maj.", {"mother"}),
    ("Anna, my wife, works at the hospital.", {"partner"}), ("Vad heter min flickvän?", {"partner"}),
    ("Vad ska jag köpa till min frus födelsedag?", {"partner"}),
    ("We took our dog to the vet.", {"dog"}), ("my little brother Erik", {"brother"}),
    ("My friend Jonas is coming over.", set()), ("Anna works as a midwife.", set()), ("Tell me a joke.", set()),
    ("We have a cat called Misse.", {"cat"}), ("Vi har skaffat en valp.", {"dog"}),
    ("I just adopted a two-year-old rescue dog!", {"dog"}), ("I've got a hamster.", {"hamster"}),
    ("My sister has a cat.", {"sister"}), ("I love cats.", set()), ("Do you have a dog?", set()),
    ("I have two kids and a dog.", {"child", "dog"}), ("I've met her boyfriend.", set()),
    ("I have a friend whose cat is sick.", set()), ("Min syster i Lund har en katt.", {"sister"}),
    # Named as one's own without "my", as Swedish does and English does of parents (bench/gate.py)...
    ("Sonen Viktor är 24 och pluggar på KTH.", {"son"}), ("Dottern Karin bor i Göteborg.", {"daughter"}),
    ("Mamma fyller 70 i maj.", {"mother"}), ("Vi var hos farmor i helgen.", {"grandmother"}),
    ("Katten Måns är 14 år.", {"cat"}), ("Hunden åt upp min sko.", {"dog"}), ("Frun heter Anna.", {"partner"}),
    ("Mum has early stage dementia.", {"mother"}), ("I called Dad yesterday.", {"father"}),
    ("The wife and I went to Paris.", {"partner"}), ("Vad ska jag köpa till mamma?", {"mother"}),
    # ... and not someone else's.
    ("His mom is a nurse.", set()), ("Anna's mom is sick.", set()), ("Annas mamma är sjuk.", set()),
    ("She is a mom of three.", set()), ("Hon är mamma till tre barn.", set()), ("Sonen till grannen spelar.", set()),
    ("Katten på bilden är söt.", set()), ("Barnen i klassen målade.", set()), ("Every mom knows this.", set()),
    ("Grannens dotter Lisa.", set()), ("I read the wife of Bath.", set()),
    # Titles and things named so (a review): nobody's.
    ("I love Dad jokes.", set()), ("Mom jeans are back.", set()), ("Daddy Yankee played in Malmö.", set()),
    ("Son Goku is strong.", set()), ("The Wife is a great film.", set()), ("The kids next door are loud.", set()),
    ("The kids menu was fine.", set()), ("Pappa Hassan har diabetes.", {"father"}),
    ("What are my kids' names?", {"child"}), ("The kids are off school next week.", {"child"}),
    # A nurse's title (a black-box pass): the job told was taken for a sister's.
    ("I got the job!! Band 6 junior sister on the Acute Medical Unit.", set()),
    ("My manager, Sister Karen Walsh, is lovely.", set()), ("My sister Karen is pregnant.", {"sister"}),
    # bench/gate_bilingual.json: plurals and breeds are the user's pets too.
    ("Vi har två katter, Pixel och Nova.", {"cat"}), ("We adopted a retired greyhound called Dolly.", {"dog"}),
    ("I have a tax bill to pay.", set()), ("Where do I buy my gf bread?", set()),
])
def test_whom_of_the_users_own_a_text_names(text: str, theirs: set[str]) -> None:
    assert relations_of(text) == theirs


PETS = {"dog", "cat", "rabbit", "hamster", "horse", "guinea pig", "bird"}


@pytest.mark.parametrize(("question", "theirs"), [
    ("Do I have any pets?", PETS), ("What pets do we have?", PETS), ("Vilka husdjur har jag?", PETS),
    ("Hur mår mina föräldrar?", {"mother", "father"}), ("Do my siblings live nearby?", {"brother", "sister"}),
    ("What do you know about my family?", {"partner", "son", "daughter", "child", "mother", "father", "brother",
                                          "sister", "grandmother", "grandfather"}),
    ("What is the best pet for a small flat?", set()), ("Tell me a joke about cats.", set()),
    ("What is my dog called?", {"dog"}), ("Am I seeing anyone?", {"partner"}), ("Är jag gift?", {"partner"}),
    ("What gift should I buy for my mom?", {"mother"}), ("I need a single ticket to Lund.", set()),
])
def test_a_question_of_a_kind_of_the_users_own_asks_of_each_of_them(question: str, theirs: set[str]) -> None:
    assert whom_asked_of(question) == theirs


@pytest.mark.parametrize(("text", "over"), [
    ("Misse died yesterday, we're heartbroken.", True), ("Misse dog i natt.", True), ("I sold the Volvo.", True),
    ("Vi har sålt Volvon.", True), ("Sara and I broke up last month.", True), ("We gave Rex away to my aunt.", True),
    ("I don't drink coffee any more.", True), ("Jag jobbar inte längre på Spotify.", True),
    ("My dog is called Rex.", False), ("We bought a Tesla.", False), ("Jag har en hund som heter Rex.", False),
    ("Mirre got hit by a car and didn't make it.", True), ("Ronja and I have separated.", True),
    ("I gave up Zumba, my knee couldn't take it.", True), ("Jag har lagt av med padeln.", True),
    ("I will never give up.", False), ("The match ended in a draw.", False), ("The concert was sold out.", False),
    ("I am dead tired.", False), ("Jag slutade kl 17 idag.", False),
    ("Someone stole my Bianchi from outside the station.", True), ("Cykeln blev stulen igår.", True),
    ("We moved from Eskilstuna to Västerås this weekend.", True),
    # A review: these end nothing ...
    ("Per är inte tillbaka förrän på söndag, han är på kurs.", False), ("Vet says Biscuit should have no more than two "
                                                                         "meals a day.", False),
    ("There are no more spaces in Lily's swimming group.", False), ("Mum was discharged from hospital today.", False),
    ("Mamma fick ny blodtrycksmedicin utskriven.", False),
    # ... these do (a black-box pass).
    ("So no more Thursday pickups from Sarah.", True), ("He's done with it.", True), ("Rachel discharged me.", True),
    ("No more swimming on Thursdays for Oskar.", True), ("My GP signed me off work for two weeks.", False),
])
def test_a_memory_tells_that_something_is_over(text: str, over: bool) -> None:
    assert tells_an_end(text) is over


@pytest.mark.parametrize(("text", "changed"), [
    ("We postpone the launch of Atlas to 10 June.", True), ("The launch is delayed to March.", True),
    ("We pushed the release back two weeks.", True), ("The dentist rescheduled me to Tuesday.", True),
    ("The wedding is cancelled.", True), ("Vi skjuter upp lanseringen.", True), ("Konserten är inställd.", True),
    ("My dentist appointment is moved to 17 June.", True), ("Mammas fest är flyttad till 21 mars.", True),
    ("ikea får vänta, vi åker dit nästa helg istället", True), ("Moved Bosse's vet visit to Wednesday.", True),
    ("Dinner with the Johanssons moved to the 19th.", True), ("Konserten blir inte av.", True),
    # Not a plan changed (a review of the first version).
    ("He pushed back on the proposal.", False), ("Jag ställde in disken i skåpet.", False),
    ("I have moved to Umeå.", False), ("The flight was delayed 20 minutes but we made it.", False),
    ("Vi får vänta och se.", False), ("Jag fick vänta i två timmar på vårdcentralen.", False),
    ("Sorry for the delayed reply.", False), ("Han är positivt inställd.", False),
    ("Kameran är inställd på automatik.", False), ("Jag skjutsade upp barnen till skolan.", False),
    ("This isn't happening!", False), ("My desk was moved to the 4th floor.", False),
    # A black-box pass: "dansen inställd idag" was no end of the Saturday dance.
    ("dansen inställd idag, ledaren sjuk", True), ("dance cancelled today, coach is ill", True),
    ("Jag är inställd på att jobba i helgen", False),
])
def test_a_memory_tells_that_a_plan_changed(text: str, changed: bool) -> None:
    assert tells_a_plan_changed(text) is changed


PET_LIFE = [  # id, note, days ago
    ("cat", "We have a cat called Misse.", 300), ("died", "Misse died yesterday, we're heartbroken.", 20),
    ("dog", "My dog is called Rex.", 400), ("kia", "Just picked up my new car, an electric Kia Niro!", 55),
    *(note for note in CHANGED if note[0] not in {"rex", "volvo", "tesla"}),
]


async def test_a_chat_of_the_users_pets_gets_each_and_what_ended(tmp_path: Path) -> None:
    """Found by a black-box pass: "Do I have any pets?" got a new car and a new phone and no pet (the cat
    0.796 and the dog 0.801 under the threshold: e5 does not relate "pets" to them), and when the cat was
    given, not that it died (0.76, far from the question). A kind asked of as the user's is each of its
    ones; the newest later memory naming one given that tells it is over comes with it."""
    asked = await chats(tmp_path, PET_LIFE, ("Do I have any pets?", "Har jag några husdjur?", "Do I have a cat?",
                                             "What is the best pet for a small flat?", "Tell me a joke about cats."))
    assert set(asked["Do I have any pets?"]) == set(asked["Har jag några husdjur?"]) == {"cat", "dog", "died"}
    pets = asked["Do I have any pets?"]
    assert pets.index("died") == pets.index("cat") + 1  # right after: a chat's cut to its few took it when last
    assert asked["Do I have a cat?"] == ["cat", "died"]
    assert asked["What is the best pet for a small flat?"] == asked["Tell me a joke about cats."] == []


async def test_what_was_told_of_the_users_partner_is_given_however_far_its_words(tmp_path: Path) -> None:
    """Found by black-box passes: "Am I seeing anyone?" missed "My partner Sarah works as a nurse" in a brain of
    80, and asked in Swedish ("Är jag gift?") it scored under the gate. What was told of the user's ones asked
    of is looked up by the words naming them."""
    told = [*(note for note in CHANGED if note[0] not in {"sara", "emma"}),
            ("sarah", "My partner Sarah works as a nurse at the MRI.", 20),
            ("friend", "My friend Jonas has a new girlfriend called Lisa.", 10)]
    asked = await chats(tmp_path, told, ("Är jag gift?", "Har jag någon partner?", "What is the capital of Peru?"))
    assert asked["Är jag gift?"][:1] == asked["Har jag någon partner?"][:1] == ["sarah"]
    assert "friend" not in asked["Är jag gift?"]
    assert asked["What is the capital of Peru?"] == []


async def test_a_question_of_one_of_the_users_own_ranks_what_answers_it_first(tmp_path: Path) -> None:
    """Found by a black-box pass: "How much metformin does dad take now?" got five memories of dad, put first as
    his, and not the dose raised ("Pappas HbA1c var 62 … höjde metformin till 1000 mg": a Swedish genitive)."""
    told = [*CHANGED,
            ("dose", "Pappa Hassan har typ 2-diabetes och tar metformin 500 mg två gånger om dagen.", 40),
            ("raised", "Vi var hos doktor Lindqvist. Pappas HbA1c var 62, för högt. Hon höjde metformin till 1000 mg "
                       "morgon och kväll.", 20),
            ("waran", "Dad is also on Waran because of his atrial fibrillation.", 40),
            ("walker", "Pappa går nu med rullator istället för kryckor.", 12),
            ("oxynorm", "Dad has stopped the Oxynorm, he only needs Alvedon now.", 11),
            ("sugar", "Dad's morning blood sugar is now around 7-8, much better since the metformin was raised.", 2),
            ("eliquis", "I also need to pick up dad's Eliquis from Apoteket Hjärtat on Monday.", 1)]
    asked = await chats(tmp_path, told, ("How much metformin does dad take now?", "How's dad?"))
    assert "raised" in asked["How much metformin does dad take now?"]
    assert asked["How's dad?"]  # of the user's father, without "my" (a recheck: nothing)


async def test_the_users_home_and_job_are_given_however_far_their_words(tmp_path: Path) -> None:
    """Found by a recheck: in a brain of six, "What's my job?" got nothing (e5 scored "I started at Klarna as a
    product manager" 0.779 and "Jag gillar kaffe." 0.799), and "Where do I live?" not "We moved to Uppsala"."""
    told = [("home", "We moved to Uppsala in 2020.", 300),
            ("job", "I started at Klarna as a product manager in March 2024.", 200),
            ("bike", "My bike got a flat tyre on the way to work.", 10), ("hike", "I like hiking.", 50),
            ("coffee", "Jag gillar kaffe.", 40), ("brother", "My brother Erik lives in Berlin.", 30)]
    asked = await chats(tmp_path, told, ("What's my job?", "Vad jobbar jag med?", "Where do I live?",
                                         "What is the job market like?"))
    assert asked["What's my job?"] == asked["Vad jobbar jag med?"] == ["job"]
    assert asked["Where do I live?"] == ["home"]  # not the brother's home
    assert asked["What is the job market like?"] == []


async def test_english_names_its_own_without_my_too(tmp_path: Path) -> None:
    """Found by a recheck: "The son turned 7", "The girlfriend and I…" and "Hubby and I…" were nobody's. A title
    or a thing named so is nobody's ("Son Heung-min scored twice", "Dad jokes", "The kids next door": a review)."""
    told = [*(note for note in CHANGED if note[0] not in {"sara", "emma", "life3"}),
            ("son", "The son turned 7 and got a Lego set.", 30),
            ("daughter", "Ella, the daughter, started ballet.", 20),
            ("hubby", "Hubby and I are planning a trip to Rome.", 10),
            ("footballer", "Son Heung-min scored twice for Tottenham.", 5), ("jokes", "I love Dad jokes.", 6),
            ("next_door", "The kids next door are loud.", 7)]
    asked = await chats(tmp_path, told, ("How many children do I have?", "Am I married?"))
    assert {"son", "daughter"} <= set(asked["How many children do I have?"])
    assert not {"footballer", "next_door"} & set(asked["How many children do I have?"])
    assert asked["Am I married?"][:1] == ["hubby"]


async def test_the_users_children_and_every_diet_are_given(tmp_path: Path) -> None:
    """Found by a black-box pass: "hur många barn har jag?" and "vad heter mina barn?" missed "Sonen Viktor…" and
    "Dottern Elsa…", and a dinner question missed "Per äter vegetariskt" (the keyword look-up knew
    "vegetarisk" only)."""
    told = [*CHANGED, ("son", "Sonen Viktor pluggar till civilingenjör i Lund.", 30),
            ("daughter", "Dottern Elsa fyllde 15 i november.", 20),
            ("veg", "Per äter vegetariskt sen i somras.", 40), ("lactose", "Elsa är laktosintolerant.", 50),
            ("nuts", "Jag är allergisk mot nötter.", 60), ("bikes", "Vi köpte två nya cyklar i våras.", 70)]
    asked = await chats(tmp_path, told, ("hur många barn har jag?", "vad heter mina barn?",
                                         "vad kan jag laga till middag ikväll?"))
    assert {"son", "daughter"} <= set(asked["hur många barn har jag?"])
    assert {"son", "daughter"} <= set(asked["vad heter mina barn?"])
    assert {"veg", "lactose", "nuts"} <= set(asked["vad kan jag laga till middag ikväll?"])


async def test_casual_swedish_without_jag_is_told_and_given(tmp_path: Path) -> None:
    """Found by a black-box pass: "var på bio med elsa o såg nya bondfilmen" and "vad kul, elsa fick A på
    matteprovet" were taken for questions ("var" is also "where", "vad" "what") and never given to a chat."""
    told = [*CHANGED, ("bio", "var på bio med elsa o såg nya bondfilmen", 2),
            ("prov", "vad kul, elsa fick A på matteprovet", 3), ("weight", "visste du att måns väger 7 kilo?", 4)]
    asked = await chats(tmp_path, told, ("vilken film såg jag med elsa?", "vad fick elsa på matteprovet?",
                                         "hur mycket väger Måns?"))
    assert asked["vilken film såg jag med elsa?"][:1] == ["bio"]
    assert asked["vad fick elsa på matteprovet?"][:1] == ["prov"]
    assert asked["hur mycket väger Måns?"][:1] == ["weight"]


async def test_a_plan_asked_of_comes_with_its_postponement(tmp_path: Path) -> None:
    """Found by a black-box pass: "Is the Atlas launch still on 20 November?" got the plan and four other
    notes of the launch, and not "we postpone the full launch of Atlas to 10 December" (the user would be
    told the old date). A plan changed is linked as an end is, and comes right after the plan."""
    told = [*CHANGED, ("plan", "The Atlas launch is planned for 20 May.", 60),
            ("postpone", "Decision in today's meeting: we postpone Atlas to 10 June, the payment integration isn't "
                         "ready.", 40),
            ("party", "The Atlas launch party will be at the office, Karin is ordering cake.", 58),
            ("checklist", "Atlas launch checklist: press release, customer emails, support rota.", 50),
            ("testing", "Per says the Atlas launch needs more load testing.", 45),
            ("nervous", "I'm nervous about the Atlas launch, it's my biggest project so far.", 44),
            ("video", "Marketing wants a launch video for Atlas.", 42)]
    questions = ("Is the Atlas launch still on 20 May?", "Are we launching Atlas on 20 May?")
    asked = await chats(tmp_path, told, questions)
    for question in questions:
        assert asked[question][:2] == ["plan", "postpone"], question


async def test_a_chat_of_the_users_own_gets_them_named_without_my(tmp_path: Path) -> None:
    """Found by bench/gate.py: "Vad kan jag skicka till min son när han har tentaperiod?" did not get "Sonen
    Viktor är 24…" (0.813, under the gate): Swedish names its own without "min", English its parents."""
    told = [*CHANGED, ("son", "Sonen Viktor är 24 och pluggar till civilingenjör på KTH.", 60),
            ("mum", "Mum has early stage dementia and moved into a care home in August.", 90),
            ("neighbour", "Sonen till grannen spelar trummor hela kvällarna.", 10)]
    asked = await chats(tmp_path, told, ("Vad kan jag skicka till min son när han har tentaperiod?",
                                         "Any ideas for a visit with my mum this weekend?"))
    assert asked["Vad kan jag skicka till min son när han har tentaperiod?"][:1] == ["son"]
    assert "mum" in asked["Any ideas for a visit with my mum this weekend?"]


async def test_a_chat_about_the_users_wife_gets_what_was_told_of_her(tmp_path: Path) -> None:
    # Found by a black-box pass: "Write a short poem for my wife." missed the memory naming her, and "Plan a
    # date night for my wife and me." scored "My wife Anna loves roses…" 0.80, under the gate.
    told = [*CHANGED, ("wife", "My wife Anna loves roses and long walks by the sea.", 60),
            ("midwife", "Anna works as a midwife at the hospital.", 90)]
    asked = await chats(tmp_path, told, ("Plan a date night for my wife and me.",
                                         "What should I give my wife for her birthday?", "Write a poem about autumn.",
                                         "Who is my partner?"))
    # A girlfriend who became a wife is one partner: "Who is my partner?" missed the wife (a black-box pass).
    assert "wife" in asked["Who is my partner?"]
    assert "wife" in asked["Plan a date night for my wife and me."]
    assert "wife" in asked["What should I give my wife for her birthday?"]
    assert "midwife" not in asked["Plan a date night for my wife and me."]
    assert asked["Write a poem about autumn."] == []


async def test_a_users_earlier_questions_rank_below_what_they_told(tmp_path: Path) -> None:
    # Found by a black-box pass: "What is the capital of Australia?", asked in a chat, ranked first in /query for
    # "Where do I live?", and such questions filled the places a chat looks through.
    told = ["Hej! Jag heter Erik och jag bor i Göteborg.", "What is the capital of Australia?", "Vad är 17 gånger 23?",
            "Tell me a joke about programmers.", "How do I reverse a list in Python?", "My wife Sara loves jazz.",
            "We just moved to Stockholm! The boxes are everywhere.", "I train at SATS three times a week.",
            "Vi köpte en ny bil igår, en vit Tesla.", "Bought new running shoes today, Asics Gel-Nimbus.",
            "Where do I live?", "Var tränar jag?"]  # the same questions asked before: 0.95 (a black-box pass)
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        await store.upsert("b", [StoredMemory(id=f"m{n}", content=text, metadata={
            "lumia_created_at": NOW - (20 - n) * 3600, "lumia_kind": "turn", "role": "user"})
            for n, text in enumerate(told)], await embedder.passages(told))
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.825, clock=lambda: NOW)
        asked = {f"m{n}" for n in (1, 2, 3, 4, 10, 11)}  # those that only asked
        for question in ("Where do I live?", "Var tränar jag?", "Vilka skor köpte jag?"):
            ranked = [hit.id for hit in (await retriever.query(QueryRequest(brain="b", question=question,
                                                                                n_results=4))).results]
            assert not asked & set(ranked), (question, ranked)
    finally:
        embedder.close()


async def test_earlier_questions_are_not_given_as_memories(tmp_path: Path) -> None:
    # Found by a black-box pass: "Är min fru allergisk mot något?" was given in ten later chats, and "Hur skriver
    # man en SQL-fråga med JOIN?" got five earlier questions ("fråga" read as asking of what was asked).
    told = [("code", "How do I write a for loop in JavaScript?", 3),
            ("tcp", "Explain the difference between TCP and UDP.", 3),
            ("joke", "Berätta ett skämt om hundar.", 2), ("mum", "Mamma älskar orkidéer och dricker bara te.", 5),
            ("shellfish", "My wife is allergic to shellfish.", 4), ("asked", "Är min fru allergisk mot något?", 1),
            ("boss", "Gift ideas for my boss for Christmas?", 1), ("henrik", "My boss Henrik hates long meetings.", 6)]
    asked = await chats(tmp_path, told, ("Hur skriver man en SQL-fråga med JOIN?", "Does my mom drink coffee?",
                                         "Gift ideas for my wife?"))
    assert asked["Hur skriver man en SQL-fråga med JOIN?"] == []
    assert "mum" in asked["Does my mom drink coffee?"]
    assert not {"asked", "boss", "code", "tcp", "joke"} & {i for ids in asked.values() for i in ids}


@pytest.mark.parametrize(("text", "food"), [
    # Found by a black-box pass: "Should I buy a milkshake for my wife?" did not get her lactose intolerance.
    ("Should I buy a milkshake for my wife?", True), ("Ska jag bjuda på glass?", True),
    ("Can I make pancakes for the kids?", True), ("Föreslå en middag till oss ikväll", True),
    ("What is the capital of France?", False), ("Write a poem about autumn.", False),
    # Found by a black-box pass: Swedish "glass" (ice cream) brought the diets to recycling glass.
    ("Where can I recycle glass near the cabin?", False), ("Where is my yoga mat?", False),
    ("Köp glass till barnen", True), ("Föreslå mat till ikväll", True),
    # A regression pass: a peanut allergy did not reach "Is a satay sauce ok for me?".
    ("Is a satay sauce ok for me?", True), ("Vad ska jag laga för soppa?", True), ("Får jag dricka vin?", True),
    ("What is my car's VIN?", False), ("Where is the nearest bar?", False),
    # A black-box pass: "Kan jag göra fiskgratäng?" got no memory of who eats no fish.
    ("Kan jag göra fiskgratäng?", True), ("Kan jag göra laxpasta?", True), ("Is cheesecake ok?", True),
    ("Vad är matematik?", False), ("Where is the teacher?", False), ("Ska vi äta köttbullar?", True),
    # A review: parts of everyday words.
    ("Jag kom tillbaka från Göteborg igår", False), ("Är det rättvist?", False), ("I'm learning Swedish", False),
    ("Our goldfish died", False), ("I went fishing with dad", False),
])
def test_what_is_about_food(text: str, food: bool) -> None:
    assert about_food(text) is food


async def test_a_chat_about_ones_own_food_gets_the_diets_and_a_joke_about_food_does_not(tmp_path: Path) -> None:
    asked = await chats(tmp_path, CHANGED, ("Should I buy a milkshake for my wife?", "Tell me a joke about cheese.",
                                            "What's the most expensive coffee in the world?",
                                            "Suggest a dinner recipe.", "Could you suggest a dinner?"))
    assert {"vegan", "life1"} <= set(asked["Should I buy a milkshake for my wife?"])  # vegan; allergic to peanuts
    assert {"vegan", "life1"} <= set(asked["Suggest a dinner recipe."])  # asked of the assistant, for the user
    # A polite opener asks the same: it had got no diets, as it did not open with the request word.
    assert {"vegan", "life1"} <= set(asked["Could you suggest a dinner?"])
    assert asked["Tell me a joke about cheese."] == asked["What's the most expensive coffee in the world?"] == []


async def test_food_asked_of_someone_of_the_users_gets_their_diets_not_everyones(tmp_path: Path) -> None:
    # Found by a recheck: "Does my mom drink coffee?" got "My wife is allergic to shellfish.".
    told = [*CHANGED, ("wife", "My wife is allergic to shellfish.", 12),
            ("son", "My son Noah is allergic to nuts.", 14)]
    asked = await chats(tmp_path, told, ("Does my mom drink coffee?", "Is it ok to give my son chocolate?",
                                         "Should I buy a milkshake for my wife?"))
    assert not {"vegan", "life1", "wife", "son"} & set(asked["Does my mom drink coffee?"])
    assert "son" in asked["Is it ok to give my son chocolate?"]
    assert not {"vegan", "wife"} & set(asked["Is it ok to give my son chocolate?"])
    assert {"vegan", "wife"} <= set(asked["Should I buy a milkshake for my wife?"])  # the user buys: all diets


async def test_an_allergy_told_long_ago_comes_with_food_however_often_the_diet_changed(tmp_path: Path) -> None:
    """Found by a black-box pass: after four changes of diet, "I'm severely allergic to peanuts." was given to
    no food question ("Can I eat satay sauce?"): the newest three diets took the places."""
    told = [("peanuts", "I'm severely allergic to peanuts.", 270), ("vegetarian", "I've stopped eating meat, "
            "I'm vegetarian now.", 210), ("vegan", "I went vegan this month.", 150),
            ("pescetarian", "I eat fish again, so I'm pescetarian now.", 60),
            ("gluten", "I've cut out gluten as well.", 30), ("job", "I work as a nurse in Umeå.", 100)]
    asked = await chats(tmp_path, told, ("Can I eat satay sauce?", "Föreslå en middag till mig ikväll."))
    for question, given in asked.items():
        assert "peanuts" in given, question
        assert {"gluten", "pescetarian"} <= set(given), question  # the newest diets still come
        assert "vegetarian" not in given, question  # three diets, as before


@pytest.mark.parametrize(("text", "changed"), [
    ("I have moved to Umeå.", True), ("My new girlfriend is Emma.", True), ("Jag har bytt jobb.", True),
    ("Vi har flyttat in i radhuset i Älvsjö.", True), ("I no longer eat meat.", True),
    ("I live in Malmö.", False), ("Min flickvän heter Sara.", False), ("I work as a teacher.", False),
])
def test_what_tells_of_a_change(text: str, changed: bool) -> None:
    assert tells_a_change(text) is changed


async def test_a_chat_gets_the_update_of_a_fact_that_names_nothing_of_it(tmp_path: Path) -> None:
    """Found by a black-box pass: "Where do I live?" got only "I live in Malmö." and not the newer "I have
    moved to Umeå." (0.80, under the threshold, and no name shared), so the old fact looked current.
    The newer memory telling of a change and most like the fact comes after it; nothing unlike it does."""
    asked = await chats(tmp_path, CHANGED, ("Where do I live?", "Do I still live in Malmö?", "Am I a teacher?",
                                            "What car do I have?", "What's my girlfriend's name?",
                                            "What is my dog called?", "Tell me a joke."))
    assert asked["Where do I live?"] == asked["Do I still live in Malmö?"] == ["malmo", "umea"]
    assert asked["Am I a teacher?"] == ["teacher", "nurse"]
    assert asked["What car do I have?"] == ["volvo", "tesla"]  # not "I have become vegan", as like the Volvo
    assert sorted(asked["What's my girlfriend's name?"]) == ["emma", "sara"]  # not the new phone
    assert asked["What is my dog called?"] == ["rex"] and asked["Tell me a joke."] == []


HOUSE_GUIDE = "\n\n".join((
    'Welcome to our house! This guide is for friends and family who look after the place while we are '
    'away. Please read it once before you arrive, and keep it somewhere handy.',
    'Getting in: the spare key is in the grey key box next to the garage door. The code for the key box '
    'is 4471. The front door sometimes sticks in wet weather, so lift the handle slightly while you turn '
    'the key.',
    'The alarm: when you open the front door the alarm starts beeping. You have thirty seconds to enter '
    'the code 2580 on the panel in the hall and press the check button. If it goes off by mistake, call '
    'Securitas on 0771-130 130 and give them the password "blåbär".',
    'Rubbish and recycling: the bins are emptied on Tuesday mornings. Put the green bin out on Monday '
    'evening. Glass and paper go to the recycling station behind the ICA shop, about five minutes away on'
    ' foot.',
    'Heating and gas: the boiler is in the cellar. If the radiators are cold, check that the pressure '
    'gauge shows between 1 and 1.5 bar. To turn on the gas for the stove, open the yellow valve under the'
    ' sink and turn it a quarter clockwise. Always close it again when you leave.',
    'The garden and the cat: please water the tomatoes in the greenhouse every second evening. Our cat '
    'Morris gets half a tin of wet food in the morning and a handful of dry food in the evening. He is '
    'not allowed out after dark.',
    'Neighbours and help: Birgitta in the yellow house across the road has a key too and is happy to '
    'help. The plumber we trust is Janne, 070-555 12 34. The wifi network is called Villa Ek and the '
    'password is on the fridge.',
))


async def test_a_fact_in_a_documents_chunk_reaches_a_chat(tmp_path: Path) -> None:
    """Found by a black-box pass: no question about an uploaded house guide of 2.3 KB got it ("When are
    the bins emptied?" scored its 1,000-character chunk 0.817, under the threshold). A chunk is scored by
    its best few sentences and given whole; what the guide does not answer still gets nothing."""
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        chunks = chunk_text(HOUSE_GUIDE)
        memories = [StoredMemory(id=i, content=text, metadata={"lumia_created_at": NOW - days * DAY})
                    for i, text, days in CHANGED]
        memories += [StoredMemory(id=f"guide{n}", content=chunk, metadata={
            "lumia_created_at": NOW - 3 * DAY, "lumia_kind": "document", "source": "house.txt"})
            for n, chunk in enumerate(chunks)]
        await store.upsert("b", memories, await embedder.passages([m.content for m in memories]))
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.825, clock=lambda: NOW,
                                  pieces_wait=None)  # scored by its pieces, however busy the machine

        async def chat(question: str) -> list[MemoryHit]:
            return (await retriever.query(QueryRequest(brain="b", question=question, n_results=5,
                                                       relevant_only=True))).results

        asked = {q: await chat(q) for q in ("When are the bins emptied?", "What's the wifi password?",
                                            "Who is our plumber?", "Tell me a joke.", "How do I fix a flat bike tyre?",
                                            "What is the weather like on Mars?")}
    finally:
        embedder.close()
    assert len(chunks) == 2
    for question, chunk in (("When are the bins emptied?", 0), ("What's the wifi password?", 1),
                            ("Who is our plumber?", 1)):
        first = asked[question][0]
        assert first.id == f"guide{chunk}" and first.excerpt is None, question  # given whole, as any chunk
    assert asked["Tell me a joke."] == asked["How do I fix a flat bike tyre?"] == []
    assert asked["What is the weather like on Mars?"] == []


MARKDOWN_GUIDE = "\n\n".join((
    "# Our house in Umeå",
    "## Getting in\nThe spare key is in the grey key box next to the garage door. The code for the key box is 4471. "
    "The front door sticks in wet weather, so lift the handle slightly while you turn the key.",
    "## The alarm\nWhen you open the front door the alarm starts beeping. You have thirty seconds to enter the code "
    "2580 on the panel in the hall and press the check button.",
    "## Snow\nIf it snows, the snow blower is in the garage; fill it with petrol from the green can. Clear the path "
    "to the front door and the mailbox.",
    "## Wifi and TV\nThe wifi network is called Villa Ek and the password is on the fridge. If the internet is "
    "down, restart the white router in the study.",
    "## Emergencies\nIn an emergency call 112. Our neighbour Birgitta in the yellow house across the road has a key. "
    "The plumber we trust is Janne, 070-555 12 34.",
))


async def test_a_documents_chunks_are_not_each_others_updates(tmp_path: Path) -> None:
    """Found by a black-box pass: "What is the code for the alarm?" got five chunks of a house guide,
    each repeating its heading "# Our house in Umeå": sharing that name, stored a moment apart, each was
    taken for an update of the one that answers."""
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        chunks = chunk_markdown(MARKDOWN_GUIDE)
        memories = [StoredMemory(id=f"guide{n}", content=chunk, metadata={
            "lumia_created_at": NOW - 3 * DAY + n / 1000, "lumia_kind": "document", "source": "guide.md"})
            for n, chunk in enumerate(chunks)]
        await store.upsert("b", memories, await embedder.passages(chunks))
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.825, clock=lambda: NOW)
        asked = {q: [h.id for h in (await retriever.query(QueryRequest(brain="b", question=q, n_results=5,
                                                                       relevant_only=True))).results]
                 for q in ("What is the code for the alarm?", "Where is the spare key?")}
    finally:
        embedder.close()
    assert all(chunk.startswith("# Our house in Umeå") for chunk in chunks) and len(chunks) == 5
    assert asked == {"What is the code for the alarm?": ["guide1"], "Where is the spare key?": ["guide0"]}


async def test_a_chat_gets_what_changed_since_and_what_names_whom_it_asks_about(tmp_path: Path) -> None:
    """Found by a black-box pass: "Var bor jag?" got "Jag bor i Malmö" but not the newer "Vi har flyttat
    från Malmö till Umeå." (0.80), and "När fyller Lena år?" nothing (0.81): the model answered from
    the old fact, or had nothing on the person asked about."""
    asked = await chats(tmp_path, FACTS, ("Var bor jag?", "Where do I live?", "Var jobbar jag?", "När fyller Lena år?",
                                          "Who is Lena?", "What is the capital of France?", "Tell me a joke.",
                                          "What happened in Paris last week?"))
    assert asked["Var bor jag?"] == asked["Where do I live?"] == ["malmo", "umea"]  # the move right after the old fact
    assert asked["Var jobbar jag?"] == ["spotify", "klarna"]
    assert asked["När fyller Lena år?"] == ["lena"] and asked["Who is Lena?"] == ["lena"]
    assert asked["What is the capital of France?"] == asked["Tell me a joke."] == []
    assert asked["What happened in Paris last week?"] == ["paris"]  # three weeks ago, and named: better than nothing


OWN = [  # id, note, days ago
    ("carpenter", "I work as a carpenter in Kiruna.", 2),
    ("lulea", "I live in Luleå and I love fishing.", 3),
]


async def test_a_question_of_ones_own_gets_what_the_user_said_of_themselves(tmp_path: Path) -> None:
    """Found by a black-box pass: "What is my job?" got nothing of "I work as a carpenter in Kiruna." (0.810),
    nor "Where do I live?" of "I live in Luleå and I love fishing." (0.815), under the threshold (0.825)."""
    asked = await chats(tmp_path, OWN, ("What is my job?", "Where do I live?", "What is the capital of France?",
                                          "Tell me a joke.", "How do you make pancakes?"))
    assert asked["What is my job?"] == ["carpenter"] and asked["Where do I live?"] == ["lulea"]
    assert not any(asked[q] for q in ("What is the capital of France?", "Tell me a joke.", "How do you make pancakes?"))


NAMED = [  # id, note, days ago
    ("erik", "My colleague Erik is obsessed with fly fishing.", 60),
    ("olle", "My son Olle is afraid of the dark.", 50),
    ("johan", "Min bror Johan bor i Oslo.", 40),
    ("back", "Jag har ont i ryggen sedan i somras.", 45),
    ("volvo", "Vi har en röd Volvo XC60 som familjebil.", 100),
    ("sold", "Vi sålde Volvon i förra veckan och köpte elcyklar istället.", 13),
]


async def test_a_name_is_one_in_any_form_and_a_title_word_is_none(tmp_path: Path) -> None:
    """Found by a black-box pass: "Eriks" (Swedish genitive) and "Volvon" (definite) did not name Erik
    and the Volvo, nor did a name opening the question; and a title's "My" or "Min" named every memory
    starting with it ("Can you recommend a podcast like My Favorite Murder?" got Erik's fishing)."""
    asked = await chats(tmp_path, NAMED, (
        "Vad är Eriks största intresse?", "Vad är Olles största rädsla?",
        "Erik fyller år i morgon, vad ska jag ge honom?", "Vilken färg har vår Volvo?",
        "Can you recommend a podcast like My Favorite Murder?", "Vad handlar Min Kamp av Knausgård om?"))
    assert asked["Vad är Eriks största intresse?"] == ["erik"] and asked["Vad är Olles största rädsla?"] == ["olle"]
    assert asked["Erik fyller år i morgon, vad ska jag ge honom?"] == ["erik"]
    assert asked["Vilken färg har vår Volvo?"] == ["volvo", "sold"]  # sold since: right after it
    assert asked["Can you recommend a podcast like My Favorite Murder?"] == []
    assert asked["Vad handlar Min Kamp av Knausgård om?"] == []


@pytest.mark.parametrize(("text", "names", "none"), [
    ("Vad är Eriks största intresse?", {"erik"}, {"vad", "är"}),
    ("When is Lena's birthday?", {"lena"}, {"when"}),
    ("Vi sålde Volvon i förra veckan.", {"volvo"}, {"vi"}),
    ("Erik fyller år i morgon.", {"erik"}, set()),
    ("My colleague Erik is obsessed with fly fishing.", {"erik"}, {"my"}),
    ("Jag Är Zlatan", {"zlatan"}, {"jag", "är"}),
    ("I went to Paris last Monday.", {"paris"}, {"i", "monday"}),
    ("I'm allergic to peanuts. Don't worry.", set(), {"i'm", "don't"}),  # a review: "I'm" named every "I'm" note
])
def test_name_forms_are_capitalised_words_that_are_no_common_word(text: str, names: set[str], none: set[str]) -> None:
    forms = name_forms(text)
    assert names <= forms and not none & forms, forms


def test_updates_come_after_every_memory_given_so_a_cut_drops_them_first() -> None:
    """Found by a review: an update under the threshold was put right after its memory, and a cut to
    the results asked for then dropped memories over the threshold."""
    def memory(memory_id: str, text: str, score: float, days: int) -> StoredMemory:
        return StoredMemory(id=memory_id, content=text, metadata={"lumia_created_at": NOW - days * DAY}, score=score)

    chosen = [memory("a", "I work at Spotify as a developer.", 0.86, 90), memory("b", "My dog is Rex.", 0.85, 80),
              memory("c", "I like tea.", 0.84, 70)]
    newer = [memory("n1", "I quit Spotify last week.", 0.79, 5), memory("n2", "Spotify sent my last pay.", 0.78, 3)]
    kept = _with_updates(chosen, [*chosen, *newer], lambda m: (m.score or 0.0) >= 0.775, lambda m: names_of(m.content))
    assert [m.id for m in kept] == ["a", "b", "c", "n1", "n2"]


def test_the_text_sharing_most_words_with_a_question_is_chosen_and_none_when_none_shares_any() -> None:
    texts = ["Idag drack jag kaffe.", "Min dotter Elsa fyller år den 12 maj.", "Elsa var sjuk."]
    assert most_shared("När fyller min dotter Elsa år?", texts) == 1
    assert most_shared("What is the weather like?", texts) is None
    assert most_shared("Elsa", ["Elsa var sjuk.", "Elsa fyller år."]) == 0  # the first of equals


async def test_a_search_lists_by_meaning_only_what_it_matches_more_than_nothing(tmp_path: Path) -> None:
    """Found by a black-box pass: short notes with little to say are near any short search in e5 (0.83-0.89,
    over the chat's threshold), and "example" listed "a.b", "x", "Ümlaut ÅÄÖ" and "Hello world"."""
    notes = ["Jag älskar smörgåsar.", "東京に住んでいます。", "Hello world", "test note", "a.b", "x", "Ümlaut ÅÄÖ",
             "Our car is a red Volvo from 2015.", "My dog Bosse needs his medicine every evening.",
             "I changed jobs, I am a nurse now.", "We have two boxes of old photos in the attic."]
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        vectors = await embedder.passages(notes)
        await store.upsert("b", [StoredMemory(id=f"m{n}", content=text, metadata={"lumia_created_at": float(n)})
                                 for n, text in enumerate(notes)], vectors)
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.825)
        found = {q: [hit.content for hit in (await list_memories(retriever, ListRequest(brain="b", q=q))).memories]
                 for q in ("example", "hello", "Tokyo", "car", "medicine", "sandwich", "job", "dogs", "box")}
    finally:
        embedder.close()
    assert found == {"example": [], "hello": ["Hello world"], "Tokyo": ["東京に住んでいます。"],
                     "car": ["Our car is a red Volvo from 2015."],
                     "medicine": ["My dog Bosse needs his medicine every evening."], "sandwich": [],
                     # The other number of a word is the word (a black-box pass: "job" missed "jobs").
                     "job": ["I changed jobs, I am a nurse now."],
                     "dogs": ["My dog Bosse needs his medicine every evening."],
                     "box": ["We have two boxes of old photos in the attic."]}


async def test_a_search_finds_the_other_forms_of_its_words(tmp_path: Path) -> None:
    """Found by a black-box pass: "stories", "companies", "children", "cities", "mötet", "bilar", "cyklar" and
    "umea" found nothing, though "story", "company", "child", "city", "möte", "bil", "cykel" and "Umeå" were
    held."""
    notes = ["I read a story about dragons to Olle.", "The company gave me a new laptop.",
             "Our child starts school in August.", "Note: I visited the city of Lund.",
             "Mitt möte med chefen Johan är varje måndag.", "Min bil är en gammal Saab.",
             "Jag köpte en ny cykel igår.", "Barnen älskar att bada i sjön.", "Vi bor i Umeå sedan 2019.",
             "I planted a plant on the balcony.", "Vi åt pizza på Pinchos.", "Vänta ett tag."]
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        await store.upsert("b", [StoredMemory(id=f"m{n}", content=text, metadata={"lumia_created_at": float(n)})
                                 for n, text in enumerate(notes)], await embedder.passages(notes))
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.825)
        searched = ("stories", "companies", "children", "cities", "mötet", "bilar", "cyklar", "cykeln", "barnet",
                    "umea", "plan", "pizzor", "a", "och", "tåg")
        found = {q: [hit.content for hit in (await list_memories(retriever, ListRequest(brain="b", q=q))).memories]
                 for q in searched}
    finally:
        embedder.close()
    for q, held in zip(searched, [0, 1, 2, 3, 4, 5, 6, 6, 7, 8], strict=False):
        assert found[q][:1] == [notes[held]], q
    assert notes[9] not in found["plan"][:1]  # "plan" is no form of "plant"
    assert found["pizzor"] == [notes[10]]
    # The commonest words are not indexed: searched as written, as words (a recheck: "a" listed twelve unrelated).
    assert found["a"] == [notes[9], notes[1], notes[0]]  # newest first
    assert found["och"] == []
    assert found["tåg"] == []  # "tag" is typed without diacritics, not "tåg" (a review)


TODAYS = [  # id, note, days ago (NOW is 20:26 UTC: a tenth of a day ago is today)
    ("bosse", "Bosse needs his heart medicine every morning.", 120),
    ("oatmeal", "I had oatmeal with blueberries for breakfast.", 0.1),
    ("storm", "Last night I slept badly because of the storm.", 0.1),
    ("dentist_old", "I had a dentist appointment at 15:00.", 200),
    ("dentist", "I have a dentist appointment at 15:00.", 0.1),
    ("plan", "On Christmas Eve I will celebrate with my parents in Luleå.", 20),
    ("presents", "We opened presents with the whole family around the tree.", 160),
]


async def test_a_query_of_what_is_or_will_be_then_favours_that_time_without_hiding_the_rest(tmp_path: Path) -> None:
    """Found by a black-box pass: "today" restricted `/query` to today, so "Does Bosse need his medicine
    today?" got breakfast and a storm, and "What am I doing on Christmas Eve?" (read as last Christmas)
    lost the plan. Of the past ("What did I eat today?") a time's memories are still the answer alone."""
    asked = await chats(tmp_path, TODAYS, ("Does Bosse need his medicine today?", "Behöver Bosse sin medicin idag?",
                                           "What am I doing on Christmas Eve?", "Do I have the dentist today?",
                                           "What did I eat today?"), relevant_only=False)
    assert asked["Does Bosse need his medicine today?"][0] == "bosse"
    assert asked["Behöver Bosse sin medicin idag?"][0] == "bosse"
    assert asked["What am I doing on Christmas Eve?"][0] == "plan"
    assert asked["Do I have the dentist today?"][0] == "dentist"  # of the two alike, today's
    assert set(asked["What did I eat today?"]) == {"oatmeal", "storm", "dentist"}


async def test_a_query_of_a_time_to_come_puts_what_was_told_of_it_first(tmp_path: Path) -> None:
    """Found by a black-box pass: `/query` "What am I doing next week?" gave "Last week I finally fixed
    my bike." (0.825) before "On 3 June I fly to London." (0.783), and the Monday habit not at all; a
    chat had them right. NOW is Thursday 28 May 2026: next week holds 3 June and a Monday."""
    notes = [("london", "On 3 June I fly to London.", 10), ("bike", "Last week I finally fixed my bike.", 1),
             ("gym", "I go to the gym every Monday.", 30), ("dentist", "I had a dentist appointment last Tuesday.", 3),
             ("cake", "I baked a carrot cake yesterday.", 2), ("work", "Work has been really busy this week.", 0.5)]
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        memories = [stored_form(MemoryItem(id=f"memory-{key}", brain="b", content=text, kind="note",
                                           created_at=NOW - days * DAY)) for key, text, days in notes]
        await store.upsert("b", memories, await embedder.passages([m.content for m in memories]))
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.825, clock=lambda: NOW)
        asked = {q: [h.id for h in (await retriever.query(QueryRequest(brain="b", question=q, n_results=3))).results]
                 for q in ("What am I doing next week?", "Vad ska jag göra nästa vecka?", "What did I do last week?")}
    finally:
        embedder.close()
    assert asked["What am I doing next week?"][:2] == ["memory-london", "memory-gym"]
    assert asked["Vad ska jag göra nästa vecka?"][:2] == ["memory-london", "memory-gym"]
    assert "memory-london" not in asked["What did I do last week?"]  # of the past: what was done then


async def test_a_plan_asked_of_a_date_whose_last_one_is_over_favours_the_next_one(tmp_path: Path) -> None:
    """Found by a recheck: "What am I doing on Christmas Eve?" read as last Christmas put last year's
    memories first; a time over before now is no time a plan asks of. A plan asks of the next one."""
    embedder = shared_test_embedder()
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        notes = {"plan": "On Christmas Eve I will celebrate with my parents in Luleå.",
                 "dog": "Bosse needs his heart medicine every morning."}
        await store.upsert("b", [StoredMemory(id=i, content=t, metadata={"lumia_created_at": NOW - 5 * DAY})
                                 for i, t in notes.items()], await embedder.passages(list(notes.values())))
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.825, clock=lambda: NOW)
        windows = [(await retriever.query(QueryRequest(brain="b", question=q, n_results=2))).time_window
                   for q in ("What am I doing on Christmas Eve?", "Does Bosse need his medicine today?",
                             "Is Bosse likely to need medicine in 2025?")]
    finally:
        embedder.close()
    assert windows[0] is not None and windows[0][0] > NOW  # NOW is in May: last Christmas is over
    assert windows[1] is not None and windows[1][1] > NOW  # today
    assert windows[2] is not None  # a year named is that year, over or not


async def test_a_season_told_of_answers_what_was_done_then_not_on_one_of_its_days(tmp_path: Path) -> None:
    """"Last summer I sailed around Gotland" (said in October) answers "What did I do last summer?";
    a chat asking of one day of that summer is not given every memory told of the whole season."""
    embedder = shared_test_embedder()
    said_at = NOW - 230 * DAY  # 10 October 2025; NOW is 28 May 2026
    notes = {"sailing": "Last summer I sailed around Gotland.", "lasagna": "I cooked lasagna."}
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        stored = []
        for key, text in notes.items():
            metadata: dict[str, str | int | float | bool] = {"lumia_created_at": said_at}
            if (told := told_of(text, said_at, UTC)) is not None:
                metadata.update({ABOUT_FROM: told[0], ABOUT_TO: told[1]})
            stored.append(StoredMemory(id=key, content=text, metadata=metadata))
        await store.upsert("b", stored, await embedder.passages(list(notes.values())))
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.825, clock=lambda: NOW)

        season = await _chat(retriever, "What did I do last summer?")
        day = await _chat(retriever, "What did I do on 5 July last year?")
    finally:
        embedder.close()
    assert season == ["sailing"]
    assert day == []


DOCUMENT_CHUNK = {"lumia_kind": "document", "source": "home.md"}


async def test_a_document_uploaded_today_is_nothing_done_today(tmp_path: Path) -> None:
    """Found by a regression pass: "What did I do today?" got a house guide's chunks, uploaded that day."""
    embedder = shared_test_embedder()
    today = NOW - 3600
    said = {"run": ("I went for a run along the river.", {}),
            "bins": ("## Bins\nThe green bin goes out on Monday evening.", DOCUMENT_CHUNK),
            "wifi": ("## Wi-Fi\nThe network is Lumia-5G, the password is on the router.", DOCUMENT_CHUNK)}
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        await store.upsert("b", [StoredMemory(id=key, content=text, metadata={"lumia_created_at": today, **extra})
                                 for key, (text, extra) in said.items()],
                           await embedder.passages([text for text, _ in said.values()]))
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.825, clock=lambda: NOW)
        done = await _chat(retriever, "What did I do today?")
    finally:
        embedder.close()
    assert done == ["run"]


async def test_a_chat_asking_what_was_done_this_morning_gets_the_morning_only(tmp_path: Path) -> None:
    """Found by a black-box pass: "this morning" was the whole day, and a chat was given the
    evening's football and the night's snack, ranked above the morning's dog walk."""
    embedder = shared_test_embedder()
    midnight = NOW - NOW % DAY  # NOW is 20:26 UTC
    said = {"snack": ("I ate a midnight snack of cheese.", midnight + 0.5 * 3600),
            "dog": ("I walked the dog before breakfast.", midnight + 7 * 3600),
            "football": ("I watched a football match on TV.", midnight + 19 * 3600)}
    try:
        store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
        await store.upsert("b", [StoredMemory(id=key, content=text, metadata={"lumia_created_at": at})
                                 for key, (text, at) in said.items()],
                           await embedder.passages([text for text, _ in said.values()]))
        retriever = Retriever(store, embedder, KeywordCache(), min_score=0.825, clock=lambda: NOW)
        replies = [await retriever.query(QueryRequest(brain="b", question=q, n_results=5, relevant_only=True))
                   for q in ("What did I do this morning?", "Vad gjorde jag i kväll?", "What did I do today?")]
    finally:
        embedder.close()
    assert [[hit.id for hit in reply.results] for reply in replies[:2]] == [["dog"], ["football"]]
    assert {hit.id for hit in replies[2].results} == set(said)


async def _told(tmp_path: Path, said: dict[str, tuple[str, float]],
                now: float = NOW) -> tuple[Retriever, LocalEmbedder]:
    """A retriever at `now` over memories said when given, each with the time it tells of (as ingest stores it)."""
    embedder = shared_test_embedder()
    store = MemoryStore(open_chroma(None, tmp_path), embedder.name)
    stored = []
    for key, (text, at) in said.items():
        metadata: dict[str, str | int | float | bool] = {"lumia_created_at": at}
        if (told := told_of(text, at, UTC)) is not None:
            metadata.update({ABOUT_FROM: told[0], ABOUT_TO: told[1]})
        stored.append(StoredMemory(id=key, content=text, metadata=metadata))
    await store.upsert("b", stored, await embedder.passages([text for text, _ in said.values()]))
    return Retriever(store, embedder, KeywordCache(), min_score=0.825, clock=lambda: now), embedder


async def _chats_told(tmp_path: Path, said: dict[str, tuple[str, float]], *questions: str) -> list[list[str]]:
    """The ids each chat of `questions` is given, in order, from memories said when given (`_told`)."""
    retriever, embedder = await _told(tmp_path, said)
    try:
        return [await _chat(retriever, question) for question in questions]
    finally:
        embedder.close()


async def test_plans_asked_of_today_or_tomorrow_come_first_and_a_plan_of_a_day_to_come_still_answers(
        tmp_path: Path) -> None:
    """Found by a black-box pass: "What am I doing today?" (a time begun) got last week's "Today I'm
    cleaning the garage" and not the plans told of today; and by a review: a plan of a day to come
    was dropped from "Is my dentist appointment tomorrow?", so the model could not say when it is."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026; NOW is 20:26 UTC
    today, dentist = await _chats_told(tmp_path, {
        "spotify": ("Tomorrow I have a job interview at Spotify.", midnight - 5 * 3600),
        "garage": ("Today I'm cleaning out the garage.", midnight - 7 * DAY + 10 * 3600),
        "sara": ("On Thursday I'm having dinner with Sara at the Thai place.", midnight - 2 * DAY + 12 * 3600),
        "dentist": ("I have a dentist appointment on 18 June.", midnight - 10 * DAY),
        "passport": ("Tomorrow I need to renew my passport.", midnight - 2 * DAY + 9 * 3600)},
        "What am I doing today?", "Is my dentist appointment tomorrow?")
    assert set(today[:2]) == {"spotify", "sara"}
    assert "passport" not in today  # told of yesterday
    assert "dentist" in dentist


async def test_asked_what_happened_on_a_day_of_plans_alone_the_plans_said_then_are_given(tmp_path: Path) -> None:
    """Found by a black-box pass: "What happened on 2 December?" got nothing, though that day's "Oskar wants a
    draft of the risk register by Friday 4 December" was kept. What the user did then is still only what was
    done then."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    retriever, embedder = await _told(tmp_path, {
        "draft": ("Oskar wants a draft of the Nova risk register by Friday 29 May.", midnight - 2 * DAY + 10 * 3600),
        "show": ("Elias har skolavslutning den 11 juni.", midnight - 2 * DAY + 18 * 3600),
        "run": ("I ran 10 km along the river.", midnight - 4 * DAY + 7 * 3600)})
    try:
        happened = await _chat(retriever, "What happened on 26 May?")
        hände = await _chat(retriever, "Vad hände den 26 maj?")
        did = await _chat(retriever, "What did I do on 26 May?")
        query = await retriever.query(QueryRequest(brain="b", question="What happened on 26 May?", n_results=5))
    finally:
        embedder.close()
    assert set(happened) == set(hände) == {"draft", "show"}
    assert did == []
    assert {hit.id for hit in query.results} == {"draft", "show"}


async def test_what_was_done_is_no_plan_of_a_time_to_come(tmp_path: Path) -> None:
    """Found by a black-box pass: "What am I doing tomorrow?" got "Jag köpte en ny cykel, en Crescent.", said
    yesterday (0.830 against the question moved into Swedish): a purchase done is no plan."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    [tomorrow] = await _chats_told(tmp_path, {
        "bike": ("Jag köpte en ny cykel, en Crescent.", midnight - DAY + 10 * 3600),
        "interview": ("Tomorrow I have a job interview at Spotify.", midnight + 9 * 3600),
        "padel": ("Jag spelar padel varje tisdag med Erik.", midnight - 20 * DAY),
        "boat": ("Jag har en båt som heter Havsörn.", midnight - 30 * DAY),
        "sister": ("My sister Karin lives in Lund.", midnight - 40 * DAY),
        "job": ("I work as a nurse at the hospital.", midnight - 50 * DAY),
        "allergy": ("Jag är allergisk mot nötter.", midnight - 60 * DAY),
        "car": ("We drive a red Volvo.", midnight - 70 * DAY),
        "run": ("I ran 10 km on Sunday.", midnight - 5 * DAY),
        "cinema": ("Vi såg Dune på bio i lördags.", midnight - 6 * DAY)},
        "What am I doing tomorrow?")
    assert tomorrow == ["interview"]


async def test_a_plan_moved_is_a_plan_of_its_new_day_and_comes_with_the_old_one(tmp_path: Path) -> None:
    """Found by black-box passes: "My dentist appointment has been moved to 17 December" was read as last 17
    December, so "What am I doing on 17 December?" got nothing; "What am I doing on 14 December?" got the
    booking and not its move, "What am I doing tomorrow?" the Sunday lunch and not its postponement, and "har
    jag något inbokat nästa vecka?" the julbord and not "julbordet är inställt": plans named by no name."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    new_day, old_day, tomorrow, next_week, sunday = await _chats_told(tmp_path, {
        "booked": ("Booked the dentist: appointment on 14 June at 9am.", midnight - 10 * DAY),
        "moved": ("The dental practice rang: my dentist appointment is moved to 17 June at 10:30.", midnight - 2 * DAY),
        "lunch": ("Tomorrow we're having Sunday lunch at mum and dad's in Stockport.", midnight + 9 * 3600),
        "postponed": ("Mum rang, Sunday lunch is postponed to next Sunday because dad isn't feeling well.",
                      midnight + 11 * 3600),
        "julbord": ("julbord med jobbet fredag 5 juni kl 18", midnight - 10 * DAY),
        "cancelled": ("julbordet med jobbet är inställt, för få anmälda", midnight - DAY),
        "ikea": ("på söndag ska vi till ikea o kolla ny soffa", midnight - 3 * DAY + 20 * 3600),
        "waits": ("ikea får vänta, vi åker dit nästa helg istället", midnight + 10 * 3600),
        "gym": ("I go to the gym on Mondays and Thursdays.", midnight - 30 * DAY),
        "cat": ("Katten Måns har ont i en tass.", midnight - 20 * DAY)},
        "What am I doing on 17 June?", "What am I doing on 14 June?", "What am I doing tomorrow?",
        "har jag något inbokat nästa vecka?", "vad gör vi på söndag?")
    assert new_day[:1] == ["moved"]
    assert old_day[:2] == ["booked", "moved"]
    assert tomorrow[:2] == ["lunch", "postponed"]
    assert next_week.index("cancelled") == next_week.index("julbord") + 1
    assert sunday[:2] == ["ikea", "waits"]


async def test_plans_moved_in_other_words_and_done_things_are_read_as_they_are(tmp_path: Path) -> None:
    """Found by a recheck: "Moved Bosse's vet visit to Wednesday.", "Dinner with the Johanssons moved to the 19th."
    and "Konserten blir inte av" were no changes of their plans; "I also need to pick up dad's Eliquis on Monday"
    no plan of Monday's; "Is anything planned for tomorrow?" got yesterday's bike."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    monday, twentieth, concert, tomorrow = await _chats_told(tmp_path, {
        "vet": ("Vet appointment for Bosse on Monday 1 June.", midnight - 6 * DAY),
        "vet_moved": ("Moved Bosse's vet visit to Wednesday.", midnight + 9 * 3600),
        "dinner": ("Dinner with the Johanssons on Saturday 13 June.", midnight - 6 * DAY),
        "dinner_moved": ("Dinner with the Johanssons moved to the 20th.", midnight + 10 * 3600),
        "concert": ("Ska på konsert med Kent-coverbandet lördag 6 juni.", midnight - 6 * DAY),
        "concert_off": ("Konserten blir inte av, bandet har splittrats.", midnight + 11 * 3600),
        "eliquis": ("I also need to pick up dad's Eliquis from the pharmacy on Monday.", midnight + 12 * 3600),
        "bike": ("Bought a new bike yesterday, a blue Bianchi.", midnight + 8 * 3600),
        "friday": ("Tomorrow I'm meeting Sara for lunch at noon.", midnight + 13 * 3600)},
        "What am I doing on Monday?", "What am I doing on 20 June?", "Vad gör jag lördag 6 juni?",
        "Is anything planned for tomorrow?")
    assert monday.index("vet_moved") == monday.index("vet") + 1 and "eliquis" in monday
    assert twentieth[:1] == ["dinner_moved"]
    assert concert[:2] == ["concert", "concert_off"]
    assert "bike" not in tomorrow and "friday" in tomorrow


async def test_a_habit_given_up_in_another_form_of_its_word_is_no_plan(tmp_path: Path) -> None:
    """Found by a recheck: "Varje onsdag går jag på svenskakurs." was still a plan after "Jag har slutat med
    svenskakursen" (the words differ by their ending)."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    [wednesday] = await _chats_told(tmp_path, {
        "course": ("Varje onsdag går jag på svenskakurs.", midnight - 50 * DAY),
        "quit": ("Jag har slutat med svenskakursen, den var för lätt.", midnight - 5 * DAY),
        "dentist": ("Tandläkaren på onsdag klockan nio.", midnight + 9 * 3600)},
        "Vad ska jag göra på onsdag?")
    assert "course" not in wednesday and "dentist" in wednesday


async def test_a_deadline_is_a_plan_of_its_day(tmp_path: Path) -> None:
    """Found by a black-box pass: "What's due next week?" and "What do I have on Wednesday 9 December?" missed
    "He wants the stakeholder interviews done by Wednesday 9 December." ("done" read it as the past)."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    week, wednesday, tomorrow = await _chats_told(tmp_path, {
        "interviews": ("Oskar wants the stakeholder interviews done by Wednesday 3 June.", midnight - DAY),
        "slides": ("He wants the slides done by Friday.", midnight + 9 * 3600),
        "report": ("Jag måste lämna in rapporten senast på måndag.", midnight + 10 * 3600),
        "run": ("I ran 10 km this morning, new personal best.", midnight + 8 * 3600),
        "book": ("I finished the report by Friday last week.", midnight - 6 * DAY)},
        "What's due next week?", "What do I have on Wednesday 3 June?", "What am I doing tomorrow?")
    assert set(week) == {"interviews", "report"}
    assert wednesday == ["interviews"]
    assert tomorrow == ["slides"]


async def test_a_habit_of_the_weekday_is_a_plan_and_another_days_today_is_none(tmp_path: Path) -> None:
    """Found by a black-box pass: "What am I doing today?" got "First day at Spotify today!" said days
    before, and "On Sundays I usually call my mom" never came for "tomorrow" or "på söndag"."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    tomorrow, sunday, today = await _chats_told(tmp_path, {
        "padel": ("Every Friday I play padel with Erik at Hellas.", midnight - 20 * DAY),
        "mom": ("På söndagar ringer jag alltid mamma.", midnight - 15 * DAY),
        "spotify": ("First day at Spotify today! My manager is called Priya.", midnight - 3 * DAY + 9 * 3600),
        "tacos": ("Yesterday we had tacos and watched a film.", midnight - 2 * DAY + 9 * 3600),
        "sara": ("Tomorrow I'm having lunch with Sara.", midnight - 5 * 3600),
        "gave_up": ("I used to play chess on Fridays.", midnight - 30 * DAY)},
        "What am I doing tomorrow?", "Vad ska jag göra på söndag?", "What am I doing today?")
    assert tomorrow[:1] == ["padel"] and "gave_up" not in tomorrow
    assert sunday[:1] == ["mom"]
    assert today[:1] == ["sara"] and not {"spotify", "tacos", "padel", "mom"} & set(today)


async def test_a_weeks_habits_come_after_what_is_planned_for_its_days(tmp_path: Path) -> None:
    """Found by a black-box pass: five weekly habits took every place for "Vad ska jag göra nästa
    vecka?", and the vet appointment that week was left out; and "Föreslå en middag till oss ikväll"
    got yesterday's "Ikväll åt vi pizza" and none of the diets and allergies told."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    next_week, dinner = await _chats_told(tmp_path, {
        "padel": ("Every Tuesday I play padel with Erik.", midnight - 30 * DAY),
        "swim": ("På måndagar har Ella simträning klockan 17.", midnight - 29 * DAY),
        "yoga": ("Every Saturday morning I do yoga at Friskis.", midnight - 28 * DAY),
        "home": ("På onsdagar jobbar jag hemifrån.", midnight - 27 * DAY),
        "floorball": ("Every Thursday I play floorball.", midnight - 26 * DAY),
        "vet": ("Sixten has a vet appointment on Wednesday 3 June.", midnight - 2 * DAY),
        "pizza": ("Ikväll åt vi pizza och tittade på film.", midnight - DAY + 19 * 3600),
        "vegan": ("Jag är vegan sedan i höstas.", midnight - 20 * DAY)},
        "What am I doing next week?", "Föreslå en middag till oss ikväll.")
    assert next_week[:1] == ["vet"] and len({"padel", "swim", "yoga", "home", "floorball"} & set(next_week)) == 4
    assert dinner[:1] == ["vegan"]  # a chat about food: the diet first


async def test_a_trip_from_one_date_to_another_is_a_plan_of_the_days_between(tmp_path: Path) -> None:
    """Found by a black-box pass: "What are our plans for New Year's Eve?" never got "We booked a trip
    to Lisbon from 27 December to 2 January"."""
    midnight = NOW - NOW % DAY  # 28 May 2026
    [new_year] = await _chats_told(tmp_path, {
        "lisbon": ("We booked a trip to Lisbon from 27 December to 2 January, flying with TAP.", midnight - 20 * DAY),
        "oaxen": ("Karin and I have a table booked at Oaxen for date night on 12 December.", midnight - 10 * DAY),
        "paint": ("Vi ska måla om Elsas rum i januari.", midnight - 5 * DAY),
        "gifts": ("Our budget for Christmas gifts this year is 5000 kronor.", midnight - 3 * DAY)},
        "What are our plans for New Year's Eve?")
    assert "lisbon" in new_year


async def test_what_was_done_in_a_part_of_today_is_not_a_plan_for_the_day(tmp_path: Path) -> None:
    """Found by a black-box pass: "What did I do this morning?" got the evening's theatre (told of
    today the day before) and next week's trip; "Vad gjorde jag i kväll?" missed tonight's cinema,
    told of in the morning."""
    midnight = NOW - NOW % DAY
    morning, evening, week = await _chats_told(tmp_path, {
        "porridge": ("I had porridge with blueberries for breakfast.", midnight + 8 * 3600),
        "theatre": ("Tomorrow evening I'm going to the theatre with Maja.", midnight - 5 * 3600),
        "cinema": ("Tonight I'm going to the cinema with Johan.", midnight + 8.5 * 3600),
        "monday": ("Next Monday I will start my new job at Ericsson.", midnight - 5 * 3600)},
        "What did I do this morning?", "Vad gjorde jag i kväll?", "What did I do this week?")
    assert morning == ["porridge"]
    assert "cinema" in evening and "porridge" not in evening
    assert "monday" not in week  # a plan of a time not begun is nothing done yet


async def test_plans_of_a_time_to_come_do_not_push_out_what_answers_a_question_about_it(tmp_path: Path) -> None:
    """Found by a review: every plan told of next week went first, whatever its similarity, and five
    of them left no place for the approved visa "Is my India visa sorted for next week?" asks of."""
    midnight = NOW - NOW % DAY
    plans = {key: (f"Next week I'm {doing}.", midnight - 14 * 3600) for key, doing in (
        ("dentist", "seeing the dentist"), ("hair", "getting a haircut"), ("anna", "having dinner with Anna"),
        ("football", "playing football with Bo"), ("laundry", "doing the laundry on Tuesday"))}
    retriever, embedder = await _told(tmp_path, {
        **plans, "trip": ("Next week I'm flying to Delhi for work.", midnight - 13 * 3600),
        "visa": ("My e-visa for India was approved, I must print it and bring it.", midnight - 8 * DAY)})
    try:
        reply = await retriever.query(QueryRequest(brain="b", question="Is my India visa sorted for next week?",
                                                   n_results=5, relevant_only=True))
        asked = await retriever.query(QueryRequest(brain="b", question="What am I doing next week?",
                                                   n_results=6, relevant_only=True))
    finally:
        embedder.close()
    assert "visa" in [hit.id for hit in reply.results][:2]
    assert {hit.id for hit in asked.results} == {*plans, "trip"}  # asked for the plans: all of them


async def test_query_puts_a_plan_of_tomorrow_above_yesterdays_plans_for_tomorrow(tmp_path: Path) -> None:
    """Found by a black-box pass: /query for "Vad ska jag göra i morgon?" put yesterday's "I morgon ska
    jag till tandläkaren" (today's plan) first, above the plan told of tomorrow."""
    midnight = NOW - NOW % DAY  # a Thursday: tomorrow is a Friday
    retriever, embedder = await _told(tmp_path, {
        "dentist": ("I morgon ska jag till tandläkaren.", midnight - 12 * 3600),
        "passport": ("Tomorrow I need to renew my passport.", midnight - 11 * 3600),
        "baking": ("På fredag ska vi baka pepparkakor med mormor.", midnight - 3 * DAY + 12 * 3600)})
    try:
        found = [await retriever.query(QueryRequest(brain="b", question=q, n_results=3))
                 for q in ("Vad ska jag göra i morgon?", "What am I doing tomorrow?")]
    finally:
        embedder.close()
    assert [reply.results[0].id for reply in found] == ["baking", "baking"]


async def test_a_plan_of_a_wider_time_is_no_answer_about_a_day_in_it_unless_its_words_are_near(
        tmp_path: Path) -> None:
    """Found by a recheck: "Vem ska passa Bosse i helgen?" was given "Next month we're moving into the
    new flat" and "Next week I'm starting at Klarna" (0.76), as plans of the weekend."""
    midnight = NOW - NOW % DAY  # Thursday 28 May: next month is June, the coming weekend 30-31 May
    retriever, embedder = await _told(tmp_path, {
        "klarna": ("Next week I'm starting my new job at Klarna.", midnight - 10 * DAY),
        "flat": ("Next month we're moving into the new flat.", midnight - 20 * DAY),
        "bosse": ("On Saturday my sister will look after Bosse while we are away.", midnight - 2 * DAY)})
    try:
        reply = await retriever.query(QueryRequest(brain="b", question="Who will look after Bosse this weekend?",
                                                   n_results=5, relevant_only=True))
    finally:
        embedder.close()
    assert [hit.id for hit in reply.results] == ["bosse"]


async def test_plans_told_in_other_words_and_last_night_told_in_the_morning_answer(tmp_path: Path) -> None:
    """Found by a black-box pass: "Bosse the dog has a vet appointment on Wednesday 3 June" (another's
    plan, in the present) and "Den 6 juni har Maja dansuppvisning" were no plans, so "What am I doing
    on Wednesday?" missed the vet and "Vad gjorde jag förra helgen?" was given the dance show as done;
    "Last night we went to a jazz concert", said in the morning, was no answer to "What did I do last night?"."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026: the coming Wednesday is 3 June
    wednesday, weekend, night, morning, förmiddag = await _chats_told(tmp_path, {
        "vet": ("Bosse the dog has a vet appointment on Wednesday 3 June.", midnight - 5 * DAY),
        "dance": ("Den 6 juni har Maja dansuppvisning på Kulturhuset.", midnight - 5 * DAY),
        "jazz": ("Last night we went to a jazz concert at Fasching.", midnight + 8 * 3600),
        "tacos": ("I cooked tacos for the kids.", midnight - 6 * DAY),
        # A later pass: told as all of yesterday, these were no answer to "yesterday morning".
        "sink": ("Yesterday morning I fixed the kitchen sink.", midnight + 9 * 3600),
        "dentist": ("Igår förmiddag var jag hos tandläkaren.", midnight + 9 * 3600)},
        "What am I doing on Wednesday?", "Vad gjorde jag förra helgen?", "What did I do last night?",
        "What did I do yesterday morning?", "Vad gjorde jag igår förmiddag?")
    assert wednesday[:1] == ["vet"]
    assert "dance" not in weekend
    assert night == ["jazz"]
    assert sorted(morning) == sorted(förmiddag) == ["dentist", "sink"]


async def test_a_memory_of_the_month_asked_of_is_given_though_the_month_lowers_its_score(tmp_path: Path) -> None:
    """Found by a black-box pass: "How did the race go?" got the half marathon (0.829) and "How did the race
    go in May?" nothing, the month's words taking its score under the threshold. Of a season, not so:
    "Hur kallt är Medelhavet på vintern?" asks of every winter (bench/gate.py)."""
    april = datetime(2026, 4, 18, 14, tzinfo=UTC).timestamp()
    retriever, embedder = await _told(tmp_path, {
        "race": ("I ran the Göteborgsvarvet half marathon today, finished in 1:58.", april),
        "lasagne": ("Vi lagade lasagne till middag.", april - 2 * DAY),
        "winter": ("We went skating on the lake.", datetime(2026, 1, 20, 14, tzinfo=UTC).timestamp())})
    try:
        plain = await retriever.query(QueryRequest(brain="b", question="How did the race go?", n_results=5))
        in_april = await retriever.query(QueryRequest(brain="b", question="How did the race go in April?",
                                                      n_results=5))
        chat = await _chat(retriever, "How did the race go in April?")
        sea = await _chat(retriever, "How cold is the Baltic Sea in winter?")
    finally:
        embedder.close()
    race = {hit.id: hit.score for hit in in_april.results}["race"]
    assert race < 0.825 <= {hit.id: hit.score for hit in plain.results}["race"]  # what the rule is for
    assert chat == ["race"]
    assert sea == []


async def test_a_question_of_we_gets_what_the_household_told_of_itself(tmp_path: Path) -> None:
    """Found by a black-box pass: "Where do I live?" got "My partner Sam and I live in Malmö." and "Where do
    we live?" nothing (0.815, just under the threshold; only a question of "I" got the closest fact)."""
    march = datetime(2026, 3, 10, 10, tzinfo=UTC).timestamp()
    we, joke = await _chats_told(tmp_path, {
        "home": ("My partner Sam and I live in Malmö.", march),
        "padel": ("I play padel every Tuesday.", march + DAY),
        "cake": ("Vi bakade en chokladtårta.", march + 2 * DAY)},
        "Where do we live?", "Can we hear a joke?")
    assert we == ["home"]
    assert joke == []


async def test_a_habit_of_other_weekdays_is_no_plan_for_a_day_to_come(tmp_path: Path) -> None:
    """Found by a black-box pass: "What am I doing tomorrow?", asked on a Friday, got "Every Tuesday I play
    padel". A habit of the day asked of is a plan of it, and a question of the habit still gets it."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026: tomorrow is a Friday
    retriever, embedder = await _told(tmp_path, {
        "padel": ("Varje tisdag spelar jag padel.", midnight - 20 * DAY),
        "yoga": ("På fredagar går jag på yoga efter jobbet.", midnight - 19 * DAY)})
    try:
        tomorrow = await _chat(retriever, "Vad ska jag göra imorgon?")
        monday = await _chat(retriever, "Vad ska jag göra på måndag?")  # nothing then: a second pass
        padel = await _chat(retriever, "Spelar jag padel imorgon?")
        scores = {h.id: h.score for h in (await retriever.query(QueryRequest(
            brain="b", question="Vad ska jag göra imorgon?", n_results=5))).results}
    finally:
        embedder.close()
    assert (scores["padel"] or 0.0) >= 0.825  # what the rule is for: near enough to be given
    assert tomorrow == ["yoga"]
    assert monday == []
    assert "padel" in padel


async def test_of_a_time_over_what_was_of_it_comes_first(tmp_path: Path) -> None:
    """Found by a black-box pass: "Hur gick padelturneringen i maj?" got October's tournament first and May's
    after it; `/query` kept to May. A chat still gets the other (the model may compare), after."""
    may, october = (datetime(2025, month, day, 18, tzinfo=UTC).timestamp() for month, day in ((5, 9), (10, 10)))
    [chat] = await _chats_told(tmp_path, {
        "may": ("Vi vann padelturneringen i Västerås!", may),
        "october": ("Förlorade padelturneringen i Uppsala i första rundan.", october)},
        "Hur gick padelturneringen i maj 2025?")
    assert chat == ["may", "october"]


async def test_a_day_to_come_with_nothing_planned_gets_no_plan_of_another_day(tmp_path: Path) -> None:
    """Found by a black-box pass: with nothing told of tomorrow, "What am I doing tomorrow?" was answered from
    all time, and got "Tomorrow I need to renew my passport.", said two weeks before, first."""
    midnight = NOW - NOW % DAY
    retriever, embedder = await _told(tmp_path, {
        "passport": ("Tomorrow I need to renew my passport.", midnight - 15 * DAY + 10 * 3600),
        "job": ("I work as a nurse in Umeå.", midnight - 40 * DAY)})
    try:
        asked = [await _chat(retriever, q) for q in ("What am I doing tomorrow?", "Vad ska jag göra imorgon?")]
    finally:
        embedder.close()
    assert asked == [[], []]


async def test_a_habit_given_up_since_is_no_plan(tmp_path: Path) -> None:
    """Found by a black-box pass: "I play padel every Wednesday", then "I stopped playing padel after the
    move", and "What am I doing next week?" still got the padel."""
    midnight = NOW - NOW % DAY
    week, wednesday = await _chats_told(tmp_path, {
        "padel": ("I play padel every Wednesday.", midnight - 60 * DAY),
        "stopped": ("I stopped playing padel after the move.", midnight - 10 * DAY),
        "yoga": ("On Fridays I go to yoga after work.", midnight - 50 * DAY),
        "choir": ("Every Tuesday I have choir practice.", midnight - 40 * DAY)},
        "What am I doing next week?", "What am I doing on Wednesday?")
    assert "padel" not in week and "padel" not in wednesday
    assert {"yoga", "choir"} <= set(week)


MOVES_AND_PARTNERS = [  # id, note, days ago
    ("alidhem", "Jag bor i en lägenhet på Ålidhem i Umeå.", 247),
    ("teg", "Jag har flyttat till ett radhus på Teg.", 153),
    ("holmsund", "Nu har jag flyttat igen, till ett hus i Holmsund.", 32),
    ("sara", "My girlfriend Sara and I have been together for three years.", 290),
    ("breakup", "Sara and I broke up last weekend. It's over.", 170),
    ("johanna", "I have a new girlfriend, her name is Johanna.", 60),
    ("guitar", "Jag spelar gitarr på fritiden.", 200), ("kent", "Min favoritartist är Kent.", 180),
    ("shellfish", "Jag är allergisk mot skaldjur.", 120), ("olle", "Min bror heter Olle och bor i Luleå.", 90),
    ("teacher", "Jag jobbar som lärare på en gymnasieskola.", 60),
]


async def test_a_chat_gets_where_a_chain_of_changes_ends_and_a_partner_told_of_without_my(tmp_path: Path) -> None:
    """Found by a black-box pass: "Var bor jag?" got Ålidhem and the move to Teg, not the move on from Teg
    to Holmsund, where the user lives now (an update's update was not looked for); "Who is my partner?" got
    the ex and the breakup, not "I have a new girlfriend, her name is Johanna." ("a girlfriend" the user
    has was not read as theirs, as "my girlfriend" is)."""
    asked = await chats(tmp_path, MOVES_AND_PARTNERS, ("Var bor jag?", "Who is my partner?", "Vad heter min bror?"))
    assert {"alidhem", "teg", "holmsund"} <= set(asked["Var bor jag?"])
    assert {"sara", "breakup", "johanna"} <= set(asked["Who is my partner?"])
    assert asked["Vad heter min bror?"] == ["olle"]


@pytest.mark.parametrize(("question", "state"), [
    ("Where was I living in March?", True), ("Where did I work in March?", True), ("Var bodde jag i mars?", True),
    ("Who was my girlfriend in March?", True), ("Vem var min sambo i mars?", True),
    ("What car did I drive last year?", True), ("What did I do in March?", False), ("How was my week?", False),
    ("Did I have a meeting in March?", False), ("Vad gjorde jag i mars?", False), ("Hur var min helg?", False),
    ("Who lived with us in September?", True), ("Var jobbade jag i juni?", True),
    ("What bike did I have in May?", True), ("Vilken cykel hade jag i september?", True),
    # What was done, not what was so (a review): each got all time's memories told before it.
    ("Did I work out yesterday?", False), ("What did I work on last week?", False),
    ("What meetings did I have yesterday?", False), ("Vad hade jag för möten igår?", False),
    ("Vad jobbade jag med igår?", False), ("Körde jag bil i måndags?", False),
    ("Did I have a car last summer?", True), ("Hade jag bil i somras?", True), ("Var jag singel i somras?", True),
    ("Did I have a job interview last week?", False), ("Did I have a phone call with Anna yesterday?", False),
    ("Hade jag jobb i lördags?", False),
])
def test_a_question_asks_what_was_so_at_a_time_or_what_was_done(question: str, state: bool) -> None:
    assert asks_of_a_state(question) is state


A_SPRING = [  # id, note, days ago (NOW is 28 May)
    ("majorna", "I live in an apartment in Majorna, Gothenburg.", 150),
    ("molndal", "We moved to Mölndal, the new flat is great.", 30), ("nurse", "I work as a nurse at Sahlgrenska.", 140),
    ("volvo", "I started my new job as a project manager at Volvo Cars.", 10),
    ("sara", "My girlfriend Sara and I have been together for three years.", 160),
    ("coffee", "I drink three cups of coffee a day.", 100), ("lena", "My sister Lena is a teacher in Lund.", 90),
    ("concert", "Went to a Coldplay concert last night, amazing!", 70),
    ("ran", "I ran 10 km along the river today.", 80),
]


async def test_what_was_so_at_a_time_is_what_was_told_of_it_then_or_before(tmp_path: Path) -> None:
    """Found by a black-box pass: "Where was I living in May?" got May's other memories and not the home told in
    April, still the home in May. What was so at a time is what was told then or before, not what was done then,
    nor what was told after it (the move in late April is after March)."""
    asked = await chats(tmp_path, A_SPRING, ("Where was I living in March?", "Var bodde jag i mars?",
                                             "Who was my girlfriend in March?", "Where did I work in March?",
                                             "What did I do in March?"))
    assert asked["Where was I living in March?"] == asked["Var bodde jag i mars?"] == ["majorna"]
    assert asked["Who was my girlfriend in March?"] == ["sara"]
    assert "nurse" in asked["Where did I work in March?"] and "volvo" not in asked["Where did I work in March?"]
    assert sorted(asked["What did I do in March?"]) == ["concert", "ran"]
    ranked = await chats(tmp_path / "query", A_SPRING, ("Where was I living in March?",), relevant_only=False)
    assert ranked["Where was I living in March?"][0] == "majorna"


@pytest.mark.parametrize(("text", "corrects"), [
    ("Actually my sister is called Lina, not Lena.", True), ("Jag menade Umeå, inte Luleå.", True),
    ("Rättelse: mötet är på fredag.", True), ("My sister Lena is a teacher in Lund.", False),
    ("I'm not vegan.", False), ("Jag gillar inte kaffe.", False), ("It was fine, not a problem.", False),
    ("Det gick bra, inte alls dåligt.", False), ("Actually I think it is fine.", False),
])
def test_a_memory_corrects_an_earlier_one(text: str, corrects: bool) -> None:
    assert tells_a_correction(text) is corrects


async def test_a_correction_comes_with_what_it_corrects(tmp_path: Path) -> None:
    """Found by a black-box pass: "What does Lina do?" got only "Actually my sister is called Lina, not Lena.",
    not the older "My sister Lena is a teacher in Lund." that says what she does."""
    notes = [*CHANGED, ("lena", "My sister Lena is a teacher in Lund.", 200),
             ("lina", "Actually my sister is called Lina, not Lena.", 5)]
    notes += [("chef", "My brother Oskar works as a chef in Malmö.", 100),
              ("baker", "Correction: Oskar is a baker, not a chef.", 3)]
    asked = await chats(tmp_path, notes, ("What does Lina do?", "What does my brother do for a living?",
                                          "Tell me a joke."))
    assert asked["What does Lina do?"] == ["lina", "lena"] and asked["Tell me a joke."] == []
    # A later correction comes right after what it corrects, as an end does (a black-box recheck).
    brother = asked["What does my brother do for a living?"]
    assert brother.index("baker") == brother.index("chef") + 1


async def test_a_question_of_ones_own_that_nothing_passes_gets_what_is_as_close(tmp_path: Path) -> None:
    """Found by a black-box pass: with "I drive a red Volvo V70." forgotten, "What car do I drive?" got "Today I
    started my new job as a project manager at Volvo Cars." (0.817) and not the car the user drives now, told
    as closely (0.817). What the user told of themselves as close as the closest comes with it."""
    notes = [(i, text, days) for i, text, days in CHANGED if i not in {"volvo", "tesla"}] + [
        ("job", "Today I started my new job as a project manager at Volvo Cars.", 90),
        ("tesla", "I sold the Volvo and bought a white Tesla Model 3.", 150)]
    asked = await chats(tmp_path, notes, ("What car do I drive?", "Tell me a joke."))
    assert "tesla" in asked["What car do I drive?"] and asked["Tell me a joke."] == []


A_YEAR_OF_CHANGES = [  # id, note, days ago (NOW is 28 May 2026)
    ("linkoping", "I live in Linköping.", 300), ("norrkoping", "I moved from Linköping to Norrköping.", 100),
    ("nykoping", "We moved again, now to Nyköping.", 20), ("petra", "Min chef heter Petra.", 200),
    ("omar", "Jag har fått en ny chef, Omar.", 10), ("henrik", "I live with my partner Henrik.", 150),
    ("cannondale", "I bought a used Cannondale road bike.", 140),
    *(note for note in CHANGED if note[0].startswith("life")),
]


async def test_what_was_so_at_a_time_comes_with_what_changed_it_before_and_nothing_after(tmp_path: Path) -> None:
    """Found by a black-box pass: "Where was I living in June?" got the first home and not the move before June;
    "Vem var min chef i våras?" also got the bosses told after the spring; "What bike did I have in May?" and
    "Who was I dating in August?" were not read as asking what was so then."""
    asked = await chats(tmp_path, A_YEAR_OF_CHANGES, (
        "Where was I living in March?", "Vem var min chef i mars?", "What bike did I have in April?",
        "Who was I dating in March?", "Am I seeing anyone?"))
    assert {"linkoping", "norrkoping"} <= set(asked["Where was I living in March?"])
    assert "nykoping" not in asked["Where was I living in March?"]
    assert "petra" in asked["Vem var min chef i mars?"] and "omar" not in asked["Vem var min chef i mars?"]
    assert "cannondale" in asked["What bike did I have in April?"]
    assert "henrik" in asked["Who was I dating in March?"] and "henrik" in asked["Am I seeing anyone?"]
    # A time nothing was told in is no reason to give what was told after it (a review).
    bosses = [note for note in A_YEAR_OF_CHANGES if note[0] in {"petra", "omar"}]
    asked = await chats(tmp_path / "bosses", bosses, ("Vem var min chef i mars?",))
    assert asked["Vem var min chef i mars?"] == ["petra"]


FAMILY_LIFE = [  # id, note, days ago
    ("mother", "My mother Ingrid lives in Gävle.", 90), ("father", "My father Sture got a new hip in May.", 80),
    ("son", "My son Olle turned 7 in March.", 70), ("daughter", "My daughter Elsa plays football on Saturdays.", 60),
    ("wife", "My wife Sofia is a dentist.", 50), ("skoda", "We bought a new family car, a Skoda.", 40),
    ("nephew", "Our nephew Theo visited us last weekend, such a family day!", 30),
    *(note for note in CHANGED if note[0].startswith("life")),
]


async def test_a_question_of_the_users_ones_gets_them_before_what_only_scores(tmp_path: Path) -> None:
    """Found by a black-box pass: "Tell me about my family" got the brother, the sister, the wife, a car and a
    nephew, and the cut to a chat's five left out both parents and both children. Asked of the user's ones,
    those it names come first."""
    asked = await chats(tmp_path, FAMILY_LIFE, ("Tell me about my family", "Berätta om min familj"))
    family = {"mother", "father", "son", "daughter", "wife", "life0", "life3", "life5"}  # CHANGED's too
    for question in ("Tell me about my family", "Berätta om min familj"):
        assert len(asked[question]) == 5 and set(asked[question]) <= family, question


async def test_an_end_given_for_its_own_score_comes_right_after_what_it_ends(tmp_path: Path) -> None:
    """Found by a black-box pass: "What car do I drive?" gave the Volvo, then a job, then "I sold the Volvo
    last week." (given for its own score); "Har jag kvar Volvon?" gave the sale before the car."""
    notes = [(i, text, days) for i, text, days in CHANGED if i not in {"volvo", "tesla"}] + [
        ("skoda", "I drive a blue Skoda Octavia.", 200), ("tyres", "Jag bytte till vinterdäck på bilen igår.", 40),
        ("sold", "I sold the Skoda Octavia and bought a white Volvo XC40.", 20),
        ("bianchi", "I have an old racing bike, a red Bianchi.", 150),
        ("stole", "Someone stole my Bianchi from outside the station.", 10)]
    asked = await chats(tmp_path, notes, ("What car do I drive?", "Do I have a bike?"))
    car = asked["What car do I drive?"]
    assert car.index("sold") == car.index("skoda") + 1, car
    assert asked["Do I have a bike?"][:2] == ["bianchi", "stole"]


async def test_what_was_arranged_on_a_day_is_done_then_and_a_plan_of_its_own_day(tmp_path: Path) -> None:
    """Found by black-box passes: "Vad gjorde jag den 24 november?" got nothing though that day's "Har anmält mig till
    Lucialoppet den 13 december" was told, nor "What did I do on 26 May?" a plan moved that day; "What am I doing
    tomorrow?" got nothing though "I just remembered my lab report … is due tomorrow" was told today, nor a shift
    agreed to be covered on a coming day. A plan said then is still nothing done then."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    did, gjorde, tomorrow, saturday = await _chats_told(tmp_path, {
        "signed": ("Har anmält mig till Göteborgsvarvet den 13 juni.", midnight - 2 * DAY + 10 * 3600),
        "moved": ("The stats exam got moved to 16 June.", midnight - 2 * DAY + 15 * 3600),
        "ran": ("I ran 10 km along the river.", midnight - 2 * DAY + 7 * 3600),
        "start": ("Next Monday I start at Ericsson.", midnight - 2 * DAY + 19 * 3600),
        "report": ("Oh no, I just remembered my lab report for Research Methods is due tomorrow at midnight.",
                   midnight + 9 * 3600),
        "shift": ("Tom asked me to cover his shift on Saturday and I said yes.", midnight - DAY + 12 * 3600),
        "bike": ("I bought a new bike yesterday.", midnight + 8 * 3600)},
        "What did I do on 26 May?", "Vad gjorde jag den 26 maj?", "What am I doing tomorrow?",
        "What am I doing on Saturday?")
    assert set(did) == set(gjorde) == {"signed", "moved", "ran"}
    assert tomorrow[:1] == ["report"] and "bike" not in tomorrow
    assert "shift" in saturday


VIKTOR_BESIDES = ["Viktor har fotboll på torsdagar.", "Viktor äter inte fisk.", "Viktor vill börja på innebandy.",
                  "Viktor fick en ny cykel av mormor.", "Viktor har tappat en tand.", "Viktor läser Harry Potter.",
                  "Viktor ska på kalas hos Leo.", "Viktor tycker om Minecraft.", "Viktor har en ny kompis, Sam.",
                  "Viktor behöver nya vinterskor.", "Viktors lärare heter Karin.", "Viktor är rädd för hundar.",
                  "Viktor byggde ett lego-slott.", "Viktor spelar piano på onsdagar.", "Viktor fyller nio i augusti.",
                  "Viktor gillar pannkakor.", "Viktor hade feber i helgen.", "Viktor simmade 200 meter.",
                  "Viktor vill ha en hamster.", "Viktor har läxa i matte.", "Viktor ritade en drake.",
                  "Viktor sover dåligt just nu.", "Viktor har glömt sin mössa.", "Viktor ska åka skidor i vinter."]


async def test_a_moved_plan_is_given_with_its_move_in_a_brain_naming_its_name_often(tmp_path: Path) -> None:
    """Found by a black-box pass: "Vad händer den 10 december?" got the booking for Viktor's dentist on 10 December
    but not "Viktors tid är flyttad till den 15 december": of a brain naming Viktor often, the move was not among
    the twenty memories naming him best, where its end was looked for."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    said = {f"v{i}": (text, midnight - 9 * DAY + i * 3600) for i, text in enumerate(VIKTOR_BESIDES)}
    [asked] = await _chats_told(tmp_path, {
        "booked": ("Jag har bokat tandläkartid för Viktor den 10 juni kl 14.00.", midnight - 10 * DAY),
        **said,
        "moved": ("Tandläkaren ringde, Viktors tid är flyttad till den 15 juni kl 9.30.", midnight - DAY)},
        "Vad händer den 10 juni?")
    assert asked[:2] == ["booked", "moved"]


LIFE_CHANGING = [("malmo", "Jag bor i Malmö.", 320), ("teacher", "I work as a teacher at Sofielundsskolan.", 320),
                 ("johan", "My boyfriend Johan and I went to Copenhagen.", 300),
                 ("volvo", "Jag kör en gammal röd Volvo V70.", 290), ("breakup", "Johan och jag har gjort slut.", 180),
                 ("offer", "I got a job offer as UX designer at Spotify!", 150),
                 ("moved", "Har flyttat till Stockholm, bor på Södermalm nu.", 110),
                 ("gaveaway", "Gav bort min Volvo till min bror Erik.", 70),
                 ("cat", "I got a cat! Her name is Nova.", 55),
                 ("oskar", "I met someone new, his name is Oskar.", 38),
                 ("lina", "Min bästa vän Lina fyller 35 i mars.", 100), ("run", "Sprang 5 km i Hagaparken.", 20),
                 ("hi", "Hej! Jag heter Sara.", 320)]


async def test_what_was_so_at_a_time_of_the_users_partner_job_or_car_gets_what_was_told_of_it_before(
        tmp_path: Path) -> None:
    """Found by a black-box pass: "Who was I dating in March?" got only "Min bästa vän Lina fyller 35 i mars", "Vad
    jobbade jag med i april?" what was done in April, and "Did I have a car in the summer?" that summer's memories
    without the car told before it."""
    asked = await chats(tmp_path, LIFE_CHANGING, ("Who was I dating in March?", "Vem var jag tillsammans med i mars?",
                                                  "Vad jobbade jag med i april?", "Did I have a car last summer?"))
    assert {"johan", "breakup"} <= set(asked["Who was I dating in March?"])
    assert {"johan", "breakup"} <= set(asked["Vem var jag tillsammans med i mars?"])
    assert "teacher" in asked["Vad jobbade jag med i april?"]
    assert "volvo" in asked["Did I have a car last summer?"]


async def test_a_diet_told_as_what_someone_does_not_eat_comes_with_food(tmp_path: Path) -> None:
    """Found by a black-box pass: "Viktor äter inte fisk" reached no chat about fish or the family's dinner."""
    told = [("fish", "Viktor äter inte fisk, han tycker det är äckligt.", 20),
            ("nuts", "Elsa är allergisk mot nötter.", 30), ("swim", "Elsa har simning varje tisdag.", 10),
            ("car", "Bilen ska på service den 9 juni.", 5), ("snow", "Barnen byggde en snögubbe.", 3)]
    asked = await chats(tmp_path, told, ("Kan jag göra fiskgratäng?", "Föreslå en middag för hela familjen.",
                                         "What should I cook for the kids tonight?"))
    for question, given in asked.items():
        assert set(given[:2]) == {"fish", "nuts"}, question  # first, however near what else is


async def test_a_question_naming_a_doctor_by_title_is_asked_and_no_fact(tmp_path: Path) -> None:
    """Found by a black-box pass: "When am I meeting Dr. Okafor?" was read as a sentence that tells ("When am I meeting
    Dr.") and another that asks, kept as a fact, and came first for "Is my meeting with Dr. Okafor on Monday?"."""
    told = [("asked", "When am I meeting Dr. Okafor?", 1),
            ("meeting", "I have a meeting with Dr. Okafor on Monday at 11 about my thesis.", 3),
            ("flatmate", "My flatmate Chloe studies law.", 10)]
    asked = await chats(tmp_path, told, ("Is my meeting with Dr. Okafor on Monday?",))
    assert asked["Is my meeting with Dr. Okafor on Monday?"] == ["meeting"]


async def test_a_habit_moved_to_another_weekday_is_a_habit_of_it_and_follows_the_old_one(tmp_path: Path) -> None:
    """Found by a black-box pass: after "Elsas simning är flyttad till onsdagar…", "Har Elsa simning på onsdag?" got
    the Tuesday habit first and not the move, which no question of a day had."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026: next Tuesday is 2 June, next Wednesday 3 June
    wednesday, tuesday = await _chats_told(tmp_path, {
        "tuesday": ("Elsa har simning varje tisdag klockan 17.00 i Navet.", midnight - 30 * DAY),
        "moved": ("Elsas simning är flyttad till onsdagar kl 17 från och med nästa vecka.", midnight - 2 * DAY),
        "football": ("Viktor har fotboll på torsdagar kl 16.30.", midnight - 20 * DAY),
        "lucia": ("Luciafirande i skolan den 11 december.", midnight - 5 * DAY)},
        "Har Elsa simning på onsdag?", "Vad händer på tisdag?")
    assert "moved" in wednesday and "football" not in wednesday
    assert tuesday[:2] == ["tuesday", "moved"]  # the move right after the habit it changes




@pytest.mark.parametrize(("text", "diet"), [
    ("Viktor äter inte fisk.", True), ("Elsa får inte äta ägg.", True), ("I stopped eating meat.", True),
    ("My son can't have dairy.", True), ("We keep kosher.", True),
    ("Jag tål inte stress.", False), ("Han tål inte mig.", False), ("I never miss the bus.", False),
])
def test_what_tells_a_diet(text: str, diet: bool) -> None:
    assert tells_a_diet(text) is diet


@pytest.mark.parametrize(("text", "topic", "told"), [
    # A black-box pass: a diary's start without "I" told of no job, and "What's my job?" looked it up in vain.
    ("First day as a UX designer at Spotify today!", "job", True),
    ("Började på Klarna idag som utvecklare.", "job", True), ("I work as a nurse.", "job", True),
    ("Anna works as a nurse.", "job", False), ("Started running again.", "job", False),
    # A black-box pass: a rented home told of no home, and "Where was I living in August?" missed it.
    ("We're renting a one-bed flat in Headingley.", "home", True), ("Vi hyr en lägenhet på Hisingen.", "home", True),
    ("I got the keys to our new apartment!", "home", True), ("My brother rents a flat in Leeds.", "home", False),
])
def test_what_tells_of_the_users_job_or_home(text: str, topic: str, told: bool) -> None:
    assert tells_of_topic(text, {topic}) is told


async def test_what_is_planned_asked_in_the_perfect_gets_the_plans_of_that_time(tmp_path: Path) -> None:
    """Found by a black-box pass: "Vad har jag planerat i december?" was read as what was done in December, and
    got the days of it gone by instead of the plans told before it."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    swedish, english = await _chats_told(tmp_path, {
        "wedding": ("Den 30 maj ska vi på bröllop i Visby, Karins kusin gifter sig.", midnight - 30 * DAY),
        "buns": ("Igår bakade jag kanelbullar med Elsa.", midnight - 2 * DAY),
        "tree": ("Vi planterade ett äppelträd i trädgården.", midnight - 5 * DAY),
        "dentist": ("On 29 May I have the dentist at nine.", midnight - 25 * DAY)},
        "Vad har jag planerat i maj?", "What have I planned for May?")
    assert {"wedding", "dentist"} <= set(swedish[:2]) and {"wedding", "dentist"} <= set(english[:2])


async def test_what_was_done_or_said_then_is_given_though_it_also_tells_a_plan(tmp_path: Path) -> None:
    """Found by a black-box pass: "Ringde doktor Karlsson … jag ska ta Losartan från och med måndag", said
    yesterday, was no answer to "Vad gjorde jag igår?" (a plan in it hid the call), and "Sjukgymnasten Malin sa
    att … jag behöver komma tillbaka en gång till, den 9 juni" was read as last year's 9 June for the "sa", and
    came after the month's unrelated memories for "Vad sa sjukgymnasten förra månaden?"."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    yesterday, last_month = await _chats_told(tmp_path, {
        "physio": ("Sjukgymnasten Malin sa att knät är mycket bättre, jag behöver bara komma tillbaka en gång till, "
                   "den 9 juni.", midnight - 33 * DAY),
        "doctor": ("Ringde doktor Karlsson om svullna anklar. Hon sätter ut Amlodipin och jag ska ta Losartan 50 mg "
                   "istället från och med måndag.", midnight - DAY + 15 * 3600),
        "premiere": ("Wilmas premiär är flyttad till den 18 juni.", midnight - DAY + 10 * 3600),
        "choir": ("Körövning ikväll, vi sjöng Lucia-sånger.", midnight - 40 * DAY),
        "garden": ("Planterade tulpanlökar i rabatten.", midnight - 35 * DAY),
        "annika": ("Annika ringde: de kommer till oss den 23 juni och stannar till midsommar.", midnight - 36 * DAY)},
        "Vad gjorde jag igår?", "Vad sa sjukgymnasten förra månaden?")
    assert yesterday[0] == "doctor"
    assert last_month[0] == "physio"


async def test_a_newer_memory_telling_a_change_comes_right_after_what_it_changes(tmp_path: Path) -> None:
    """Found by a black-box pass: "Vilken dos sköldkörtelmedicin har jag nu?" got "Jag tar Levaxin 75 mikrogram"
    and four memories of blood pressure medicine, and not "Levaxin-dosen ska höjas till 100 mikrogram": the
    chat was told the old dose."""
    midnight = NOW - NOW % DAY
    [given] = await _chats_told(tmp_path, {
        "levaxin75": ("Jag tar också Levaxin 75 mikrogram varje morgon för sköldkörteln.", midnight - 110 * DAY),
        "enalapril": ("Doktorn skrev ut Enalapril mot mitt höga blodtryck.", midnight - 105 * DAY),
        "cough": ("Enalaprilen ger mig en torr hosta, jobbigt på nätterna.", midnight - 90 * DAY),
        "amlodipin": ("Jag har bytt från Enalapril till Amlodipin 5 mg för blodtrycket.", midnight - 70 * DAY),
        "dose": ("Amlodipin-dosen är 5 mg varje kväll.", midnight - 60 * DAY),
        "pills": ("Jag har en dosett för alla tabletter numera.", midnight - 55 * DAY),
        "levaxin100": ("Doktor Karlsson ringde: provsvaren visar att Levaxin-dosen ska höjas till 100 mikrogram.",
                       midnight - 25 * DAY),
        "losartan": ("Hon sätter ut Amlodipin och jag ska ta Losartan 50 mg istället från och med måndag.",
                     midnight - 3 * DAY)},
        "Vilken dos sköldkörtelmedicin har jag nu?")
    assert given.index("levaxin100") == given.index("levaxin75") + 1


async def test_a_plan_of_a_time_asked_of_comes_with_its_cancellation(tmp_path: Path) -> None:
    """Found by a black-box pass: "What did I do the weekend before last?" got "Booked a weekend in Edinburgh …
    21-22 November" first and not "we've cancelled the Edinburgh trip", said before that weekend: the model was
    told of a trip never made."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026: the weekend before last is 16-17 May
    [weekend] = await _chats_told(tmp_path, {
        "booked": ("Booked a weekend in Edinburgh for Tom's birthday, 16-17 May, so excited!", midnight - 50 * DAY),
        "cancel": ("Bad news, we've cancelled the Edinburgh trip, Tom's dad is in hospital.", midnight - 30 * DAY),
        "run": ("Parkrun on Saturday, 27 minutes.", midnight - 12 * DAY + 10 * 3600),
        "boxes": ("Packing boxes in between night shifts.", midnight - 60 * DAY)},
        "What did I do the weekend before last?")
    assert weekend.index("cancel") == weekend.index("booked") + 1


async def test_a_home_told_as_rented_answers_where_the_user_lived(tmp_path: Path) -> None:
    """Found by a black-box pass: "Where was I living in August?" got a weekend at mum's and Sunday lunch at the
    in-laws', and not "We're renting a one-bed flat in Headingley"."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    [february] = await _chats_told(tmp_path, {
        "flat": ("We're renting a one-bed flat in Headingley, it's tiny but cosy.", midnight - 120 * DAY),
        "mum": ("Stayed at mum's in Sheffield for the weekend.", midnight - 100 * DAY),
        "harrogate": ("Tom's parents in Harrogate had us over for Sunday lunch.", midnight - 95 * DAY),
        "house": ("We got the keys! Our own house in Meanwood, moving in on Saturday.", midnight - 40 * DAY),
        "car": ("My Fiesta failed its MOT again.", midnight - 90 * DAY),
        "york": ("Lovely day trip to York with Tom, we walked the city walls.", midnight - 110 * DAY),
        "leeds": ("Leeds market on Saturday, bought olives and a huge bunch of tulips.", midnight - 105 * DAY),
        "gran": ("Visited Gran at her care home in Wakefield, she was in good spirits.", midnight - 98 * DAY),
        "neighbours": ("The neighbours upstairs were partying until 3 am again.", midnight - 92 * DAY)},
        "Where was I living in February?")
    assert "flat" in february


@pytest.mark.parametrize(("text", "deed"), [
    ("Ringde doktor Karlsson om svullna anklar.", True), ("Bakade kanelbullar med barnbarnen.", True),
    ("Hade ett långt samtal med doktor Karlsson.", True), ("Called the dentist.", True),
    # A review: no verb opens these.
    ("Föräldramöte på torsdag kl 18.", False), ("Svante fyller 70 på lördag.", False),
    ("Annette och jag ska gå på bio på fredag.", False), ("Mohammed starts on my team on Monday.", False),
    ("Excited for Friday!", False), ("Update: dentist on Monday.", False),
])
def test_a_diary_line_opening_with_a_past_form_tells_a_deed(text: str, deed: bool) -> None:
    assert tells_a_deed(text) is deed


async def test_asked_of_ones_never_told_of_the_chat_gets_nothing_close_of_the_user(tmp_path: Path) -> None:
    """Found by a black-box pass: "What's my dog's name?" got "Bought an Oura ring …" (0.822) and "What's my cat
    called?" "Emma called, she's pregnant!", from a user who never told of a pet: the closest thing the user said
    of themselves is no answer about their ones."""
    midnight = NOW - NOW % DAY
    dog, cat, brother, job = await _chats_told(tmp_path, {
        "oura": ("Bought an Oura ring to track my sleep, curious what it says.", midnight - 40 * DAY),
        "emma": ("Emma called, she's pregnant! I'm going to be an aunt.", midnight - 30 * DAY),
        "sofa": ("Working from the sofa with my leg up, the knee is swollen again.", midnight - 20 * DAY),
        "vat": ("Paid the quarterly VAT, ouch.", midnight - 10 * DAY),
        "carpenter": ("I work as a carpenter in Kiruna.", midnight - 50 * DAY)},
        "What's my dog's name?", "What's my cat called?", "What's my brother's name?", "What is my job?")
    assert dog == cat == brother == []
    assert job[:1] == ["carpenter"]


async def test_a_plan_asked_of_by_what_it_is_is_given_though_its_day_has_passed(tmp_path: Path) -> None:
    """Found by a black-box pass: "Har jag en frisörtid på torsdag?", asked after the Thursday booked, got "Vi ska fira
    jul hos min syster" and not the booking (0.899): the model could not say it was last Thursday. Asked for the
    plans alone ("Vad ska jag göra på tisdag?"), a plan of a day gone by is none of them."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026; the booking, said on Monday, is of Tuesday 26 May
    hair, plans = await _chats_told(tmp_path, {
        "hair": ("Jag har bokat en tid hos frisören på tisdag klockan 14.", midnight - 3 * DAY + 9 * 3600),
        "dog": ("Min hund Sixten har ont i tassen, vi var hos veterinären.", midnight - 8 * DAY),
        "piano": ("Övade piano en timme ikväll.", midnight - 6 * DAY)},
        "Har jag en frisörtid på tisdag?", "Vad ska jag göra på tisdag?")
    assert hair[:1] == ["hair"]
    assert "hair" not in plans


async def test_a_how_to_question_gets_nothing_close_of_the_user(tmp_path: Path) -> None:
    """Found by a black-box pass: "How do I remove a red wine stain?" got "Min hund Sixten har ont i tassen" (0.816),
    "Hur gör jag en omelett?" a hairdresser booking: the closest thing the user said of themselves, asked how a
    thing is done."""
    midnight = NOW - NOW % DAY
    stain, omelette, job = await _chats_told(tmp_path, {
        "hair": ("Jag har bokat en tid hos frisören på tisdag klockan 14.", midnight - 3 * DAY + 9 * 3600),
        "dog": ("Min hund Sixten har ont i tassen, vi var hos veterinären.", midnight - 8 * DAY),
        "carpenter": ("I work as a carpenter in Kiruna.", midnight - 50 * DAY)},
        "How do I remove a red wine stain?", "Hur gör jag en omelett?", "What is my job?")
    assert stain == omelette == []
    assert "carpenter" in job


async def test_a_new_value_moves_right_after_what_it_replaces_but_any_change_does_not(tmp_path: Path) -> None:
    """bench/gate.py: "Sitter och stickar … just nu en islandströja till Oskar" (a change: "nu") was moved right
    after the Lofoten trip with Oskar, and the fact asked for was cut from the five."""
    midnight = NOW - NOW % DAY
    [given] = await _chats_told(tmp_path, {
        "race": ("ska springa Vårruset i maj med kollegorna! första gången jag springer 5 km på tävling",
                 midnight - 40 * DAY),
        "asthma": ("Jag har astma och använder inhalator, speciellt när det är kallt ute", midnight - 39 * DAY),
        "lofoten": ("Oskar och jag planerar att åka till Lofoten i juli och tälta en vecka", midnight - 38 * DAY),
        "licence": ("sparar till körkort, har bara klarat teoriprovet hittills", midnight - 37 * DAY),
        "knit": ("Sitter och stickar nästan varje kväll, just nu en islandströja till Oskar", midnight - 36 * DAY)},
        "Hur ska jag lägga upp träningen de sista veckorna inför loppet?")
    assert "race" in given


async def test_an_end_comes_after_what_it_ends_not_after_another_memory_of_the_same_name(tmp_path: Path) -> None:
    """Found by a recheck: "Oskar slutar med fotboll, han vill börja med innebandy på onsdagar istället" was placed
    after "Vi har bestämt att Oskar får 200 kr i veckopeng" (they share only "Oskar"), and cut from "Vilken dag tränar
    Oskar nu?"."""
    midnight = NOW - NOW % DAY
    [given] = await _chats_told(tmp_path, {
        "football": ("Oskar tränar fotboll måndagar och torsdagar.", midnight - 50 * DAY),
        "money": ("Vi har bestämt att Oskar får 200 kr i veckopeng.", midnight - 30 * DAY),
        "money2": ("Nej förresten, det blir 150 kr i veckopeng för Oskar.", midnight - 29 * DAY),
        "floorball": ("Oskar slutar med fotboll, han vill börja med innebandy på onsdagar istället.",
                      midnight - 10 * DAY),
        "dentist": ("Oskar ska till tandläkaren den 3 juni.", midnight - 20 * DAY),
        "test": ("Oskar har prov i matte på fredag.", midnight - 2 * DAY)},
        "Vilken dag tränar Oskar nu?")
    assert given.index("floorball") == given.index("football") + 1


async def test_a_routine_changed_with_a_past_verb_is_a_plan_not_a_deed(tmp_path: Path) -> None:
    """Found by a recheck: "Switched my Costa shifts, now it's Fridays instead of Sundays" was read as a deed of the
    day it was said (its opening past form), and left out of "What am I doing tomorrow?" asked on a Thursday."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    [tomorrow] = await _chats_told(tmp_path, {
        "costa": ("My part-time job at Costa is Saturdays and Sundays 8-2.", midnight - 70 * DAY),
        "costa2": ("Switched my Costa shifts, now it's Fridays instead of Sundays.", midnight - 12 * DAY),
        "essay": ("Finished the history essay draft, finally.", midnight - 3 * DAY)},
        "What am I doing tomorrow?")
    assert "costa2" in tomorrow


async def test_a_weekly_club_is_no_plan_of_christmas_eve_and_a_wish_to_quit_ends_nothing(tmp_path: Path) -> None:
    """Found by a black-box pass: "what's the plan for julafton?" (a Thursday in 2026) got the Thursday clubs first;
    "Ben wants to quit gymnastics" was linked as the end of every memory naming Ben."""
    midnight = NOW - NOW % DAY
    christmas, dog = await _chats_told(tmp_path, {
        "beavers": ("Ben has Beavers every Thursday at 6.", midnight - 60 * DAY),
        "gym": ("Ben does gymnastics on Thursdays after school.", midnight - 58 * DAY),
        "julafton": ("On julafton we're having julbord at Birgitta's sister's in Västerås.", midnight - 5 * DAY),
        "switch": ("Lily wants a Switch for Christmas.", midnight - 30 * DAY),
        "biscuit": ("Ben named the puppy Biscuit, a cocker spaniel.", midnight - 50 * DAY),
        "quit": ("Ben wants to quit gymnastics, we're letting him finish the term.", midnight - 20 * DAY)},
        "What's the plan for julafton?", "What's the dog's name?")
    assert christmas[:1] == ["julafton"] and not {"beavers", "gym", "quit"} & set(christmas)
    assert dog[:1] == ["biscuit"] and "quit" not in dog


async def test_a_week_holding_christmas_keeps_its_other_days_habits(tmp_path: Path) -> None:
    """A review: a week holding Christmas Eve lost every habit, night shifts on its Monday and Tuesday too."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    week_of = datetime(2026, 12, 21, 8, tzinfo=UTC).timestamp()
    retriever, embedder = await _told(tmp_path, {
        "shift": ("I work nights every Monday and Tuesday.", midnight - 30 * DAY),
        "beavers": ("Ben has Beavers every Thursday at 6.", midnight - 20 * DAY)},
        now=week_of - 3 * DAY)  # Friday 18 December
    try:
        given = await _chat(retriever, "What am I doing next week?")
    finally:
        embedder.close()
    assert "shift" in given and "beavers" not in given  # Thursday is Christmas Eve




async def test_a_habit_is_given_up_by_what_it_does_not_by_who_else_or_when(tmp_path: Path) -> None:
    """Found by a recheck: "Bridge med Sven och Gunnar på onsdagar" was taken for given up by "Sven slutar med
    golfen" (they share "Sven"), and "Moved my gym sessions to Tuesdays and Thursdays now" by "So no more Thursday
    pickups from Sarah"; both were left out of the days they are on."""
    midnight = NOW - NOW % DAY  # Thursday 28 May 2026
    bridge, gym = await _chats_told(tmp_path, {
        "bridge": ("Bridge med Sven och Gunnar på onsdagar kl 14.", midnight - 120 * DAY),
        "golf": ("Sven slutar med golfen, knät håller inte.", midnight - 6 * DAY),
        "gym": ("Moved my gym sessions to Tuesdays and Thursdays now.", midnight - 8 * DAY),
        "pickups": ("So no more Thursday pickups from Sarah, she's started a new job.", midnight - 3 * DAY)},
        "Spelar vi bridge på onsdag?", "What have I got on next Tuesday?")
    assert bridge[:1] == ["bridge"]
    assert "gym" in gym


def test_a_swedish_verb_ending_in_a_months_letters_names_no_month() -> None:
    """Found by a recheck: "Simmar jag på fredag?" held "mar" (March, shortened), and was asked of no Friday."""
    window = parse_time_window("Simmar jag på fredag?", datetime.fromtimestamp(NOW, UTC))
    assert window is not None and datetime.fromtimestamp(window[0], UTC).date().isoformat() == "2026-05-29"
