"""Ingestion is at-least-once with idempotent writes: nothing lost, nothing doubled, poison set aside."""

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import nats

from shared import subjects
from shared.memory.brains import brain_key
from shared.memory.messages import MemoryItem
from tests.fake_ollama import FakeOllama
from tests.harness import Stack, wait_until


def count(client: httpx.Client, brain: str) -> int:
    """The brain's stored memories; -1 while its stats cannot be had (the brain_worker restarting)."""
    stats = client.get(f"/memory/stats/{brain}")
    return int(stats.json()["memory_count"]) if stats.status_code == 200 else -1


def to_other_embedder(stack: Stack) -> None:
    """Starts the brain_worker again with the Ollama embedder: its brains were built with the bundled one."""
    next(c for c in stack.components if c.kind == "brain").stop()
    stack.start("brain", env={"EMBEDDING_BACKEND": "ollama"})


def run_reindex(stack: Stack, brain: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(Path(sys.executable).parent / "lumia"), "--nats", stack.env["NATS_URL"],
                           "reindex", brain], capture_output=True, text=True, timeout=120)


def batch(brain: str, texts: list[str]) -> dict[str, object]:
    return {"customer_id": brain, "items": [{"content": t} for t in texts]}


def settled(client: httpx.Client, brain: str) -> int:
    """The brain's stored memories once nothing of it is queued (context work included); -1 before."""
    stats = client.get(f"/memory/stats/{brain}")
    if stats.status_code != 200 or stats.json()["pending_ingest"]:
        return -1
    return int(stats.json()["memory_count"])


async def publish(nats_url: str, item: MemoryItem, msg_id: str) -> None:
    nc = await nats.connect(nats_url)
    await nc.jetstream().publish(subjects.memory_ingest(brain_key(item.brain)), item.model_dump_json().encode(),
                                 headers={"Nats-Msg-Id": msg_id})
    await nc.drain()


def test_a_republished_memory_is_stored_once(lumia: Stack) -> None:
    item = MemoryItem(id="m_redelivered_0001", brain="dedup-brain", content="I was born in Malmö.",
                      created_at=time.time())
    asyncio.run(publish(lumia.env["NATS_URL"], item, item.id))
    asyncio.run(publish(lumia.env["NATS_URL"], item, item.id))  # inside the duplicate window
    asyncio.run(publish(lumia.env["NATS_URL"], item, "after-the-window"))  # as if the window had passed
    repeat = item.model_copy(update={"id": "m_said_again_0002"})
    asyncio.run(publish(lumia.env["NATS_URL"], repeat, repeat.id))  # the same words again
    with lumia.client() as client:
        assert wait_until(lambda: client.get("/memory/stats/dedup-brain").json()["pending_ingest"] == 0)
        assert count(client, "dedup-brain") == 1


def test_killing_the_ingester_mid_batch_loses_and_doubles_nothing(
    make_stack: Callable[..., Stack], fake_ollama: FakeOllama
) -> None:
    """Killed with memories stored, a batch in hand (its embedding held by the Ollama-protocol
    server) and more queued: the restarted worker gets the unacked batch once its ack wait has passed."""
    stack = make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama", LUMIA_INGEST_ACK_WAIT="5")
    brain_process = next(c for c in stack.components if c.kind == "brain")
    texts = [f"Fact number {i}: the item {i} is stored in box {i * 7}." for i in range(1000)]
    with stack.client() as client:
        first = client.post("/ingest/batch", json=batch("crash", texts[:200]))
        # Context work done too, so that the embedding held next is the batch's.
        assert wait_until(lambda: settled(client, "crash") == 200)
        fake_ollama.behaviour.embed_held = True
        rest = client.post("/ingest/batch", json=batch("crash", texts[200:]))
        assert first.status_code == rest.status_code == 202
        assert wait_until(lambda: fake_ollama.record.embeds_held >= 1)
        brain_process.kill()
        fake_ollama.behaviour.embed_held = False
        stack.start("brain")
        assert wait_until(lambda: count(client, "crash") == 1000, timeout=90)
        listed = client.get("/memory/crash/memories", params={"limit": 500}).json()
        rest_listed = client.get("/memory/crash/memories", params={"limit": 500, "offset": 500}).json()
    assert listed["total"] == 1000
    stored = [m["id"] for m in listed["memories"] + rest_listed["memories"]]
    assert sorted(stored) == sorted(first.json()["ids"] + rest.json()["ids"])


