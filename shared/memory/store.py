"""One Chroma collection per brain, with the embedder it was built with on record.

Chroma's client is synchronous; every call runs in a worker thread so the
event loop keeps streaming. Embedded (`PersistentClient`) when one process owns
the directory, a Chroma server (`CHROMA_URL`) when several do.
"""

import asyncio
import contextlib
import os
import resource
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import chromadb
import httpx
from chromadb.api import ClientAPI
from chromadb.api.models.Collection import Collection
from chromadb.api.types import validate_where
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError, NotFoundError

from shared.memory.brains import brain_from_key, brain_key
from shared.messages import storable_number

T = TypeVar("T")
MOVED_RETRIES = 3  # times a write is done again where its brain moved to (a reindex elsewhere) meanwhile
HEARTBEAT_WAIT = 1.5  # s: below the gateway's 2 s wait for a worker's health


# Held while a brain's collection is written, and while a reindex swaps it for its rebuilt copy: a
# write between the copy's last look at the old collection and its removal would be lost. One stripe
# per brain key's hash, so thousands of brains need no thousands of locks.
_WRITE_LOCKS = [threading.Lock() for _ in range(64)]


REBUILDING = "_reindex"  # the suffix of a brain's collection while a reindex builds its copy
RETIRED = "_retired"  # of the collection a reindex replaced, while what was written to it meanwhile is carried over


READ_PAGE = 10_000
"""Records a read asks Chroma for at once: with their metadata, more than 32,766 fail (too many SQL
variables), so a brain of 40,000 memories could not be read, nor queried for the first time."""


def _read(collection: Collection, include: list[Any], ids: list[str] | None = None,
          offset: int | None = None, limit: int | None = None, **where: Any) -> dict[str, list[Any]]:
    """`collection.get`, READ_PAGE records a call: `ids` a slice at a time. Without ids, what `where`
    matches (from `offset`, up to `limit`) in one call when it is no more than READ_PAGE, as most reads
    are; else its ids are read first, in one call (ids alone are not limited), and then by slices. Not
    pages by offset: a delete between two pages would shift a memory still there out of both (and a
    reindex took it for forgotten: a review). Keys: ids, and those of `include`."""
    read: dict[str, list[Any]] = {key: [] for key in ("ids", *include)}
    if ids is None:
        asked = READ_PAGE + 1 if limit is None else min(limit, READ_PAGE + 1)
        got: Any = collection.get(offset=offset, limit=asked, include=include, **where)
        if len(got["ids"]) <= READ_PAGE:  # all there is, or all `limit` asks for
            return {key: list(got[key]) if got[key] is not None else [] for key in read}
        ids = collection.get(offset=offset, limit=limit, include=[], **where)["ids"]
        offset, limit, where = None, None, {}
    for start in range(0, len(ids), READ_PAGE):
        got = collection.get(ids=ids[start : start + READ_PAGE], include=include, **where)
        for key in read:
            read[key].extend(got[key] if got[key] is not None else [])
    if offset or limit is not None:  # of the ids given, as Chroma takes them
        end = None if limit is None else (offset or 0) + limit
        read = {key: values[offset or 0 : end] for key, values in read.items()}
    return read


def _metadatas(collection: Collection) -> dict[str, dict[str, Any]]:
    held = _read(collection, ["metadatas"])
    return {i: dict(m or {}) for i, m in zip(held["ids"], held["metadatas"], strict=True)}


def _writing(brain: str) -> threading.Lock:
    return _WRITE_LOCKS[hash(brain_key(brain)) % len(_WRITE_LOCKS)]


class StoreUnavailable(Exception):
    """The Chroma server cannot be reached: no answer about a brain may be given as if it were empty."""


class StoreBusy(Exception):
    """A write found its brain moved again and again (reindexes elsewhere): to be retried, not dropped."""


class EmbedderMismatch(Exception):
    """The brain was built with another embedder: its vectors are not comparable."""


