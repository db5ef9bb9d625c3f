"""Turns of a thread as the model gets them: each question with its own answer, bad input not
kept, memory not repeating the history, a thread deleted mid-answer."""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from shared.prompts import PERSONA_INSTRUCTIONS, PromptTooLong, estimate_tokens
from shared.threads.store import Thread, ThreadStore
from tests.fake_ollama import FakeOllama
from tests.harness import Stack, wait_until
from tests.test_threads import chat, create, messages, user


def chats_sent(fake: FakeOllama) -> list[list[dict[str, Any]]]:
    """The messages of every chat request the model got (not the router's, not persona refreshes)."""
    return [r["messages"] for r in fake.record.requests
            if r.get("messages") and not r.get("format") and r["messages"][0]["content"] != PERSONA_INSTRUCTIONS]


def test_a_message_refused_as_too_long_is_not_kept_in_the_thread(make_stack: Callable[..., Stack],
                                                                 fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.context_length = 2048
    stack = make_stack("llm", "gateway", LUMIA_ANSWER_TOKENS="256")
    with stack.client() as client:
        thread = create(client, user())
        refused = chat(client, thread, "ord " * 3000 + "SLUTET")
        after = chat(client, thread, "Kort fråga")
        stored = messages(client, thread)
    assert refused.status_code == 422, refused.text
    assert after.status_code == 200 and after.json()["response"] == "Echo: Kort fråga"
    assert [m["content"] for m in stored] == ["Kort fråga", "Echo: Kort fråga"]
    assert not any("SLUTET" in m["content"] for sent in chats_sent(fake_ollama) for m in sent)


def test_a_refused_first_message_leaves_the_thread_exactly_as_it_was(lumia: Stack) -> None:
    with lumia.client() as client:
        thread = create(client, user())
        before = client.get(f"/threads/{thread['thread_id']}", params={"user_id": thread["user_id"]}).json()
        refused = chat(client, thread, "My diary entry. " * 1900)
        right_after = messages(client, thread)  # the 422 is sent once the message is gone
        after = client.get(f"/threads/{thread['thread_id']}", params={"user_id": thread["user_id"]}).json()
    assert refused.status_code == 422, refused.text
    assert "tokens" in refused.json()["detail"]
    assert right_after == []
    # Not named after the refused message, no newer activity, nothing counted.
    assert after == before and after["title"] == "New conversation" and after["message_count"] == 0


@pytest.mark.parametrize("words", [60, 92])
def test_a_window_cut_never_keeps_an_answer_without_its_question(make_stack: Callable[..., Stack],
                                                                 fake_ollama: FakeOllama, words: int) -> None:
    stack = make_stack("llm", "gateway", LUMIA_CONTEXT_WINDOW="700", LUMIA_ANSWER_TOKENS="200")
    with stack.client() as client:
        thread = create(client, user())
        for i in range(1, 4):
            assert chat(client, thread, f"Note {i}: " + "blah " * words).status_code == 200
        assert chat(client, thread, "Summarise.").status_code == 200
    sent = [s for s in chats_sent(fake_ollama) if s[-1]["content"] == "Summarise."][-1]
    history = sent[1:-1]
    assert history, "some history fits the window"
    # Question, answer, question, answer…: never an answer whose question was dropped.
    assert [m["role"] for m in history] == ["user", "assistant"] * (len(history) // 2)
    for question, answer in zip(history[::2], history[1::2], strict=True):
        assert answer["content"] == f"Echo: {question['content']}" \
            or "left out to fit the context window" in question["content"] + answer["content"]
    assert sum(estimate_tokens(m["content"]) for m in sent) <= 700 - 200


def test_two_messages_at_once_are_each_answered_on_their_own(lumia: Stack, fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.delay = 0.05
    with lumia.client() as client:
        thread = create(client, user())
        with ThreadPoolExecutor(2) as pool:
            replies = list(pool.map(lambda text: chat(client, thread, text), ["Första frågan", "Andra frågan"]))
        fake_ollama.behaviour.delay = 0.0
        final = chat(client, thread, "Tredje frågan")
    assert [r.json()["response"] for r in replies] == ["Echo: Första frågan", "Echo: Andra frågan"]
    assert final.status_code == 200
    history = [sent for sent in chats_sent(fake_ollama) if sent[-1]["content"] == "Tredje frågan"][-1][1:-1]
    asked = [turn["content"] for turn in history if turn["role"] == "user"]
    assert sorted(asked) == ["Andra frågan", "Första frågan"]
    for question, answer in zip(history[::2], history[1::2], strict=True):
        assert (question["role"], answer["role"]) == ("user", "assistant")
        assert answer["content"] == f"Echo: {question['content']}"


def test_memory_does_not_repeat_turns_the_model_gets_as_history(lumia: Stack) -> None:
    with lumia.client() as client:
        thread = create(client, user())
        assert chat(client, thread, "Min cykel är röd och heter Blixten.").status_code == 200
        brain = thread["brain_id"]
        assert wait_until(lambda: client.get(f"/memory/stats/{brain}").json()["memory_count"] == 1)
        again = chat(client, thread, "Vad heter min röda cykel?").json()
        outside = client.post("/memory/chat", json={"user_id": thread["user_id"], "brain_id": brain,
                                                    "message": "Vad heter min röda cykel?"}).json()
    assert again["memories_used"] == []
    assert len(outside["memories_used"]) == 1  # the same memory, where it is not already history


def test_memory_does_not_repeat_the_initial_message_either(lumia: Stack) -> None:
    with lumia.client() as client:
        thread = create(client, user(), initial_message="Jag är allergisk mot jordnötter.")
        brain = thread["brain_id"]
        assert wait_until(lambda: client.get(f"/memory/stats/{brain}").json()["memory_count"] == 1)
        reply = chat(client, thread, "Vad är jag allergisk mot?").json()
    assert reply["memories_used"] == []


def test_a_thread_deleted_while_its_answer_is_written_is_not_found(lumia: Stack, fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.tokens, fake_ollama.behaviour.delay = 40, 0.1
    with lumia.client() as client, ThreadPoolExecutor(1) as pool:
        thread = create(client, user())
        answering = pool.submit(chat, client, thread, "Hinner du svara?")
        assert wait_until(lambda: [m["status"] for m in messages(client, thread)] == ["pending"])
        assert client.delete(f"/threads/{thread['thread_id']}", params={"user_id": thread["user_id"]}).status_code \
            == 204
        reply = answering.result()
    assert reply.status_code == 404, reply.text
    assert "deleted" in reply.json()["detail"]


def test_a_blank_title_is_refused_naming_it(lumia: Stack) -> None:
    with lumia.client() as client:
        response = client.post("/threads/", json={"user_id": user(), "brain_id": "b", "title": "   "})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "title"]


async def test_a_discarded_question_gives_the_thread_back_its_title_and_activity_time(tmp_path: Path) -> None:
    """Bad input found after the question was stored is removed as if never sent (real SQLite store)."""
    store = await ThreadStore.open(f"sqlite+aiosqlite:///{tmp_path / 'threads.db'}")
    try:
        before = await store.create("thr_x", "anna", "b", None, "")
        opened = await store.open_turn("thr_x", "anna", "A message the model refused.", None, "req_1", 50)
        assert opened is not None
        thread, question, _ = opened
        await store.discard(thread, question.id)
        after = await store.get("thr_x")
    finally:
        await store.close()
    assert after == before and after.title == ""
    assert thread == before


async def test_a_refused_message_is_never_stored(tmp_path: Path) -> None:
    store = await ThreadStore.open(f"sqlite+aiosqlite:///{tmp_path / 'threads.db'}")
    try:
        before = await store.create("thr_x", "anna", "b", None, "")

        def refuse(thread: Thread) -> None:
            raise PromptTooLong(10_000, 500)

        with pytest.raises(PromptTooLong):
            await store.open_turn("thr_x", "anna", "Far too long.", None, "req_1", 50, admit=refuse)
        assert await store.get("thr_x") == before
        assert await store.messages("thr_x", 10) == []
    finally:
        await store.close()