def test_a_stopped_ingester_hands_back_the_batch_it_was_embedding(
    make_stack: Callable[..., Stack], fake_ollama: FakeOllama
) -> None:
    """Found by a black-box pass: after a graceful stop the memories sent just before it were stored
    only once LUMIA_INGEST_ACK_WAIT had passed: the batch being embedded was held, not handed back.
    With an ack wait of ten minutes, only a batch handed back is stored by the restarted worker."""
    stack = make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama", LUMIA_INGEST_ACK_WAIT="600")
    brain_process = next(c for c in stack.components if c.kind == "brain")
    texts = [f"Fact number {i}: the item {i} is stored in box {i * 7}." for i in range(900)]
    with stack.client() as client:
        assert client.post("/ingest/batch", json=batch("stopped", texts[:200])).status_code == 202
        assert wait_until(lambda: settled(client, "stopped") == 200)
        fake_ollama.behaviour.embed_held = True
        assert client.post("/ingest/batch", json=batch("stopped", texts[200:])).status_code == 202
        assert wait_until(lambda: fake_ollama.record.embeds_held >= 1)
        assert brain_process.stop() == 0
        fake_ollama.behaviour.embed_held = False
        stack.start("brain")
        stored = wait_until(lambda: count(client, "stopped") == 900, timeout=90)
        # Under the whole suite's load this failed now and then: what the server delivered after the last
        # fetch returned, or a fetch cut off by the stop, was held for the ack wait, handed back by no one.
        assert stored, (client.get("/memory/stats/stopped").json(), brain_process.log()[-3000:])


def test_poison_messages_are_dead_lettered_and_do_not_block(
    make_stack: Callable[..., Stack], fake_ollama: FakeOllama
) -> None:
    stack = make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama", LUMIA_INGEST_MAX_DELIVER="2")

    # Found by a black-box pass: items no date or document name can hold were stored from the bus
    # (a time of NaN had no lumia_created_at; 1e300 topped the listing for good; a chunk of no
    # source could not be forgotten over HTTP).
    unstorable = [{"created_at": float("nan")}, {"created_at": 1e300}, {"created_at": 4_102_444_800.0},  # 2100
                  {"kind": "document", "metadata": {"chunk": 0}}, {"kind": "document", "metadata": {"source": 42}}]

    async def garbage() -> None:
        nc = await nats.connect(stack.env["NATS_URL"])
        await nc.jetstream().publish(subjects.memory_ingest(brain_key("poison")), b"\xff not json")
        for n, fields in enumerate(unstorable):
            item = {"id": f"bus_item_{n}", "brain": "poison", "content": "Sent on the bus.", "created_at": 1.7e9,
                    **fields}
            await nc.jetstream().publish(subjects.memory_ingest(brain_key("poison")), json.dumps(item).encode())
        await nc.drain()

    asyncio.run(garbage())
    with stack.client() as client:
        assert wait_until(lambda: client.get("/memory/stats/poison").json()["dead_letters"] == 6)
        assert count(client, "poison") == 0
        fake_ollama.behaviour.embed_fails = True
        client.post("/ingest", json={"customer_id": "poison", "content": "This one cannot be embedded."})
        assert wait_until(lambda: client.get("/memory/stats/poison").json()["dead_letters"] == 7, timeout=30)
        fake_ollama.behaviour.embed_fails = False
        client.post("/ingest", json={"customer_id": "poison", "content": "This one can."})
        assert wait_until(lambda: count(client, "poison") == 1)
        # pending_ingest also counts the memory's context job, done in the background after it is stored.
        assert wait_until(lambda: client.get("/memory/stats/poison").json()["pending_ingest"] == 0)
        final = client.get("/memory/stats/poison").json()
    assert final["pending_ingest"] == 0 and final["dead_letters"] == 7


