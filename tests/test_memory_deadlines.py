"""A clear or delete the gateway has given up on is never done later, and `lumia reindex` says
what is wrong (no NATS, no brain_worker, a brain without memories) in one line, exit 1.

The brain_worker is held up for real: SIGSTOP on its process, so requests wait on its
connection until SIGCONT, as behind a stalled worker."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import nats
import pytest

from shared import subjects
from shared.memory.messages import BrainRequest, DeleteRequest
from tests.fake_ollama import FakeOllama
from tests.harness import ROOT, NatsServer, Stack, wait_until
from tests.test_memory_pending import brain, brain_process, post, stats

REFUSED = "refused an expired"


@pytest.fixture
def stack(make_stack: Callable[..., Stack]) -> Stack:
    # Embedding by the Ollama stand-in: fast to start, and it can fail on demand.
    return make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama")


def stored(client: httpx.Client, name: str, count: int) -> bool:
    now = stats(client, name)
    return bool(now["pending_ingest"] == 0 and now["memory_count"] == count)


def listed(client: httpx.Client, name: str) -> set[str]:
    return {m["id"] for m in client.get(f"/memory/{name}/memories").json()["memories"]}


def test_a_clear_and_a_delete_given_up_on_are_not_done_later(stack: Stack) -> None:
    name = brain()
    worker = brain_process(stack)
    with stack.client() as client:
        kept = post(client, name, "My locker code is 4711.")
        assert wait_until(lambda: stored(client, name, 1))
        answers: dict[str, httpx.Response] = {}

        def call(what: str, method: str, path: str) -> None:
            with stack.client() as own:
                answers[what] = own.request(method, path)

        worker.proc.send_signal(signal.SIGSTOP)
        try:
            calls = [threading.Thread(target=call, args=("clear", "POST", f"/memory/clear/{name}")),
                     threading.Thread(target=call, args=("delete", "DELETE", f"/memory/{name}/memories/{kept}"))]
            for each in calls:
                each.start()
            for each in calls:
                each.join(60)
            # Accepted after the client was told the clear failed: it must survive the worker catching up.
            added = post(client, name, "My bike is a red Crescent.")
        finally:
            worker.proc.send_signal(signal.SIGCONT)
        for what in ("clear", "delete"):
            assert answers[what].status_code == 504, answers[what].text
            assert "will not be carried out later" in answers[what].json()["detail"]
        assert wait_until(lambda: worker.log().count(REFUSED) == 2), worker.log()
        assert wait_until(lambda: stored(client, name, 2))
        assert listed(client, name) == {kept, added}


async def _ask(nats_url: str, subject: str, request: BrainRequest | DeleteRequest) -> dict[str, Any]:
    nc = await nats.connect(nats_url)
    try:
        reply = await nc.request(subject, request.model_dump_json().encode(), timeout=60)
        return dict(json.loads(reply.data))
    finally:
        await nc.close()


def ask(stack: Stack, subject: str, request: BrainRequest | DeleteRequest) -> dict[str, Any]:
    return asyncio.run(_ask(stack.env["NATS_URL"], subject, request))


def test_bus_requests_past_their_deadline_are_refused_and_without_one_still_served(stack: Stack) -> None:
    name = brain()
    with stack.client() as client:
        memory_id = post(client, name, "My locker code is 4711.")
        assert wait_until(lambda: stored(client, name, 1))
        past = time.time() - 1
        for subject, request in ((subjects.BRAIN_MEMORIES_DELETE, DeleteRequest(brain=name, id=memory_id,
                                                                                 deadline=past)),
                                 (subjects.BRAIN_CLEAR, BrainRequest(brain=name, deadline=past))):
            refused = ask(stack, subject, request)
            assert refused["code"] == "expired", refused
        assert listed(client, name) == {memory_id}
        # Internal clients that send no deadline keep working.
        assert ask(stack, subjects.BRAIN_MEMORIES_DELETE, DeleteRequest(brain=name, id=memory_id)) == {"deleted": True}
        assert ask(stack, subjects.BRAIN_CLEAR, BrainRequest(brain=name)) == {"brain": name, "removed": 0}


def lumia_cli(*args: str, nats_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NATS_URL": nats_url}
    # The timeout only keeps a regression from hanging the suite; the test asserts on the outcome.
    return subprocess.run([sys.executable, "-m", "shared.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def assert_one_line_failure(done: subprocess.CompletedProcess[str], says: str) -> None:
    assert done.returncode == 1, done
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr


def test_reindex_without_a_reachable_nats_says_so_and_stops() -> None:
    done = lumia_cli("reindex", "anna", nats_url="nats://lumia:secret@127.0.0.1:1")
    assert_one_line_failure(done, "cannot reach NATS at 127.0.0.1:1")
    assert "secret" not in done.stderr


def test_reindex_of_no_brain_name_says_so() -> None:
    done = lumia_cli("reindex", "", nats_url="nats://127.0.0.1:1")  # refused before NATS is asked
    assert_one_line_failure(done, "'' is not a brain name")


def test_reindex_without_a_brain_worker_says_so() -> None:
    server = NatsServer()
    try:
        done = lumia_cli("reindex", "anna", nats_url=server.url)
    finally:
        server.stop()
    assert_one_line_failure(done, f"no brain_worker is listening on lumia.brain.reindex at 127.0.0.1:{server.port}")
    assert "LUMIA_DATA_DIR" in done.stderr  # a Lumia may run elsewhere: where the command looks for it


def test_reindex_with_a_token_the_bus_refuses_says_so() -> None:
    """Found by a black-box pass: a wrong token was "cannot reach NATS … is Lumia running?"."""
    server = NatsServer(extra_args=("--auth", "the-right-token"))
    try:
        done = lumia_cli("reindex", "anna", nats_url=f"nats://the-wrong-token@127.0.0.1:{server.port}")
    finally:
        server.stop()
    assert_one_line_failure(done, f"NATS at 127.0.0.1:{server.port} refused the credentials")
    assert "the-wrong-token" not in done.stderr


def test_reindex_of_a_brain_without_memories_is_an_error_naming_account_brains(stack: Stack) -> None:
    name = brain()
    with stack.client() as client:
        post(client, name, "My locker code is 4711.")
        assert wait_until(lambda: stored(client, name, 1))
    done = lumia_cli("reindex", name, nats_url=stack.env["NATS_URL"])
    assert done.returncode == 0, done
    assert f"re-embedded 1 memories of brain '{name}'" in done.stdout
    missing = lumia_cli("reindex", f"nobody-{uuid.uuid4().hex[:8]}", nats_url=stack.env["NATS_URL"])
    assert_one_line_failure(missing, "has no memories")
    assert "<user_id>/<brain>" in missing.stderr


def test_a_delete_the_embedder_cannot_finish_changes_nothing(stack: Stack, fake_ollama: FakeOllama) -> None:
    """Found by a black-box pass: with the embedder down, a delete was answered 503 yet done, its
    neighbours' vectors still holding its words and no forget mark set."""
    name = brain()
    with stack.client() as client:
        first = post(client, name, "My locker code is 4711.")
        post(client, name, "The locker is in the basement, next to the sauna.")
        assert wait_until(lambda: stored(client, name, 2))  # in context: each vector holds the other's words
        fake_ollama.behaviour.embed_fails = True
        try:
            refused = client.delete(f"/memory/{name}/memories/{first}")
            kept = listed(client, name)
        finally:
            fake_ollama.behaviour.embed_fails = False
        done = client.delete(f"/memory/{name}/memories/{first}")
        after = listed(client, name)
    assert refused.status_code == 503, refused.text
    assert "not forgotten: nothing changed" in refused.json()["detail"]  # a black-box pass: say so
    assert first in kept and len(kept) == 2
    assert done.status_code == 204 and first not in after and len(after) == 1