class BadFilter(ValueError):
    """A `where` that Chroma would refuse, with Chroma's reason."""


def check_where(where: dict[str, Any] | None) -> None:
    """Refuses a bad filter before any work, also for a brain still empty (where Chroma never sees it)."""
    if not where:
        return
    try:
        _flat_operators(where)
        validate_where(where)
        _no_unknown_operators(where)
        _within_limits(where)
    except (ValueError, TypeError) as exc:
        # Chroma's own reasons end without a full stop, ours with one; the advice follows either.
        reason = str(exc).rstrip()
        reason += "" if reason.endswith((".", "?", "!")) else "."
        raise BadFilter(f"where is not a valid Chroma metadata filter: {reason} Use one field per clause, e.g. "
                        '{"topic": "work"}, {"year": {"$gte": 2025}} or {"$and": [{"topic": "work"}, '
                        '{"year": 2026}]}.') from exc


# What compares Lumia's flat metadata values. Chroma's $contains and $not_contains look inside a list,
# and no metadata value is one: the first never matched, the second matched everything (a black-box pass).
OPERATORS = ("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin")
DOCUMENT = "#document"  # Chroma's field of the text itself, where $contains does find words


def _flat_operators(where: Any) -> None:
    """Refuses an operator no metadata value answers, before Chroma's validator, whose message lists
    $contains among the valid ones. Any shape: Chroma's validator says what is wrong with that."""
    if not isinstance(where, dict):
        return
    for key, value in where.items():
        if key in ("$and", "$or") and isinstance(value, list):
            for clause in value:
                _flat_operators(clause)
        elif isinstance(value, dict) and not key.startswith("$") and key != DOCUMENT:
            for operator in value:
                if operator in ("$contains", "$not_contains"):
                    raise ValueError(f"{key!r} {operator}: $contains and $not_contains look inside lists, and "
                                     "metadata values are flat (strings, numbers, true/false), so the first would "
                                     "never match and the second always; use $eq or $ne for one value, $in or $nin "
                                     "for several.")
                if operator not in OPERATORS:
                    raise ValueError(f"{key!r} {operator}: unknown operator; use one of {', '.join(OPERATORS)}.")


def _no_unknown_operators(where: dict[str, Any]) -> None:
    """What Chroma's validator lets through and its query engine then fails on (a 500): an
    unknown operator (read as a field named "$bogus"; no metadata key starts with "$",
    shared/memory/messages.py, so it is a typo), and operands no metadata value can equal."""
    for key, value in where.items():
        if key in ("$and", "$or"):
            for clause in value:
                _no_unknown_operators(clause)
        elif key.startswith("$"):
            raise ValueError(f"unknown operator {key!r}: a clause combines others with $and or $or, "
                             "or names a field.")
        elif isinstance(value, dict):
            for operator, operand in value.items():
                if operator in ("$in", "$nin"):
                    for each in operand:
                        _scalar(key, operator, each)
                elif operator in ("$gt", "$gte", "$lt", "$lte") and isinstance(operand, bool):
                    # Chroma's validator takes true as 1 and its query engine then fails (a 500).
                    raise ValueError(f"{key!r} {operator} {operand!r}: a range compares numbers, not true/false.")
                elif operator not in ("$contains", "$not_contains"):  # of #document: words, not a value
                    _scalar(key, operator, operand)
        else:
            _scalar(key, "=", value)


# What Chroma's query engine takes of a filter, with room for the time window a question adds: past
# them its SQL failed (a 500; a black-box pass): $and 64 deep, an $or of 1,000 clauses ("Expression
# tree is too large"), $in 32,000 values ("too many SQL variables").
MAX_WHERE_DEPTH, MAX_WHERE_CLAUSES, MAX_WHERE_VALUES = 32, 256, 10_000


