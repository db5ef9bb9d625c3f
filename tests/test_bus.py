"""Internal systems talk to Lumia on NATS directly; these tests are such a system."""

import asyncio
import json
import re
import subprocess
import sys
import time
import unicodedata
import uuid
from collections.abc import Callable

import nats
import pytest
from nats.aio.client import Client

from llm_worker.memory import BusMemory
from shared import cli, subjects
from shared.bus import beat_every
from shared.memory.brains import brain_key
from shared.memory.jetstream import ensure_streams
from shared.memory.messages import BrainError, MemoryItem
from shared.messages import ChatEvent, ChatRequest
from tests.fake_ollama import FakeOllama
from tests.harness import ROOT, Stack, wait_until


async def collect(nc: Client, payload: bytes, wait: float = 20) -> list[ChatEvent]:
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish(subjects.CHAT_REQUEST, payload, reply=inbox)
    events: list[ChatEvent] = []
    while not events or not events[-1].is_final:
        events.append(ChatEvent.model_validate_json((await sub.next_msg(timeout=wait)).data))
    await sub.unsubscribe()
    return events


def request(message: str, request_id: str = "req-0001", **fields: str) -> bytes:
    return ChatRequest(request_id=request_id, user_id="system", message=message, **fields).model_dump_json().encode()


