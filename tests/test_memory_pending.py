"""Forgetting covers what is accepted but not stored yet: a delete or clear right after an ingest,
the persona written from a deleted fact, and an idle ingest loop that stays quiet.

Ingestion is held up for real: the stack embeds with the Ollama stand-in, which fails on demand,
so a memory stays queued (nak'd, redelivered seconds later) while the delete or clear arrives."""

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import nats
import nats.errors
import pytest
from nats.js.errors import FetchTimeoutError, KeyNotFoundError, NoKeysError

from ingest_worker.app import fetch
from ingest_worker.persona import RECENT_STATEMENTS
from shared import subjects
from shared.bus import bucket
from shared.memory.brains import brain_key
from shared.memory.forgets import key_of
from shared.memory.jetstream import publish_items
from shared.memory.messages import MemoryItem, Persona
from shared.memory.persona import PersonaBook
from shared.prompts import PERSONA_MAX_CHARS, persona_of
from tests.fake_ollama import FakeOllama
from tests.harness import Component, Stack, wait_until
from tests.test_memory import brain, ingest, stats


def brain_process(stack: Stack) -> Component:
    return next(c for c in stack.components if c.kind == "brain")


class Seen:
    """Watches a request subject as a plain subscriber beside the workers' queue group, to know
    that a request reached the bus (and so its worker) while a memory was still queued."""

    def __init__(self, nats_url: str, subject: str) -> None:
        self.request = threading.Event()
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._done: asyncio.Event | None = None
        self._thread = threading.Thread(target=asyncio.run, args=(self._watch(nats_url, subject),), daemon=True)
        self._thread.start()
        assert self._ready.wait(10)

    async def _watch(self, nats_url: str, subject: str) -> None:
        nc = await nats.connect(nats_url)
        self._loop, self._done = asyncio.get_running_loop(), asyncio.Event()

        async def seen(_: Any) -> None:
            self.request.set()

        await nc.subscribe(subject, cb=seen)
        await nc.flush()
        self._ready.set()
        await self._done.wait()
        await nc.close()

    def close(self) -> None:
        assert self._loop is not None and self._done is not None
        self._loop.call_soon_threadsafe(self._done.set)
        self._thread.join(10)


@contextmanager
def in_background(call: Callable[[], httpx.Response]) -> Iterator[list[httpx.Response]]:
    """Runs an HTTP call in a thread; the list holds its response after the block."""
    answer: list[httpx.Response] = []
    thread = threading.Thread(target=lambda: answer.append(call()), daemon=True)
    thread.start()
    yield answer
    thread.join(30)


@contextmanager
def held_up_ingest(stack: Stack, fake: FakeOllama, subject: str) -> Iterator[Callable[[], None]]:
    """Embedding fails until the request on `subject` is on the bus; the caller posts a memory
    inside the block and sends the request through the function it is given."""
    fake.behaviour.embed_fails = True
    seen = Seen(stack.env["NATS_URL"], subject)
    failures = brain_process(stack).log().count("could not be embedded")

    def release_after_request() -> None:
        # The first attempt has failed (its redelivery is seconds away) before the request goes out.
        assert wait_until(lambda: brain_process(stack).log().count("could not be embedded") > failures)
        assert seen.request.wait(20)
        fake.behaviour.embed_fails = False

    try:
        yield release_after_request
    finally:
        fake.behaviour.embed_fails = False
        seen.close()


def marks_left(stack: Stack, name: str, source: str | None = None, memory_id: str | None = None) -> bool:
    """Whether a forget's mark on the brain (or on its document, or memory) is still kept (shared/memory/forgets.py)."""
    async def look() -> bool:
        nc = await nats.connect(stack.env["NATS_URL"])
        try:
            await (await nc.jetstream().key_value(subjects.FORGETS_BUCKET)).get(key_of(name, source, memory_id))
            return True
        except KeyNotFoundError:
            return False
        finally:
            await nc.close()
    return asyncio.run(look())


def post(client: httpx.Client, name: str, content: str) -> str:
    response = client.post("/ingest", json={"customer_id": name, "content": content})
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def assert_quiet(stack: Stack) -> None:
    assert "loop failed" not in brain_process(stack).log()


@pytest.fixture
def held_stack(make_stack: Callable[..., Stack]) -> Stack:
    return make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama")


