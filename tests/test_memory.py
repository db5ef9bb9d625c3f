"""Personal memory across the real bus, real JetStream, embedded Chroma and the bundled embedder."""

import os
import subprocess
import sys
import unicodedata
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta, timezone
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from shared.memory.jetstream import SMALL_DOCUMENT
from shared.settings import Settings
from tests.fake_ollama import FakeOllama
from tests.harness import Stack, wait_until


def brain() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def stats(client: httpx.Client, name: str) -> dict[str, Any]:
    response = client.get(f"/memory/stats/{name}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def ingest(client: httpx.Client, name: str, *texts: str, **metadata: Any) -> list[str]:
    before = stats(client, name)["memory_count"]
    response = client.post("/ingest/batch", json={"customer_id": name, "items": [
        {"content": t, "metadata": metadata} for t in texts]})
    assert response.status_code == 202, response.text
    assert wait_until(lambda: stats(client, name)["memory_count"] == before + len(texts))
    return list(response.json()["ids"])


def say(client: httpx.Client, name: str, *messages: str) -> None:
    """Chats each message, one after the other, and waits until every one is remembered."""
    before = stats(client, name)["memory_count"]
    for message in messages:
        assert client.post("/memory/chat", json={"user_id": name, "message": message}).status_code == 200
    assert wait_until(lambda: stats(client, name)["memory_count"] == before + len(messages))


def system_prompt_sent(fake: FakeOllama, question: str) -> str:
    """The system prompt of the last chat about `question` (persona refreshes run in the background too)."""
    chats = [r for r in fake.record.requests if r.get("messages") and r["messages"][-1]["content"] == question]
    return str(chats[-1]["messages"][0]["content"])


def remember_dated(client: httpx.Client, name: str, said: dict[str, datetime]) -> None:
    """Posts each memory dated as given, and waits until every one is stored."""
    for text, when in said.items():
        assert client.post("/ingest", json={"customer_id": name, "content": text,
                                            "metadata": {"timestamp": when.timestamp()}}).status_code == 202
    assert wait_until(lambda: stats(client, name)["memory_count"] == len(said))


def used(client: httpx.Client, name: str, message: str) -> list[str]:
    """The snippets of the memories a chat of `message` was given."""
    reply = client.post("/memory/chat", json={"user_id": name, "message": message}).json()
    return [m["snippet"] for m in reply["memories_used"]]


def test_a_fact_told_in_one_chat_is_recalled_in_a_later_one(lumia: Stack, fake_ollama: FakeOllama) -> None:
    name = brain()
    with lumia.client() as client:
        told = client.post("/memory/chat", json={"user_id": name, "message": "Min hund heter Bosse."})
        assert told.status_code == 200
        assert wait_until(lambda: stats(client, name)["memory_count"] == 1)
        asked = client.post("/memory/chat", json={"user_id": name, "message": "Vad heter min hund?"}).json()
    assert asked["context_used"] is True
    assert [m["snippet"] for m in asked["memories_used"]] == ["Min hund heter Bosse."]
    prompt = system_prompt_sent(fake_ollama, "Vad heter min hund?")
    assert "## Vector store data:" in prompt and "Min hund heter Bosse." in prompt
    assert asked["context_length"] > len("Min hund heter Bosse.")


def test_the_stream_names_its_memories_before_the_first_chunk(lumia: Stack) -> None:
    name = brain()
    with lumia.client() as client:
        [memory_id] = ingest(client, name, "I park my car in garage number 42.")
        with client.stream("POST", "/memory/chat/stream",
                           json={"user_id": name, "message": "Where do I park my car?"}) as response:
            lines = [line for line in response.iter_lines() if line]
    assert lines[0].startswith('data: {"context": [{"id": "' + memory_id)
    assert lines[1].startswith('data: {"chunk"')
    assert '"context_used": true' in lines[-1]


def test_irrelevant_memories_are_not_injected(lumia: Stack, fake_ollama: FakeOllama) -> None:
    name = brain()
    with lumia.client() as client:
        ingest(client, name, "Min hund heter Bosse och är en golden retriever.")
        answer = client.post("/memory/chat", json={"user_id": name, "message": "What is 17 times 23?"}).json()
    assert answer["context_used"] is False and answer["memories_used"] == [] and answer["context_length"] == 0
    prompt = system_prompt_sent(fake_ollama, "What is 17 times 23?")
    assert "## Vector store data:" not in prompt
    # Every chat is told the user's date: asked "What's the date?", a model without it guesses.
    today = datetime.now(UTC).date()
    assert prompt.endswith(f"\n\nToday is {today:%A} {today.isoformat()}.")


def test_a_question_asked_before_does_not_take_the_place_of_the_fact(lumia: Stack) -> None:
    """Each chat turn is remembered; the same question asked again must find the fact, not
    the earlier asking of it."""
    name = brain()
    with lumia.client() as client:
        [fact] = ingest(client, name, "Min hund heter Bosse.")
        first = client.post("/memory/chat", json={"user_id": name, "message": "Vad heter min hund?"}).json()
        assert wait_until(lambda: stats(client, name)["memory_count"] == 2)
        again = client.post("/memory/chat", json={"user_id": name, "message": "Vad heter min hund?"}).json()
        found = client.post("/query", json={"customer_id": name, "question": "Vad heter min hund?",
                                            "n_results": 5}).json()["results"]
    assert [m["id"] for m in first["memories_used"]] == [fact]
    assert [m["id"] for m in again["memories_used"]] == [fact]
    assert len(found) == 2  # the earlier asking is a memory all the same, listed and searchable


def test_earlier_questions_and_requests_are_not_context_for_a_chat(lumia: Stack, fake_ollama: FakeOllama) -> None:
    """Every chat message is remembered, questions and requests too; as context they tell the
    model nothing, and e5 puts them near any later request ("Tell me a joke." found "Can you
    suggest a snack?" above the threshold). A question about the conversation still sees them."""
    name = brain()
    with lumia.client() as client:
        [fact] = ingest(client, name, "I'm allergic to peanuts, so I have to be careful.")
        say(client, name, "What is the capital of France?", "Can you suggest a snack for me?", "Tell me a story.",
            "Hi there!", "Thank you so much!")
        joke = client.post("/memory/chat", json={"user_id": name, "message": "Tell me a joke."}).json()
        snack = client.post("/memory/chat", json={"user_id": name, "message": "Which snacks are safe for me?"}).json()
        today = client.post("/memory/chat", json={"user_id": name, "message": "What did I ask you today?"}).json()
        listed = client.get(f"/memory/{name}/memories", params={"limit": 10}).json()
    assert joke["context_used"] is False and joke["memories_used"] == []
    assert "## Vector store data:" not in system_prompt_sent(fake_ollama, "Tell me a joke.")
    assert [m["id"] for m in snack["memories_used"]] == [fact]
    assert "Can you suggest a snack for me?" in [m["snippet"] for m in today["memories_used"]]
    # Remembered all the same: listed, searchable, forgettable.
    assert {"Can you suggest a snack for me?", "Tell me a story."} <= {m["content"] for m in listed["memories"]}


def test_fillers_and_follow_ups_are_no_context_and_small_talk_gets_no_memories(lumia: Stack,
                                                                              fake_ollama: FakeOllama) -> None:
    """Found by a black-box pass: after "lol", "Ja." and "Hmm, interesting.", "Hello" got all
    three as memories (0.83-0.85), and the persona was asked to read them as statements."""
    name = brain()
    with lumia.client() as client:
        [fact] = ingest(client, name, "I'm a keen birdwatcher and spend weekends at the lake.")
        say(client, name, "lol", "Ja.", "Hmm, interesting.", "Make it shorter.", "Gör den längre.",
            "Another one please.")
        hello = client.post("/memory/chat", json={"user_id": name, "message": "Hello"}).json()
        fillers = client.post("/memory/chat", json={"user_id": name, "message": "lol, interesting"}).json()
        hobby = client.post("/memory/chat", json={"user_id": name, "message": "What do I do on weekends?"}).json()
    assert hello["memories_used"] == [] and fillers["memories_used"] == []
    assert "## Vector store data:" not in system_prompt_sent(fake_ollama, "Hello")
    assert [m["id"] for m in hobby["memories_used"]] == [fact]


def test_a_question_between_two_facts_lifts_neither(lumia: Stack) -> None:
    """Found by a black-box pass: "What's my job?" asked between two facts was part of the first
    one's vector, and "What is my job?" later found "I drive a blue Saab." (0.859)."""
    name = brain()
    with lumia.client() as client:
        say(client, name, "I drive a blue Saab.", "What's my job?", "I work as a nurse at the city hospital.")
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0)
        answer = client.post("/memory/chat", json={"user_id": name, "message": "What is my job?"}).json()
    assert [m["snippet"] for m in answer["memories_used"]] == ["I work as a nurse at the city hospital."]


