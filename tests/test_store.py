"""The memory store on real embedded Chroma, below the bus."""

import asyncio
import random
import resource
import socket
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection

import shared.memory.store as store_module
from shared.embedded_nats import free_port
from shared.memory.brains import brain_key
from shared.memory.store import (
    REBUILDING,
    RETIRED,
    EmbedderMismatch,
    MemoryStore,
    ServerClient,
    StoredMemory,
    StoreUnavailable,
    open_chroma,
)
from tests.test_chroma_server import run_chroma


def _unit(rng: random.Random) -> list[float]:
    v = [rng.gauss(0, 1) for _ in range(384)]
    norm = sum(x * x for x in v) ** 0.5
    return [x / norm for x in v]


def test_brains_evicted_from_the_index_cache_still_answer(tmp_path: Path) -> None:
    # More brains than indexes kept open: each is evicted and reloaded from disk, even
    # one holding a single memory (Chroma fails to reload those unless they were persisted).
    client = open_chroma(None, tmp_path, open_brains=3)
    store = MemoryStore(client, "test:random")
    rng = random.Random(3)
    cached = client._server.hnsw_cache_size  # type: ignore[attr-defined]  # a few more than asked when many files are open
    brains = 2 * cached + 5

    async def run() -> list[int]:
        for b in range(brains):
            memories = [StoredMemory(id=f"b{b}-m{m}", content=f"memory {m}", metadata={"n": m})
                        for m in range(b % 3 + 1)]
            await store.upsert(f"brain-{b}", memories, [_unit(rng) for _ in memories])
        return [len(await store.search(f"brain-{b}", _unit(rng), 5)) for _ in range(3) for b in range(brains)]

    assert asyncio.run(run()) == [b % 3 + 1 for b in range(brains)] * 3


def test_opening_chroma_leaves_the_descriptor_limit_usable(tmp_path: Path) -> None:
    before = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    open_chroma(None, tmp_path, open_brains=2)
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] >= before


def test_reads_racing_a_clear_answer_as_before_or_after_it(tmp_path: Path) -> None:
    """Found by a black-box pass on a Chroma server: a read while its brain was cleared failed with
    "Collection does not exist" or "Missing metadata segment", a 500 to the user; an empty brain
    is no error."""
    port = free_port()
    server = run_chroma(tmp_path / "served", port)
    store = MemoryStore(open_chroma(f"http://127.0.0.1:{port}", tmp_path), "test:random")
    rng = random.Random(5)

    async def run() -> list[object]:
        answers: list[object] = []
        for b in range(8):
            memories = [StoredMemory(id=f"m{m}", content=f"memory {m}", metadata={"n": m}) for m in range(10)]
            await store.upsert(f"brain-{b}", memories, [_unit(rng) for _ in memories])
            reads = [read for _ in range(6) for read in (store.get(f"brain-{b}"), store.count(f"brain-{b}"),
                                                         store.search(f"brain-{b}", _unit(rng), 5))]
            answers += await asyncio.gather(*reads[:6], store.clear(f"brain-{b}"), *reads[6:], return_exceptions=True)
        return answers

    try:
        answers = asyncio.run(run())
    finally:
        server.terminate()
        server.wait(10)
    assert [a for a in answers if isinstance(a, BaseException)] == []
    assert all(len(a) in (0, 5, 10) if isinstance(a, list) else a in (0, 10) for a in answers)