def test_a_memory_deleted_right_after_it_is_posted_never_appears(held_stack: Stack,
                                                                 fake_ollama: FakeOllama) -> None:
    name = brain()
    with held_stack.client() as client, \
            held_up_ingest(held_stack, fake_ollama, subjects.BRAIN_MEMORIES_DELETE) as release:
        memory_id = post(client, name, "My locker code is 4711.")
        with in_background(lambda: client.delete(f"/memory/{name}/memories/{memory_id}")) as deleted:
            release()
        assert deleted[0].status_code == 204, deleted[0].text
        # Both stages done: the memory's ingest message and its context job.
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0)
        assert stats(client, name)["memory_count"] == 0
        assert client.get(f"/memory/{name}/memories").json() == {"memories": [], "total": 0}
        found = client.post("/query", json={"customer_id": name, "question": "locker code", "n_results": 5})
        assert found.json()["results"] == []
        assert client.delete(f"/memory/{name}/memories/{memory_id}").status_code == 404
    assert_quiet(held_stack)


def test_clear_also_forgets_memories_still_queued(held_stack: Stack, fake_ollama: FakeOllama) -> None:
    name = brain()
    with held_stack.client() as client:
        post(client, name, "I was born in Uppsala.")
        assert wait_until(lambda: stats(client, name)["memory_count"] == 1)
        with held_up_ingest(held_stack, fake_ollama, subjects.BRAIN_CLEAR) as release:
            post(client, name, "My bike is a red Crescent.")
            with in_background(lambda: client.post(f"/memory/clear/{name}")) as cleared:
                release()
        assert cleared[0].status_code == 200, cleared[0].text
        # The bike may be written while the clear runs, stored and not yet taken off the queue: counted
        # once all the same (a black-box pass saw a clear of one note answer `removed: 2`).
        assert cleared[0].json()["removed"] == 2
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0)
        assert stats(client, name)["memory_count"] == 0
        found = client.post("/query", json={"customer_id": name, "question": "red bike", "n_results": 5})
        assert found.json()["results"] == []


def test_a_memory_still_queued_is_forgotten_at_once_while_ingestion_fails(make_stack: Callable[..., Stack],
                                                                          fake_ollama: FakeOllama) -> None:
    """A delete of one id still queued used to wait for it to be stored: with ingestion failing, a
    503 after LUMIA_FORGET_WAIT, and behind another brain's import as long. Read off the queue, it
    is marked as a clear marks what is queued, and ingestion, once it can store again, drops it
    (shared/memory/forgets.py)."""
    stack = make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama", LUMIA_FORGET_WAIT="1")
    name = brain()
    fake_ollama.behaviour.embed_fails = True  # the memory cannot be stored until this is undone
    with stack.client() as client:
        memory_id = post(client, name, "My passport number is 123456.")
        kept = post(client, name, "My bike is a red Crescent.")
        deleted = client.delete(f"/memory/{name}/memories/{memory_id}")
        # Forgotten already, though still queued (a review found it answered 204 again).
        repeated = client.delete(f"/memory/{name}/memories/{memory_id}")
        unknown = client.delete(f"/memory/{name}/memories/{'0' * 32}")
        fake_ollama.behaviour.embed_fails = False
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0, timeout=30)
        after = stats(client, name)
        listed = [m["id"] for m in client.get(f"/memory/{name}/memories").json()["memories"]]
        found = client.post("/query", json={"customer_id": name, "question": "passport number", "n_results": 5})
    assert deleted.status_code == 204, deleted.text
    assert repeated.status_code == 404, repeated.text
    assert unknown.status_code == 404, unknown.text  # queued memories are no reason to doubt an unknown id
    assert after["memory_count"] == 1 and after["dead_letters"] == 0
    assert listed == [kept]
    assert all("passport" not in hit["content"] for hit in found.json()["results"])
    assert "dropped 1 queued memories forgotten before they were stored" in brain_process(stack).log()
    assert wait_until(lambda: not marks_left(stack, name, memory_id=memory_id))  # nothing it covers is queued


def test_a_clear_with_memories_queued_needs_no_wait(make_stack: Callable[..., Stack],
                                                    fake_ollama: FakeOllama) -> None:
    stack = make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama", LUMIA_FORGET_WAIT="1")
    name = brain()
    fake_ollama.behaviour.embed_fails = True
    with stack.client() as client:
        post(client, name, "My passport number is 123456.")
        cleared = client.post(f"/memory/clear/{name}")
        fake_ollama.behaviour.embed_fails = False
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0, timeout=30)
        after = stats(client, name)
    assert cleared.status_code == 200 and cleared.json() == {"brain": name, "removed": 1}
    assert after["memory_count"] == 0 and after["dead_letters"] == 0
    assert not marks_left(stack, name)