def test_a_fact_told_as_a_question_is_context(lumia: Stack) -> None:
    name = brain()
    with lumia.client() as client:
        client.post("/memory/chat", json={"user_id": name, "message": "Did you know I'm allergic to cats?"})
        assert wait_until(lambda: stats(client, name)["memory_count"] == 1)
        answer = client.post("/memory/chat", json={"user_id": name, "message": "Am I allergic to any animals?"}).json()
    assert [m["snippet"] for m in answer["memories_used"]] == ["Did you know I'm allergic to cats?"]


def test_a_question_about_the_conversation_sees_what_was_asked_not_itself(lumia: Stack) -> None:
    name = brain()
    with lumia.client() as client:
        say(client, name, "How long should I boil an egg?", "What did I ask you today?",
            "What did we talk about today?")
        answer = client.post("/memory/chat", json={"user_id": name,
                                                    "message": "Did I ask you about eggs today?"}).json()
    assert [m["snippet"] for m in answer["memories_used"]] == ["How long should I boil an egg?"]


def test_a_document_that_asks_and_answers_is_context(lumia: Stack) -> None:
    name = brain()
    with lumia.client() as client:
        response = client.post(f"/memory/{name}/documents?source=faq.md",
                               content="What is the notice period? Three months.",
                               headers={"content-type": "text/markdown"})
        assert response.status_code == 202, response.text
        assert wait_until(lambda: stats(client, name)["memory_count"] == 1)
        answer = client.post("/memory/chat", json={"user_id": name, "message": "What is the notice period?"}).json()
    assert [m["snippet"] for m in answer["memories_used"]] == ["What is the notice period? Three months."]


def test_a_fact_deep_in_a_long_note_reaches_the_chat_as_the_part_that_tells_it(lumia: Stack,
                                                                              fake_ollama: FakeOllama) -> None:
    """Found by a black-box pass: at the end of 2,700 characters about a day at the office, "Min
    dotter Elsa fyller år den 12 maj." was never given to a chat (0.815, under the threshold)."""
    name = brain()
    filler = "Idag var det en lugn dag på kontoret, jag svarade på mejl och drack kaffe med kollegorna. " * 30
    fact = "Min dotter Elsa fyller år den 12 maj."
    with lumia.client() as client:
        [note] = ingest(client, name, filler + fact)
        reply = client.post("/memory/chat", json={"user_id": name, "message": "När fyller min dotter Elsa år?"})
        prompt = system_prompt_sent(fake_ollama, "När fyller min dotter Elsa år?")
        results = client.post("/query", json={"customer_id": name, "question": "När fyller Elsa år?"}).json()["results"]
    [found] = [hit for hit in results if hit["id"] == note]  # the chat's own message may be stored by now too
    assert [m["id"] for m in reply.json()["memories_used"]] == [note]
    assert reply.json()["memories_used"][0]["snippet"] == fact  # the sentence that made its piece the best
    assert fact in prompt and prompt.count("drack kaffe") < 30  # the part that tells it, not all 2,700 characters
    assert found["content"] == filler + fact and fact in found["excerpt"]


def test_brains_never_leak_into_each_other(lumia: Stack, fake_ollama: FakeOllama) -> None:
    home, work = brain(), brain()
    with lumia.client() as client:
        ingest(client, home, "My favourite colour is green.")
        ingest(client, work, "My favourite colour is red.")
        at_home = client.post("/memory/chat", json={"user_id": "anna", "brain_id": home,
                                                     "message": "What is my favourite colour?"}).json()
        home_prompt = system_prompt_sent(fake_ollama, "What is my favourite colour?")
        at_work = client.post("/memory/chat", json={"user_id": "anna", "brain_id": work,
                                                     "message": "What is my favourite colour?"}).json()
        work_prompt = system_prompt_sent(fake_ollama, "What is my favourite colour?")
    assert "green" in home_prompt and "red" not in home_prompt
    assert "red" in work_prompt and "green" not in work_prompt
    assert at_home["memories_used"][0]["snippet"] != at_work["memories_used"][0]["snippet"]


@pytest.mark.parametrize(("question", "expected"), [
    ("Vad gjorde jag igår?", "yesterday"),
    ("What did I do yesterday?", "yesterday"),
    ("Vad gjorde jag förra veckan?", "last week"),
    ("What did I do last week?", "last week"),
    ("What did I do in March?", "march"),
    ("Vad gjorde jag i mars?", "march"),
])
def test_relative_time_restricts_retrieval(lumia: Stack, question: str, expected: str) -> None:
    name = f"time-{expected.replace(' ', '-')}-{uuid.uuid4().hex[:6]}"
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    days = {
        "yesterday": today - timedelta(days=1),
        "last week": today - timedelta(days=today.weekday() + 4),
        "march": today.replace(month=3, day=14) if today.month > 3 else today.replace(year=today.year - 1,
                                                                                       month=3, day=14),
    }
    # Tagged, not named: "I went swimming (yesterday)." said yesterday tells of the day before.
    tags = {"yesterday": "A", "last week": "B", "march": "C"}
    with lumia.client() as client:
        for label, when in days.items():
            response = client.post("/ingest", json={"customer_id": name, "content": f"I went swimming ({tags[label]}).",
                                                    "metadata": {"timestamp": when.timestamp()}})
            assert response.status_code == 202
        assert wait_until(lambda: stats(client, name)["memory_count"] == 3)
        found = client.post("/query", json={"customer_id": name, "question": question, "n_results": 3}).json()
    assert [r["content"] for r in found["results"]] == [f"I went swimming ({tags[expected]})."]


def test_a_chat_about_my_own_time_gets_that_times_memories(lumia: Stack) -> None:
    """"What did I do last week?" is mostly its time: what was done then scored 0.71-0.81
    against it, under the relevance threshold, so the chat used to get nothing."""
    name = brain()
    today = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    last_week = today - timedelta(days=today.weekday() + 4)
    said = {"Went to the cinema to see Dune with Lisa.": last_week,
            "Bought a new bike, a blue Crescent.": last_week + timedelta(days=1),
            "Painted the kitchen yellow.": today - timedelta(days=60)}
    with lumia.client() as client:
        remember_dated(client, name, said)
        answer = client.post("/memory/chat", json={"user_id": name, "message": "What did I do last week?"}).json()
        typed = client.post("/memory/chat", json={"user_id": name, "message": "what did i do last week"}).json()
    for reply in (answer, typed):  # a lowercase "i" is English after "did", not Swedish "in"
        assert sorted(m["snippet"] for m in reply["memories_used"]) == [
            "Bought a new bike, a blue Crescent.", "Went to the cinema to see Dune with Lisa."]


def test_a_chat_about_my_own_past_gets_that_time_alone_and_other_times_add_nothing_unrelated(lumia: Stack) -> None:
    """Found by a black-box pass: "Vad gjorde jag igår?" ranked older memories above
    yesterday's (they passed the gate and joined), and "How long should I boil an egg today?"
    got every memory of today, however unrelated, for being in the first person."""
    name = brain()
    now = datetime.now(UTC)
    today = now.replace(hour=12, minute=0, second=0, microsecond=0)
    said = {"Jag bakade kanelbullar med mormor.": today - timedelta(days=1),
            "Jag var på bio och såg Dune med Lisa.": today - timedelta(days=today.weekday() + 4),
            "Jag målade köket gult och grönt.": today - timedelta(days=60),
            "Jag gick en lång promenad med hunden.": today - timedelta(days=75),
            "My favourite colour is green.": now - timedelta(minutes=2),
            "I work as an electrician in Malmö.": now - timedelta(minutes=1)}
    with lumia.client() as client:
        remember_dated(client, name, said)
        assert used(client, name, "Vad gjorde jag igår?") == ["Jag bakade kanelbullar med mormor."]
        assert used(client, name, "Vad gjorde jag förra veckan?") == ["Jag var på bio och såg Dune med Lisa."]
        # Found by a black-box pass: asked what happened, a chat got an older memory (0.84), not yesterday's.
        assert used(client, name, "Minns du vad som hände igår?") == ["Jag bakade kanelbullar med mormor."]
        assert used(client, name, "What happened last week?") == ["Jag var på bio och såg Dune med Lisa."]
        assert used(client, name, "How long should I boil an egg today?") == []
        assert used(client, name, "Hur länge ska jag koka ett ägg idag?") == []


