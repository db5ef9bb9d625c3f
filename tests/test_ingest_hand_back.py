"""A stopping ingest worker holds nothing: every message delivered to it and not stored goes back to
the queue within seconds, not after its ack wait (ten minutes here). Found by a test that failed now and then
under load: a restarted worker lacked memories sent just before the stop."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.msg import Msg
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


async def available(js: JetStreamContext, stream: str) -> list[Msg]:
    """What another worker is given within a few seconds (a hand-back is sent again after two): all
    five, unless some are held for the ack wait (ten minutes)."""
    pull = await subscribe(js, stream)
    given: list[Msg] = []
    try:
        for _ in range(5):
            given += await fetch(pull, 10)
            if len(given) >= 5:
                break
        return given
    finally:
        await pull.unsubscribe()


async def test_what_the_server_delivered_after_the_last_fetch_is_handed_back(
        queue: tuple[JetStreamContext, str]) -> None:
    js, stream = queue
    await put(js, stream)
    pull = await subscribe(js, stream)
    # A pull request whose memories arrive after its fetch has returned, as under load: sent by hand to
    # the subscription's inbox (nats-py names it only privately).
    await js._nc.publish(f"$JS.API.CONSUMER.MSG.NEXT.{stream}.ingest", json.dumps({"batch": 5}).encode(),
                         reply=pull._deliver)
    for _ in range(250):
        if pull.pending_msgs == 5:
            break
        await asyncio.sleep(0.02)
    assert pull.pending_msgs == 5
    await hand_back(pull, [])
    assert len(await available(js, stream)) == 5


async def test_a_fetch_cut_off_by_the_stop_gives_back_what_it_took(queue: tuple[JetStreamContext, str]) -> None:
    """Stopped while its fetch waits on the server: the memories sent then reach the fetch, which the
    stop must not cut off before it can give them back."""
    js, stream = queue
    pull = await subscribe(js, stream)
    taking = asyncio.create_task(fetch(pull, 10))
    for _ in range(250):
        if (await js.consumer_info(stream, "ingest")).num_waiting == 1:
            break
        await asyncio.sleep(0.02)
    taking.cancel()
    await put(js, stream)
    with pytest.raises(asyncio.CancelledError):
        await taking
    await pull.unsubscribe()
    assert len(await available(js, stream)) == 5


async def test_a_stop_takes_nothing_new(queue: tuple[JetStreamContext, str]) -> None:
    """An idle worker's stop asks the server for nothing: memories sent meanwhile are not delivered to
    it and given back, which would use up one of their attempts (LUMIA_INGEST_MAX_DELIVER)."""
    js, stream = queue
    pull = await subscribe(js, stream)
    assert await fetch(pull, 10) == []
    await closed(js, stream)  # idle: the server has ended the fetch's request too
    stopping = asyncio.create_task(hand_back(pull, []))
    await put(js, stream)
    await stopping
    given = await available(js, stream)
    assert [msg.metadata.num_delivered for msg in given] == [1] * 5


async def closed(js: JetStreamContext, stream: str) -> None:
    for _ in range(250):
        if (await js.consumer_info(stream, "ingest")).num_waiting == 0:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the server kept a pull request open")


async def test_the_batch_in_hand_is_handed_back(queue: tuple[JetStreamContext, str]) -> None:
    js, stream = queue
    await put(js, stream)
    pull = await subscribe(js, stream)
    in_hand = await fetch(pull, 10)
    assert len(in_hand) == 5
    await hand_back(pull, in_hand)
    assert len(await available(js, stream)) == 5