def test_a_document_is_forgotten_at_once_with_its_version_still_queued(make_stack: Callable[..., Stack],
                                                                        fake_ollama: FakeOllama) -> None:
    """Found by a black-box pass: a document could not be deleted while an upload of it was queued
    (a 503 for as long as a large import took); now what is stored goes at once and the rest is dropped."""
    stack = make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama", LUMIA_FORGET_WAIT="1")
    name = brain()
    first = "\n\n".join(f"Paragraph {n} of the old handbook says the office opens at {n} am." for n in range(300))
    second = "\n\n".join(f"Paragraph {n} of the new handbook says lunch is at {n} pm." for n in range(300))
    url = f"/memory/{name}/documents?source=handbook.md"
    headers = {"content-type": "text/markdown"}
    with stack.client() as client:
        stored = client.post(url, content=first, headers=headers).json()["ids"]
        assert wait_until(lambda: stats(client, name)["memory_count"] == len(stored) and
                          stats(client, name)["pending_ingest"] == 0, timeout=60)
        fake_ollama.behaviour.embed_fails = True  # the new version stays queued
        queued = client.post(url, content=second, headers=headers).json()["ids"]
        # The stored version sent again: the same chunks, stored and queued, are counted once.
        assert client.post(url, content=first, headers=headers).json()["ids"] == stored
        deleted = client.delete(url)
        repeated = client.delete(url)  # what is still queued was forgotten by the first
        fake_ollama.behaviour.embed_fails = False
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0, timeout=60)
        after = stats(client, name)
        listed = client.get(f"/memory/{name}/documents").json()
        found = client.post("/query", json={"customer_id": name, "question": "When is lunch?", "n_results": 5})
    assert len(stored) > 16 and len(queued) > 16  # both large enough for the document queue
    assert deleted.status_code == 200, deleted.text
    # Counted: the chunks stored and those of the new version still queued.
    assert deleted.json() == {"source": "handbook.md", "removed": len(set(stored) | set(queued))}
    assert repeated.status_code == 404, repeated.text
    assert after["memory_count"] == 0 and after["dead_letters"] == 0
    assert listed == {"documents": []}
    assert found.json()["results"] == []
    assert not marks_left(stack, name, "handbook.md")


def test_what_waits_behind_another_brains_ingestion_is_forgotten_at_once(make_stack: Callable[..., Stack],
                                                                          fake_ollama: FakeOllama) -> None:
    """A delete right after an upload, or a post, used to wait for it to be stored: behind another
    brain's import longer than LUMIA_FORGET_WAIT, a 503 and nothing forgotten (seen in the suite).
    Now the brain's queue is read, and what it holds of the delete is dropped and counted."""
    stack = make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama", LUMIA_FORGET_WAIT="1")
    name, other = brain(), brain()
    text = "\n\n".join(f"Chapter {i}. " + " ".join(f"saga{i}_{j}" for j in range(60)) for i in range(12))
    with stack.client() as client:
        try:
            fake_ollama.behaviour.embed_held = True  # ingestion is busy with the other brain's memory
            post(client, other, "My cat is called Sixten.")
            assert wait_until(lambda: fake_ollama.record.embeds_held == 1)
            chunks = client.post(f"/memory/{name}/documents?source=saga.txt", content=text,
                                 headers={"content-type": "text/plain"}).json()["ids"]
            memory_id = post(client, name, "My locker code is 4711.")
            kept = post(client, name, "My bike is a red Crescent.")
            document = client.request("DELETE", f"/memory/{name}/documents", params={"source": "saga.txt"})
            memory = client.delete(f"/memory/{name}/memories/{memory_id}")
            missing = client.request("DELETE", f"/memory/{name}/documents", params={"source": "other.txt"})
        finally:
            fake_ollama.behaviour.embed_held = False
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0, timeout=30)
        left = [m["id"] for m in client.get(f"/memory/{name}/memories").json()["memories"]]
        documents = client.get(f"/memory/{name}/documents").json()
    assert len(chunks) > 1
    assert document.status_code == 200, document.text
    assert document.json() == {"source": "saga.txt", "removed": len(chunks)}
    assert memory.status_code == 204, memory.text
    assert missing.status_code == 404, missing.text
    assert left == [kept]
    assert documents == {"documents": []}


