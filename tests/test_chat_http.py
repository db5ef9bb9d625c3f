"""Chat over HTTP against the real gateway, bus and llm_worker; only the model is a stand-in."""

import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.fake_ollama import FakeOllama
from tests.harness import Stack
from tests.sse import stream_chat


def fresh_user() -> str:
    """Each test chats as a new user: the shared system remembers earlier tests' turns."""
    return f"chat-{uuid.uuid4().hex[:10]}"


def test_json_chat_returns_the_readme_shape(lumia: Stack, fake_ollama: FakeOllama) -> None:
    with lumia.client() as client:
        response = client.post("/memory/chat", json={"user_id": fresh_user(), "message": "Hur mår du idag?"})
    assert response.status_code == 200
    body = response.json()
    assert {"response", "user_id", "context_used", "context_length", "response_length",
            "persona_included", "processing_time_ms"} <= set(body)
    assert body["response"] == "Echo: Hur mår du idag?"
    assert body["user_id"].startswith("chat-")
    assert body["response_length"] == len(body["response"])
    assert body["context_used"] is False and body["context_length"] == 0 and body["persona_included"] is False
    assert body["processing_time_ms"] > 0
    [sent] = [r for r in fake_ollama.record.requests if r["messages"][-1]["content"] == "Hur mår du idag?"]
    assert sent["model"] == "llama3.2"
    assert sent["messages"][0]["role"] == "system"


def test_system_prompt_reaches_the_model(lumia: Stack, fake_ollama: FakeOllama) -> None:
    with lumia.client() as client:
        client.post("/memory/chat", json={"user_id": fresh_user(), "message": "hej", "system_prompt": "Be a pirate."})
    [sent] = [r for r in fake_ollama.record.requests if r["messages"][-1]["content"] == "hej"]
    assert sent["messages"][0]["content"].startswith("Be a pirate.")


def test_readme_python_client_reads_the_stream_unchanged(lumia: Stack) -> None:
    # The original README's client loop, verbatim apart from collecting instead of printing.
    printed = []
    final = None
    response = requests.post(f"{lumia.url}/memory/chat/stream",
                             json={"user_id": fresh_user(), "message": "Berätta en historia"}, stream=True, timeout=30)
    for line in response.iter_lines():
        if line:
            data = json.loads(line.decode('utf-8').replace('data: ', ''))
            if 'chunk' in data:
                printed.append(data['chunk'])
            if data.get('done'):
                final = data
                break
    assert "".join(printed) == "Echo: Berätta en historia"
    assert final is not None
    assert final["response_length"] == len("Echo: Berätta en historia")
    assert {"user_id", "context_used", "context_length", "persona_included", "processing_time_ms"} <= set(final)


def test_sse_stream_is_data_lines_only_and_ends_with_done(lumia: Stack) -> None:
    with lumia.client() as client:
        events = stream_chat(client, {"user_id": fresh_user(), "message": "a b c"})
    assert [e for e in events if "chunk" in e] == events[:-1]
    assert events[-1]["done"] is True and "error" not in events[-1]


def test_a_thousand_tokens_arrive_complete_and_in_order(lumia: Stack, fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.tokens = 1000
    with lumia.client() as client:
        events = stream_chat(client, {"user_id": fresh_user(), "message": "count"})
    text = "".join(e.get("chunk", "") for e in events)
    assert text == "".join(f"t{i} " for i in range(1000))
    assert events[-1]["done"] is True
    assert events[-1]["response_length"] == len(text)


def test_legacy_chat_streams_plain_text(lumia: Stack) -> None:
    with lumia.client() as client, client.stream(
        "POST", "/chat", json={"user_id": fresh_user(), "message": "gammal väg"}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        assert response.read().decode() == "Echo: gammal väg"


def test_concurrent_chats_are_served_at_the_same_time(lumia: Stack, fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.tokens = 20
    fake_ollama.behaviour.delay = 0.02

    def chat(i: int) -> str:
        with lumia.client() as client:
            return str(client.post("/memory/chat", json={"user_id": f"u{i}", "message": "x"}).json()["response"])

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(chat, range(8)))
    assert answers == ["".join(f"t{i} " for i in range(20))] * 8
    assert fake_ollama.record.max_concurrent_streams > 1