def _within_limits(where: dict[str, Any]) -> None:
    clauses, values = 0, 0

    def walk(clause: dict[str, Any], depth: int) -> None:
        """`depth`: the $and and $or the clause is in."""
        nonlocal clauses, values
        for key, value in clause.items():
            if key in ("$and", "$or"):
                if depth + 1 > MAX_WHERE_DEPTH:
                    raise ValueError(f"$and and $or are nested more than {MAX_WHERE_DEPTH} deep.")
                for inner in value:
                    walk(inner, depth + 1)
                continue
            clauses += 1
            if isinstance(value, dict):
                values += sum(len(operand) if isinstance(operand, list) else 1 for operand in value.values())
            else:
                values += 1

    walk(where, 0)
    if clauses > MAX_WHERE_CLAUSES:
        raise ValueError(f"it compares {clauses} fields, more than {MAX_WHERE_CLAUSES}: use $in for one field's "
                         "many values.")
    if values > MAX_WHERE_VALUES:
        raise ValueError(f"it holds {values:,} values, more than {MAX_WHERE_VALUES:,}.")


def _scalar(key: str, operator: str, operand: Any) -> None:
    """A value a metadata field can hold: a string, a finite number that fits in 64 bits, or a bool."""
    if isinstance(operand, str) or (isinstance(operand, int | float) and storable_number(operand)):
        return
    raise ValueError(f"{key!r} {operator} {operand!r}: compare with a string, a finite number that fits in "
                     "64 bits, or true/false (a list only after $in or $nin).")


@dataclass(slots=True)
class StoredMemory:
    id: str
    content: str
    metadata: dict[str, Any]
    score: float | None = None
    vector: list[float] | None = None
    excerpt: str | None = None  # of a long memory, the piece a question matched best (brain_worker/pieces.py)


OPEN_BRAINS = 256
"""Vector indexes embedded Chroma keeps open at once. Each costs about 4 file
descriptors and a few MiB; the rest of the brains are loaded on demand."""

# Embedded Chroma cannot reload an index it evicted from its cache unless the index
# was persisted ("Nothing found on disk"); persisting after every write avoids that
# and costs ~1 ms per memory, a tenth of embedding it (bench/brains.py).
# Inner product, not cosine: a stored vector is the mean of unit vectors (shared/memory/context.py),
# and its score must be the mean of their cosines, which normalising it would change.
INDEX_CONFIGURATION = {"hnsw": {"space": "ip", "batch_size": 1, "sync_threshold": 1}}
LAYOUT = "in-context"
"""Recorded on each collection built with INDEX_CONFIGURATION; older brains (cosine, one
embedding per memory) lack it, keep their plain vectors, and get context by `lumia reindex`."""


SERVER_TIMEOUT = 8.0  # s; LUMIA_CHROMA_TIMEOUT


def open_chroma(chroma_url: str | None, persist_directory: Path, open_brains: int = OPEN_BRAINS,
                timeout: float = SERVER_TIMEOUT) -> "ClientAPI | ServerClient":
    if chroma_url:
        return ServerClient(chroma_url, timeout)
    persist_directory.mkdir(parents=True, exist_ok=True)
    with _index_cache_of(open_brains):
        return chromadb.PersistentClient(path=str(persist_directory), settings=_chroma_settings())


def _chroma_settings() -> ChromaSettings:
    # Chroma's own telemetry would try to reach the internet; nothing leaves the machine. A new one
    # each time: chromadb writes the client's kind and address into the settings it is given.
    return ChromaSettings(anonymized_telemetry=False)