def test_a_queue_too_long_to_read_refuses_only_what_it_cannot_know(make_stack: Callable[..., Stack],
                                                                    fake_ollama: FakeOllama) -> None:
    """No time to read the brain's queue (a large import): a document with chunks stored is forgotten
    all the same, counting those; one with none stored, or a memory not stored, is a 503 with
    nothing forgotten."""
    stack = make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama", LUMIA_FORGET_WAIT="0.0001")
    name = brain()
    url = f"/memory/{name}/documents"
    headers = {"content-type": "text/plain"}
    with stack.client() as client:
        stored = client.post(f"{url}?source=kept.txt", content="The boiler is serviced in May.", headers=headers)
        assert wait_until(lambda: stats(client, name)["memory_count"] == 1)
        try:
            fake_ollama.behaviour.embed_fails = True  # what follows stays queued
            client.post(f"{url}?source=kept.txt", content="The boiler is serviced in June.", headers=headers)
            client.post(f"{url}?source=new.txt", content="The roof was laid in 1998.", headers=headers)
            memory_id = post(client, name, "My locker code is 4711.")
            document = client.request("DELETE", url, params={"source": "kept.txt"})
            unknown = client.request("DELETE", url, params={"source": "new.txt"})
            memory = client.delete(f"/memory/{name}/memories/{memory_id}")
        finally:
            fake_ollama.behaviour.embed_fails = False
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0, timeout=30)
        left = sorted(m["content"] for m in client.get(f"/memory/{name}/memories").json()["memories"])
    assert document.status_code == 200, document.text
    assert document.json() == {"source": "kept.txt", "removed": len(stored.json()["ids"])}
    for refused in (unknown, memory):
        assert refused.status_code == 503, refused.text
        assert "nothing was forgotten" in refused.json()["detail"]
    assert left == ["My locker code is 4711.", "The roof was laid in 1998."]


def test_what_is_sent_again_right_after_it_is_forgotten_is_kept(make_stack: Callable[..., Stack]) -> None:
    """Found by a black-box pass: a note posted again at once after its delete (the README's way to
    change its metadata), a document uploaded again after its delete, or a note posted again after
    a clear, was lost about one time in three: the ingest side took it for a repeat of the copy it
    still had in hand, which the forget then unwrote. Back to back, as a client does it."""
    stack = make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama")
    rounds = range(8)
    url = "/memory/{}/documents?source=s.md"
    headers = {"content-type": "text/markdown"}
    with stack.client() as client:
        names = {kind: [brain() for _ in rounds] for kind in ("note", "document", "clear")}
        for n in rounds:
            note = f"I parked on level {n}."
            memory_id = post(client, names["note"][n], note)
            assert client.delete(f"/memory/{names['note'][n]}/memories/{memory_id}").status_code == 204
            assert post(client, names["note"][n], note) == memory_id
            text = f"# S\n\nParking is on level {n}."
            client.post(url.format(names["document"][n]), content=text, headers=headers)
            client.request("DELETE", f"/memory/{names['document'][n]}/documents", params={"source": "s.md"})
            client.post(url.format(names["document"][n]), content=text, headers=headers)
            post(client, names["clear"][n], note)
            assert client.post(f"/memory/clear/{names['clear'][n]}").status_code == 200
            post(client, names["clear"][n], note)
        every = [name for kind in names.values() for name in kind]
        assert wait_until(lambda: all(stats(client, name)["pending_ingest"] == 0 for name in every), timeout=60)
        counts = {kind: [stats(client, name)["memory_count"] for name in kind_names]
                  for kind, kind_names in names.items()}
    assert counts == {kind: [1] * len(rounds) for kind in names}


def test_a_document_sent_again_after_another_version_is_the_one_kept(make_stack: Callable[..., Stack],
                                                                      fake_ollama: FakeOllama) -> None:
    """Found by a black-box pass: version A, then B, then A again left B, the wrong file, stored:
    taken in one batch, A's chunks were seen stored already, and B, the latest upload written,
    replaced them."""
    stack = make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama")
    stored, queued, other = brain(), brain(), brain()
    headers = {"content-type": "text/markdown"}
    one, two = "# R\n\nVersion ONE of the recipe.", "# R\n\nVersion TWO of the recipe, with a secret."

    def upload(name: str, text: str) -> None:
        client.post(f"/memory/{name}/documents?source=r.md", content=text, headers=headers)

    with stack.client() as client:
        upload(stored, one)
        assert wait_until(lambda: stats(client, stored)["memory_count"] == 1)
        try:
            fake_ollama.behaviour.embed_held = True  # what follows waits together behind another brain's note
            post(client, other, "My cat is called Sixten.")
            assert wait_until(lambda: fake_ollama.record.embeds_held == 1)
            upload(stored, two)  # B and A again in one batch, A stored before
            upload(stored, one)
            for text in (one, two, one):  # A, B and A again all in one batch (a recheck)
                upload(queued, text)
        finally:
            fake_ollama.behaviour.embed_held = False
        assert wait_until(lambda: all(stats(client, name)["pending_ingest"] == 0 for name in (stored, queued)))
        previews = [[d["preview"] for d in client.get(f"/memory/{name}/documents").json()["documents"]]
                    for name in (stored, queued)]
    assert previews == [[one], [one]]


