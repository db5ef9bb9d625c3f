"""Ingestion with a Chroma server (`chroma run`, CHROMA_URL): in a worker of its own, and an
outage or a stall is an error that loses nothing."""

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shared.embedded_nats import free_port, wait_for_port
from tests.harness import ROOT, Stack, wait_until
from tests.test_ingest_durability import count


def run_chroma(path: Path, port: int) -> subprocess.Popen[bytes]:
    """`chroma run` as deployed: with deploy/chroma/config.yaml (settings other than the file's from
    CHROMA_* variables, as `chroma run` takes them with a config file)."""
    env = {**os.environ, "CHROMA_PERSIST_PATH": str(path), "CHROMA_PORT": str(port),
           "CHROMA_LISTEN_ADDRESS": "127.0.0.1"}
    config = ROOT / "deploy" / "chroma" / "config.yaml"
    proc = subprocess.Popen([str(Path(sys.executable).parent / "chroma"), "run", str(config)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_for_port(port, timeout=30)
    return proc


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = run_chroma(tmp_path / "chroma", port)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


def test_chroma_server_mode_runs_ingestion_in_its_own_worker(
    make_stack: Callable[..., Stack], chroma_server: str
) -> None:
    stack = make_stack("brain", "ingest", "gateway", CHROMA_URL=chroma_server)
    ingest_pid = next(c for c in stack.components if c.kind == "ingest").proc.pid
    with stack.client() as client:
        client.post("/ingest", json={"customer_id": "served", "content": "Our server-side memory works."})
        assert wait_until(lambda: count(client, "served") == 1)
        found = client.post("/query", json={"customer_id": "served", "question": "Does the memory work?"}).json()
        health = client.get("/memory/health").json()
    assert found["results"][0]["content"] == "Our server-side memory works."
    assert health["checks"]["workers"]["ingest"]["instance"].endswith(f"-{ingest_pid}")


def test_a_chroma_server_that_stops_answering_is_unavailable_not_a_hang(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    """A server stopped (SIGSTOP: it accepts and never answers), not gone: Chroma's client waits
    forever, and every request of both workers used to hang for as long."""
    port = free_port()
    chroma = run_chroma(tmp_path / "stalled", port)
    stack = make_stack("brain", "ingest", "gateway", CHROMA_URL=f"http://127.0.0.1:{port}", LUMIA_CHROMA_TIMEOUT="2")
    question = {"customer_id": "stalled", "question": "What is stored?"}
    try:
        with stack.client() as client:
            client.post("/ingest", json={"customer_id": "stalled", "content": "Stored before the stall."})
            assert wait_until(lambda: count(client, "stalled") == 1)
            chroma.send_signal(signal.SIGSTOP)
            try:
                stalled = client.post("/query", json=question)
                health = client.get("/memory/health").json()
            finally:
                chroma.send_signal(signal.SIGCONT)
            assert wait_until(lambda: client.post("/query", json=question).status_code == 200, timeout=30)
            after = client.post("/query", json=question).json()
    finally:
        chroma.terminate()
        chroma.wait(10)
    assert stalled.status_code == 503, stalled.text
    assert "Chroma" in stalled.json()["detail"]
    assert health["status"] == "degraded"
    assert all("Chroma" in health["checks"]["workers"][kind]["error"] for kind in ("brain", "ingest"))
    assert [r["content"] for r in after["results"]] == ["Stored before the stall."]


def test_a_chroma_outage_is_an_error_and_loses_nothing(make_stack: Callable[..., Stack], tmp_path: Path) -> None:
    """With the store down, no answer may read as an empty brain, and what is sent meanwhile waits
    for it instead of using up its deliveries (2 here) and being dead-lettered."""
    port = free_port()
    chroma = run_chroma(tmp_path / "outage", port)
    stack = make_stack("brain", "ingest", "llm", "gateway", CHROMA_URL=f"http://127.0.0.1:{port}",
                       LUMIA_INGEST_MAX_DELIVER="2", LUMIA_FORGET_WAIT="1")
    ingest, llm = (next(c for c in stack.components if c.kind == kind) for kind in ("ingest", "llm"))
    try:
        with stack.client() as client:
            client.post("/ingest", json={"customer_id": "outage", "content": "Stored before the outage."})
            assert wait_until(lambda: count(client, "outage") == 1)
            chroma.terminate()
            chroma.wait(10)
            health = client.get("/memory/health").json()
            answers = [client.post("/query", json={"customer_id": "outage", "question": "What was stored?"}),
                       client.get("/memory/stats/outage"),
                       client.get("/memory/outage/memories"),
                       client.post("/memory/clear/outage")]
            chat = client.post("/memory/chat", json={"user_id": "outage", "message": "What was stored?"})
            sent = [client.post("/ingest", json={"customer_id": "outage", "content": f"Sent during the outage, {n}."})
                    for n in range(3)]
            assert wait_until(lambda: ingest.log().count("Holding") >= 3, timeout=30)  # more tries than allowed
            queued_clear = client.post("/memory/clear/outage")  # the queued three cannot be stored: it marks them
            chroma = run_chroma(tmp_path / "outage", port)
            assert wait_until(lambda: client.get("/memory/stats/outage").status_code == 200
                              and client.get("/memory/stats/outage").json()["pending_ingest"] == 0, timeout=60)
            stats = client.get("/memory/stats/outage").json()
    finally:
        chroma.terminate()
        chroma.wait(10)
    assert health["status"] == "degraded"
    assert all("Chroma" in health["checks"]["workers"][kind]["error"] for kind in ("brain", "ingest"))
    assert [a.status_code for a in answers] == [503] * 4
    assert chat.status_code == 200 and chat.json()["context_used"] is False  # answered without memory
    assert "The memory store (Chroma) is not reachable" in chat.json()["memory_unavailable"]
    assert "no memory for brain 'outage': The memory store (Chroma) is not reachable" in llm.log()
    assert all("Chroma" in a.json()["detail"] for a in [*answers, queued_clear])
    assert queued_clear.status_code == 503
    assert [s.status_code for s in sent] == [202] * 3
    assert stats["dead_letters"] == 0 and stats["memory_count"] == 5  # the chat's own turn is remembered too


def test_workers_start_while_the_chroma_server_is_down_and_use_it_once_it_is_up(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    """Found by a black-box pass: chromadb's client asks the server for its version as it is made,
    so a worker (re)started during an outage died at start-up, and the launcher stopped Lumia, chats
    included. Now it starts, answers as during any outage, and uses the server once it is up."""
    port = free_port()
    stack = make_stack("llm", "brain", "ingest", "gateway", CHROMA_URL=f"http://127.0.0.1:{port}")
    chroma = None
    try:
        with stack.client() as client:
            sent = client.post("/ingest", json={"customer_id": "late", "content": "My locker code is 5521."})
            query = client.post("/query", json={"customer_id": "late", "question": "What is my locker code?"})
            chat = client.post("/memory/chat", json={"user_id": "late", "message": "What is my locker code?"})
            health = client.get("/memory/health").json()
            chroma = run_chroma(tmp_path / "late", port)
            assert wait_until(lambda: count(client, "late") == 2, timeout=60)  # the note, and the chat's turn
            found = client.post("/query", json={"customer_id": "late", "question": "What is my locker code?"}).json()
    finally:
        if chroma is not None:
            chroma.terminate()
            chroma.wait(10)
    assert sent.status_code == 202 and query.status_code == 503 and "Chroma" in query.json()["detail"]
    assert f"CHROMA_URL=http://127.0.0.1:{port}" in query.json()["detail"]
    assert chat.status_code == 200 and "Chroma" in chat.json()["memory_unavailable"]
    assert health["status"] == "degraded"
    assert "My locker code is 5521." in [hit["content"] for hit in found["results"]]
