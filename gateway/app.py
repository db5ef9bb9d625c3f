"""The gateway application: FastAPI over one NATS connection."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from gateway.relay import ChatRelay
from gateway.routes import chat, health, memory, router, threads
from shared.bus import connect, instance_name
from shared.memory.jetstream import ensure_streams
from shared.settings import Settings, get_settings
from shared.threads.store import ThreadStore

log = logging.getLogger("lumia.gateway")


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = resolved = settings or get_settings()
        nc = await connect(resolved.nats_servers, instance_name("gateway"))
        await ensure_streams(nc.jetstream())
        relay = ChatRelay(nc, resolved.stream_timeout)
        await relay.start()
        app.state.nats, app.state.relay = nc, relay
        app.state.threads = store = await ThreadStore.open(resolved.database)
        log.info("gateway connected to NATS at %s", resolved.nats_servers)
        try:
            yield
        finally:
            await relay.stop()
            await nc.drain()
            await store.close()

    app = FastAPI(title="Lumia", summary="A private AI assistant with a personal memory", lifespan=lifespan)
    app.include_router(chat.router)
    app.include_router(memory.router)
    app.include_router(threads.router)
    app.include_router(router.router)
    app.include_router(health.router)
    return app