def marks_of_brain(stack: Stack, name: str) -> list[str]:
    """Every forget mark kept for the brain, of any kind."""
    async def look() -> list[str]:
        nc = await nats.connect(stack.env["NATS_URL"])
        try:
            keys = await (await nc.jetstream().key_value(subjects.FORGETS_BUCKET)).keys()
        except NoKeysError:
            return []
        finally:
            await nc.close()
        return [key for key in keys if key == brain_key(name) or key.startswith(f"{brain_key(name)}.")]
    return asyncio.run(look())


@pytest.mark.parametrize("queued", ["a copy of it", "another memory"])
def test_a_deleted_memory_is_not_stored_again_from_a_copy_still_queued(make_stack: Callable[..., Stack],
                                                                        fake_ollama: FakeOllama, queued: str) -> None:
    """Found by a black-box pass: the same note posted again (a client's retry) gets the same id;
    deleted while that copy was queued, the memory came back once the copy was stored. The mark
    that prevents it goes once the queue is past it, also when what it covered was another memory."""
    stack = make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama")
    name, other = brain(), brain()
    note = "My gym locker is number 214."
    with stack.client() as client:
        memory_id = post(client, name, note)
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0)
        try:
            # Ingestion is busy embedding another brain's memory, so the copy stays queued.
            fake_ollama.behaviour.embed_held = True
            post(client, other, "My cat is called Sixten.")
            assert wait_until(lambda: fake_ollama.record.embeds_held == 1)
            if queued == "a copy of it":
                assert post(client, name, note) == memory_id
            else:
                post(client, name, "My bike is a blue Crescent.")
            others = 0 if queued == "a copy of it" else 1
            deleted = client.delete(f"/memory/{name}/memories/{memory_id}")
        finally:
            fake_ollama.behaviour.embed_held = False
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0, timeout=30)
        after = stats(client, name)
        found = client.post("/query", json={"customer_id": name, "question": "gym locker number", "n_results": 5})
        again = client.delete(f"/memory/{name}/memories/{memory_id}")
        marks_gone = wait_until(lambda: marks_of_brain(stack, name) == [])
        # Posted after the delete, the same note is a new memory and is stored.
        assert post(client, name, note) == memory_id
        assert wait_until(lambda: stats(client, name)["memory_count"] == others + 1)
    assert deleted.status_code == 204, deleted.text
    assert after["memory_count"] == others and after["dead_letters"] == 0
    assert [r for r in found.json()["results"] if r["id"] == memory_id] == []
    assert again.status_code == 404
    assert marks_gone, marks_of_brain(stack, name)


def test_a_copy_delivered_again_after_a_clear_leaves_the_memory_posted_since(make_stack: Callable[..., Stack],
                                                                            fake_ollama: FakeOllama) -> None:
    """The worker that took a note died with it, the brain was cleared and the note posted again
    (the same id, stored); then the first copy came back after LUMIA_INGEST_ACK_WAIT. Dropped as
    cleared, it also deleted the id from the store, and so the memory posted after the clear."""
    stack = make_stack("brain", "gateway", EMBEDDING_BACKEND="ollama", LUMIA_INGEST_ACK_WAIT="10")
    name = brain()
    note = "My gym locker is number 214."
    with stack.client() as client:
        fake_ollama.behaviour.embed_held = True
        memory_id = post(client, name, note)
        assert wait_until(lambda: fake_ollama.record.embeds_held == 1)
        brain_process(stack).kill()  # the copy is taken and never acked
        fake_ollama.behaviour.embed_held = False
        stack.start("brain")
        cleared = client.post(f"/memory/clear/{name}")
        assert post(client, name, note) == memory_id
        assert wait_until(lambda: stats(client, name)["memory_count"] == 1)
        # The first copy is delivered again once its ack wait has passed, and dropped.
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0, timeout=60)
        final = stats(client, name)
        listed = client.get(f"/memory/{name}/memories").json()
    assert cleared.status_code == 200, cleared.text
    assert final["memory_count"] == 1 and final["dead_letters"] == 0
    assert [m["id"] for m in listed["memories"]] == [memory_id]
    # The brain started again; it logs the drop after acking the copy (seen late under load).
    assert wait_until(lambda: "dropped 1 queued memories" in stack.components[-1].log())


def test_forgetting_an_id_never_issued_is_404(lumia: Stack) -> None:
    name = brain()
    with lumia.client() as client:
        assert client.delete(f"/memory/{name}/memories/m_{uuid.uuid4().hex}").status_code == 404
        post(client, name, "Stored before the delete.")
        assert wait_until(lambda: stats(client, name)["pending_ingest"] == 0)
        missing = client.delete(f"/memory/{name}/memories/m_{uuid.uuid4().hex}")
        assert missing.status_code == 404 and "has no memory" in missing.text
        assert stats(client, name)["memory_count"] == 1