def test_a_chat_about_a_named_thing_at_a_time_gets_that_times_memory_naming_it(lumia: Stack) -> None:
    """Found by a black-box pass: "What happened at the Louvre last week?" got nothing, though last
    week's Louvre memory came for "What happened at the Louvre?" (the time's words took its
    similarity to 0.816, under the threshold)."""
    name = brain()
    monday = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
    monday -= timedelta(days=monday.weekday())
    said = {"I visited the Louvre museum and queued for an hour to see the Mona Lisa.": monday - timedelta(days=5),
            "Vi åkte skidor i Åre hela dagen, och det snöade.": monday - timedelta(days=2),
            "I cleaned out the garage and took the old chairs to the tip.": monday - timedelta(days=4),
            "I had a cup of tea with milk before bed.": monday - timedelta(days=3)}
    with lumia.client() as client:
        remember_dated(client, name, said)
        louvre = used(client, name, "What happened at the Louvre last week?")
        are = used(client, name, "Vad hände i Åre förra helgen?")
        cup = used(client, name, "What happened at the World Cup last week?")
    assert louvre == [next(iter(said))]
    assert "I had a cup of tea with milk before bed." not in cup  # a name is written as one
    assert are == ["Vi åkte skidor i Åre hela dagen, och det snöade."]


def test_a_chat_about_a_time_nothing_was_said_in_gets_no_other_times_memories(lumia: Stack) -> None:
    """Found by a black-box pass: with nothing said yesterday, "What did I do yesterday?" got a
    memory of three days ago, told to the model as if it were yesterday's."""
    name = brain()
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    with lumia.client() as client:
        assert client.post("/ingest", json={"customer_id": name, "content": "Jag bakade lussekatter med min fru.",
                                            "metadata": {"timestamp": three_days_ago.timestamp()}}).status_code == 202
        assert wait_until(lambda: stats(client, name)["memory_count"] == 1)
        searched = client.post("/query", json={"customer_id": name, "question": "What did I bake yesterday?"}).json()
        replies = [client.post("/memory/chat", json={"user_id": name, "message": message}).json()
                   for message in ("What did I do yesterday?", "Vad sa jag igår?")]
    assert [reply["memories_used"] for reply in replies] == [[], []]
    # A search is no chat: with nothing in the window it answers from all time.
    assert [r["content"] for r in searched["results"]] == ["Jag bakade lussekatter med min fru."]


def test_a_chat_about_a_time_finds_what_was_told_of_it_later(lumia: Stack) -> None:
    """Found by a black-box pass: told today, "Yesterday I bought a new bike" was not what
    "What did I buy yesterday?" found: only what was said yesterday was."""
    name = brain()
    yesterday_noon = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0) - timedelta(days=1)
    with lumia.client() as client:
        assert client.post("/ingest", json={"customer_id": name, "content": "I had lunch with Per at the Thai place.",
                                            "metadata": {"timestamp": yesterday_noon.timestamp()}}).status_code == 202
        # Stored before `say` counts what is there: it waited for one memory too few (a suite run under load).
        assert wait_until(lambda: stats(client, name)["memory_count"] == 1)
        say(client, name, "Yesterday I bought a new bike, a blue Crescent.", "Igår köpte jag också en ny jacka.",
            "I'm going to buy a helmet next week.", "Tomorrow I have a job interview at Ericsson.",
            "I went for a run by the river.", "I'll call mom tonight.", "Jag ska jobba hela helgen.")
        english = client.post("/memory/chat", json={"user_id": name, "message": "What did I buy yesterday?"}).json()
        swedish = client.post("/memory/chat", json={"user_id": name, "message": "Vad köpte jag igår?"}).json()
        today = client.post("/memory/chat", json={"user_id": name, "message": "What did I do today?"}).json()
        found = client.post("/query", json={"customer_id": name, "question": "What did I buy yesterday?",
                                            "n_results": 10}).json()
        answered = client.post("/query", json={"customer_id": name, "question": "What did I do today?",
                                               "n_results": 3, "answer": True}).json()
        said = client.post("/memory/chat", json={"user_id": name, "message": "Vad sa jag idag?"}).json()
    told_then = {"I had lunch with Per at the Thai place.", "Yesterday I bought a new bike, a blue Crescent.",
                 "Igår köpte jag också en ny jacka."}
    assert {m["snippet"] for m in english["memories_used"]} == told_then
    assert {m["snippet"] for m in swedish["memories_used"]} == told_then
    # Said today, but of yesterday, tomorrow or next week, or a plan: no answer to what was done today
    # (black-box passes), in a chat and in /query's answer alike.
    assert {m["snippet"] for m in today["memories_used"]} == {"I went for a run by the river."}
    assert [r["content"] for r in answered["results"]] == ["I went for a run by the river."]
    # What was said today is all of it, what told first (questions asked today took the places).
    used = [m["snippet"] for m in said["memories_used"]]
    assert used and not any(text.endswith("?") for text in used)
    assert set(used) - {"I went for a run by the river."}
    # Only when it was said is public: which day a memory tells of is Lumia's reading of it.
    assert all(not key.startswith("lumia_about") for r in found["results"] for key in r["metadata"])


def test_a_question_about_a_day_to_come_finds_the_plans_told_of_it(lumia: Stack) -> None:
    """"What am I doing on Friday?" was read as last Friday, and "What do I have tomorrow?" named no
    time: plans told earlier of that day ("On Friday I have…", "På fredag ska jag…") were found only
    as much as any memory."""
    name = brain()
    now = datetime.now(UTC)
    said = now - timedelta(days=1)
    day, other = now + timedelta(days=2), now + timedelta(days=4)
    swedish = ["måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"]
    notes = [(f"On {day:%A} I have a dentist appointment at Folktandvården.", said),
             (f"På {swedish[other.weekday()]} ska jag äta lunch med Anna på Tranan.", said),
             (f"Last {day:%A} I had lunch with Per at the Thai place.", now - timedelta(days=5)),
             ("I usually go to the dentist in the spring.", now - timedelta(days=40)),
             ("I had a haircut at Salong Lisa.", now - timedelta(days=3)),
             ("I booked a hotel in Porto for next week.", now - timedelta(days=3))]
    with lumia.client() as client:
        for text, when in notes:
            assert client.post("/ingest", json={"customer_id": name, "content": text,
                                                "metadata": {"timestamp": when.timestamp()}}).status_code == 202
        assert wait_until(lambda: stats(client, name)["memory_count"] == len(notes))
        say(client, name, "Tomorrow I'm flying to Lisbon for work.")
        # Searched before the chats, whose questions are memories too.
        found = client.post("/query", json={"customer_id": name, "question": f"What do I have on {day:%A}?",
                                            "n_results": 3}).json()
        past = client.post("/query", json={"customer_id": name, "question": f"What did I do on {day:%A}?",
                                           "n_results": 3}).json()
        chat = client.post("/memory/chat", json={"user_id": name, "message": f"What am I doing on {day:%A}?"}).json()
        asked_sv = f"Vad ska jag göra på {swedish[other.weekday()]}?"
        chat_sv = client.post("/memory/chat", json={"user_id": name, "message": asked_sv}).json()
        tomorrow = client.post("/memory/chat", json={"user_id": name, "message": "What am I doing tomorrow?"}).json()
        # Asked of what was done before for a time to come, which is no time anything was done in.
        booked = client.post("/memory/chat", json={"user_id": name,
                                                   "message": "Did I book anything for next week?"}).json()
    # What was told of that day first; the model may also get other plans, after it.
    assert chat["memories_used"][0]["snippet"] == notes[0][0]
    assert chat_sv["memories_used"][0]["snippet"] == notes[1][0]
    assert tomorrow["memories_used"][0]["snippet"] == "Tomorrow I'm flying to Lisbon for work."
    assert "I booked a hotel in Porto for next week." in [m["snippet"] for m in booked["memories_used"]]
    assert found["results"][0]["content"] == notes[0][0]
    assert found["time_window"]["start"] == f"{day.date().isoformat()}T00:00:00Z"
    assert found["time_window"]["only"] is False
    # Asked in the past tense, the weekday is the last one.
    assert past["time_window"]["start"] == f"{(now - timedelta(days=5)).date().isoformat()}T00:00:00Z"


def test_a_month_told_of_in_a_past_form_answers_a_chat_about_it(lumia: Stack) -> None:
    """Found by a black-box pass: "In March we went skiing in the Alps", said in April, was no
    answer to a chat's "Where did I go skiing in March?" (only what was said in March was, and
    nothing was): the model got no memories at all. /query found it, from all time."""
    name = brain()
    now = datetime.now(UTC)
    said = now - timedelta(days=30)
    then = said - timedelta(days=45)  # a month that is over, and not this one
    swedish = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
               "november", "december"][then.month - 1]
    skiing, japan = f"In {then:%B} we went skiing in the Alps.", f"I {swedish} åkte jag till Japan med Sofia."
    with lumia.client() as client:
        remember_dated(client, name, {skiing: said, japan: said + timedelta(hours=1),
                                      "I cooked lasagna for the neighbours.": then + timedelta(days=3)})
        english = used(client, name, f"Where did I go skiing in {then:%B}?")
        swedish_used = used(client, name, f"Vad gjorde jag i {swedish}?")
        elsewhere = used(client, name, f"What did I do on {(then - timedelta(days=40)):%d %B}?")
    assert skiing in english
    assert {japan, skiing} <= set(swedish_used)
    assert skiing not in elsewhere and japan not in elsewhere