def test_a_chroma_server_that_never_answers_at_the_first_use_is_unavailable_not_a_hang(tmp_path: Path) -> None:
    """Found by a review: chromadb's client asks the server with no timeout as it is made, so a server
    stopped before the first use held that call, and every store call behind it, for good. And the
    settings chromadb writes into were shared, so an embedded store made after it talked HTTP."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts, never answers
    port = listener.getsockname()[1]
    try:
        client = open_chroma(f"http://127.0.0.1:{port}", tmp_path / "unused", timeout=1.0)
        with pytest.raises(StoreUnavailable, match="not reachable"):
            asyncio.run(MemoryStore(client, "e").count("b"))
    finally:
        listener.close()
    embedded = MemoryStore(open_chroma(None, tmp_path / "embedded"), "e")
    assert asyncio.run(embedded.count("b")) == 0


def _notes(*ids: str) -> list[StoredMemory]:
    return [StoredMemory(id=i, content=f"note {i}", metadata={"n": n}) for n, i in enumerate(ids)]


def _as_read(memories: list[StoredMemory]) -> dict[str, dict[str, Any]]:
    return {m.id: dict(m.metadata) for m in memories}


async def _ids(store: MemoryStore, brain: str) -> list[str]:
    return sorted(m.id for m in await store.get(brain))


def test_a_reindex_keeps_what_was_stored_and_forgotten_while_it_ran(tmp_path: Path) -> None:
    """Found by a black-box pass: `lumia reindex` replaced the brain with the copy it had read minutes
    before, and 30 notes posted meanwhile (202s) were gone; one forgotten meanwhile would come back."""
    store = MemoryStore(open_chroma(None, tmp_path), "test:random")
    rng = random.Random(11)

    async def run() -> tuple[list[str], list[str], int]:
        await store.upsert("b", _notes("a", "b", "c"), [_unit(rng) for _ in range(3)])
        read = await store.get("b")  # what the reindex re-embeds, for minutes; meanwhile:
        late = _notes("late")
        late_vector = _unit(rng)
        await store.upsert("b", late, [late_vector])
        await store.delete("b", ["b"])
        await store.rebuild("b", read, [_unit(rng) for _ in read], _as_read(read))
        found = await store.search("b", late_vector, 1)
        return await _ids(store, "b"), [m.id for m in found], len(await store.brains())

    assert asyncio.run(run()) == (["a", "c", "late"], ["late"], 1)


def test_a_brain_cleared_while_it_was_reindexed_stays_empty(tmp_path: Path) -> None:
    store = MemoryStore(open_chroma(None, tmp_path), "test:random")
    rng = random.Random(12)

    async def run() -> tuple[list[str], list[str]]:
        await store.upsert("b", _notes("a", "b"), [_unit(rng) for _ in range(2)])
        read = await store.get("b")
        await store.clear("b")
        await store.rebuild("b", read, [_unit(rng) for _ in read], _as_read(read))
        return await _ids(store, "b"), await store.brains()

    assert asyncio.run(run()) == ([], [])


def test_a_reindex_that_died_leaves_nothing_the_next_one_brings_back(tmp_path: Path) -> None:
    client = open_chroma(None, tmp_path)
    store = MemoryStore(client, "test:random")
    rng = random.Random(13)

    async def run() -> tuple[list[str], list[str], list[str]]:
        await store.upsert("b", _notes("a", "forgotten"), [_unit(rng) for _ in range(2)])
        died = await store.get("b")
        await store.delete("b", ["forgotten"])
        # The copy a reindex that died while building it left behind, the note forgotten since in it.
        copy = client.create_collection(f"{brain_key('b')}{REBUILDING}", embedding_function=None)
        copy.upsert(ids=[m.id for m in died], documents=[m.content for m in died],
                    embeddings=[_unit(rng) for _ in died])
        listed = await store.brains()  # the copy is no brain of its own
        read = await store.get("b")
        await store.rebuild("b", read, [_unit(rng) for _ in read], _as_read(read))
        return await _ids(store, "b"), listed, await store.brains()

    assert asyncio.run(run()) == (["a"], ["b"], ["b"])


def test_a_reindex_refuses_what_another_embedder_stored_while_it_ran(tmp_path: Path) -> None:
    client = open_chroma(None, tmp_path)
    old, new = MemoryStore(client, "test:old"), MemoryStore(client, "test:new")
    rng = random.Random(14)

    async def run() -> list[str]:
        await old.upsert("b", _notes("a"), [_unit(rng)])
        read = await new.get("b")
        await old.upsert("b", _notes("late"), [_unit(rng)])  # a worker still on the old embedder
        with pytest.raises(EmbedderMismatch, match="run the reindex again"):
            await new.rebuild("b", read, [_unit(rng) for _ in read], _as_read(read))
        assert await old.embedder_of("b") == "test:old"  # nothing changed
        return await _ids(old, "b")

    assert asyncio.run(run()) == ["a", "late"]


def test_a_reindex_keeps_what_changed_in_a_memory_while_it_ran(tmp_path: Path) -> None:
    """Found by a review: the copy kept the version read minutes before, so a turn given its context
    meanwhile, or a forgotten memory's neighbour re-embedded without it, lost that change."""
    store = MemoryStore(open_chroma(None, tmp_path), "test:random")
    rng = random.Random(15)

    async def run() -> dict[str, object]:
        await store.upsert("b", _notes("p", "q"), [_unit(rng) for _ in range(2)])
        read = await store.get("b")
        [p] = [m for m in read if m.id == "p"]
        changed = StoredMemory(id="p", content=p.content, metadata={"n": 0, "detached": True}, vector=_unit(rng))
        await store.update("b", [changed])
        await store.rebuild("b", read, [_unit(rng) for _ in read], _as_read(read))
        after = {m.id: m for m in await store.get("b", with_vectors=True)}
        return {"p": after["p"].metadata, "q": after["q"].metadata,
                "same vector": np.allclose(after["p"].vector or [], changed.vector or [], atol=1e-5)}

    assert asyncio.run(run()) == {"p": {"n": 0, "detached": True}, "q": {"n": 1}, "same vector": True}


