"""The broker-free cores, tested without NATS (the model is the fake Ollama server)."""

import asyncio
from datetime import UTC, date, datetime

import aiohttp
import pytest
from pydantic import ValidationError

from ingest_worker.app import Lifetime
from llm_worker.engine import EventStream, stream_turn
from llm_worker.turns import Outcome, Turns
from shared.bus import endpoint, server_list
from shared.memory.messages import MemoryHit
from shared.messages import ChatEvent, ChatRequest, ErrorCode, MemoryRef, describe_validation_error
from shared.ollama import OllamaClient, OllamaError
from shared.prompts import build_messages, estimate_tokens
from shared.settings import Settings
from shared.tools import ToolResult
from tests.fake_ollama import FakeOllama
from tests.harness import ROOT


async def test_turns_cancel_a_running_turn_and_remember_early_cancels() -> None:
    turns = Turns()
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    running = asyncio.create_task(turns.run("a", forever()))
    await started.wait()
    assert turns.cancel("a") is True
    assert await running is Outcome.CANCELLED
    assert turns.cancel("b") is False  # not started yet
    assert await turns.run("b", forever()) is Outcome.CANCELLED


async def test_ingestion_loops_stop_even_when_a_cancel_is_swallowed() -> None:
    """On Python 3.11 asyncio.wait_for (nats-py's fetch) returns its result instead of raising
    when a cancel lands just as the result arrives; the loop it is in must stop all the same."""
    lifetime = Lifetime()
    batches: list[int] = []
    swallowed: list[bool] = []
    running = asyncio.Event()

    async def consume() -> None:
        while not lifetime.stopping:
            try:
                await asyncio.sleep(0.01)  # the fetch
            except asyncio.CancelledError:
                swallowed.append(True)  # as wait_for does: the batch arrived with the cancel
            batches.append(len(batches))
            running.set()

    lifetime.start(consume, "test")
    await running.wait()
    await asyncio.wait_for(lifetime.stop(), 30)  # a guard against a hang, not a timing
    assert swallowed == [True]
    taken = len(batches)
    await asyncio.sleep(0.05)
    assert len(batches) == taken


async def test_turns_report_shutdown() -> None:
    turns = Turns()
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.sleep(3600)

    async def handler() -> Outcome:
        async with turns.handling():
            return await turns.run("a", forever())

    running = asyncio.create_task(handler())
    await started.wait()
    await turns.cancel_all()
    assert running.done() and running.result() is Outcome.SHUTDOWN


async def test_event_stream_numbers_events_and_stops_after_the_final_one() -> None:
    sent: list[ChatEvent] = []

    async def publish(event: ChatEvent) -> None:
        sent.append(event)

    events = EventStream(publish)
    await asyncio.gather(*(events.emit("delta", text=str(i)) for i in range(50)))
    await events.emit("done")
    await events.emit("delta", text="late")
    assert [e.seq for e in sent] == list(range(51))
    assert sent[-1].type == "done"