def test_a_chat_about_tomorrow_gets_every_plan_told_of_it_and_none_of_another_day(lumia: Stack) -> None:
    """Found by a black-box pass: "What am I doing tomorrow?" was given yesterday's "Tomorrow I need to
    renew my passport" (today's plan; the word "tomorrow" made it near), and not the plans told of
    tomorrow by its weekday or its date, which scored just under the threshold."""
    name = brain()
    now = datetime.now(UTC)
    tomorrow = now + timedelta(days=1)
    grandma = f"On {tomorrow:%A} I am visiting grandma in Borås."
    party = f"On {tomorrow.day} {tomorrow:%B} I have the office Christmas party."
    tree = "Tomorrow I will buy a Christmas tree."
    passport = "Tomorrow I need to renew my passport."
    with lumia.client() as client:
        remember_dated(client, name, {grandma: now - timedelta(days=1), party: now - timedelta(days=14),
                                      passport: now - timedelta(days=1, minutes=1), tree: now - timedelta(seconds=1)})
        english = used(client, name, "What am I doing tomorrow?")
        swedish = used(client, name, "Vad ska jag göra i morgon?")
    for given in (english, swedish):
        assert set(given[:3]) == {grandma, party, tree}
        assert passport not in given


def test_a_plan_for_the_weekend_or_a_date_is_found_by_asking_of_it(lumia: Stack) -> None:
    """"What am I doing this weekend?" was read as the weekend before, and "What am I doing on 24
    December?" as last year's: the plans told of them were not put first, what was done then was."""
    name = brain()
    now = datetime.now(UTC)
    date, its_weekday = now + timedelta(days=20), now + timedelta(days=20 - 7)
    on_date = f"{date.day} {date:%B}"
    notes = [("This weekend I'm going to a wedding in Uppsala.", now - timedelta(minutes=5)),
             ("Last weekend I went to a wedding in Lund.", now - timedelta(days=7)),
             (f"On {on_date} I have my driving test in Solna.", now - timedelta(days=1)),
             (f"I passed the theory part of my driving test in Solna on {on_date}.", date - timedelta(days=365)),
             (f"On {its_weekday:%A} I had a driving lesson in Solna.", its_weekday - timedelta(days=14))]
    with lumia.client() as client:
        for text, when in notes:
            assert client.post("/ingest", json={"customer_id": name, "content": text,
                                                "metadata": {"timestamp": when.timestamp()}}).status_code == 202
        assert wait_until(lambda: stats(client, name)["memory_count"] == len(notes))
        asked = {question: client.post("/query", json={"customer_id": name, "question": question,
                                                       "n_results": 3}).json()
                 for question in ("What am I doing this weekend?", "Vad ska jag göra i helgen?",
                                  f"What am I doing on {on_date}?", f"When is my driving test on {on_date}?")}
        weekend = client.post("/memory/chat", json={"user_id": name, "message": "What am I doing this weekend?"}).json()
        dated = client.post("/memory/chat", json={"user_id": name, "message": f"What am I doing on {on_date}?"}).json()
    assert [found["results"][0]["content"] for found in asked.values()] == [notes[0][0]] * 2 + [notes[2][0]] * 2
    assert weekend["memories_used"][0]["snippet"] == notes[0][0]
    assert dated["memories_used"][0]["snippet"] == notes[2][0]
    assert asked[f"What am I doing on {on_date}?"]["time_window"]["start"] == f"{date.date().isoformat()}T00:00:00Z"


def test_days_begin_in_the_users_time_zone(make_stack: Callable[..., Stack], fake_ollama: FakeOllama) -> None:
    """Found by a black-box pass: days were counted in UTC, so for a user in Stockholm what was done
    at 00:30 was the day before's, and west of Greenwich "today" began in the afternoon. UTC+14
    makes every hour of the day differ: the two memories are on the same day in UTC, and "yesterday"
    in UTC holds both of them or neither."""
    zone = timezone(timedelta(hours=14))
    stack = make_stack("llm", "brain", "gateway", LUMIA_TIMEZONE="Etc/GMT-14")  # POSIX signs: UTC+14
    name = brain()
    yesterday = (datetime.now(zone) - timedelta(days=1)).date()
    skating = datetime.combine(yesterday, time(0, 30), zone)
    baking = datetime.combine(yesterday - timedelta(days=1), time(23, 30), zone)
    with stack.client() as client:
        for text, when in (("I went ice skating on the lake.", skating.timestamp()),
                           ("I baked saffron buns with my wife.", baking.timestamp()),
                           ("I fed the ducks.", f"{yesterday.isoformat()}T10:00:00")):  # no zone: the user's
            assert client.post("/ingest", json={"customer_id": name, "content": text,
                                                "metadata": {"timestamp": when}}).status_code == 202
        assert wait_until(lambda: stats(client, name)["memory_count"] == 3)
        answer = client.post("/memory/chat", json={"user_id": name, "message": "What did I do yesterday?"}).json()
        [ducks] = client.post("/query", json={"customer_id": name, "question": "ducks",
                                              "n_results": 1}).json()["results"]
    assert sorted(m["snippet"] for m in answer["memories_used"]) == ["I fed the ducks.",
                                                                      "I went ice skating on the lake."]
    prompt = system_prompt_sent(fake_ollama, "What did I do yesterday?")
    assert f'date="{yesterday.isoformat()}"' in prompt
    # The model is told which day is today, the user's: without it, "yesterday" is no day it can find.
    today = yesterday + timedelta(days=1)
    assert f"Today is {today:%A} {today.isoformat()}." in prompt
    assert ducks["metadata"]["lumia_created_at"] == datetime.combine(yesterday, time(10), zone).timestamp()


def test_an_unknown_time_zone_is_refused_naming_the_setting() -> None:
    with pytest.raises(ValidationError, match="unknown time zone 'Europe/Stokholm'"):
        Settings(LUMIA_TIMEZONE="Europe/Stokholm")


def test_a_machine_zone_no_one_knows_is_utc_not_a_failure() -> None:
    # In a process of its own: tzlocal keeps the first zone it finds for the process, so in the
    # suite's this machine's own (UTC here) would be read, whatever the fallback did.
    shown = subprocess.run(
        [sys.executable, "-c", "from shared.settings import Settings; print(Settings(LUMIA_TIMEZONE='').zone)"],
        env={**os.environ, "TZ": "Nowhere/Atlantis"}, capture_output=True, text=True, timeout=60, check=True)
    assert shown.stdout.strip() == "UTC"
    assert "the machine's time zone is unknown" in shown.stderr


def test_a_time_in_a_chat_does_not_hide_the_older_fact_that_answers_it(lumia: Stack) -> None:
    name = brain()
    now = datetime.now(UTC)
    with lumia.client() as client:
        today = [f"Today's note {n}: I moved the {thing} to the shed." for n, thing in
                 enumerate(("bike", "lawnmower", "ladder", "rake", "hose", "grill"))]
        remember_dated(client, name, {"My dog Bosse needs his heart medicine every evening.": now - timedelta(days=10),
                                      **dict.fromkeys(today, now)})
        answer = client.post("/memory/chat", json={"user_id": name,  # in the first person: today's all count
                                                    "message": "Do I give Bosse his heart medicine today?"}).json()
    # More of today's memories than a chat gets must not crowd out the older one that answers.
    assert answer["memories_used"][0]["snippet"] == "My dog Bosse needs his heart medicine every evening."


def test_a_query_says_which_time_it_read_and_whether_it_kept_to_it(lumia: Stack) -> None:
    """Found by a black-box pass: the same question ("What did I do last Tuesday?") gave that day's
    memories or, with nothing said then, all time's best, and nothing told the two apart."""
    name = brain()
    now = datetime.now(UTC)
    with lumia.client() as client:
        remember_dated(client, name, {"I repainted the fence.": now - timedelta(days=1),
                                      "Bosse needs his heart medicine every morning.": now - timedelta(days=30)})

        def window(question: str) -> dict[str, Any] | None:
            reply = client.post("/query", json={"customer_id": name, "question": question})
            assert reply.status_code == 200, reply.text
            found: dict[str, Any] | None = reply.json()["time_window"]
            return found

        yesterday, today = window("What did I do yesterday?"), window("Does Bosse need his medicine today?")
        nothing_then, timeless = window("What did I do two years ago?"), window("Who is Bosse?")
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    assert yesterday is not None and yesterday["only"] is True
    assert datetime.fromisoformat(yesterday["start"]) == midnight - timedelta(days=1)
    assert datetime.fromisoformat(yesterday["end"]) == midnight
    assert today is not None and today["only"] is False and datetime.fromisoformat(today["start"]) == midnight
    assert nothing_then is None and timeless is None  # all time's best: no time kept to