def test_another_embedder_is_a_clear_error_until_reindexed(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack("brain", "gateway")
    with stack.client() as client:
        client.post("/ingest/batch", json={"customer_id": "swap", "items": [
            {"content": "The boat is called Vega."}, {"content": "The cabin is in Dalarna."}]})
        assert wait_until(lambda: count(client, "swap") == 2)
        to_other_embedder(stack)
        refused = client.post("/query", json={"customer_id": "swap", "question": "What is the boat called?"})
        assert refused.status_code == 409, refused.text  # a 503 once under the whole suite: say why
        assert "lumia reindex swap" in refused.json()["detail"]
        cli = run_reindex(stack, "swap")
        assert cli.returncode == 0, cli.stderr
        assert "re-embedded 2 memories" in cli.stdout
        found = client.post("/query", json={"customer_id": "swap", "question": "What is the boat called?"})
        stats = client.get("/memory/stats/swap").json()
    assert found.status_code == 200
    assert "The boat is called Vega." in [r["content"] for r in found.json()["results"]]
    assert stats["embedding_model"] == "ollama:nomic-embed-text" and stats["memory_count"] == 2


def test_memories_sent_while_the_embedder_differs_are_stored_by_the_reindex(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack("brain", "gateway")
    with stack.client() as client:
        client.post("/ingest", json={"customer_id": "held", "content": "The boat is called Vega."})
        assert wait_until(lambda: count(client, "held") == 1)
        to_other_embedder(stack)
        late = client.post("/ingest", json={"customer_id": "held", "content": "The shed key is in the blue jar."})
        assert late.status_code == 202
        assert wait_until(lambda: client.get("/memory/stats/held").json()["dead_letters"] == 1)
        cli = run_reindex(stack, "held")
        assert cli.returncode == 0, cli.stderr
        assert wait_until(lambda: count(client, "held") == 2)
        stats = client.get("/memory/stats/held").json()
        found = client.post("/query", json={"customer_id": "held", "question": "Where is the shed key?"}).json()
    assert stats["dead_letters"] == 0
    assert found["results"][0]["id"] == late.json()["id"]


def test_a_memory_deleted_while_in_hand_is_not_kept_aside_for_the_reindex(make_stack: Callable[..., Stack],
                                                                          fake_ollama: FakeOllama) -> None:
    """Found by a review: a memory deleted while the ingest side had it in hand, then refused for the
    brain's other embedder, was kept aside as a dead letter, and `lumia reindex` stored it again."""
    stack = make_stack("brain", "gateway")
    with stack.client() as client:
        client.post("/ingest", json={"customer_id": "inhand", "content": "The boat is called Vega."})
        assert wait_until(lambda: count(client, "inhand") == 1)
        to_other_embedder(stack)
        try:
            fake_ollama.behaviour.embed_held = True  # taken off the queue, checked against marks, then held
            late = client.post("/ingest", json={"customer_id": "inhand", "content": "The shed key is in the jar."})
            assert wait_until(lambda: fake_ollama.record.embeds_held >= 1)
            deleted = client.delete(f"/memory/inhand/memories/{late.json()['id']}")
        finally:
            fake_ollama.behaviour.embed_held = False
        assert wait_until(lambda: client.get("/memory/stats/inhand").json()["pending_ingest"] == 0)
        stats = client.get("/memory/stats/inhand").json()
        cli = run_reindex(stack, "inhand")
        left = [m["content"] for m in client.get("/memory/inhand/memories").json()["memories"]]
    assert deleted.status_code == 204, deleted.text
    assert stats["dead_letters"] == 0
    assert cli.returncode == 0, cli.stderr
    assert left == ["The boat is called Vega."]


def test_memories_kept_aside_are_forgotten_by_a_delete_or_a_clear(make_stack: Callable[..., Stack]) -> None:
    """Found by a black-box pass: a note kept aside while the embedder differed could not be deleted
    (404), survived a clear, and came back with the reindex."""
    stack = make_stack("brain", "gateway")
    with stack.client() as client:
        for name in ("aside", "cleared"):
            client.post("/ingest", json={"customer_id": name, "content": "The boat is called Vega."})
            assert wait_until(lambda name=name: count(client, name) == 1)
        gate = client.post("/ingest", json={"customer_id": "aside", "content": "The gate code is 1234."}).json()["id"]
        assert wait_until(lambda: client.get("/memory/stats/aside").json()["pending_ingest"] == 0)
        to_other_embedder(stack)
        sent = [client.post("/ingest", json={"customer_id": "aside", "content": text}).json()["id"]
                for text in ("The shed key is in the blue jar.", "The spare key is under the pot.")]
        document = client.post("/memory/aside/documents?source=manual.md", content="The pump needs oil yearly.",
                               headers={"content-type": "text/markdown"})
        client.post("/ingest", json={"customer_id": "cleared", "content": "The shed key is in the blue jar."})

        async def poison() -> None:  # letters no memory of the brain: a clear drops them, not counting them
            nc = await nats.connect(stack.env["NATS_URL"])
            subject = subjects.memory_ingest(brain_key("cleared"))
            await nc.jetstream().publish(subject, b"\xff not json")
            await nc.jetstream().publish(subject, json.dumps({"id": "elsewhere", "brain": "another", "content": "Hi.",
                                                              "created_at": 1.7e9}).encode())
            await nc.drain()

        asyncio.run(poison())
        assert document.status_code == 202
        assert wait_until(lambda: client.get("/memory/stats/aside").json()["dead_letters"] == 3)
        assert wait_until(lambda: client.get("/memory/stats/cleared").json()["dead_letters"] == 3)
        deleted = client.delete(f"/memory/aside/memories/{sent[0]}")
        # Stored, in context with the boat: forgotten without waiting for the reindex (was a 409).
        gate_deleted = client.delete(f"/memory/aside/memories/{gate}")
        dropped = client.delete("/memory/aside/documents", params={"source": "manual.md"})
        cleared = client.post("/memory/clear/cleared").json()
        # The cleared brain has no letter left to bring back (dead_letters 0, below): one reindex will do.
        cli = run_reindex(stack, "aside")
        assert cli.returncode == 0, cli.stderr
        assert wait_until(lambda: count(client, "aside") == 2)
        assert wait_until(lambda: client.get("/memory/stats/aside").json()["pending_ingest"] == 0)
        kept = {m["content"] for m in client.get("/memory/aside/memories").json()["memories"]}
        after_clear = client.get("/memory/stats/cleared").json()
    assert deleted.status_code == 204 and dropped.json()["removed"] == 1 and cleared["removed"] == 2
    assert gate_deleted.status_code == 204, gate_deleted.text
    assert kept == {"The boat is called Vega.", "The spare key is under the pot."}
    assert after_clear["memory_count"] == 0 and after_clear["dead_letters"] == 0


def test_a_long_reindex_is_waited_for_and_a_worker_dying_in_it_is_told_at_once(
    make_stack: Callable[..., Stack], fake_ollama: FakeOllama
) -> None:
    """Found by a black-box pass: with its brain_worker killed during a reindex, `lumia reindex` waited
    its whole 600 s. The worker now shows it is at work as often as the command asks (at most every 5 s): a
    long reindex is waited for however long it takes, and silence past --silence is a failure saying so."""
    stack = make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama")
    with stack.client() as client:
        client.post("/ingest", json={"customer_id": "slow", "content": "The boat is called Vega."})
        assert wait_until(lambda: count(client, "slow") == 1)

    def reindex() -> subprocess.Popen[str]:
        return subprocess.Popen([str(Path(sys.executable).parent / "lumia"), "--nats", stack.env["NATS_URL"],
                                 "reindex", "slow", "--silence", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    fake_ollama.behaviour.embed_held = True
    waited = reindex()
    assert wait_until(lambda: fake_ollama.record.embeds_held >= 1)
    # Held past the silence allowed: the beats (every 0.5 s) keep the command waiting.
    assert waited.poll() is None and not wait_until(lambda: waited.poll() is not None, timeout=5)
    fake_ollama.behaviour.embed_held = False
    out, err = waited.communicate(timeout=60)
    assert waited.returncode == 0 and "re-embedded 1 memories" in out, err

    fake_ollama.behaviour.embed_held = True
    held = fake_ollama.record.embeds_held
    dying = reindex()
    assert wait_until(lambda: fake_ollama.record.embeds_held > held)
    next(c for c in stack.components if c.kind == "brain").kill()
    out, err = dying.communicate(timeout=60)
    fake_ollama.behaviour.embed_held = False
    assert dying.returncode == 1 and "the brain_worker stopped answering during the reindex" in err, err