class ServerClient:
    """A Chroma server's client, connected when first used and again after a failed connect:
    chromadb's client asks the server for its version as it is made, so a worker started (or
    restarted by the launcher) while the server was down died at start-up, and Lumia stopped
    with it, chats included. Until the server answers, every use is StoreUnavailable."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url, self._timeout = url, timeout
        self._client: ClientAPI | None = None
        self._connecting = threading.Lock()

    def connected(self) -> ClientAPI:
        """Blocks while connecting: called in the store's threads."""
        with self._connecting:
            if self._client is None:
                parts = urlsplit(self.url)
                try:
                    # chromadb's client asks the server with no timeout as it is made: a server stopped
                    # (not gone) would hold it, and every store call behind this lock, for good.
                    httpx.get(f"{self.url.rstrip('/')}/api/v2/heartbeat", timeout=self._timeout).raise_for_status()
                    client = chromadb.HttpClient(host=parts.hostname or "127.0.0.1", port=parts.port or 8000,
                                                 ssl=parts.scheme == "https", settings=_chroma_settings())
                except (ValueError, httpx.HTTPError) as exc:  # ValueError: "Could not connect to a Chroma server"
                    raise StoreUnavailable(f"The memory store (Chroma) is not reachable at CHROMA_URL={self.url} "
                                           f"({exc}); is `chroma run` up? Nothing was read or changed.") from exc
                # Chroma's client waits forever (httpx timeout=None, no setting for it): a server that
                # is stopped, not gone, held every request of both workers for minutes. Bounded, a call
                # fails as httpx.TimeoutException, a TransportError: StoreUnavailable, "unavailable".
                session = getattr(getattr(client, "_server", None), "_session", None)
                if isinstance(session, httpx.Client):
                    session.timeout = httpx.Timeout(self._timeout, connect=min(self._timeout, 5.0))
                self._client = client
            return self._client