async def test_stream_turn_sends_deltas_then_done(fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.tokens = 30
    sent: list[ChatEvent] = []

    async def publish(event: ChatEvent) -> None:
        sent.append(event)

    async with aiohttp.ClientSession() as http:
        await stream_turn(ChatRequest(request_id="core-0001", user_id="u", message="hi"), EventStream(publish),
                          OllamaClient(http, fake_ollama.url), model="llama3.2", default_system_prompt="sys",
                          keepalive_interval=10)
    assert "".join(e.text for e in sent) == "".join(f"t{i} " for i in range(30))
    assert sent[-1].type == "done" and sent[-1].stats is not None and sent[-1].stats.eval_count == 30
    [sent_request] = [r for r in fake_ollama.record.requests if r["messages"][-1]["content"] == "hi"]
    assert sent_request["messages"][0]["content"].startswith("sys\n\nToday is ")


async def test_ollama_status_accepts_implicit_latest_tag(fake_ollama: FakeOllama) -> None:
    async with aiohttp.ClientSession() as http:
        client = OllamaClient(http, fake_ollama.url)
        assert (await client.status("llama3.2")).ok
        assert (await client.status("qwen2.5:0.5b")).ok
        missing = await client.status("mistral")
    assert missing.reachable and not missing.model_present
    assert missing.message is not None and "ollama pull mistral" in missing.message


async def test_ollama_errors_carry_their_code(fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.fail_status = 500
    async with aiohttp.ClientSession() as http:
        client = OllamaClient(http, fake_ollama.url)
        with pytest.raises(OllamaError) as failed:
            async for _ in client.chat_stream("llama3.2", [{"role": "user", "content": "x"}]):
                pass
    assert failed.value.code is ErrorCode.OLLAMA_ERROR and "500" in failed.value.message


def test_validation_errors_name_the_field() -> None:
    with pytest.raises(ValidationError) as failed:
        ChatRequest.model_validate({"request_id": "abcdefgh", "user_id": "u", "message": " "})
    assert describe_validation_error(failed.value) == "message: must contain text, not only whitespace"
    with pytest.raises(ValidationError) as failed:  # a NUL alone is said as what it is (a black-box pass)
        ChatRequest.model_validate({"request_id": "abcdefgh", "user_id": "u", "message": "\u0000"})
    assert describe_validation_error(failed.value) == "message: must not contain NUL characters (\\u0000)"


def test_a_nats_cluster_url_list_becomes_a_server_list() -> None:
    assert server_list("nats://a:4222, nats://b:4222,nats://c:4222") == [
        "nats://a:4222", "nats://b:4222", "nats://c:4222"]
    assert server_list("nats://127.0.0.1:4222") == ["nats://127.0.0.1:4222"]


def test_credentials_in_nats_url_become_connect_options_for_every_server() -> None:
    target = endpoint("nats://lumia:p%40ss@a:4222,nats://lumia:p%40ss@b:4222")
    assert target.servers == ["nats://a:4222", "nats://b:4222"]
    assert target.auth == {"user": "lumia", "password": "p@ss"}
    token = endpoint("nats://s3cret@127.0.0.1:4222")
    assert token.servers == ["nats://127.0.0.1:4222"] and token.auth == {"token": "s3cret"}
    assert endpoint("nats://127.0.0.1:4222").auth == {} and endpoint("nats://h:1").security() is None
    assert endpoint("nats://@h:1").auth == {}  # names no one: not an empty token


def test_env_example_lists_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    missing = [f.alias for f in Settings.model_fields.values() if f.alias and f"{f.alias}=" not in example]
    assert missing == []


def test_tokens_read_together_with_an_error_still_reach_the_user() -> None:
    client = OllamaClient(None, "http://ollama")  # type: ignore[arg-type]  # parsing needs no session
    piece, failure = client._parse_lines([b'{"message": {"content": "t0 "}}', b'{"message": {"content": "t1 "}}',
                                          b'{"error": "out of memory"}'])
    assert piece is not None and piece.text == "t0 t1 " and not piece.done
    assert failure is not None and "out of memory" in failure.message


def test_tool_output_gives_way_to_the_message_within_the_budget() -> None:
    huge = ToolResult(name="big", ok=True, content="x" * 30_000)
    sent = build_messages("system", "the question", tool_results=[huge], budget=1000, today=date(2026, 12, 3))
    assert sent[0] == {"role": "system", "content": "system\n\nToday is Thursday 2026-12-03."}
    assert sent[-1]["content"] == "the question"
    assert "cut to fit the context window" in sent[-2]["content"] and sent[-2]["role"] == "user"
    assert sum(estimate_tokens(m["content"]) for m in sent) <= 1000


def test_a_memory_dated_beyond_any_calendar_still_reaches_the_prompt() -> None:
    """A memory published on the bus directly may carry a time no date can hold; the chat must still answer."""
    far = MemoryHit(id="m_far_future", content="The capsule opens in the far future.",
                    metadata={"lumia_created_at": 1e300}, score=0.9)
    early = MemoryHit(id="m_year_one", content="The capsule was sealed.", score=0.9,
                      metadata={"lumia_created_at": datetime(1, 1, 2, tzinfo=UTC).timestamp()})
    sent = build_messages("system", "When does the capsule open?", memories=[far, early])
    assert '<memory id="m_far_future" date="unknown">' in sent[0]["content"]
    assert '<memory id="m_year_one" date="0001-01-02">' in sent[0]["content"]  # not "1-01-02"


def test_a_memory_in_the_prompt_names_who_said_it() -> None:
    """Found by a black-box pass: a dialogue's memories carried `speaker` in metadata, and the model
    read Maria's "My mother Gun turns 70" as the user's own mother."""
    theirs = MemoryHit(id="m_maria", content="My mother Gun turns 70 on 12 January.", score=0.9,
                       metadata={"lumia_created_at": 1.7e9, "speaker": ' Maria "M" \n Berg '})
    mine = MemoryHit(id="m_mine", content="I like hiking.", score=0.9, metadata={"lumia_created_at": 1.7e9,
                                                                                  "speaker": " "})
    sent = build_messages("system", "When does Gun turn 70?", memories=[theirs, mine])[0]["content"]
    assert '<memory id="m_maria" date="2023-11-14" speaker="Maria &quot;M&quot; Berg">' in sent
    assert '<memory id="m_mine" date="2023-11-14">' in sent
    assert "names a speaker was said by that person" in sent


def test_a_document_chunk_in_the_prompt_names_its_source() -> None:
    chunk = MemoryHit(id="doc_1_0", content="Notice period: three months.", score=0.9,
                      metadata={"lumia_created_at": 1.7e9, "lumia_kind": "document", "source": 'avtal "2025".md'})
    note = MemoryHit(id="m_note", content="I signed the contract.", score=0.9,
                     metadata={"lumia_created_at": 1.7e9, "lumia_kind": "note", "source": "not a document"})
    sent = build_messages("system", "What is my notice period?", memories=[chunk, note])[0]["content"]
    assert '<memory id="doc_1_0" date="2023-11-14" source="avtal &quot;2025&quot;.md">' in sent
    assert '<memory id="m_note" date="2023-11-14">' in sent


def test_a_context_event_with_a_memory_of_no_score_reads_back_as_sent() -> None:
    """The worker sends events without their None fields: a memory given without a score (one read by id, not
    found by the search) made the whole reply unreadable to the gateway, a 500 (a black-box pass)."""
    event = ChatEvent(seq=0, type="context", memories=[MemoryRef(id="m1", score=None, snippet="Pelle died.")])
    assert ChatEvent.model_validate_json(event.model_dump_json(exclude_none=True)) == event