def test_small_talk_naming_today_gets_no_earlier_questions(lumia: Stack) -> None:
    name = brain()
    with lumia.client() as client:
        say(client, name, "Where do I live?", "What is the capital of France?", "Can you recommend a good book?")
        answer = client.post("/memory/chat", json={"user_id": name, "message": "How are you today?"}).json()
    assert answer["memories_used"] == [] and answer["context_used"] is False


def test_what_was_done_today_is_found_after_many_questions_asked_today(lumia: Stack) -> None:
    """Found by a black-box pass: after some 20 questions the same day, "What did I do today?"
    got nothing: the day's questions filled the places searched, and none of them tells."""
    name = brain()
    whens = ["last week", "in March", "yesterday", "on Monday", "last summer", "two days ago", "this morning",
             "last night", "in May", "at Christmas", "last year", "on my birthday", "in the spring", "last month",
             "on Friday", "in January", "last weekend", "in October", "on Sunday", "in the autumn", "at Easter",
             "in June"]
    with lumia.client() as client:
        [dinner] = ingest(client, name, "I had dinner with my parents.")
        say(client, name, *[f"What did I do {when}?" for when in whens])
        answer = client.post("/memory/chat", json={"user_id": name, "message": "What did I do today?"}).json()
    assert dinner in [m["id"] for m in answer["memories_used"]]


def test_a_question_that_tells_asked_again_that_day_is_one_memory_and_a_statement_two(lumia: Stack) -> None:
    """Found by a black-box pass: each repeat of "What could I cook for dinner that both Karin and I can
    eat?" (read as telling: "Karin and I") became another memory, and they pushed out the facts."""
    name = brain()
    question = "What could I cook for dinner that both Karin and I can eat?"
    request = "Rekommendera en film som jag kanske gillar"  # and a request, three copies in a second pass
    with lumia.client() as client:
        say(client, name, question, "I said yes.", request)
        for message in (question, "I said yes.", request):
            assert client.post("/memory/chat", json={"user_id": name, "message": message}).status_code == 200
        assert wait_until(lambda: stats(client, name)["memory_count"] == 4)  # "I said yes." twice tells twice
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0)
        listed = [m["content"] for m in client.get(f"/memory/{name}/memories").json()["memories"]]
    assert sorted(listed) == sorted([question, "I said yes.", "I said yes.", request])


def test_a_fact_asked_for_many_ways_is_still_found_by_a_chat(lumia: Stack) -> None:
    """Found by a recheck: after some 20 chats asking for a passport number (or the same one asked 20
    times, each a memory of its own), the questions took every place a chat searched and the chat
    got no memory; requests ("Tell me my passport number.") were taken for statements."""
    name = brain()
    asks = ["What is my passport number?", "What's my passport number?", "Tell me my passport number.",
            "Remind me of my passport number.", "Give me my passport number please.", "Do you know my passport number?",
            "Can you tell me my passport number?", "What was my passport number again?", "Vad är mitt passnummer?",
            "Påminn mig om mitt passnummer.", "Kommer du ihåg mitt passnummer?", "Which passport number do I have?",
            "Tell me my passport number please.", "Remind me of my passport number please.",
            "Do you remember my passport number?", "What is my passport number again?",
            "Could you remind me of my passport number?", "Vad har jag för passnummer?", "Vilket passnummer har jag?",
            "Can you give me my passport number?", "Do you have my passport number?"]
    with lumia.client() as client:
        [fact] = ingest(client, name, "My passport number is X1234567.")
        say(client, name, *asks, "I am allergic to peanuts.")
        again = client.post("/memory/chat", json={"user_id": name, "message": "What is my passport number?"})
        assert again.status_code == 200
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0)
        count = stats(client, name)["memory_count"]
        said = client.post("/query", json={"customer_id": name, "question": "What did I say today?",
                                           "n_results": 3, "answer": True}).json()
    assert fact in [m["id"] for m in again.json()["memories_used"]]
    assert count == 1 + len(asks) + 1  # "What is my passport number?" asked again is the one memory
    assert [r["content"] for r in said["results"]] and all(not r["content"].endswith("?") for r in said["results"])


def test_a_filter_every_memory_matches_ranks_as_no_filter_does(lumia: Stack) -> None:
    """Found by a black-box pass: with a `where`, the keyword nudge was left out, and "the secret
    code word in note number 21" found note 22 first."""
    name = brain()
    with lumia.client() as client:
        ingest(client, name, *[f"Note number {i}: the secret code word is item{i}." for i in range(40)], topic="notes")

        def ranked(number: int, **extra: object) -> list[str]:
            body = {"customer_id": name, "question": f"What is the secret code word in note number {number}?",
                    "n_results": 5, **extra}
            return [hit["content"] for hit in client.post("/query", json=body).json()["results"]]

        plain = [ranked(n) for n in range(0, 40, 3)]
        filtered = [ranked(n, where={"topic": "notes"}) for n in range(0, 40, 3)]
    # The best match first either way (further down, near ties may differ: a filtered search
    # reads its candidates another way).
    assert [found[0] for found in filtered] == [found[0] for found in plain] == [
        f"Note number {n}: the secret code word is item{n}." for n in range(0, 40, 3)]


def test_persona_is_refreshed_and_used(lumia: Stack, fake_ollama: FakeOllama) -> None:
    name = brain()
    with lumia.client() as client:
        client.post("/memory/chat", json={"user_id": name, "message": "Jag heter Anna och bor i Göteborg."})
        assert wait_until(lambda: stats(client, name)["has_persona"])
        persona_request = next(r for r in fake_ollama.record.requests
                               if "profile" in r["messages"][0]["content"])
        assert "Jag heter Anna och bor i Göteborg." in persona_request["messages"][1]["content"]
        # Told the day, the model can tell a plan that has passed from one still ahead.
        today = datetime.now(UTC).date()
        assert f"Today is {today:%A} {today.isoformat()}." in persona_request["messages"][1]["content"]
        assert stats(client, name)["persona_last_updated"] is not None
        answer = client.post("/memory/chat", json={"user_id": name, "message": "Hej!"}).json()
    assert answer["persona_included"] is True
    prompt = system_prompt_sent(fake_ollama, "Hej!")
    assert "## Om användaren:" in prompt
    assert answer["context_length"] == len(prompt[prompt.index("## Om användaren:"):])


def test_the_persona_is_written_from_what_was_told_not_from_questions(lumia: Stack, fake_ollama: FakeOllama) -> None:
    name = brain()
    with lumia.client() as client:
        client.post("/memory/chat", json={"user_id": name, "message": "Vad är huvudstaden i Norge?"})
        assert wait_until(lambda: stats(client, name)["memory_count"] == 1)
        client.post("/memory/chat", json={"user_id": name, "message": "Jag heter Bo och spelar cello."})
        assert wait_until(lambda: stats(client, name)["has_persona"])
    written_from = [r["messages"][1]["content"] for r in fake_ollama.record.requests
                    if "profile" in r["messages"][0]["content"] and "Jag heter Bo" in r["messages"][1]["content"]]
    assert written_from and not any("huvudstaden" in statements for statements in written_from)


def test_clear_forgets_everything_of_one_brain(lumia: Stack) -> None:
    name, other = brain(), brain()
    with lumia.client() as client:
        ingest(client, name, "Secret one.", "Secret two.")
        ingest(client, other, "Keep me.")
        cleared = client.post(f"/memory/clear/{name}")
        assert cleared.json() == {"brain": name, "removed": 2}
        assert stats(client, name)["memory_count"] == 0 and stats(client, name)["has_persona"] is False
        found = client.post("/query", json={"customer_id": name, "question": "Secret"}).json()
        assert found["results"] == []
        assert stats(client, other)["memory_count"] == 1


def test_one_memory_is_forgotten_at_once(lumia: Stack) -> None:
    name = brain()
    with lumia.client() as client:
        keep, drop = ingest(client, name, "I drink my coffee black.", "My coffee mug is blue.")
        assert client.delete(f"/memory/{name}/memories/{drop}").status_code == 204
        found = client.post("/query", json={"customer_id": name, "question": "coffee mug", "n_results": 10}).json()
        assert [r["id"] for r in found["results"]] == [keep]
        listed = client.get(f"/memory/{name}/memories").json()
        assert [m["id"] for m in listed["memories"]] == [keep] and listed["total"] == 1
        assert client.delete(f"/memory/{name}/memories/{drop}").status_code == 404