def test_a_memory_forgotten_and_posted_again_is_stored_again(lumia: Stack) -> None:
    """The same words the same day are the same memory with the same id; once it is forgotten,
    posting them again must store it again, not answer 202 for nothing (JetStream's duplicate
    filter remembers a message id for two minutes)."""
    name = brain()
    document = {"params": {"source": "stuga.md"}, "content": "The key to the cabin is under the blue pot.",
                "headers": {"content-type": "text/markdown"}}
    with lumia.client() as client:
        first = post(client, name, "My favourite colour is teal.")
        assert wait_until(lambda: stats(client, name)["memory_count"] == 1)
        assert client.delete(f"/memory/{name}/memories/{first}").status_code == 204
        assert post(client, name, "My favourite colour is teal.") == first
        assert wait_until(lambda: stats(client, name)["memory_count"] == 1)
        [chunk] = client.post(f"/memory/{name}/documents", **document).json()["ids"]
        assert wait_until(lambda: stats(client, name)["memory_count"] == 2)
        assert client.post(f"/memory/clear/{name}").status_code == 200
        assert post(client, name, "My favourite colour is teal.") == first
        assert client.post(f"/memory/{name}/documents", **document).json()["ids"] == [chunk]
        assert wait_until(lambda: stats(client, name)["memory_count"] == 2)
        listed = {m["id"] for m in client.get(f"/memory/{name}/memories").json()["memories"]}
    assert listed == {first, chunk}


async def _persona(nats_url: str, name: str) -> str:
    return (await _persona_entry(nats_url, name)).text


async def _persona_entry(nats_url: str, name: str) -> Persona:
    nc = await nats.connect(nats_url)
    try:
        entry = await (await nc.jetstream().key_value(subjects.PERSONA_BUCKET)).get(brain_key(name))
        return Persona.model_validate_json(entry.value or b"{}")
    except KeyNotFoundError:
        return Persona()
    finally:
        await nc.close()


def _cat_and_bassoon(client: httpx.Client, name: str, persona: Callable[[], str]) -> tuple[str, str]:
    """Two facts told in chats, the ids of the cat's and the bassoon's: the first turn makes a persona
    at once; the second is stored without a refresh (LUMIA_PERSONA_EVERY_TURNS is 5)."""
    assert client.post("/memory/chat", json={"user_id": name, "message": "Min katt heter Sixten."}).is_success
    assert wait_until(lambda: "Sixten" in persona())
    assert client.post("/memory/chat", json={"user_id": name, "message": "Jag spelar fagott."}).is_success
    assert wait_until(lambda: stats(client, name)["memory_count"] == 2)
    listed = client.get(f"/memory/{name}/memories").json()["memories"]
    [cat] = [m["id"] for m in listed if "Sixten" in m["content"]]
    [bassoon] = [m["id"] for m in listed if "fagott" in m["content"]]
    return cat, bassoon


def test_a_deleted_fact_leaves_the_persona_at_once(lumia: Stack) -> None:
    name = brain()
    url = lumia.env["NATS_URL"]

    def persona() -> str:
        return asyncio.run(_persona(url, name))

    with lumia.client() as client:
        cat, bassoon = _cat_and_bassoon(client, name, persona)
        assert client.delete(f"/memory/{name}/memories/{cat}").status_code == 204
        assert wait_until(lambda: "fagott" in persona())
        assert "Sixten" not in persona()
        # And when its last statement goes, the persona goes with it.
        assert client.delete(f"/memory/{name}/memories/{bassoon}").status_code == 204
        assert wait_until(lambda: not stats(client, name)["has_persona"])


def test_a_fact_forgotten_while_the_model_is_down_is_out_of_the_persona_at_once(lumia: Stack,
                                                                                fake_ollama: FakeOllama) -> None:
    """Found by a black-box pass: with Ollama down the rewrite after a forget failed, and every later
    chat's "Om användaren" still held the forgotten words until a fact was told again."""
    name = brain()
    url = lumia.env["NATS_URL"]

    def persona() -> str:
        return asyncio.run(_persona(url, name))

    with lumia.client() as client:
        cat, _ = _cat_and_bassoon(client, name, persona)
        fake_ollama.behaviour.fail_status = 500
        try:
            deleted = client.delete(f"/memory/{name}/memories/{cat}")
            withdrawn, after = persona(), stats(client, name)
        finally:
            fake_ollama.behaviour.fail_status = None
        # Once the model answers again the persona is written again, without it, and with no chat to
        # start it (a recheck: the first chat after went without one).
        assert wait_until(lambda: "fagott" in persona(), timeout=60)
    assert deleted.status_code == 204
    assert withdrawn == "" and after["has_persona"] is False
    assert "Sixten" not in persona()


