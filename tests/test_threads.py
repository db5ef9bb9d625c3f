"""Conversation threads across the real bus, with real SQLite files and the machine's PostgreSQL."""

import asyncio
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import nats
import pytest

from shared import subjects
from shared.messages import ChatRequest
from shared.prompts import estimate_tokens
from tests.fake_ollama import FakeOllama
from tests.harness import Stack, wait_until
from tests.sse import stream_chat

POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def user() -> str:
    return f"user-{uuid.uuid4().hex[:8]}"


def create(client: httpx.Client, owner: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/threads/", json={"user_id": owner, "brain_id": f"brain-{owner}", **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


def chat(client: httpx.Client, thread: dict[str, Any], message: str, **fields: Any) -> httpx.Response:
    return client.post(f"/threads/{thread['thread_id']}/chat",
                       json={"user_id": thread["user_id"], "thread_id": thread["thread_id"], "message": message,
                             **fields})


def messages(client: httpx.Client, thread: dict[str, Any], limit: int = 100) -> list[dict[str, Any]]:
    response = client.get(f"/threads/{thread['thread_id']}/messages",
                          params={"user_id": thread["user_id"], "limit": limit})
    assert response.status_code == 200, response.text
    return list(response.json())


def sent_for(fake: FakeOllama, message: str) -> dict[str, Any]:
    """The last request the model received for `message` (persona refreshes run in the background too);
    a message no answer followed goes to the model in front of the next one."""
    def last(request: dict[str, Any]) -> str:
        return str(request["messages"][-1]["content"]) if request.get("messages") else ""

    return [r for r in fake.record.requests if last(r) == message or last(r).endswith(f"\n\n{message}")][-1]


def test_a_thread_is_created_with_the_readme_shape(lumia: Stack) -> None:
    owner = user()
    with lumia.client() as client:
        thread = create(client, owner, system_prompt="Du är en kock.", initial_message="Hur gör man risotto?")
        fetched = client.get(f"/threads/{thread['thread_id']}", params={"user_id": owner}).json()
    assert set(thread) == {"thread_id", "user_id", "brain_id", "system_prompt", "title", "created_at",
                           "updated_at", "message_count", "last_message"}
    assert thread["message_count"] == 1 and thread["last_message"] == "Hur gör man risotto?"
    assert thread["title"] == "Hur gör man risotto?"  # derived from the first message
    assert fetched == thread


def test_the_model_gets_system_prompt_history_and_the_message(lumia: Stack, fake_ollama: FakeOllama) -> None:
    owner = user()
    with lumia.client() as client:
        thread = create(client, owner, system_prompt="Du är en kock.", initial_message="Jag gillar svamp.")
        first = chat(client, thread, "Vad ska jag laga?")
        second = chat(client, thread, "Och till efterrätt?")
        stored = messages(client, thread)
        after = client.get(f"/threads/{thread['thread_id']}", params={"user_id": owner}).json()
    assert first.status_code == 200, first.text
    body = second.json()
    assert body["thread_id"] == thread["thread_id"] and body["response"] == "Echo: Och till efterrätt?"
    sent = sent_for(fake_ollama, "Och till efterrätt?")["messages"]
    assert sent[0]["role"] == "system" and sent[0]["content"].startswith("Du är en kock.")
    # The initial message had no answer: it reaches the model with the next one, never as two user turns.
    assert [(m["role"], m["content"]) for m in sent[1:]] == [
        ("user", "Jag gillar svamp.\n\nVad ska jag laga?"),
        ("assistant", "Echo: Jag gillar svamp.\n\nVad ska jag laga?"),
        ("user", "Och till efterrätt?"),
    ]
    assert [(m["role"], m["content"], m["status"]) for m in stored] == [
        ("user", "Jag gillar svamp.", "complete"), ("user", "Vad ska jag laga?", "complete"),
        ("assistant", "Echo: Jag gillar svamp.\n\nVad ska jag laga?", "complete"),
        ("user", "Och till efterrätt?", "complete"),
        ("assistant", "Echo: Och till efterrätt?", "complete"),
    ]
    assert after["message_count"] == 5 and after["last_message"] == "Echo: Och till efterrätt?"


def test_persona_and_memories_of_the_threads_brain_reach_the_model(lumia: Stack, fake_ollama: FakeOllama) -> None:
    owner = user()
    with lumia.client() as client:
        thread = create(client, owner)
        brain = thread["brain_id"]

        def stats() -> dict[str, Any]:
            return dict(client.get(f"/memory/stats/{brain}").json())

        assert chat(client, thread, "Min hund heter Sixten och är en tax.").status_code == 200
        # The finished turn is ingested into the thread's brain, and the persona is written from it.
        assert wait_until(lambda: stats()["memory_count"] == 1 and stats()["has_persona"])
        # A memory from outside this thread (the turn above is history here, not a memory to repeat).
        client.post("/ingest", json={"customer_id": brain, "content": "Sixten, min tax, fyller fem år i maj."})
        assert wait_until(lambda: stats()["memory_count"] == 2)
        answer = chat(client, thread, "När fyller min hund Sixten år?").json()
    system = sent_for(fake_ollama, "När fyller min hund Sixten år?")["messages"][0]["content"]
    assert "## Om användaren:" in system
    assert "## Vector store data:" in system and "Sixten, min tax, fyller fem år i maj." in system
    assert "Min hund heter Sixten och är en tax." not in system.split("## Vector store data:")[1]
    assert answer["context_used"] is True and answer["persona_included"] is True and answer["memories_used"]


def test_a_follow_up_is_searched_for_with_the_message_before_it(lumia: Stack) -> None:
    """Found by a black-box pass: in a thread, "Vem är min chef nu?" then "Och vem rapporterar hen till?" got
    what the second message alone was near, not the manager: a short message that goes on from the one before
    it ("And…", "it", "hen") is searched for with it."""
    owner = user()
    notes = ["My manager is Oskar Nyberg, he started in December.", "Elias has swimming on Wednesdays now.",
             "Ran 12 km this morning, knee felt fine.", "We are repainting the kitchen in a light green."]
    with lumia.client() as client:
        thread = create(client, owner)
        brain = thread["brain_id"]
        client.post("/ingest/batch", json={"customer_id": brain, "items": [{"content": n} for n in notes]})
        assert wait_until(lambda: client.get(f"/memory/stats/{brain}").json()["memory_count"] == len(notes))
        first = chat(client, thread, "Who is my manager?").json()
        follow_up = chat(client, thread, "And who was it before him?").json()
        alone = client.post("/memory/chat", json={"user_id": owner, "brain_id": brain,
                                                  "message": "And who was it before him?"}).json()
    manager = [m["snippet"] for m in first["memories_used"]]
    assert manager[:1] == [notes[0]]
    assert [m["snippet"] for m in follow_up["memories_used"]][:1] == [notes[0]]
    assert notes[0] not in [m["snippet"] for m in alone["memories_used"]]  # outside a thread there is no before


def test_a_follow_up_of_the_next_day_asks_of_that_day(lumia: Stack) -> None:
    """Found by black-box passes: "What did I do on 26 November?" then "And the next day?" got 26 November again."""
    owner = user()
    first, second = (datetime.now(UTC) - timedelta(days=days) for days in (4, 3))
    notes = [("Went swimming at the Aquatics Centre with Priya.", first),
             ("Took Sarah out for her birthday dinner at Mana.", second)]
    with lumia.client() as client:
        thread = create(client, owner)
        brain = thread["brain_id"]
        client.post("/ingest/batch", json={"customer_id": brain, "items": [
            {"content": text, "metadata": {"timestamp": at.replace(hour=12).isoformat()}} for text, at in notes]})
        assert wait_until(lambda: client.get(f"/memory/stats/{brain}").json()["memory_count"] == len(notes))
        asked = chat(client, thread, f"What did I do on {first.day} {first:%B}?").json()
        after = chat(client, thread, "And the next day?").json()
    assert [m["snippet"] for m in asked["memories_used"]] == [notes[0][0]]
    assert [m["snippet"] for m in after["memories_used"]] == [notes[1][0]]


def test_an_override_applies_to_one_message_only(lumia: Stack, fake_ollama: FakeOllama) -> None:
    owner = user()
    with lumia.client() as client:
        thread = create(client, owner, system_prompt="Thread personality.")
        chat(client, thread, "first", system_prompt="Pirate personality.", brain_id="other-brain")
        chat(client, thread, "second")
        stored = messages(client, thread)
        unchanged = client.get(f"/threads/{thread['thread_id']}", params={"user_id": owner}).json()
    assert sent_for(fake_ollama, "first")["messages"][0]["content"].startswith("Pirate personality.")
    assert sent_for(fake_ollama, "second")["messages"][0]["content"].startswith("Thread personality.")
    assert [m["brain_id"] for m in stored] == ["other-brain", "other-brain", thread["brain_id"], thread["brain_id"]]
    assert unchanged["system_prompt"] == "Thread personality." and unchanged["brain_id"] == thread["brain_id"]


def test_the_thread_stream_uses_the_sse_format(lumia: Stack) -> None:
    owner = user()
    with lumia.client() as client:
        thread = create(client, owner)
        events = stream_chat(client, {"user_id": owner, "message": "hej tråd"},
                             path=f"/threads/{thread['thread_id']}/chat/stream")
        stored = messages(client, thread)
    assert "".join(e.get("chunk", "") for e in events) == "Echo: hej tråd"
    assert events[-1]["done"] is True and events[-1]["thread_id"] == thread["thread_id"]
    assert [m["content"] for m in stored] == ["hej tråd", "Echo: hej tråd"]


def test_threads_are_listed_newest_activity_first_and_deleted(lumia: Stack) -> None:
    owner = user()
    with lumia.client() as client:
        older = create(client, owner, title="older")
        create(client, owner, title="newer")
        assert [t["title"] for t in client.get(f"/threads/user/{owner}").json()] == ["newer", "older"]
        chat(client, older, "bring me back up")
        assert [t["title"] for t in client.get(f"/threads/user/{owner}").json()] == ["older", "newer"]
        assert client.delete(f"/threads/{older['thread_id']}", params={"user_id": owner}).status_code == 204
        assert client.get(f"/threads/{older['thread_id']}", params={"user_id": owner}).status_code == 404
        assert [t["title"] for t in client.get(f"/threads/user/{owner}").json()] == ["newer"]


def test_only_the_owner_reaches_a_thread(lumia: Stack) -> None:
    owner, stranger = user(), user()
    with lumia.client() as client:
        thread = create(client, owner, initial_message="private")
        tid = thread["thread_id"]
        attempts = [
            client.get(f"/threads/{tid}", params={"user_id": stranger}),
            client.get(f"/threads/{tid}/messages", params={"user_id": stranger}),
            client.post(f"/threads/{tid}/chat", json={"user_id": stranger, "message": "let me in"}),
            client.post(f"/threads/{tid}/chat/stream", json={"user_id": stranger, "message": "let me in"}),
            client.delete(f"/threads/{tid}", params={"user_id": stranger}),
        ]
        unknown = client.get("/threads/thr_nope", params={"user_id": owner})
        intact = messages(client, thread)
    assert [a.status_code for a in attempts] == [404] * 5
    assert unknown.status_code == 404 and attempts[0].json()["detail"].startswith("No thread")
    assert [m["content"] for m in intact] == ["private"]


def test_a_missing_user_id_in_the_query_is_named_as_a_query_parameter(lumia: Stack) -> None:
    with lumia.client() as client:
        thread = create(client, user())
        missing = client.get(f"/threads/{thread['thread_id']}")
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["query", "user_id"]


def test_a_thread_without_a_brain_uses_the_users_own(lumia: Stack) -> None:
    """Found by a black-box pass: `POST /threads/` needed `brain_id` while chats and ingest use the user's
    own brain when it is left out. A brain with whitespace at its ends is named as given in its 422."""
    owner = user()
    with lumia.client() as client:
        response = client.post("/threads/", json={"user_id": owner, "initial_message": "My dog is called Bosse."})
        spaced = client.post("/threads/", json={"user_id": owner, "brain_id": " work"})
        assert response.status_code == 201, response.text
        assert wait_until(lambda: client.get(f"/memory/stats/{owner}").json()["memory_count"] == 1)
    assert response.json()["brain_id"] == owner
    assert spaced.status_code == 422 and "(' work' would be another brain than 'work')" in spaced.text


@pytest.mark.parametrize(("body", "field"), [
    ({"brain_id": " b"}, "brain_id"),
    ({"title": "x" * 201}, "title"),
    ({"system_prompt": "x" * 8001}, "system_prompt"),
    ({"initial_message": "x" * 32001}, "initial_message"),
    ({"user_id": 5}, "user_id"),
])
def test_bad_thread_input_is_a_422_naming_the_field(lumia: Stack, body: dict[str, Any], field: str) -> None:
    owner = user()
    fields = {"user_id": owner, "brain_id": "b", **body}
    with lumia.client() as client:
        response = client.post("/threads/", json={k: v for k, v in fields.items() if v is not None})
        assert client.get(f"/threads/user/{owner}").json() == []
    assert response.status_code == 422 and field in response.text


def test_bad_thread_chat_input_is_refused_and_nothing_is_stored(lumia: Stack) -> None:
    owner = user()
    with lumia.client() as client:
        thread = create(client, owner)
        too_long = chat(client, thread, "x" * 32001)
        empty = chat(client, thread, "   ")
        other_thread = client.post(f"/threads/{thread['thread_id']}/chat",
                                   json={"user_id": owner, "thread_id": "thr_other", "message": "hej"})
        stored = messages(client, thread)
    assert [r.status_code for r in (too_long, empty, other_thread)] == [422, 422, 422]
    assert "message" in too_long.text and "thread_id" in other_thread.text
    assert stored == []


def test_a_failed_answer_keeps_the_question_marked_failed(lumia: Stack, fake_ollama: FakeOllama) -> None:
    owner = user()
    with lumia.client() as client:
        thread = create(client, owner)
        fake_ollama.behaviour.tokens = 10
        fake_ollama.behaviour.error_after = 4
        failed = chat(client, thread, "this will break")
        stored = messages(client, thread)
        count = client.get(f"/threads/{thread['thread_id']}", params={"user_id": owner}).json()["message_count"]
    assert failed.status_code == 502
    assert [(m["role"], m["content"], m["status"]) for m in stored] == [("user", "this will break", "failed")]
    assert count == 1


def test_a_question_whose_llm_worker_died_is_marked_failed(make_stack: Callable[..., Stack],
                                                          fake_ollama: FakeOllama) -> None:
    """Found by a black-box pass: after the llm_worker was killed mid-answer the question stayed
    `pending` for good; nobody was left to settle it but the gateway that gave up on it."""
    fake_ollama.behaviour.tokens = 1000
    fake_ollama.behaviour.delay = 0.05
    stack = make_stack("llm", "gateway", LUMIA_STREAM_TIMEOUT="2")
    worker = next(c for c in stack.components if c.kind == "llm")
    owner = user()
    with stack.client() as client:
        thread = create(client, owner)
        with client.stream("POST", f"/threads/{thread['thread_id']}/chat/stream",
                           json={"user_id": owner, "message": "this worker will die"}) as response:
            lines = response.iter_lines()
            assert next(line for line in lines if line).startswith('data: {"chunk"')
            worker.kill()
            rest = [line for line in lines if line]
        stored = messages(client, thread)
    assert '"code": "worker_timeout"' in rest[-1]
    assert [(m["role"], m["content"], m["status"]) for m in stored] == [("user", "this worker will die", "failed")]


def test_two_messages_at_once_are_both_stored_in_order(lumia: Stack) -> None:
    owner = user()
    with lumia.client() as client:
        thread = create(client, owner)

    async def both() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=lumia.url, timeout=30) as http:
            return await asyncio.gather(*(http.post(
                f"/threads/{thread['thread_id']}/chat", json={"user_id": owner, "message": text})
                for text in ("one", "two")))

    replies = asyncio.run(both())
    with lumia.client() as client:
        stored = messages(client, thread)
        count = client.get(f"/threads/{thread['thread_id']}", params={"user_id": owner}).json()["message_count"]
    assert [r.status_code for r in replies] == [200, 200]
    assert sorted(m["content"] for m in stored if m["role"] == "user") == ["one", "two"]
    # The later one may see the earlier one still unanswered: then the model gets both as one message.
    answers = [m["content"] for m in stored if m["role"] == "assistant"]
    assert sorted(answers) in (["Echo: one", "Echo: two"], ["Echo: one", "Echo: one\n\ntwo"],
                               ["Echo: two", "Echo: two\n\none"])
    assert count == 4
    contents = [m["content"] for m in stored]
    for text in ("one", "two"):  # each answer comes after its question
        answer = next(c for c in answers if c.startswith("Echo: ") and c.endswith(text))
        assert contents.index(text) < contents.index(answer)