@contextmanager
def _index_cache_of(brains: int) -> Iterator[None]:
    """Embedded Chroma sizes its cache of open indexes as the file-descriptor limit / 5,
    read when the client is created: with a high limit, thousands of brains would stay
    open and hold gigabytes. So the limit is raised as far as allowed for the process,
    and shown lowered to about `brains * 5` only while Chroma reads it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    ceiling = hard if hard != resource.RLIM_INFINITY else 65536
    usable = max(soft, min(ceiling, 65536))
    # Chroma opens files while it starts: leave room for those above what is open already.
    floor = len(os.listdir("/proc/self/fd")) + 64 if os.path.isdir("/proc/self/fd") else 256
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(usable, max(brains * 5, floor)), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (usable, hard))


def _floats(row: Any) -> list[float]:
    # Chroma hands back numpy rows; a list of numpy scalars would be slow to stack again.
    return row.tolist() if hasattr(row, "tolist") else list(row)


class MemoryStore:
    def __init__(self, client: "ClientAPI | ServerClient", embedder_name: str) -> None:
        self._chroma = client
        self.embedder_name = embedder_name

    @property
    def _client(self) -> ClientAPI:
        """Used only in the store's threads (`_run`): a server's client may connect first."""
        return self._chroma.connected() if isinstance(self._chroma, ServerClient) else self._chroma

    def _collection_metadata(self, brain: str) -> dict[str, str]:
        return {"brain": brain, "embedder": self.embedder_name, "vectors": LAYOUT}

    async def _run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except httpx.TransportError as exc:
            raise StoreUnavailable(f"The memory store (Chroma) is not reachable ({exc}); is `chroma run` up at "
                                   "CHROMA_URL? Nothing was read or changed.") from exc

    def _on(self, brain: str, act: Callable[[Collection], T], empty: T, check: bool = False,
            writes: bool = False, create: bool = False) -> T:
        """`act` on the brain's collection, or `empty` when it has none: also when a clear deletes
        it meanwhile, and Chroma says the collection, or a segment of it, does not exist (a read
        racing a clear used to answer 500).

        One that `writes` holds the brain's lock, and is done again where the brain is now when, by
        its end, the collection it wrote to is no longer the brain's: a reindex in another process
        (a Chroma server) swapped it meanwhile, and what was written to the old one after the reindex
        last looked at it would be lost (a black-box pass lost three of 107 notes posted during a
        reindex, and a forgotten memory came back). A write that `create`s makes the brain if it has none."""
        with _writing(brain) if writes else contextlib.nullcontext():
            for _ in range(MOVED_RETRIES):
                collection = self._collection(brain, create=create, check=check)
                if collection is None:
                    return empty
                try:
                    done = act(collection)
                except ChromaError:
                    now = self._collection(brain, check=False)
                    if now is None and not create:
                        return empty
                    if writes and (now is None or now.id != collection.id):
                        continue  # moved (or cleared) while this wrote
                    raise
                if not writes:
                    return done
                now = self._collection(brain, check=False)
                # Gone is a clear after the write, which it stays (or a swap's moment between its two
                # renamings, whose carry-over reads the old collection after this write).
                if now is None or now.id == collection.id:
                    return done
            raise StoreBusy(f"Brain '{brain}' was moved by reindexes {MOVED_RETRIES} times while it was written; "
                            "nothing is lost: the write is tried again later.")


    def _collection(self, brain: str, create: bool = False, check: bool = True) -> Collection | None:
        name = brain_key(brain)
        if create:
            collection = self._client.get_or_create_collection(
                name,
                metadata=self._collection_metadata(brain),
                configuration=INDEX_CONFIGURATION,  # type: ignore[arg-type]
                embedding_function=None,
            )
        else:
            try:
                collection = self._client.get_collection(name, embedding_function=None)
            except (NotFoundError, ValueError):  # ValueError: older clients; an unreachable server raises neither
                return None
        built_with = (collection.metadata or {}).get("embedder")
        if check and built_with != self.embedder_name:
            raise EmbedderMismatch(
                f"Brain '{brain}' was built with the embedder '{built_with}', but this worker uses "
                f"'{self.embedder_name}'. Run `lumia reindex {brain}` to re-embed it, or switch "
                "EMBEDDING_BACKEND (and EMBEDDING_MODEL) back."
            )
        return collection

    async def unreachable(self) -> str | None:
        """Why the store cannot be reached, or None when it answers."""
        try:
            await asyncio.wait_for(self._run(lambda: self._client.heartbeat()), HEARTBEAT_WAIT)
        except StoreUnavailable as exc:
            return str(exc)
        except TimeoutError:  # a health check must answer sooner than a request may take
            return f"The memory store (Chroma) did not answer within {HEARTBEAT_WAIT:g} s; is `chroma run` stopped?"
        return None

    async def upsert(self, brain: str, memories: list[StoredMemory], vectors: list[list[float]]) -> None:
        def write(collection: Collection) -> None:
            collection.upsert(
                ids=[m.id for m in memories],
                documents=[m.content for m in memories],
                metadatas=[m.metadata or None for m in memories],  # type: ignore[misc]
                embeddings=vectors,  # type: ignore[arg-type]
            )

        await self._run(self._on, brain, write, None, True, True, True)

    async def update(self, brain: str, memories: list[StoredMemory]) -> None:
        """New vectors and metadata for memories that exist; one deleted meanwhile stays deleted."""
        def update(collection: Collection) -> None:
            if memories:
                collection.update(
                    ids=[m.id for m in memories],
                    metadatas=[m.metadata for m in memories],
                    embeddings=[m.vector or [] for m in memories],  # type: ignore[arg-type]
                )

        await self._run(self._on, brain, update, None, True, True)

    async def check_embedder(self, brain: str) -> None:
        """Raises EmbedderMismatch when the brain was built with another embedder than this store's."""
        await self._run(self._collection, brain)

    async def takes_context(self, brain: str) -> bool:
        """Whether the brain's collection is built for vectors in context (LAYOUT) by this store's
        embedder: an older brain, or one of another embedder (whose writes are refused), keeps
        plain vectors until `lumia reindex`."""
        def takes() -> bool:
            collection = self._collection(brain, check=False)
            built = (collection.metadata or {}) if collection is not None else {}
            return built.get("vectors") == LAYOUT and built.get("embedder") == self.embedder_name

        return await self._run(takes)

    async def search(
        self, brain: str, vector: list[float], n: int, where: dict[str, Any] | None = None,
        with_vectors: bool = False,
    ) -> list[StoredMemory]:
        def search(collection: Collection) -> list[StoredMemory]:
            include: list[Any] = ["documents", "metadatas", "distances", *(["embeddings"] if with_vectors else [])]
            found = collection.query(
                query_embeddings=[vector],  # type: ignore[arg-type]
                n_results=n,
                where=where or None,
                include=include,
            )
            ids = found["ids"][0]
            vectors = found["embeddings"][0] if with_vectors and found["embeddings"] is not None else None
            return [
                StoredMemory(id=i, content=d or "", metadata=dict(m or {}), score=round(1.0 - dist, 4),
                             vector=None if vectors is None else _floats(vectors[k]))
                for k, (i, d, m, dist) in enumerate(zip(
                    ids, (found["documents"] or [[]])[0], (found["metadatas"] or [[]])[0],
                    (found["distances"] or [[]])[0], strict=True,
                ))
            ]

        return await self._run(self._on, brain, search, [], True)

    async def get(
        self, brain: str, ids: list[str] | None = None, where: dict[str, Any] | None = None,
        offset: int | None = None, limit: int | None = None, with_vectors: bool = False, with_content: bool = True,
        containing: str | None = None,
    ) -> list[StoredMemory]:
        """`with_content=False`: ids and metadata only (content ""), for what needs no text, such as
        the chunks of a large document. `containing`: only memories holding that text, as written."""
        def get(collection: Collection) -> list[StoredMemory]:
            include: list[Any] = [*(["documents"] if with_content else []), "metadatas",
                                  *(["embeddings"] if with_vectors else [])]
            found = _read(collection, include, ids=ids, offset=offset, limit=limit, where=where or None,
                          where_document={"$contains": containing} if containing else None)
            vectors = found["embeddings"] if with_vectors else None
            contents = found["documents"] if with_content else None
            return [
                StoredMemory(id=i, content=(contents[n] if contents else None) or "", metadata=dict(m or {}),
                             vector=None if vectors is None else _floats(vectors[n]))
                for n, (i, m) in enumerate(zip(found["ids"], found["metadatas"], strict=True))
            ]

        return await self._run(self._on, brain, get, [])

    async def count(self, brain: str) -> int:
        def count(collection: Collection) -> int:
            return collection.count()

        return await self._run(self._on, brain, count, 0)

    async def delete(self, brain: str, ids: list[str]) -> int:
        deleted: set[str] = set()

        def delete(collection: Collection) -> int:
            # Done again where the brain moved meanwhile, a second time finds what the first deleted
            # gone: counted over both, or a forget racing a reindex answered 404 (a review).
            present = collection.get(ids=ids, include=[])["ids"]
            if present:
                collection.delete(ids=present)
            deleted.update(present)
            return len(deleted)

        return await self._run(self._on, brain, delete, 0, False, True)

    async def clear(self, brain: str, queued: Iterable[str] = ()) -> int:
        """Deletes the brain; how many memories that removed, counting the ids `queued` (still in the
        ingest queue, to be dropped) too unless stored already: a copy written and not yet acked is
        both, and a clear right after a note answered `removed: 2` (a black-box pass)."""
        waiting = set(queued)

        def clear() -> int:
            with _writing(brain):
                for leftover in (REBUILDING, RETIRED):  # a reindex's, else a restart made them the brain again
                    with contextlib.suppress(NotFoundError, ValueError):
                        self._client.delete_collection(f"{brain_key(brain)}{leftover}")
                collection = self._collection(brain, check=False)
                if collection is None:
                    return len(waiting)
                stored = set(collection.get(ids=sorted(waiting), include=[])["ids"]) if waiting else set()
                removed = collection.count() + len(waiting - stored)
                self._client.delete_collection(brain_key(brain))
                return removed

        return await self._run(clear)

    async def rebuild(self, brain: str, memories: list[StoredMemory], vectors: list[list[float]],
                      read_as: dict[str, dict[str, Any]]) -> list[StoredMemory]:
        """Replace a brain's collection with one built by this store's embedder from `memories` (read
        from it earlier, with the metadata `read_as` then), without a moment in which the memories exist
        nowhere: the new one is complete before the old one goes. What changed since they were read is
        carried over, not lost: memories stored meanwhile are kept (a reindex takes minutes, and chats and
        notes go on), ones changed meanwhile (a turn given its context, a forgotten memory's neighbours
        re-embedded without it) keep that change, ones forgotten meanwhile stay forgotten, and a brain
        cleared meanwhile stays empty. Writes of this process wait for the swap; those of writers in
        other processes (with CHROMA_URL) are carried over by `_swap` and `_on`. Returns what a writer on
        the old embedder stored in the swap's moment, carried over without vectors: to be embedded anew."""
        def rebuild() -> list[StoredMemory]:
            name, staging_name = brain_key(brain), f"{brain_key(brain)}{REBUILDING}"
            with contextlib.suppress(NotFoundError, ValueError):  # left by a reindex that died: stale
                self._client.delete_collection(staging_name)
            staging = self._client.create_collection(
                staging_name, metadata=self._collection_metadata(brain),
                configuration=INDEX_CONFIGURATION, embedding_function=None,  # type: ignore[arg-type]
            )
            for start in range(0, len(memories), 256):
                chunk = memories[start : start + 256]
                staging.upsert(
                    ids=[m.id for m in chunk], documents=[m.content for m in chunk],
                    metadatas=[m.metadata or None for m in chunk],  # type: ignore[misc]
                    embeddings=vectors[start : start + 256],  # type: ignore[arg-type]
                )
            with _writing(brain):
                live = self._collection(brain, check=False)
                if live is None:  # cleared meanwhile
                    self._client.delete_collection(staging_name)
                    return []
                now = _metadatas(live)
                if gone := set(read_as) - set(now):
                    staging.delete(ids=list(gone))
                changed = [i for i, metadata in now.items() if i not in read_as or read_as[i] != metadata]
                if changed:
                    if (live.metadata or {}).get("embedder") != self.embedder_name:
                        self._client.delete_collection(staging_name)
                        raise EmbedderMismatch(
                            f"Memories of '{brain}' were stored with its old embedder while it was re-embedded "
                            "(a worker with another EMBEDDING_BACKEND?); nothing changed: run the reindex again.")
                    self._copy(live, staging, changed)
                return self._swap(name, staging, live, now)

        return await self._run(rebuild)

    def _copy(self, source: Collection, target: Collection, ids: list[str]) -> None:
        for start in range(0, len(ids), 256):
            got = source.get(ids=ids[start : start + 256], include=["documents", "metadatas", "embeddings"])
            if got["ids"]:
                target.upsert(ids=got["ids"], documents=got["documents"], metadatas=got["metadatas"],
                              embeddings=got["embeddings"])

    def _swap(self, name: str, staging: Collection, live: Collection,
              seen: dict[str, dict[str, Any]]) -> list[StoredMemory]:
        """The rebuilt copy takes the brain's name, and the old collection (`live`, as `seen` last) is
        set aside until what writers in other processes did to it since is carried over: one that
        looked the brain up before the swap writes to the old collection. Those done before its
        renaming are found here; those after, by the writer itself (`_on`), done again on the copy.

        A writer elsewhere may make the brain anew between the two renamings (the name is then
        taken): what it wrote joins the copy. What a writer on another embedder stored meanwhile is
        returned, to be embedded anew."""
        retired = f"{name}{RETIRED}"
        with contextlib.suppress(NotFoundError, ValueError):  # left by a reindex that died: its brain is whole
            self._client.delete_collection(retired)
        staged = _metadatas(staging)
        live.modify(name=retired)
        for attempt in range(3):
            try:
                staging.modify(name=name)
                break
            except ChromaError:
                made = self._client.get_collection(name, embedding_function=None)
                self._copy(made, staging, made.get(include=[])["ids"])
                self._client.delete_collection(name)
                if attempt == 2:
                    raise
        try:
            now, copy_now = _metadatas(live), _metadatas(staging)
            # Only onto what the copy still holds as rebuilt: a write done again on it, a forget or a
            # context job there since the renaming are newer than the old collection (a review).
            untouched = {i for i, metadata in copy_now.items() if staged.get(i) == metadata}
            if gone := (set(seen) - set(now)) & untouched:
                staging.delete(ids=list(gone))
            changed = [i for i, metadata in now.items() if seen.get(i) != metadata
                       and (i in untouched or (i not in staged and i not in copy_now))]
            stale: list[StoredMemory] = []
            if changed and (live.metadata or {}).get("embedder") != self.embedder_name:
                # Stored meanwhile by a worker on the old embedder: its vectors mean nothing here.
                got = _read(live, ["documents", "metadatas"], ids=changed)
                stale = [StoredMemory(id=i, content=d or "", metadata=dict(m or {})) for i, d, m in
                         zip(got["ids"], got["documents"], got["metadatas"], strict=True)]
            elif changed:
                self._copy(live, staging, changed)
        except NotFoundError:  # cleared meanwhile: it stays so
            stale = []
        with contextlib.suppress(NotFoundError, ValueError):
            self._client.delete_collection(retired)
        return stale

    async def recover_rebuilds(self) -> list[str]:
        """At a start: a reindex that died between setting a brain's collection aside and renaming its
        rebuilt copy left the brain without one. The copy (complete: it is finished before the
        swap) becomes the brain again, or, were there none, the collection set aside. A copy beside its
        brain is left alone: another replica may be swapping it, and the next reindex of that brain
        throws a stale one away."""
        def recover() -> list[str]:
            restored = []
            kept = [c.name for c in self._client.list_collections() if c.name.startswith("b_")]
            left = [n for suffix in (REBUILDING, RETIRED) for n in kept if n.endswith(suffix)]  # copies first
            for left_name in left:
                name = left_name.removesuffix(REBUILDING).removesuffix(RETIRED)
                with _writing(brain_from_key(name)):
                    try:
                        self._client.get_collection(name, embedding_function=None)
                    except (NotFoundError, ValueError):
                        self._client.get_collection(left_name, embedding_function=None).modify(name=name)
                        restored.append(brain_from_key(name))
            return restored

        return await self._run(recover)

    async def embedder_of(self, brain: str) -> str | None:
        def embedder_of() -> str | None:
            collection = self._collection(brain, check=False)
            return None if collection is None else (collection.metadata or {}).get("embedder")

        return await self._run(embedder_of)

    async def brains(self) -> list[str]:
        return [name for name, _ in await self._run(self._brains)]

    def _brains(self, prefix: str = "") -> list[tuple[str, Collection]]:
        named = ((brain_from_key(c.name), c) for c in self._client.list_collections()
                 if c.name.startswith("b_") and not c.name.endswith((REBUILDING, RETIRED)))  # a reindex's
        return sorted(((name, c) for name, c in named if name.startswith(prefix)), key=lambda pair: pair[0])

    async def brain_counts(self, prefix: str, offset: int, limit: int) -> tuple[list[tuple[str, int]], int | None]:
        """The brains whose name starts with `prefix` and hold memories, by name, with how many: of the
        `limit` names from `offset`, and the offset of the next such page (None after the last). In one
        thread, counted on the collections as listed: a count each through `_on`, all at once, took
        18 s for 2,800 brains on a Chroma server and held every thread the store has, so that other
        users' queries and chats timed out meanwhile (a black-box pass)."""
        def counts() -> tuple[list[tuple[str, int]], int | None]:
            named = self._brains(prefix)
            page = named[offset : offset + limit]
            held = []
            for name, collection in page:
                with contextlib.suppress(NotFoundError, ValueError):  # cleared meanwhile
                    if count := collection.count():
                        held.append((name, count))
            return held, offset + limit if offset + limit < len(named) else None

        return await self._run(counts)
