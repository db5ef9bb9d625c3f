"""The NATS connection helpers every component uses."""

import asyncio
import contextlib
import logging
import math
import os
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

import nats
from faststream import FastStream
from faststream.nats import NatsBroker, NatsToken
from faststream.security import BaseSecurity, SASLPlaintext
from faststream.specification import AsyncAPI
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BadRequestError, BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue

from shared import subjects

log = logging.getLogger("lumia.bus")

# Reconnect forever: a NATS restart must never need a Lumia restart.
RECONNECT_OPTIONS: dict[str, Any] = {"max_reconnect_attempts": -1, "reconnect_time_wait": 0.5}


def server_list(url: str) -> list[str]:
    """NATS_URL may name a cluster as comma-separated URLs; nats-py wants a list."""
    return [part.strip() for part in url.split(",") if part.strip()]


def servers_named(url: str) -> str:
    """NATS_URL for a message or a log: the servers only, never the user, password or token it may carry."""
    return ", ".join(f"{parts.hostname}:{parts.port or 4222}" for parts in map(urlsplit, server_list(url)))


@dataclass(frozen=True)
class Endpoint:
    """NATS_URL split into the servers and the credentials they carry.

    The credentials go to the client as options, not only inside the URLs: a cluster node tells
    clients about its peers by address alone, and nats-py closes a client for good on the
    authorization error it gets reconnecting to such a peer without them."""

    servers: list[str]
    auth: dict[str, str] = field(default_factory=dict)

    def security(self) -> BaseSecurity | None:
        if "token" in self.auth:
            return NatsToken(self.auth["token"])
        if "user" in self.auth:
            return SASLPlaintext(self.auth["user"], self.auth["password"])
        return None


def endpoint(url: str) -> Endpoint:
    servers: list[str] = []
    auth: dict[str, str] = {}
    for server in server_list(url):
        parts = urlsplit(server if "://" in server else f"nats://{server}")
        if parts.username and not auth:  # `nats://@host` names no one
            if parts.password is None:
                auth = {"token": unquote(parts.username)}
            else:
                auth = {"user": unquote(parts.username), "password": unquote(parts.password)}
        servers.append(urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])))
    return Endpoint(servers, auth)


async def connect(url: str, name: str, on_lost: Callable[[], None] | None = None) -> Client:
    """A connection that reconnects forever; `on_lost` runs whenever it is lost (not on close())."""
    client: Client | None = None

    async def on_error(exc: Exception) -> None:
        log.warning("NATS error on %s: %s", name, exc)

    async def on_disconnect() -> None:
        # nats.py calls this on our own close() too: only a lost connection is worth a warning.
        if client is None or not client.is_closed:
            log.warning("NATS disconnected (%s); reconnecting", name)
            if on_lost is not None:
                on_lost()

    async def on_reconnect() -> None:
        log.info("NATS reconnected (%s)", name)

    target = endpoint(url)
    client = await nats.connect(
        target.servers,
        name=name,
        error_cb=on_error,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
        **RECONNECT_OPTIONS,
        **target.auth,
    )
    return client


def beat_every(asked: str | None) -> float:
    """The seconds between progress beats a request's PROGRESS_EVERY_HEADER asks for (see subjects)."""
    try:
        every = float(asked or "")
    except ValueError:
        return subjects.PROGRESS_BEAT
    if not math.isfinite(every):
        return subjects.PROGRESS_BEAT
    return min(max(every, subjects.MIN_PROGRESS_BEAT), subjects.PROGRESS_BEAT)


@asynccontextmanager
async def beats(nc: Client, reply: str | None, every: float = subjects.PROGRESS_BEAT) -> AsyncIterator[None]:
    """Progress beats (subjects.PROGRESS_HEADER) on `reply` every `every` s while the block runs; none
    without a reply subject."""
    if reply is None:
        yield
        return

    async def beat() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                await nc.publish(reply, b"", headers={subjects.PROGRESS_HEADER: "1"})
            except NatsError as exc:  # the asker will hear no more: its own wait tells it
                log.warning("could not send a progress beat to %s: %s", reply, exc)
                return

    beating = asyncio.create_task(beat())
    try:
        yield
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating


def is_no_responders(msg: Msg) -> bool:
    """True for the status message the server sends when nobody subscribes to a request subject."""
    return msg.headers is not None and msg.headers.get("Status") == "503" and not msg.data


async def is_reachable(url: str, wait: float = 1.0) -> bool:
    """Whether something accepts TCP connections at the first of the NATS URLs (cheap pre-flight check)."""
    parts = urlsplit(server_list(url)[0])
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 4222), wait
        )
    except (TimeoutError, OSError):
        return False
    writer.close()
    await writer.wait_closed()
    return True


async def stream_subjects(js: JetStreamContext, stream: str, pattern: str) -> dict[str, int]:
    """How many messages `stream` holds on each of its subjects matching `pattern` (none if
    the stream does not exist)."""
    try:
        info = await js.stream_info(stream, subjects_filter=pattern)
    except NotFoundError:
        return {}
    return info.state.subjects or {}


NO_PEERS_YET = 10005  # JetStream's "no suitable peers for placement": a cluster's servers still joining
PEERS_WAIT = 30.0  # s a stream or bucket of several copies waits for them
T = TypeVar("T")


async def placed(make: Callable[[], Awaitable[T]]) -> T:
    """`make` (a stream's or bucket's creation or change), again while JetStream has too few servers
    for its copies: a cluster started all at once takes its first streams before every server's
    JetStream has joined (seen under load in tests/test_nats_cluster.py)."""
    deadline = time.monotonic() + PEERS_WAIT
    while True:
        try:
            return await make()
        except BadRequestError as refused:
            if refused.err_code != NO_PEERS_YET or time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


async def bucket(js: JetStreamContext, name: str, replicas: int) -> KeyValue:
    """A key-value bucket on disk keeping one value per key, with at least `replicas` copies in a
    cluster: a bucket made before with fewer is raised to it (a cluster grown later)."""
    try:
        kv = await js.key_value(name)
    except BucketNotFoundError:
        made = KeyValueConfig(bucket=name, history=1, storage=StorageType.FILE, replicas=replicas)
        return await placed(lambda: js.create_key_value(made))
    config = (await js.stream_info(f"KV_{name}")).config
    wanted = copies(f"KV_{name}", config.num_replicas, replicas)
    if wanted != config.num_replicas:
        config.num_replicas = wanted
        await placed(lambda: js.update_stream(config))
    return kv


def copies(stream: str, existing: int | None, wanted: int) -> int:
    """The copies a stream keeps: raised to `wanted`, never lowered by a component started without
    the deployment's LUMIA_JETSTREAM_REPLICAS (lowering is done by hand, with the nats CLI)."""
    if existing is not None and existing > wanted:
        log.warning("JetStream %s keeps %d copies, more than LUMIA_JETSTREAM_REPLICAS=%d: left at %d",
                    stream, existing, wanted, existing)
        return existing
    return wanted


def instance_name(kind: str) -> str:
    """A replica's name on the bus: which kind, which host, which process."""
    return f"lumia-{kind}-{socket.gethostname()}-{os.getpid()}"


def make_broker(nats_url: str, instance: str, **kwargs: Any) -> NatsBroker:
    """The FastStream broker a worker replica runs on, named after the replica.

    It logs through Lumia's logging, so LUMIA_LOG_LEVEL applies to it too. Its per-message
    "Received"/"Processed" lines are DEBUG: at INFO they cost more than the chat hot path itself."""
    target = endpoint(nats_url)
    return NatsBroker(
        target.servers, security=target.security(), name=instance,
        logger=logging.getLogger("lumia.bus"), log_level=logging.DEBUG, **RECONNECT_OPTIONS, **kwargs,
    )


def make_app(broker: NatsBroker, kind: str, doc: str | None, **kwargs: Any) -> FastStream:
    """A worker's FastStream app; its AsyncAPI document (`make docs`) carries the module docstring."""
    spec = AsyncAPI(title=f"Lumia {kind}_worker", version="0.1.0", description=doc)

    async def listening() -> None:
        # "Started" must mean the server has the subscriptions: they are sent without waiting, and a
        # request right after a worker's start was once told no worker listened (a 503 under load).
        await broker.connection.flush()

    return FastStream(broker, specification=spec, logger=logging.getLogger(f"lumia.{kind}"),
                      after_startup=[listening], **kwargs)