def test_a_copy_left_where_its_brain_was_removed_becomes_the_brain_again(tmp_path: Path) -> None:
    """A reindex that died between removing the brain and renaming its complete copy: at the next start
    the copy is the brain (a reindex would have thrown it away as stale, losing every memory)."""
    client = open_chroma(None, tmp_path)
    store = MemoryStore(client, "test:random")
    rng = random.Random(16)

    async def run() -> tuple[list[str], list[str], list[str]]:
        copy = client.create_collection(f"{brain_key('b')}{REBUILDING}", embedding_function=None,
                                        metadata={"brain": "b", "embedder": "test:random"})
        copy.upsert(ids=["a", "c"], documents=["note a", "note c"], embeddings=[_unit(rng), _unit(rng)])
        await store.upsert("other", _notes("x"), [_unit(rng)])
        other_copy = client.create_collection(f"{brain_key('other')}{REBUILDING}", embedding_function=None)
        other_copy.upsert(ids=["stale"], documents=["stale"], embeddings=[_unit(rng)])  # beside its brain: kept
        restored = await store.recover_rebuilds()
        return restored, await _ids(store, "b"), sorted(await store.brains())

    assert asyncio.run(run()) == (["b"], ["a", "c"], ["b", "other"])


def _on_setting_aside(monkeypatch: pytest.MonkeyPatch, before: Callable[[], None] = lambda: None,
                     after: Callable[[], None] = lambda: None, renamed_to: str = RETIRED) -> None:
    """Runs `before` and `after` the moment a reindex sets brain b's old collection aside (once), or
    with `renamed_to` "", the moment its copy takes the brain's name."""
    rename = Collection.modify
    done: list[bool] = []

    def modify(collection: Collection, name: str | None = None, **rest: Any) -> None:
        aside = name == f"{brain_key('b')}{renamed_to}" and not done
        if aside:
            done.append(True)
            before()
        rename(collection, name=name, **rest)
        if aside:
            after()

    monkeypatch.setattr(Collection, "modify", modify)