class Idle:
    """A pull subscription's fetch as nats-py ends it when nothing arrived."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    async def fetch(self, batch: int, timeout: float) -> list[Any]:
        raise self.error


# TimeoutError is what nats-py raises as asyncio.TimeoutError (the same class since Python 3.11).
@pytest.mark.parametrize("error", [TimeoutError(), nats.errors.TimeoutError(), FetchTimeoutError()])
def test_an_empty_queue_is_an_empty_batch_not_a_failure(error: Exception) -> None:
    # nats-py raises a bare asyncio.TimeoutError when the server's "request timeout" status
    # arrives just before its own deadline: the ingest loop logged that as a crash when idle.
    assert asyncio.run(fetch(Idle(error))) == []  # type: ignore[arg-type]


def test_a_real_fetch_failure_still_reaches_the_loop() -> None:
    with pytest.raises(nats.errors.ConnectionClosedError):
        asyncio.run(fetch(Idle(nats.errors.ConnectionClosedError())))  # type: ignore[arg-type]


def test_a_chat_turn_and_a_note_of_the_same_words_are_two_memories(lumia: Stack) -> None:
    """Found by a black-box pass: merged, a note posted after the chat answered with an id that was
    never stored (a delete of it: 404), and a turn said after the note was dropped, so the persona,
    written from chat turns, never learnt it."""
    told = "My neighbour is called Sven."
    with lumia.client() as client:
        chat_first, note_first = brain(), brain()
        assert client.post("/memory/chat", json={"user_id": chat_first, "message": told}).status_code == 200
        assert wait_until(lambda: stats(client, chat_first)["memory_count"] == 1)
        [note] = ingest(client, chat_first, told)
        kinds = sorted(m["metadata"]["lumia_kind"] for m in client.get(f"/memory/{chat_first}/memories").json()[
            "memories"])
        deleted = client.delete(f"/memory/{chat_first}/memories/{note}")
        ingest(client, note_first, told)
        assert client.post("/memory/chat", json={"user_id": note_first, "message": told}).status_code == 200
        assert wait_until(lambda: stats(client, note_first)["memory_count"] == 2)
        listed = client.get(f"/memory/{note_first}/memories").json()["memories"]
    assert kinds == ["note", "turn"]
    assert deleted.status_code == 204
    assert sorted(m["metadata"]["lumia_kind"] for m in listed) == ["note", "turn"]


async def _tell(nats_url: str, name: str, texts: list[str], at: float) -> None:
    """Chat turns as an internal system publishes them on the bus, a minute apart."""
    nc = await nats.connect(nats_url)
    try:
        await publish_items(nc.jetstream(), [
            MemoryItem(id=f"turn_{uuid.uuid4().hex}", brain=name, content=text, kind="turn", created_at=at + 60 * n)
            for n, text in enumerate(texts)])
    finally:
        await nc.close()


def test_the_persona_keeps_what_was_told_before_its_recent_statements(lumia: Stack, fake_ollama: FakeOllama) -> None:
    """Found by a black-box pass: each refresh read only the last 60 statements, so a penicillin
    allergy told 64 statements earlier left the profile. A refresh now starts from the profile."""
    name = brain()
    url = lumia.env["NATS_URL"]

    def persona() -> str:
        return asyncio.run(_persona(url, name))

    start = time.time() - 86_400
    first = ["I am allergic to penicillin.", *(f"Diary line {n}: I watered the tomatoes." for n in range(4))]
    asyncio.run(_tell(url, name, first, start))
    assert wait_until(lambda: "penicillin" in persona())
    later = [f"Diary line {n}: I walked the dog {n} times." for n in range(4, 4 + RECENT_STATEMENTS + 5)]
    asyncio.run(_tell(url, name, later, start + 3_600))

    def from_the_newest() -> list[str]:  # what the model was given, when a refresh read the newest statements
        return [r["messages"][1]["content"] for r in fake_ollama.record.requests
                if "profile" in r["messages"][0]["content"] and later[-1] in r["messages"][1]["content"]]

    # The stand-in echoes what it was given: the profile saved last is the last one given, cut. Several refreshes
    # run one after another for 70 statements: under the whole suite's load they once took over 20 s.
    assert wait_until(lambda: bool(from_the_newest()) and persona() == persona_of("Echo: " + from_the_newest()[-1]),
                      timeout=60)
    given = from_the_newest()[-1]  # the statements read no longer hold the allergy; the profile given does
    assert "penicillin" not in given[given.index("<statements>"):]
    assert "penicillin" in given[given.index("<profile>"):given.index("</profile>")]
    assert "penicillin" in persona()


def test_a_profile_the_model_writes_on_and_on_is_cut_and_leaves_the_memories_room(lumia: Stack,
                                                                                    fake_ollama: FakeOllama) -> None:
    """Found by a black-box pass: a model that echoed its prompt grew the profile with every refresh
    to 26 KB, and from then on it pushed every memory out of every chat. A refresh now saves whole
    lines within PERSONA_MAX_CHARS, and a chat cuts a profile longer than its share."""
    name = brain()
    url = lumia.env["NATS_URL"]
    told = [f"Diary line {n}: my bicycle number {n} is painted in colour {n}." for n in range(RECENT_STATEMENTS)]
    asyncio.run(_tell(url, name, told, time.time() - 86_400))

    def given_all() -> list[str]:  # what the model was given by a refresh that read every statement
        return [r["messages"][1]["content"] for r in fake_ollama.record.requests
                if "profile" in r["messages"][0]["content"] and told[-1] in r["messages"][1]["content"]]

    # The echoing stand-in writes its whole prompt back: longer than a profile may be. A refresh that ran
    # while the statements were still arriving saves a shorter one first (seen once under the whole suite).
    assert wait_until(lambda: bool(given_all())
                      and asyncio.run(_persona(url, name)) == persona_of("Echo: " + given_all()[-1]), timeout=60)
    assert sum(len(line) + 1 for line in told) > PERSONA_MAX_CHARS
    profile = asyncio.run(_persona(url, name))
    assert len(profile) <= PERSONA_MAX_CHARS and profile.endswith(".")  # whole lines
    # One already saved longer (written before the cap) leaves a chat its memories too.
    other = brain()
    with lumia.client() as client:
        ingest(client, other, *told[:10])
        asyncio.run(_save_persona(url, other, Persona(text="- Likes long profiles.\n" * 3_000, updated_at=time.time())))
        reply = client.post("/memory/chat", json={
            "user_id": other, "message": "What colour is my bicycle number 7 painted in?"}).json()
    assert reply["persona_included"] is True
    assert any("bicycle number 7 " in m["snippet"] for m in reply["memories_used"]), reply


async def _save_persona(nats_url: str, name: str, persona: Persona) -> None:
    nc = await nats.connect(nats_url)
    try:
        await PersonaBook(await nc.jetstream().key_value(subjects.PERSONA_BUCKET)).save(name, persona)
    finally:
        await nc.close()


def test_turns_told_while_the_persona_is_written_are_in_the_next_one(lumia: Stack, fake_ollama: FakeOllama) -> None:
    """Found looking into a black-box pass's "no refresh after 6-7 turns": a refresh saved its
    profile with 0 turns counted, so the turns told while the model wrote (with a slow model,
    most of them) were left out of the persona until N more were told."""
    name = brain()
    url = lumia.env["NATS_URL"]
    start = time.time() - 3_600
    later = [f"My cousin number {n} keeps bees on Gotland." for n in range(5)]
    fake_ollama.behaviour.chat_held = True
    try:
        asyncio.run(_tell(url, name, ["I work as a ferry captain."], start))
        assert wait_until(lambda: fake_ollama.record.chats_held == 1)  # the first refresh is with the model
        asyncio.run(_tell(url, name, later, start + 600))
        assert wait_until(lambda: asyncio.run(_persona_entry(url, name)).turns_since_refresh == 6)
    finally:
        fake_ollama.behaviour.chat_held = False
    assert wait_until(lambda: later[-1] in asyncio.run(_persona(url, name)))
    assert "ferry captain" in asyncio.run(_persona(url, name))


async def test_counting_turns_loses_no_count_and_writes_back_no_old_text(nats_url: str) -> None:
    """Found by a review: counting turns loaded the whole persona and saved it back, so a refresh
    (a rewrite after a forget) saved in between was undone, and counts from two replicas were lost."""
    name = brain()
    ncs = [await nats.connect(nats_url) for _ in range(2)]
    try:
        books = [PersonaBook(await bucket(nc.jetstream(), subjects.PERSONA_BUCKET, 1)) for nc in ncs]
        await books[0].save(name, Persona(text="- Allergic to penicillin."))
        await asyncio.gather(*(books[n % 2].count_turns(name, 1) for n in range(20)))
        counted = await books[1].load(name)
    finally:
        for nc in ncs:
            await nc.close()
    assert counted.turns_since_refresh == 20
    assert counted.text == "- Allergic to penicillin."
