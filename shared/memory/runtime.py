"""The memory resources of one process, built once in a lifespan and shared by the workers it hosts.

With embedded Chroma one process must own the directory, so the brain_worker
process also hosts ingestion; with CHROMA_URL each worker runs on its own.
"""

from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import tzinfo

from faststream import ContextRepo
from nats.aio.client import Client

from shared import subjects
from shared.bus import bucket
from shared.memory.embedder import Embedder, LocalEmbedder, OllamaEmbedder
from shared.memory.forgets import Forgets
from shared.memory.jetstream import ensure_streams
from shared.memory.persona import PersonaBook
from shared.memory.store import MemoryStore, open_chroma
from shared.ollama import OllamaClient, ollama_session
from shared.settings import Settings

CONTEXT_KEY = "memory_runtime"


@dataclass
class MemoryRuntime:
    store: MemoryStore
    embedder: Embedder
    personas: PersonaBook
    ollama: OllamaClient
    nc: Client
    forgets: Forgets
    zone: tzinfo  # the user's (LUMIA_TIMEZONE): where their days begin


async def memory_runtime(context: ContextRepo, settings: Settings, nc: Client, stack: AsyncExitStack) -> MemoryRuntime:
    """The process's runtime, created by whichever hosted worker starts first."""
    existing: MemoryRuntime | None = context.get(CONTEXT_KEY)
    if existing is not None:
        return existing
    http = await stack.enter_async_context(ollama_session(settings.ollama_connect_timeout,
                                                          settings.ollama_read_timeout))
    embedder: Embedder
    if settings.embedding_backend == "ollama":
        embedder = OllamaEmbedder(http, settings.ollama_base_url, settings.embedding_model)
    else:
        local = LocalEmbedder()
        stack.callback(local.close)
        await local.load()  # here rather than on the first question or batch, which would wait for it
        embedder = local
    client = open_chroma(settings.chroma_url, settings.chroma_directory, settings.chroma_open_brains,
                         settings.chroma_timeout)
    js = nc.jetstream()
    await ensure_streams(js, settings.jetstream_replicas)
    runtime = MemoryRuntime(
        store=MemoryStore(client, embedder.name),
        embedder=embedder,
        personas=PersonaBook(await bucket(js, subjects.PERSONA_BUCKET, settings.jetstream_replicas)),
        ollama=OllamaClient(http, settings.ollama_base_url, settings.ollama_stall_timeout),
        nc=nc,
        forgets=await Forgets.open(js, settings.jetstream_replicas),
        zone=settings.zone,
    )
    context.set_global(CONTEXT_KEY, runtime)
    return runtime