def test_ingested_metadata_comes_back_from_queries(lumia: Stack) -> None:
    name = brain()
    with lumia.client() as client:
        ingest(client, name, "The quarterly report is due on Friday.", topic="work", priority=2)
        found = client.post("/query", json={"customer_id": name, "question": "When is the report due?",
                                            "where": {"topic": "work"}}).json()
        # Two fields in one clause: Chroma refuses it, and the caller hears why at once.
        refused = client.post("/query", json={"customer_id": name, "question": "When is the report due?",
                                              "where": {"topic": "work", "priority": 2}})
    assert refused.status_code == 422, refused.text
    assert "where is not a valid Chroma metadata filter" in refused.text and "$and" in refused.text
    assert refused.json()["detail"][0]["loc"] == ["body", "where"]
    [hit] = found["results"]
    assert hit["metadata"]["topic"] == "work" and hit["metadata"]["priority"] == 2
    assert 0 < hit["score"] <= 1


@pytest.mark.parametrize("written", ["2023-05-08T13:56:00", "1:56 pm on 8 May, 2023", "8 May 2023 13:56",
                                     "May 8, 2023 13:56", "8 maj 2023 13:56",
                                     # Found by a black-box pass: Swedish abbreviations and "kl." were refused.
                                     "8 maj 2023 kl. 13.56", "8 maj 2023 kl 13:56"])
def test_a_memory_is_dated_by_the_timestamp_in_its_metadata(lumia: Stack, written: str) -> None:
    name = brain()
    with lumia.client() as client:
        ingest(client, name, "We adopted a kitten called Miso.", timestamp=written)
        found = client.post("/query", json={"customer_id": name, "question": "What is the kitten called?"}).json()
        chat = client.post("/memory/chat", json={"user_id": name, "message": "What is our kitten called?"}).json()
    [hit] = found["results"]
    assert hit["metadata"]["lumia_created_at"] == datetime(2023, 5, 8, 13, 56).timestamp()
    assert hit["metadata"]["timestamp"] == written
    # A chat's memories say when they were said too: which of an old fact and its change is newer (a black-box pass).
    said_at = hit["metadata"]["lumia_created_at"]
    assert [(m["id"], m["created_at"]) for m in chat["memories_used"]] == [(hit["id"], said_at)]


def test_query_can_answer_with_the_llm(lumia: Stack, fake_ollama: FakeOllama) -> None:
    name = brain()
    with lumia.client() as client:
        ingest(client, name, "The wifi password is korvmacka77.")
        found = client.post("/query", json={"customer_id": name, "question": "What is the wifi password?",
                                            "answer": True}).json()
    assert found["answer"] == "Echo: What is the wifi password?"
    assert "korvmacka77" in system_prompt_sent(fake_ollama, "What is the wifi password?")


def test_an_answer_ollama_fails_is_the_same_error_as_a_chats(lumia: Stack, fake_ollama: FakeOllama) -> None:
    """Found by a black-box pass: an error of Ollama's was a 502 in a chat and a 503 from /query."""
    name = brain()
    fake_ollama.behaviour.fail_status = 500
    with lumia.client() as client:
        ingest(client, name, "The wifi password is korvmacka77.")
        answered = client.post("/query", json={"customer_id": name, "question": "What is the wifi password?",
                                               "answer": True})
        chat = client.post("/memory/chat", json={"user_id": name, "message": "What is the wifi password?"})
    assert (answered.status_code, answered.json()["code"]) == (chat.status_code, chat.json()["code"])
    assert answered.status_code == 502 and answered.json()["code"] == "ollama_error"


@pytest.mark.parametrize("prompt", ["", "   "])
def test_a_blank_system_prompt_is_refused_naming_it(lumia: Stack, prompt: str) -> None:
    with lumia.client() as client:
        response = client.post("/memory/chat", json={"user_id": brain(), "message": "Hi", "system_prompt": prompt})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "system_prompt"]


def test_documents_are_chunked_with_their_source(lumia: Stack) -> None:
    name = brain()
    paragraphs = [f"Section {i}. " + " ".join(f"word{i}_{j}" for j in range(60)) for i in range(8)]
    with lumia.client() as client:
        response = client.post(f"/memory/{name}/documents?source=handbook.md", content="\n\n".join(paragraphs),
                               headers={"content-type": "text/markdown"})
        assert response.status_code == 202
        ids = response.json()["ids"]
        assert len(ids) > 1
        assert wait_until(lambda: stats(client, name)["memory_count"] == len(ids))
        found = client.post("/query", json={"customer_id": name, "question": "word5_30"}).json()
    assert "word5_30" in found["results"][0]["content"]
    assert found["results"][0]["metadata"]["source"] == "handbook.md"


def test_a_markdown_section_is_found_under_its_own_heading(lumia: Stack) -> None:
    """Found by a black-box pass: chunks cut by size alone ended with the next town's heading, and
    the question about Åre found Östersund's chunk first."""
    name = brain()
    towns = ("Åre", "Östersund", "Luleå", "Kiruna", "Umeå", "Sundsvall")
    guide = "# Norrland\n\n" + "\n\n".join(
        f"## {town}\n\n{town} är en ort i norra Sverige med fjäll, sjöar och skog. " + "Sommartid vandrar man, "
        "vintertid åker man skidor och skridskor. " * 9 + f"Bästa restaurangen i {town} heter Krogen {town}."
        for town in towns)
    with lumia.client() as client:
        response = client.post(f"/memory/{name}/documents?source=norrland.md", content=guide,
                               headers={"content-type": "text/markdown"})
        assert response.status_code == 202, response.text
        assert wait_until(lambda: stats(client, name)["memory_count"] == len(response.json()["ids"]))
        asked = [{"customer_id": name, "question": f"Vad heter bästa restaurangen i {town}?"} for town in towns]
        found = [client.post("/query", json=body).json()["results"][0]["content"] for body in asked]
    assert [f"## {town}" in top and f"Krogen {town}." in top for top, town in zip(found, towns, strict=True)] == \
        [True] * len(towns)