def test_a_write_in_the_moment_of_the_swap_waits_for_it_and_is_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A note stored just as a reindex swaps the brain: written into the old collection, it would go
    with it. In one process it waits for the swap and lands in the rebuilt one. (A review: the other
    reindex tests run their steps one after another and would pass with the brain's lock removed.)"""
    store = MemoryStore(open_chroma(None, tmp_path), "test:random")
    rng = random.Random(17)
    writers: list[threading.Thread] = []

    def write_now() -> None:
        late = threading.Thread(target=asyncio.run, args=(store.upsert("b", _notes("late"), [_unit(rng)]),))
        writers.append(late)
        late.start()
        late.join(timeout=1)  # unlocked, the note is written into the collection about to go

    async def run() -> list[str]:
        await store.upsert("b", _notes("a"), [_unit(rng)])
        read = await store.get("b")
        _on_setting_aside(monkeypatch, before=write_now)
        await store.rebuild("b", read, [_unit(rng) for _ in read], _as_read(read))
        writers[0].join()
        return await _ids(store, "b")

    assert asyncio.run(run()) == ["a", "late"]


def _served(tmp_path: Path, served: bool) -> tuple[MemoryStore, ClientAPI, subprocess.Popen[bytes] | None]:
    port = free_port()
    server = run_chroma(tmp_path / "served", port) if served else None
    opened = open_chroma(f"http://127.0.0.1:{port}" if served else None, tmp_path)
    client = opened.connected() if isinstance(opened, ServerClient) else opened  # chromadb's own
    return MemoryStore(opened, "test:random"), client, server


def _stop(server: subprocess.Popen[bytes] | None) -> None:
    if server is not None:
        server.terminate()
        server.wait(10)


SERVED = pytest.mark.parametrize("served", [False, True], ids=["embedded", "chroma server"])


@SERVED
def test_what_writers_elsewhere_did_before_the_swap_is_carried_over(
        tmp_path: Path, served: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Found by a black-box pass with a Chroma server: notes posted in a reindex's last seconds were lost
    (written by the ingest_worker, another process, into the old collection after the reindex last looked
    at it), and a memory forgotten then came back. Writers elsewhere are held by no lock of this one."""
    store, client, server = _served(tmp_path, served)
    rng = random.Random(19)

    def elsewhere() -> None:
        old = client.get_collection(brain_key("b"), embedding_function=None)
        old.upsert(ids=["late"], documents=["note late"], embeddings=[_unit(rng)], metadatas=[{"n": 9}])
        old.delete(ids=["b"])
        old.update(ids=["c"], metadatas=[{"n": 2, "detached": True}])

    async def run() -> tuple[list[str], dict[str, Any]]:
        await store.upsert("b", _notes("a", "b", "c"), [_unit(rng) for _ in range(3)])
        read = await store.get("b")
        _on_setting_aside(monkeypatch, before=elsewhere)
        await store.rebuild("b", read, [_unit(rng) for _ in read], _as_read(read))
        return await _ids(store, "b"), {m.id: m.metadata for m in await store.get("b")}["c"]

    try:
        assert asyncio.run(run()) == (["a", "c", "late"], {"n": 2, "detached": True})
        assert asyncio.run(store.brains()) == ["b"]  # nothing set aside is left
    finally:
        _stop(server)


@SERVED
def test_a_write_elsewhere_to_the_collection_the_swap_replaced_is_done_again_on_the_new_one(
        tmp_path: Path, served: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer in another process looked the brain up just before the swap and writes after it: to a
    collection set aside or already removed. It writes again where the brain is now."""
    store, client, server = _served(tmp_path, served)
    rng = random.Random(20)
    # Another process: its lock is its own, and does not wait for this one's reindex.
    monkeypatch.setattr(store_module, "_writing", lambda brain: threading.Lock())
    look_up = client.get_or_create_collection
    swapped: list[bool] = []

    def then_the_swap(name: str, **rest: Any) -> Collection:
        found = look_up(name, **rest)
        if name == brain_key("b") and not swapped:
            swapped.append(True)
            reindex = threading.Thread(target=asyncio.run, args=(store.rebuild("b", read, vectors, _as_read(read)),))
            reindex.start()
            reindex.join()
        return found

    async def run() -> list[str]:
        await store.upsert("b", _notes("a"), [_unit(rng)])
        monkeypatch.setattr(client, "get_or_create_collection", then_the_swap)
        await store.upsert("b", _notes("late"), [_unit(rng)])
        return await _ids(store, "b")

    try:
        read = asyncio.run(store.get("b"))
        vectors = [_unit(rng) for _ in read]
        assert asyncio.run(run()) == ["a", "late"] and swapped
    finally:
        _stop(server)


@SERVED
def test_a_brain_made_anew_in_the_swap_by_a_writer_elsewhere_joins_the_copy(
        tmp_path: Path, served: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer in another process can make the brain anew between the old collection's setting aside
    and the copy's renaming. The rename is then refused; what that writer stored is taken into the
    copy, which takes the name at the next try."""
    store, client, server = _served(tmp_path, served)
    rng = random.Random(18)

    def make_anew() -> None:
        elsewhere = client.create_collection(brain_key("b"), embedding_function=None,
                                             metadata={"brain": "b", "embedder": "test:random"})
        elsewhere.upsert(ids=["elsewhere"], documents=["note elsewhere"], embeddings=[_unit(rng)])

    async def run() -> tuple[list[str], list[str]]:
        await store.upsert("b", _notes("a"), [_unit(rng)])
        read = await store.get("b")
        _on_setting_aside(monkeypatch, after=make_anew)
        await store.rebuild("b", read, [_unit(rng) for _ in read], _as_read(read))
        return await _ids(store, "b"), await store.brains()

    try:
        assert asyncio.run(run()) == (["a", "elsewhere"], ["b"])
    finally:
        _stop(server)


def test_brains_are_counted_a_page_at_a_time_leaving_out_emptied_ones(tmp_path: Path) -> None:
    """Found by a black-box pass: listing 2,800 brains on a Chroma server counted them all at once, took
    18 s (a 504 after 10), and held every thread the store has, so other users' chats lost their memory."""
    store = MemoryStore(open_chroma(None, tmp_path), "test:random")
    rng = random.Random(21)

    async def run() -> list[tuple[list[tuple[str, int]], int | None]]:
        for n, name in enumerate(("p1", "p2", "p3", "p4", "q1")):
            await store.upsert(name, _notes(*(f"{name}-{i}" for i in range(n + 1))), [_unit(rng) for _ in range(n + 1)])
        await store.delete("p2", ["p2-0", "p2-1"])  # emptied: as gone as cleared
        return [await store.brain_counts("p", 0, 2), await store.brain_counts("p", 2, 2),
                await store.brain_counts("", 4, 10)]

    assert asyncio.run(run()) == [([("p1", 1)], 2), ([("p3", 3), ("p4", 4)], None), ([("q1", 5)], None)]


@SERVED
def test_what_the_copy_got_after_the_swap_is_not_overwritten_by_the_old_collection(
        tmp_path: Path, served: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: the carry-over copied the old collection's version over the copy's newer one (a context
    job done on the copy after the swap undone), and brought back a memory forgotten on the copy."""
    store, client, server = _served(tmp_path, served)
    rng = random.Random(22)

    def before() -> None:  # elsewhere, into the old collection: changes to f and n
        old = client.get_collection(brain_key("b"), embedding_function=None)
        old.update(ids=["f", "n"], metadatas=[{"n": 2, "stage": "old"}, {"n": 1, "stage": "old"}])

    def after() -> None:  # elsewhere, on the copy once it is the brain: f forgotten, n newer
        copy = client.get_collection(brain_key("b"), embedding_function=None)
        copy.delete(ids=["f"])
        copy.update(ids=["n"], metadatas=[{"n": 1, "stage": "in context"}])

    async def run() -> tuple[list[str], dict[str, Any]]:
        await store.upsert("b", _notes("a", "n", "f"), [_unit(rng) for _ in range(3)])
        read = await store.get("b")
        _on_setting_aside(monkeypatch, before=before)
        _on_setting_aside(monkeypatch, after=after, renamed_to="")
        await store.rebuild("b", read, [_unit(rng) for _ in read], _as_read(read))
        return await _ids(store, "b"), {m.id: m.metadata for m in await store.get("b")}["n"]

    try:
        assert asyncio.run(run()) == (["a", "n"], {"n": 1, "stage": "in context"})
    finally:
        _stop(server)


def test_a_clear_removes_what_a_reindex_left_so_a_restart_brings_nothing_back(tmp_path: Path) -> None:
    """A review: a reindex that died mid-swap left `<brain>_retired`; a clear removed the brain alone, and
    the next start made the set-aside collection, forgotten memories and all, the brain again."""
    client = open_chroma(None, tmp_path)
    store = MemoryStore(client, "test:random")
    rng = random.Random(23)

    async def run() -> tuple[int, list[str], list[str]]:
        await store.upsert("b", _notes("a"), [_unit(rng)])
        for leftover in (RETIRED, REBUILDING):
            left = client.create_collection(f"{brain_key('b')}{leftover}", embedding_function=None,
                                            metadata={"brain": "b", "embedder": "test:random"})
            left.upsert(ids=["secret"], documents=["note secret"], embeddings=[_unit(rng)])
        removed = await store.clear("b")
        return removed, await store.recover_rebuilds(), await store.brains()

    assert asyncio.run(run()) == (1, [], [])


def test_a_brain_cleared_elsewhere_just_after_a_write_stays_cleared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: a write whose brain was gone by its end was done again, making the cleared brain anew."""
    client = open_chroma(None, tmp_path)
    store = MemoryStore(client, "test:random")
    rng = random.Random(24)
    upsert, cleared = Collection.upsert, []

    def then_cleared(collection: Collection, *args: Any, **kwargs: Any) -> None:
        upsert(collection, *args, **kwargs)
        if not cleared:
            cleared.append(True)
            client.delete_collection(brain_key("b"))  # another process's clear

    async def run() -> list[str]:
        monkeypatch.setattr(Collection, "upsert", then_cleared)
        await store.upsert("b", _notes("late"), [_unit(rng)])
        return await store.brains()

    assert asyncio.run(run()) == []


def test_what_an_old_embedder_stored_in_the_swaps_moment_is_returned_to_be_embedded_anew(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: the carry-over copied a worker still on the old embedder's vectors into the re-embedded
    brain (of another dimension, it failed after the swap and left the old collection behind)."""
    client = open_chroma(None, tmp_path)
    old, new = MemoryStore(client, "test:old"), MemoryStore(client, "test:new")
    rng = random.Random(25)

    def elsewhere() -> None:
        client.get_collection(brain_key("b"), embedding_function=None).upsert(
            ids=["late"], documents=["note late"], embeddings=[_unit(rng)], metadatas=[{"n": 5}])

    async def run() -> tuple[list[str], list[str], str | None]:
        await old.upsert("b", _notes("a"), [_unit(rng)])
        read = await new.get("b")
        _on_setting_aside(monkeypatch, before=elsewhere)
        stale = await new.rebuild("b", read, [_unit(rng) for _ in read], _as_read(read))
        return [m.id for m in stale], await _ids(new, "b"), await new.embedder_of("b")

    assert asyncio.run(run()) == (["late"], ["a"], "test:new")
    assert asyncio.run(new.brains()) == ["b"]  # nothing set aside is left


def test_a_brain_cleared_elsewhere_as_its_reindex_carries_over_stays_cleared(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: a clear right after the copy took the brain's name failed the carry-over and left the
    old collection aside, which the next start made the brain again."""
    client = open_chroma(None, tmp_path)
    store = MemoryStore(client, "test:random")
    rng = random.Random(26)

    def written_elsewhere() -> None:
        client.get_collection(brain_key("b"), embedding_function=None).upsert(
            ids=["late"], documents=["note late"], embeddings=[_unit(rng)], metadatas=[{"n": 5}])

    def cleared_elsewhere() -> None:
        client.delete_collection(brain_key("b"))

    async def run() -> tuple[list[str], list[str]]:
        await store.upsert("b", _notes("a", "b"), [_unit(rng) for _ in range(2)])
        read = await store.get("b")
        _on_setting_aside(monkeypatch, before=written_elsewhere)
        _on_setting_aside(monkeypatch, after=cleared_elsewhere, renamed_to="")
        await store.rebuild("b", read, [_unit(rng) for _ in read], _as_read(read))
        return await store.recover_rebuilds(), await store.brains()

    assert asyncio.run(run()) == ([], [])


def test_a_forget_racing_a_reindex_elsewhere_counts_what_it_deleted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A review: a delete in the old collection, carried over by a reindex elsewhere, was done again on the
    copy, found nothing there and answered 0: the user got a 404, and the neighbours kept its words."""
    client = open_chroma(None, tmp_path)
    store = MemoryStore(client, "test:random")
    rng = random.Random(27)
    monkeypatch.setattr(store_module, "_writing", lambda brain: threading.Lock())  # the reindex is elsewhere
    delete, swapped = Collection.delete, []

    def then_the_swap(collection: Collection, *args: Any, **kwargs: Any) -> None:
        delete(collection, *args, **kwargs)
        if not swapped and collection.name == brain_key("b"):
            swapped.append(True)
            reindex = threading.Thread(target=asyncio.run, args=(store.rebuild("b", read, vectors, _as_read(read)),))
            reindex.start()
            reindex.join()

    async def run() -> tuple[int, list[str]]:
        monkeypatch.setattr(Collection, "delete", then_the_swap)
        return await store.delete("b", ["x"]), await _ids(store, "b")

    asyncio.run(store.upsert("b", _notes("a", "x"), [_unit(rng) for _ in range(2)]))
    read = asyncio.run(store.get("b"))
    vectors = [_unit(rng) for _ in read]
    assert asyncio.run(run()) == (1, ["a"]) and swapped


def test_a_clear_counts_a_memory_stored_and_still_queued_once(tmp_path: Path) -> None:
    """A black-box pass: a clear right after a note answered `removed: 2`, the note written and not yet
    taken off the queue. Queued ids are counted unless stored; with nothing stored, all of them."""
    store = MemoryStore(open_chroma(None, tmp_path), "test:random")
    rng = random.Random(25)

    async def run() -> tuple[int, int]:
        await store.upsert("b", _notes("a", "b"), [_unit(rng), _unit(rng)])
        both = await store.clear("b", queued=["b", "c"])
        return both, await store.clear("b", queued=["d", "d", "e"])

    assert asyncio.run(run()) == (3, 2)


def test_a_brain_of_more_memories_than_chroma_reads_at_once_is_read_whole(tmp_path: Path) -> None:
    """Chroma refuses to read the metadata of more than 32,766 records at once (too many SQL variables):
    a brain of 33,000 is read in pages, by ids, by a filter and from an offset, as a small one is."""
    store = MemoryStore(open_chroma(None, tmp_path), "e")
    memories = [StoredMemory(id=f"m{n:05d}", content=f"note {n}", metadata={"n": n}) for n in range(33_000)]
    for start in range(0, len(memories), 5000):
        chunk = memories[start : start + 5000]
        asyncio.run(store.upsert("big", chunk, [[1.0, float(n % 7)] for n in range(len(chunk))]))

    everything = asyncio.run(store.get("big", with_vectors=True))
    assert sorted(m.id for m in everything) == [m.id for m in memories]
    assert all(m.metadata["n"] == int(m.id[1:]) and m.content == f"note {m.metadata['n']}" for m in everything)
    assert all(m.vector is not None and len(m.vector) == 2 for m in everything)
    wanted = [m.id for m in memories[::2]]
    assert sorted(m.id for m in asyncio.run(store.get("big", ids=wanted))) == wanted
    assert len(asyncio.run(store.get("big", where={"n": {"$gte": 100}}))) == 32_900
    assert len(asyncio.run(store.get("big", offset=12_000, limit=15_000))) == 15_000
    assert len(asyncio.run(store.get("big", offset=30_000))) == 3000


def test_a_read_in_several_calls_misses_no_memory_deleted_around_it(monkeypatch: pytest.MonkeyPatch,
                                                                     tmp_path: Path) -> None:
    """A forget elsewhere between two of a read's calls: pages by offset would shift the memory after it
    out of both, and a reindex took it for forgotten (a review)."""
    monkeypatch.setattr(store_module, "READ_PAGE", 10)
    collection = open_chroma(None, tmp_path).create_collection("brain-x", embedding_function=None)  # type: ignore[arg-type]
    ids = [f"m{n:03d}" for n in range(30)]
    collection.add(ids=ids, embeddings=[[float(n), 1.0] for n in range(30)], metadatas=[{"n": n} for n in range(30)])
    calls = []
    read = collection.get

    def get(**kwargs: Any) -> Any:
        calls.append(kwargs)
        if len(calls) == 2:
            collection.delete(ids=["m003"])  # after the read's first call
        return read(**kwargs)

    monkeypatch.setattr(collection, "get", get)
    assert sorted(store_module._metadatas(collection)) == [i for i in ids if i != "m003"]
    assert len(calls) >= 3  # read in several calls: the delete came between two of them