def test_history_is_trimmed_to_the_model_window(make_stack: Callable[..., Stack],
                                                fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.context_length = 4096
    stack = make_stack("llm", "gateway", LUMIA_ANSWER_TOKENS="512")
    owner = user()
    with stack.client() as client:
        thread = create(client, owner, system_prompt="Keep every word of this system prompt.")
        for i in range(30):  # 60 long messages: far more than the window holds
            assert chat(client, thread, f"message {i:02d} " + "lorem ipsum dolor " * 60).status_code == 200
        final = chat(client, thread, "and now?")
    assert final.status_code == 200
    request = sent_for(fake_ollama, "and now?")
    sent = request["messages"]
    assert request["options"]["num_ctx"] == 4096 and request["options"]["num_predict"] == 512
    assert sum(estimate_tokens(m["content"]) for m in sent) <= 4096 - 512
    assert sent[0]["content"].startswith("Keep every word of this system prompt.")
    assert sent[-1] == {"role": "user", "content": "and now?"}
    assert sent[-2]["content"].startswith("Echo: message 29")  # the newest history survives
    assert not any("message 00 " in m["content"] for m in sent)  # the oldest gave way
    assert len(sent) < 62


def test_one_message_larger_than_the_window_is_shortened_visibly(make_stack: Callable[..., Stack],
                                                                 fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.context_length = 2048
    stack = make_stack("llm", "gateway", LUMIA_ANSWER_TOKENS="256")
    owner = user()
    with stack.client() as client:
        huge = "word " * 5000 + "THE END"
        thread = create(client, owner, initial_message=huge)
        assert chat(client, thread, "summarise that").status_code == 200
    sent = sent_for(fake_ollama, "summarise that")["messages"]
    assert len(sent) == 2 and "left out to fit the context window" in sent[1]["content"]
    assert sent[1]["content"].endswith("THE END\n\nsummarise that")
    assert sum(estimate_tokens(m["content"]) for m in sent) <= 2048 - 256


def test_threads_survive_a_restart_of_every_process(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack("llm", "gateway")
    owner = user()
    with stack.client() as client:
        thread = create(client, owner, title="keep me")
        assert chat(client, thread, "remember this").status_code == 200
    stack.stop()
    stack.components.clear()
    stack.start("llm", "gateway")
    with stack.client() as client:
        again = client.get(f"/threads/{thread['thread_id']}", params={"user_id": owner}).json()
        stored = messages(client, thread)
        assert chat(client, thread, "still there?").status_code == 200
    assert again["title"] == "keep me" and again["message_count"] == 2
    assert [m["content"] for m in stored] == ["remember this", "Echo: remember this"]


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    name = f"lumia_test_{uuid.uuid4().hex[:8]}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN, timeout=3)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    try:
        asyncio.run(admin(f"CREATE DATABASE {name}"))
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        pytest.skip(f"no PostgreSQL server answers at {POSTGRES_ADMIN} ({exc})")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    asyncio.run(admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def test_threads_on_postgresql_are_shared_by_every_replica(make_stack: Callable[..., Stack],
                                                          postgres_url: str, fake_ollama: FakeOllama) -> None:
    stack = make_stack("llm", "llm", "gateway", DATABASE_URL=postgres_url)
    (stack.log_dir / "second").mkdir()
    second_gateway = Stack(stack.env["NATS_URL"], fake_ollama.url, stack.log_dir / "second",
                           DATABASE_URL=postgres_url)
    second_gateway.start("gateway")
    try:
        owner = user()
        with stack.client() as client, second_gateway.client() as other:
            thread = create(client, owner, initial_message="hej från postgres")

            async def many() -> list[httpx.Response]:
                async with httpx.AsyncClient(timeout=30) as http:
                    return await asyncio.gather(*(http.post(
                        f"{(stack if i % 2 else second_gateway).url}/threads/{thread['thread_id']}/chat",
                        json={"user_id": owner, "message": f"m{i}"}) for i in range(6)))

            replies = asyncio.run(many())
            seen_by_other = other.get(f"/threads/{thread['thread_id']}", params={"user_id": owner}).json()
            stored = messages(other, thread)
    finally:
        second_gateway.stop()
    assert [r.status_code for r in replies] == [200] * 6
    assert seen_by_other["message_count"] == 13
    assert sorted(m["content"] for m in stored if m["role"] == "user") == ["hej från postgres", *(
        f"m{i}" for i in range(6))]


def test_a_chat_request_delivered_twice_is_stored_once(lumia: Stack) -> None:
    owner = user()
    with lumia.client() as client:
        thread = create(client, owner)

    async def deliver_twice() -> None:
        nc = await nats.connect(lumia.env["NATS_URL"])
        body = ChatRequest(request_id="thread-redelivered-0001", user_id=owner, message="once please",
                           thread_id=thread["thread_id"]).model_dump_json().encode()
        for _ in range(2):
            reply = await nc.request(subjects.CHAT_REQUEST, body, timeout=20)  # the first event of each stream
            assert reply.data
            await asyncio.sleep(0.5)
        await nc.drain()

    asyncio.run(deliver_twice())
    with lumia.client() as client:
        assert wait_until(lambda: len(messages(client, thread)) >= 2)
        stored = messages(client, thread)
        count = client.get(f"/threads/{thread['thread_id']}", params={"user_id": owner}).json()["message_count"]
    assert [m["content"] for m in stored] == ["once please", "Echo: once please"] and count == 2