async def test_publishing_a_request_streams_ordered_deltas(lumia: Stack, fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.tokens = 1000
    nc = await nats.connect(lumia.env["NATS_URL"])
    events = await collect(nc, request("count please"))
    await nc.drain()
    assert [e.seq for e in events] == list(range(len(events)))
    assert events[-1].type == "done"
    text = "".join(e.text for e in events if e.type == "delta")
    assert text == "".join(f"t{i} " for i in range(1000))
    assert events[-1].stats is not None and events[-1].stats.response_length == len(text)


async def test_an_invalid_bus_request_gets_an_error_event(lumia: Stack) -> None:
    nc = await nats.connect(lumia.env["NATS_URL"])
    not_json = await collect(nc, b"hello?")
    empty_message = await collect(nc, b'{"request_id": "req-0002", "user_id": "u", "message": ""}')
    await nc.drain()
    for events in (not_json, empty_message):
        assert len(events) == 1
        assert events[0].type == "error" and events[0].code == "bad_request"
    assert "message" in (empty_message[0].error or "")


async def test_a_chat_for_a_brain_no_one_could_name_is_a_bad_request(lumia: Stack) -> None:
    """Found by a black-box pass: a user id with a space at its start, the default brain, streamed an
    answer whose `memory_unavailable` and `memory_unsaved` held the raw validation text."""
    nc = await nats.connect(lumia.env["NATS_URL"])
    try:
        default = await collect(nc, b'{"request_id": "req-brain-1", "user_id": " x", "message": "Hej!"}')
        named = await collect(nc, b'{"request_id": "req-brain-2", "user_id": "x", "brain_id": " x", "message": "Hej!"}')
    finally:
        await nc.drain()
    with lumia.client() as client:
        over_http = client.post("/memory/chat", json={"user_id": " x", "message": "Hej!"})
    for events in (default, named):
        assert [(e.type, e.code) for e in events] == [("error", "bad_request")], events
    assert over_http.status_code == 422, over_http.text
    assert default[0].error == f"brain_id: {over_http.json()['detail'][0]['msg']}"  # the same words
    assert "names no brain of its own (a brain's name must not start or end with whitespace" in default[0].error
    assert (named[0].error or "").startswith("brain_id: ") and "whitespace" in (named[0].error or "")


async def test_cancel_subject_stops_a_stream(lumia: Stack, fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.tokens = 1000
    fake_ollama.behaviour.delay = 0.02
    nc = await nats.connect(lumia.env["NATS_URL"])
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish(subjects.CHAT_REQUEST, request("long", "req-cancel-1"), reply=inbox)
    events = [ChatEvent.model_validate_json((await sub.next_msg(timeout=10)).data)]
    while events[-1].type != "delta":  # cancel only once Ollama's stream is open
        events.append(ChatEvent.model_validate_json((await sub.next_msg(timeout=10)).data))
    await nc.publish(subjects.chat_cancel("req-cancel-1"), b"")
    while not events[-1].is_final:
        events.append(ChatEvent.model_validate_json((await sub.next_msg(timeout=10)).data))
    await nc.drain()
    assert events[-1].type == "error" and events[-1].code == "cancelled"
    assert [e.seq for e in events] == list(range(len(events)))
    for _ in range(200):
        if fake_ollama.record.streams_aborted == 1:
            break
        await asyncio.sleep(0.05)
    assert fake_ollama.record.streams_aborted == 1


async def test_two_llm_workers_share_the_load(make_stack: Callable[..., Stack], fake_ollama: FakeOllama) -> None:
    fake_ollama.behaviour.tokens = 5
    fake_ollama.behaviour.delay = 0.01
    stack = make_stack("llm", "llm")
    nc = await nats.connect(stack.env["NATS_URL"])
    results = await asyncio.gather(*(collect(nc, request("x", f"req-share-{i:02d}")) for i in range(24)))
    await nc.drain()
    assert all(events[-1].type == "done" for events in results)

    def served() -> list[int]:  # the log line is written just after `done` is published
        return [len(re.findall(r"request req-share-\d+ finished", c.log())) for c in stack.components]

    wait_until(lambda: sum(served()) == 24)
    assert sum(served()) == 24
    assert all(n > 0 for n in served()), served()


def test_the_documented_example_chats_over_nats(lumia: Stack) -> None:
    example = ROOT / "docs" / "examples" / "chat_over_nats.py"
    run = subprocess.run([sys.executable, str(example), "Hej från ett internt system", "--nats", lumia.env["NATS_URL"]],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "Echo: Hej från ett internt system\n"


async def test_bus_requests_that_are_not_valid_are_answered_with_what_to_fix(lumia: Stack) -> None:
    """Found by a black-box pass: the tools worker left a bad request unanswered (the asker timed out),
    brain requests dropped a misspelt field and answered something else, and text that was not JSON
    was blamed on a field called "message"."""
    nc = await nats.connect(lumia.env["NATS_URL"])
    try:
        asks = {
            subjects.TOOLS_LIST: b"{x",
            subjects.TOOLS_REGISTER: json.dumps({"tool": {"name": "t", "description": "d",
                                                          "callback_url": "http://127.0.0.1:9/"}, "junk": 1}).encode(),
            subjects.BRAIN_LIST: json.dumps({"preffix": "someone/"}).encode(),
            subjects.BRAIN_QUERY: json.dumps({"brain": "b", "question": "q", "wher": {"kind": "note"}}).encode(),
        }
        answers = {subject: json.loads((await nc.request(subject, body, timeout=10)).data)
                   for subject, body in asks.items()}
    finally:
        await nc.drain()
    assert answers[subjects.TOOLS_LIST]["code"] == "bad_request"
    assert answers[subjects.TOOLS_LIST]["error"].startswith("the message body (send one JSON object)")
    assert answers[subjects.TOOLS_REGISTER] == {"error": "junk: Extra inputs are not permitted", "code": "bad_request"}
    assert answers[subjects.BRAIN_LIST]["code"] == "bad_request" and "preffix" in answers[subjects.BRAIN_LIST]["error"]
    assert answers[subjects.BRAIN_QUERY]["code"] == "bad_request" and "wher" in answers[subjects.BRAIN_QUERY]["error"]


async def test_null_is_an_optional_field_left_out_on_the_bus(lumia: Stack) -> None:
    nc = await nats.connect(lumia.env["NATS_URL"])
    try:
        query = json.dumps({"brain": "bus-null", "question": "q", "n_results": None, "include_persona": None})
        found = json.loads((await nc.request(subjects.BRAIN_QUERY, query.encode(), timeout=10)).data)
        chat = await collect(nc, json.dumps({"request_id": "req-null-1", "user_id": "bus-null", "message": "Hej!",
                                             "purpose": None, "route": None, "tools": None}).encode())
    finally:
        await nc.drain()
    assert found.get("code") is None and found["results"] == [], found
    assert chat[-1].type == "done", chat


async def test_a_memory_on_another_brains_subject_is_a_dead_letter(lumia: Stack) -> None:
    """A clear, a delete and the stats find a brain's queued memories under its own subject: an item
    published under another brain's subject would have outlived a clear of its own brain."""
    brain, decoy = f"bus-{uuid.uuid4().hex[:8]}", f"bus-{uuid.uuid4().hex[:8]}"
    nc = await nats.connect(lumia.env["NATS_URL"])
    js = nc.jetstream()
    try:
        for memory_id, subject in (("m_misfiled1", subjects.memory_ingest(brain_key(decoy))),
                                   ("m_misfiled2", "lumia.memory.ingest.garbage")):
            item = MemoryItem(id=memory_id, brain=brain, content="Filed under the wrong brain.", created_at=time.time())
            await js.publish(subject, item.model_dump_json().encode())
        # Written as a user types it on another device: o and a combining diaeresis.
        composed = unicodedata.normalize("NFD", f"{brain}-kökbok")
        item = MemoryItem(id="m_decomposed", brain=composed, content="Kanelbullar bakas i 225 grader.",
                          created_at=time.time())
        await js.publish(subjects.memory_ingest(brain_key(composed)), item.model_dump_json().encode())
    finally:
        await nc.drain()
    with lumia.client() as client:
        assert wait_until(lambda: client.get(f"/memory/stats/{decoy}").json()["dead_letters"] == 1)  # where it was put
        assert wait_until(lambda: client.get(f"/memory/stats/{brain}-kökbok").json()["memory_count"] == 1)
        stats = client.get(f"/memory/stats/{brain}").json()
        listed = client.get(f"/memory/{brain}-kökbok/memories").json()
    assert stats["memory_count"] == 0
    assert [m["id"] for m in listed["memories"]] == ["m_decomposed"]


async def test_a_chat_with_a_memory_filter_the_store_refuses_is_a_bad_request(lumia: Stack) -> None:
    """Found by a black-box pass: the chat answered without memory (`memory_unavailable`), hiding the
    asker's mistake."""
    nc = await nats.connect(lumia.env["NATS_URL"])
    try:
        events = await collect(nc, ChatRequest(request_id="req-where-1", user_id="bus-where", message="What is stored?",
                                               purpose="answer", memory_where={"$bogus": 1}).model_dump_json().encode())
    finally:
        await nc.drain()
    assert [e.type for e in events] == ["error"]
    assert events[0].code == "bad_request" and (events[0].error or "").startswith("memory_where: ")


async def test_a_chat_with_a_memory_filter_looking_inside_lists_is_a_bad_request(lumia: Stack) -> None:
    """Metadata values are flat: `$contains` found nothing and `$not_contains` everything, unsaid."""
    nc = await nats.connect(lumia.env["NATS_URL"])
    try:
        events = await collect(nc, ChatRequest(request_id="req-where-2", user_id="bus-where", message="What is stored?",
                                               memory_where={"s": {"$contains": "x"}}).model_dump_json().encode())
    finally:
        await nc.drain()
    assert [e.type for e in events] == ["error"]
    assert events[0].code == "bad_request" and "use $eq or $ne" in (events[0].error or "")


@pytest.mark.parametrize(("asked", "every"), [("0.2", 0.2), ("1", 1.0), ("5", 5.0), ("600", subjects.PROGRESS_BEAT),
                                              ("0", subjects.MIN_PROGRESS_BEAT), ("nan", subjects.PROGRESS_BEAT),
                                              ("yes", subjects.PROGRESS_BEAT), ("", subjects.PROGRESS_BEAT)])
def test_a_reindex_is_beaten_for_as_often_as_asked_within_bounds(asked: str, every: float) -> None:
    assert beat_every(asked) == every


def test_a_silence_shorter_than_the_quickest_beats_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--nats", "nats://127.0.0.1:1", "reindex", "b", "--silence", "0.1"]) == 1
    assert "--silence must be at least 0.3 s" in capsys.readouterr().err
    assert cli.main(["--nats", "nats://127.0.0.1:1", "reindex", "b", "--silence", "0.3"]) == 1
    assert "cannot reach NATS" in capsys.readouterr().err  # the least allowed is allowed
    for endless in ("inf", "nan"):
        assert cli.main(["--nats", "nats://127.0.0.1:1", "reindex", "b", "--silence", endless]) == 1
        assert "--silence must be a number of seconds" in capsys.readouterr().err


def test_a_brain_error_names_a_field_only_when_one_is_at_fault() -> None:
    """A gateway of before reads a reply of exactly {error, code} as a refusal."""
    assert json.loads(BrainError(error="down", code="unavailable").model_dump_json()) == {"error": "down",
                                                                                          "code": "unavailable"}
    assert BrainError(error="bad", code="bad_request", field="where").model_dump()["field"] == "where"


async def test_a_model_answer_with_a_nul_is_remembered_without_it(nats_url: str) -> None:
    """Found by a review: a NUL is refused in metadata, and the turn is remembered before `done`; built
    from an answer holding one, the turn raised and the stream ended with neither `done` nor `error`."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await ensure_streams(js, 1)
        brain = f"nul-{uuid.uuid4().hex[:8]}"
        request = ChatRequest(request_id=f"nul{uuid.uuid4().hex[:12]}", user_id=brain, message="hej")
        unsaved = await BusMemory(nc, 1.0, 3).remember(request, "fine\x00 answer")
        stored = await js.get_last_msg(subjects.MEMORY_STREAM, subjects.memory_ingest(brain_key(brain)))
    finally:
        await nc.close()
    assert unsaved is None
    assert MemoryItem.model_validate_json(stored.data or b"").metadata["answer"] == "fine answer"