@pytest.mark.parametrize(("path", "body"), [
    ("/ingest", {"customer_id": "x", "content": ""}),
    ("/ingest", {"customer_id": "", "content": "hi"}),
    ("/ingest", {"content": "hi"}),  # trust mode has no token user whose brain it could be
    ("/ingest/batch", {"items": [{"content": "a"}]}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"nested": {"a": 1}}}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"timestamp": "last tuesday"}}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"timestamp": 1_700_000_000_000}}),  # in ms
    # A year, or a count: dated in the first minutes of 1970 with no word of it (a black-box pass).
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"timestamp": 2026}}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"timestamp": 0}}),
    ("/ingest/batch", {"customer_id": "x",
                       "items": [{"content": "a"}, {"content": "b", "metadata": {"timestamp": -1e15}}]}),
    ("/ingest/batch", {"customer_id": "x", "items": []}),
    ("/ingest/batch", {"customer_id": "x", "items": [{"content": "a"}] * 1001}),
    ("/query", {"customer_id": "x", "question": "q", "n_results": 101}),
    ("/query", {"customer_id": "x", "question": ""}),
    ("/query", {"customer_id": "x", "question": "q", "where": {"topic": {"$like": "w%"}}}),
    ("/query", {"customer_id": "x", "question": "q", "where": {"$bogus": 1}}),
    # Chroma's validator let these through and its query engine failed: a 500 (a black-box pass).
    ("/query", {"customer_id": "x", "question": "q", "where": {"chunk": {"$gt": True}}}),
    ("/query", {"customer_id": "x", "question": "q", "where": {"$and": [{"chunk": {"$lte": False}}, {"chunk": 1}]}}),
    ("/query", {"customer_id": "x", "question": "  \n "}),
    ("/ingest", {"customer_id": "x", "content": "  \n "}),
    ("/ingest", {"customer_id": "x/y", "content": "hi"}),
    ("/ingest", {"customer_id": "..", "content": "hi"}),
    ("/ingest", {"customer_id": "x ", "content": "hi"}),
    ("/ingest", {"customer_id": "x\ty", "content": "hi"}),
    # Listed as a blank, or reading otherwise than it is (a black-box pass).
    ("/ingest", {"customer_id": "\u200b", "content": "hi"}),
    ("/ingest", {"customer_id": "rtl\u202eevil", "content": "hi"}),
    ("/ingest", {"customer_id": "\ufeffbom", "content": "hi"}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"timestamp": "9999-12-31T23:59:59-12:00"}}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"timestamp": "0001-01-01T00:00:00+14:00"}}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"timestamp": "2026"}}),  # a year is no date
    # Kept as plain metadata, the memory dated now without a word (a black-box pass).
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"Timestamp": "2026-03-14"}}),
    ("/ingest/batch", {"customer_id": "x", "items": [{"content": "a", "metadata": {"Created-At": 1.7e9}}]}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {" timestamp": "2026-03-14"}}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"ＴＩＭＥＳＴＡＭＰ": 1.7e9}}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"timestamp": "86400"}}),  # nor 1970
    # A memory is dated when it was said: 2099 stayed at the top of the listing and out of every "today".
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"timestamp": "2099-01-01"}}),
    ("/ingest/batch", {"customer_id": "x",
                       "items": [{"content": "a"}, {"content": "b", "metadata": {"timestamp": 4_102_444_800}}]}),
    ("/ingest", '{"customer_id": "x", "content": "half an emoji \\ud83d"}'),
    ("/query", '{"customer_id": "x", "question": "katt \\udfff"}'),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"": 1}}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"$k": 1}}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"chroma:document": "d"}}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"#foo": "v"}}),  # Chroma refuses any '#' key
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"k\n": "v"}}),
    ("/ingest", '{"customer_id": "x", "content": "hi", "metadata": {"k\\ud800": "v"}}'),  # half a pair in a key
    ("/ingest", {"customer_id": "x", "content": "a\u0000b"}),  # documents with a NUL are refused too
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"note": "a\u0000b"}}),  # in a value as in content
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"\u200blumia_kind": "turn"}}),  # a look-alike
    ("/ingest/batch", {"customer_id": "x", "items": [{"content": "fine"}, {"content": "b", "metadata": {"#x": 1}}]}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"lumia_created_at": 1.0}}),
    ("/ingest", '{"customer_id": "x", "content": "hi", "metadata": {"n": Infinity}}'),  # Python's JSON reads it
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"n": 2**64}}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metadata": {"note": "x" * 4001}}),
    ("/ingest", {"customer_id": "x", "content": "hi", "metdata": {"topic": "work"}}),  # misspelled: not ignored
    ("/ingest/batch", {"customer_id": "x", "items": [{"content": "a", "meta": {}}]}),
])
def test_bad_memory_input_is_refused_and_nothing_is_stored(lumia: Stack, path: str,
                                                            body: dict[str, Any] | str) -> None:
    with lumia.client() as client:
        if isinstance(body, str):
            response = client.post(path, content=body, headers={"content-type": "application/json"})
        else:
            response = client.post(path, json=body)
        assert response.status_code == 422, response.text
        assert stats(client, "x")["memory_count"] == 0
        assert stats(client, "x")["dead_letters"] == 0


def test_the_same_words_composed_or_decomposed_are_one_memory(lumia: Stack) -> None:
    """Found by a black-box pass: "Umeå" as a Mac sends it (a + combining ring) was a second memory
    beside the same words composed, two identical lines in the listing."""
    name = brain()
    composed = "Jag bor i Umeå."
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    with lumia.client() as client:
        ids = [client.post("/ingest", json={"customer_id": name, "content": text}).json()["id"]
               for text in (composed, decomposed)]
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0)
        listed = client.get(f"/memory/{name}/memories").json()
        found = client.post("/query", json={"customer_id": name, "question": unicodedata.normalize("NFD", "Umeå")})
    assert ids[0] == ids[1]
    assert [m["content"] for m in listed["memories"]] == [composed]
    assert [r["content"] for r in found.json()["results"]] == [composed]


@pytest.mark.parametrize(("body", "field"), [
    ({"customer_id": "x", "question": "q", "wher": {"source": "a.md"}}, "wher"),  # answered unfiltered before
    ({"customer_id": "x", "question": "q", "n_results": True}, "n_results"),  # taken as 1 result before
    ({"customer_id": "x", "question": "q", "answer": "yes"}, "answer"),
])
def test_a_query_with_an_unknown_or_loosely_typed_field_is_refused_naming_it(lumia: Stack, body: dict[str, Any],
                                                                            field: str) -> None:
    with lumia.client() as client:
        response = client.post("/query", json=body)
    assert response.status_code == 422, response.text
    assert [e["loc"][-1] for e in response.json()["detail"]] == [field]


def test_stats_have_the_readme_shape(lumia: Stack) -> None:
    with lumia.client() as client:
        empty = stats(client, brain())
    assert {"has_context", "context_length", "has_persona", "persona_last_updated", "memory_count",
            "pending_ingest", "embedding_model"} <= set(empty)
    assert empty["memory_count"] == 0 and empty["has_context"] is False


def test_stats_name_the_embedder_of_a_brain_only_while_it_holds_memories(lumia: Stack) -> None:
    """Found by a black-box pass: an emptied brain named its embedder or not depending on how it
    was emptied."""
    deleted, cleared = brain(), brain()
    with lumia.client() as client:
        [memory] = ingest(client, deleted, "The bike lock code is 4711.")
        ingest(client, cleared, "The bike lock code is 4711.")
        holding = stats(client, deleted)["embedding_model"]
        assert client.delete(f"/memory/{deleted}/memories/{memory}").status_code == 204
        assert client.post(f"/memory/clear/{cleared}").status_code == 200
        after = [stats(client, name)["embedding_model"] for name in (deleted, cleared)]
    assert holding == "local:multilingual-e5-small"
    assert after == [None, None]




def test_forgetting_a_memory_id_no_memory_can_have_is_refused(lumia: Stack) -> None:
    with lumia.client() as client:
        response = client.delete(f"/memory/{brain()}/memories/{'x' * 81}")
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["path", "memory_id"]


def test_a_timestamp_in_a_string_of_digits_is_unix_seconds(lumia: Stack) -> None:
    name = brain()
    with lumia.client() as client:
        ingest(client, name, "The boiler was serviced.", timestamp="1683554160")
        [hit] = client.post("/query", json={"customer_id": name, "question": "boiler service"}).json()["results"]
    assert hit["metadata"]["lumia_created_at"] == datetime(2023, 5, 8, 13, 56, tzinfo=UTC).timestamp()


def test_a_day_the_month_lacks_is_refused_saying_so_and_a_weekday_that_fits_is_taken(lumia: Stack) -> None:
    """Found by a black-box pass: "2026-02-29" got the general list of date forms, and
    "lördag 14 mars 2026" a 422."""
    name = brain()
    with lumia.client() as client:
        refused = client.post("/ingest", json={"customer_id": name, "content": "The boat was launched.",
                                               "metadata": {"timestamp": "2026-02-29"}})
        ingest(client, name, "The boat was launched.", timestamp="lördag 14 mars 2026")
        [hit] = client.post("/query", json={"customer_id": name, "question": "boat"}).json()["results"]
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"][0]["msg"].endswith("February 2026 has no day 29: it has 28 days")
    assert not refused.json()["detail"][0]["msg"].startswith("Value error")  # pydantic's prefix tells a client nothing
    assert hit["metadata"]["lumia_created_at"] == datetime(2026, 3, 14, tzinfo=UTC).timestamp()


def test_eight_digits_are_a_date_not_seconds_in_1970(lumia: Stack) -> None:
    """Found by a black-box pass: "20230508" was stored as 1970-08-23, and a year alone as 1970."""
    name = brain()
    with lumia.client() as client:
        ingest(client, name, "The chimney was swept.", timestamp="20230508")
        [hit] = client.post("/query", json={"customer_id": name, "question": "chimney sweep"}).json()["results"]
    assert hit["metadata"]["lumia_created_at"] == datetime(2023, 5, 8, tzinfo=UTC).timestamp()


def test_a_bad_timestamp_in_a_batch_names_its_item_and_nothing_is_stored(lumia: Stack) -> None:
    """Found by a black-box pass: the error said `body.metadata.timestamp`, not which of 1,000 items."""
    name = brain()
    items = [{"content": "a"}, {"content": "b"}, {"content": "c", "metadata": {"created_at": "not a date"}}]
    with lumia.client() as client:
        response = client.post("/ingest/batch", json={"customer_id": name, "items": items})
        single = client.post("/ingest", json={"customer_id": name, "content": "d", "metadata": {"timestamp": "x"}})
        assert stats(client, name)["pending_ingest"] == 0 and stats(client, name)["memory_count"] == 0
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["body", "items", 2, "metadata", "created_at"]
    assert single.json()["detail"][0]["loc"] == ["body", "metadata", "timestamp"]


