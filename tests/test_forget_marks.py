"""A forget mark is deleted only at the revision it was read at, against a real nats-server."""

import uuid
from collections.abc import AsyncIterator

import nats
import pytest
from nats.js.kv import KeyValue

from shared.memory.forgets import delete_unless_changed


@pytest.fixture
async def bucket(nats_url: str) -> AsyncIterator[KeyValue]:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    name = f"marks_{uuid.uuid4().hex[:8]}"
    yield await js.create_key_value(bucket=name)
    await js.delete_key_value(name)
    await nc.close()


async def test_a_mark_raised_meanwhile_is_kept_not_an_error(bucket: KeyValue) -> None:
    """Found in a black-box pass's log: "could not sweep the forget marks … wrong last sequence". nats-py
    reports a delete's revision mismatch as a BadRequestError, which the sweep did not expect."""
    read = await bucket.put("brain.any", b"10")
    raised = await bucket.update("brain.any", b"12", last=read)
    assert await delete_unless_changed(bucket, "brain.any", read) is False
    assert (await bucket.get("brain.any")).value == b"12"
    assert await delete_unless_changed(bucket, "brain.any", raised) is True
    assert [entry.operation for entry in await bucket.history("brain.any")][-1] == "DEL"
