"""Lumia on a NATS cluster of real nats-server processes under deploy/nats/lumia.conf: components
follow the cluster when their node stops, and JetStream keeps the copies it is told to."""

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import nats
import pytest
from nats.aio.msg import Msg

from shared import subjects
from shared.bus import bucket, connect, make_broker
from shared.embedded_nats import free_port
from shared.memory.jetstream import ensure_streams
from tests.harness import ROOT, NatsServer
from tests.test_nats_permissions import PASSWORDS

T = TypeVar("T")


def cluster(size: int, started: int | None = None) -> list[NatsServer]:
    """`size` clustered nodes under deploy/nats/lumia.conf (the first `started` of them; `node(i, routes)`
    starts another later); each tells its clients of the others by address only, as a real cluster does."""
    routes = [free_port() for _ in range(size)]
    return [node(i, routes) for i in range(size if started is None else started)]


def node(i: int, routes: list[int]) -> NatsServer:
    own = routes[i]
    return NatsServer(config=ROOT / "deploy" / "nats" / "lumia.conf", env=PASSWORDS, extra_args=(
        "--server_name", f"node-{i}", "--cluster_name", "lumia-test", "--cluster", f"nats://127.0.0.1:{own}",
        "--routes", ",".join(f"nats://127.0.0.1:{peer}" for peer in routes if peer != own)))


@pytest.fixture
def locked_cluster() -> Iterator[list[NatsServer]]:
    nodes = cluster(2)
    yield nodes
    for node in nodes:
        if node.proc.poll() is None:
            node.stop()


@pytest.mark.parametrize("client", ["connection", "worker broker"])
async def test_a_client_given_one_node_with_credentials_moves_to_the_other_when_it_stops(
    locked_cluster: list[NatsServer], client: str,
) -> None:
    first, second = locked_cluster
    password = PASSWORDS["LUMIA_NATS_PASSWORD"]
    answerer = await nats.connect(second.url_for("lumia", password))

    async def answer(msg: Msg) -> None:
        await msg.respond(b"pong:" + msg.data)

    await answerer.subscribe("lumia.test.ping", cb=answer)
    await answerer.flush()

    # Only the first node is named: the second is known only from what the cluster tells the client.
    url = first.url_for("lumia", password)
    broker = make_broker(url, "lumia-test-worker") if client == "worker broker" else None
    if broker is not None:
        await broker.start()
        assert broker._connection is not None
        nc = broker._connection
    else:
        nc = await connect(url, "lumia-test-client")
    try:
        assert (await nc.request("lumia.test.ping", b"1", timeout=5)).data == b"pong:1"
        first.stop()
        deadline = asyncio.get_running_loop().time() + 15
        while not (nc.is_connected and nc.connected_url is not None and nc.connected_url.port == second.port):
            assert not nc.is_closed, f"the client gave up instead of reconnecting: {nc.last_error!r}"
            assert asyncio.get_running_loop().time() < deadline, "the client did not reconnect to the other node"
            await asyncio.sleep(0.05)
        assert (await nc.request("lumia.test.ping", b"2", timeout=5)).data == b"pong:2"
    finally:
        if broker is not None:
            await broker.stop()
        else:
            await nc.close()
        await answerer.close()


async def test_memory_streams_and_buckets_keep_a_copy_on_every_node_and_survive_losing_one() -> None:
    nodes = cluster(3)
    password = PASSWORDS["LUMIA_NATS_PASSWORD"]
    nc = await connect(",".join(node.url_for("lumia", password) for node in nodes), "lumia-test-cluster")
    try:
        js = nc.jetstream()
        await eventually(js.account_info)  # the new cluster's JetStream has its leader
        await bucket(js, subjects.PERSONA_BUCKET, 1)  # as a deployment made before the setting left it
        await ensure_streams(js, 3)
        kvs = {name: await bucket(js, name, 3)
               for name in (subjects.PERSONA_BUCKET, subjects.FORGETS_BUCKET, subjects.TOOLS_BUCKET)}
        streams = [subjects.MEMORY_STREAM, subjects.DEAD_LETTER_STREAM, *(f"KV_{name}" for name in kvs)]
        async def copies(stream: str) -> int:
            info = await js.stream_info(stream)
            assert info.config.num_replicas == 3, stream
            # Counted once caught up: a leader lost before its copies are current leaves nobody to take over.
            return 1 + sum(bool(peer.current) for peer in info.cluster.replicas or []) if info.cluster else 1

        for stream in streams:  # a bucket brought from one copy to three gets its other two shortly
            assert await eventually(lambda stream=stream: copies(stream), until=lambda n: n == 3) == 3, stream
        # A component started without the deployment's setting does not take copies away.
        await ensure_streams(js, 1)
        for name in kvs:
            await bucket(js, name, 1)
        for stream in streams:
            assert (await js.stream_info(stream)).config.num_replicas == 3, stream

        await kvs[subjects.PERSONA_BUCKET].put("b_usr_x", b"- Allergic to penicillin.")
        await js.publish(subjects.memory_ingest("b_usr_x"), b'{"queued": 1}')
        leader = (await js.stream_info(subjects.MEMORY_STREAM)).cluster
        assert leader is not None
        next(node for node in nodes if leader.leader == f"node-{nodes.index(node)}").stop()

        # The two nodes left elect a new leader and still hold what was written before.
        entry = await eventually(lambda: kvs[subjects.PERSONA_BUCKET].get("b_usr_x"))
        queued = await eventually(lambda: js.stream_info(subjects.MEMORY_STREAM))
        assert entry.value == b"- Allergic to penicillin." and queued.state.messages == 1
    finally:
        await nc.close()
        for node in nodes:
            if node.proc.poll() is None:
                node.stop()


async def eventually(
    ask: Callable[[], Awaitable[T]], until: Callable[[T], bool] = lambda _: True, within: float = 30,
) -> T:
    """What `ask` answers once the cluster has settled: a cluster elects its JetStream leaders, and
    spreads a stream's copies, in a few seconds; the last answer (or error) after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            answer = await ask()
            if until(answer) or asyncio.get_running_loop().time() > deadline:
                return answer
        except Exception:
            if asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.2)


async def test_streams_of_three_copies_wait_for_a_cluster_still_joining() -> None:
    """A cluster started all at once took the memory stream before its third server's JetStream had
    joined ("no suitable peers for placement"), and the component failed to start: seen under load."""
    routes = [free_port() for _ in range(3)]
    nodes = [node(0, routes), node(1, routes)]
    nc = await connect(",".join(n.url_for("lumia", PASSWORDS["LUMIA_NATS_PASSWORD"]) for n in nodes), "lumia-test")
    try:
        js = nc.jetstream()
        await eventually(js.account_info)  # two of three: JetStream answers, but has no room for three copies
        making = asyncio.gather(ensure_streams(js, 3), bucket(js, subjects.PERSONA_BUCKET, 3))
        await asyncio.sleep(1)
        assert not making.done()  # waiting for the third server, not failed
        nodes.append(node(2, routes))
        await making
        for stream in (subjects.MEMORY_STREAM, f"KV_{subjects.PERSONA_BUCKET}"):
            assert (await js.stream_info(stream)).config.num_replicas == 3
    finally:
        await nc.close()
        for each in nodes:
            each.stop()