def test_a_note_posted_again_answers_with_the_id_of_the_memory_stored(lumia: Stack) -> None:
    name = brain()
    with lumia.client() as client:
        [first] = ingest(client, name, "The spare key is under the blue pot.")
        again = client.post("/ingest", json={"customer_id": name, "content": "The spare key is under the blue pot."})
        other = client.post("/ingest", json={"customer_id": brain(), "content": "The spare key is under the blue pot."})
        assert again.status_code == 202 and again.json()["id"] == first
        assert other.json()["id"] != first  # the same words in another brain are another memory
        assert stats(client, name)["memory_count"] == 1
        assert client.delete(f"/memory/{name}/memories/{again.json()['id']}").status_code == 204
        assert stats(client, name)["memory_count"] == 0


def test_a_document_uploaded_again_replaces_the_one_before(lumia: Stack) -> None:
    name = brain()
    heading = "## Notes\n\n" + " ".join(f"filler{j}" for j in range(120))

    def upload(client: httpx.Client, text: str) -> list[str]:
        response = client.post(f"/memory/{name}/documents?source=office.md", content=text,
                               headers={"content-type": "text/markdown"})
        assert response.status_code == 202, response.text
        return list(response.json()["ids"])

    with lumia.client() as client:
        # The same section twice: each chunk is its place in the document, all stored.
        first = upload(client, "The meeting room is on floor three.\n\n" + heading + "\n\n" + heading)
        assert len(set(first)) == len(first) > 2
        assert wait_until(lambda: stats(client, name)["memory_count"] == len(first), timeout=60)
        assert upload(client, "The meeting room is on floor three.\n\n" + heading + "\n\n" + heading) == first
        second = upload(client, "The meeting room moved to floor five.")
        assert wait_until(lambda: stats(client, name)["memory_count"] == len(second))
        found = client.post("/query", json={"customer_id": name, "question": "Which floor is the meeting room on?",
                                            "n_results": 10}).json()["results"]
    assert [hit["id"] for hit in found] == second
    assert "floor five" in found[0]["content"]


def test_the_same_text_as_markdown_after_plain_text_is_a_new_version(lumia: Stack) -> None:
    """Found by a black-box pass: the same text cut as markdown got the plain cut's ids, so the stored
    document was a mix of both (ten plain chunks, then the last three markdown ones)."""
    name = brain()
    text = "\n\n".join(f"## Part {n}\n\n" + " ".join(f"word{n}x{j}" for j in range(90)) for n in range(4))

    def upload(client: httpx.Client, kind: str) -> list[str]:
        response = client.post(f"/memory/{name}/documents?source=notes.txt", content=text,
                               headers={"content-type": kind})
        assert response.status_code == 202, response.text
        return list(response.json()["ids"])

    with lumia.client() as client:
        plain = upload(client, "text/plain")
        assert wait_until(lambda: stats(client, name)["memory_count"] == len(plain), timeout=60)
        marked = upload(client, "text/markdown")
        def listed() -> dict[str, str]:
            return {m["id"]: m["content"] for m in client.get(f"/memory/{name}/memories?limit=100").json()["memories"]}

        assert wait_until(lambda: set(listed()) == set(marked), timeout=60)
        stored = listed()
    assert not set(plain) & set(marked)
    assert all(stored[i].startswith("## Part") for i in marked)  # each markdown chunk under its heading


def test_every_metadata_key_accepted_is_stored(lumia: Stack) -> None:
    """A key Chroma would refuse after the 202 dead-letters the memory: what is accepted must be storable."""
    name = brain()
    metadata = {"a#b": 1, "key.with.dots": "v", "é": True, "x:y": 2.5, "document": "d", "id": "i", "a$": "",
                "with space": "v"}
    with lumia.client() as client:
        [memory_id] = ingest(client, name, "Odd keys, all of them fine.", **metadata)
        [stored] = client.get(f"/memory/{name}/memories").json()["memories"]
        assert stats(client, name)["dead_letters"] == 0
    assert stored["id"] == memory_id
    assert {k: stored["metadata"][k] for k in metadata} == metadata


def test_a_brain_name_is_the_same_however_its_letters_are_composed(lumia: Stack) -> None:
    """Found by a black-box pass: "kökbok" with a composed ö and with o + a combining diaeresis (as some
    keyboards send it) were two brains, and a fact told in one was not found from the other."""
    composed = f"kökbok-{uuid.uuid4().hex[:6]}"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    with lumia.client() as client:
        [memory_id] = ingest(client, decomposed, "The sourdough starter is called Bengt.")
        found = client.post("/query", json={"customer_id": composed, "question": "What is the starter called?"})
        counted = stats(client, composed)["memory_count"]
    assert [hit["id"] for hit in found.json()["results"]] == [memory_id]
    assert counted == 1


def test_the_last_upload_wins_while_a_large_earlier_one_is_still_stored(lumia: Stack) -> None:
    """Found by a black-box pass: a small new version (queued with the notes) was stored before the
    rest of a large old one (queued apart), whose chunks, stored after it, deleted it: the old
    document stayed, in part, and the new one was gone."""
    name = brain()
    old = "\n\n".join(f"Paragraph {i}: the quokka number {i} lives on Rottnest island and eats leaves of "
                      f"type L{i}." + " filler" * 40 for i in range(120))
    with lumia.client() as client:
        large = client.post(f"/memory/{name}/documents?source=m.md", content=old,
                            headers={"content-type": "text/plain"})
        small = client.post(f"/memory/{name}/documents?source=m.md", content="Second version: the boiler code is "
                            "now LION-7.", headers={"content-type": "text/plain"})
        assert len(large.json()["ids"]) > SMALL_DOCUMENT and len(small.json()["ids"]) == 1
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0, timeout=120)
        documents = client.get(f"/memory/{name}/documents").json()["documents"]
        listed = client.get(f"/memory/{name}/memories").json()
    assert [(d["source"], d["chunks"]) for d in documents] == [("m.md", 1)]
    assert [m["id"] for m in listed["memories"]] == small.json()["ids"]


def test_a_date_in_the_future_is_refused_saying_why_and_a_clock_a_little_ahead_is_not(lumia: Stack) -> None:
    name = brain()
    with lumia.client() as client:
        ahead = client.post("/ingest", json={"customer_id": name, "content": "Booked the dentist.",
                                             "metadata": {"timestamp": "2099-03-14T09:30:00"}})
        skewed = client.post("/ingest", json={"customer_id": name, "content": "Paid the rent.",
                                              "metadata": {"timestamp": datetime.now(UTC).timestamp() + 3600}})
        assert skewed.status_code == 202
        assert wait_until(lambda: stats(client, name)["memory_count"] == 1)
    assert ahead.status_code == 422
    [error] = ahead.json()["detail"]
    assert error["loc"] == ["body", "metadata", "timestamp"]
    assert "in the future (2099-03-14 09:30 UTC)" in error["msg"] and "when it was said" in error["msg"]
    assert error["input"] == "2099-03-14T09:30:00"  # as it was sent


def test_a_chat_told_of_a_change_gets_it_with_the_fact_it_changes(lumia: Stack) -> None:
    """Found by a black-box pass: told in chats, "I live in Malmö." … "I have moved to Umeå." left "Where do
    I live?" with the old fact alone. A turn's stored vector holds its neighbours too, so the two are
    compared by their own words' vectors."""
    got = []
    for said, question in ((("I live in Malmö.", "I have two kids, Ella and Max.", "I like jazz music.",
                             "I have moved to Umeå."), "Where do I live?"),
                           (("I drive a red Volvo.", "My dog is called Rex.", "I love pizza.",
                             "We bought a new car, a Tesla."), "What car do I have?")):
        name = brain()
        with lumia.client() as client:
            say(client, name, *said)
            assert wait_until(lambda name=name: stats(client, name)["pending_ingest"] == 0)  # type: ignore[misc]
            got.append(used(client, name, question))
    assert got[0][:2] == ["I live in Malmö.", "I have moved to Umeå."]
    assert got[1][:2] == ["I drive a red Volvo.", "We bought a new car, a Tesla."]


def test_a_chat_gets_what_ended_with_the_memory_it_ended(lumia: Stack) -> None:
    """Found by a black-box pass: "Do I have a cat?" with "We have a cat called Pelle." and "Pelle died
    yesterday." stored was a 500 (the death, looked up by the name, came without a score). Now both, the end
    right after what it ends, each with its score."""
    name = brain()
    with lumia.client() as client:
        remember_dated(client, name, {"We have a cat called Pelle.": datetime(2026, 6, 1, 10, tzinfo=UTC),
                                      "Pelle died yesterday.": datetime(2026, 11, 1, 10, tzinfo=UTC)})
        reply = client.post("/memory/chat", json={"user_id": name, "message": "Do I have a cat?"})
        assert reply.status_code == 200, reply.text
        memories = reply.json()["memories_used"]
        assert [m["snippet"] for m in memories] == ["We have a cat called Pelle.", "Pelle died yesterday."]
        assert all(isinstance(m["score"], float) for m in memories)
