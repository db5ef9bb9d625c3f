"""A stopping ingest worker holds nothing: every message delivered to it and not stored goes back to
the queue at once, not after its ack wait (ten minutes here). Found by a test that failed now and then
under load: a restarted worker lacked memories sent just before the stop."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig

from ingest_worker.app import fetch, hand_back

ACK_WAIT = 600


@pytest.fixture
async def queue(nats_url: str) -> AsyncIterator[tuple[JetStreamContext, str]]:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    stream = f"HANDBACK_{uuid.uuid4().hex[:8]}"
    await js.add_stream(name=stream, subjects=[f"{stream.lower()}.>"])
    yield js, stream
    await js.delete_stream(stream)
    await nc.close()


async def put(js: JetStreamContext, stream: str) -> None:
    for n in range(5):
        await js.publish(f"{stream.lower()}.memory", f"memory {n}".encode())


async def subscribe(js: JetStreamContext, stream: str) -> JetStreamContext.PullSubscription:
    config = ConsumerConfig(durable_name="ingest", ack_policy=AckPolicy.EXPLICIT, ack_wait=ACK_WAIT)
    return await js.pull_subscribe(f"{stream.lower()}.>", durable="ingest", stream=stream, config=config)


async def available(js: JetStreamContext, stream: str) -> int:
    """What another worker is given now: all five, unless some are held for the ack wait."""
    pull = await subscribe(js, stream)
    try:
        return len(await fetch(pull, 10))
    finally:
        await pull.unsubscribe()


async def test_a_fetch_cut_off_by_the_stop_holds_nothing(queue: tuple[JetStreamContext, str]) -> None:
    """Stopped while a fetch waits for the server's answer: what the server sends it then, to be
    taken by the cancelled fetch or left in the subscription, goes back."""
    js, stream = queue
    await put(js, stream)
    pull = await subscribe(js, stream)
    taking = asyncio.create_task(fetch(pull, 10))
    for _ in range(5):  # it asks the server for memories; they are on their way
        await asyncio.sleep(0)
    taking.cancel()
    with pytest.raises(asyncio.CancelledError):
        await taking
    await hand_back(pull, [])
    assert await available(js, stream) == 5


async def test_the_batch_in_hand_is_handed_back(queue: tuple[JetStreamContext, str]) -> None:
    js, stream = queue
    await put(js, stream)
    pull = await subscribe(js, stream)
    in_hand = await fetch(pull, 10)
    assert len(in_hand) == 5
    await hand_back(pull, in_hand)
    assert await available(js, stream) == 5
