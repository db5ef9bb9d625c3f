"""The scaled-out bus configuration (deploy/nats/lumia.conf) on a real nats-server: no
anonymous clients, Lumia's services work with their credentials, and an internal
publisher can ask for chats but neither write memories nor read others' replies."""

import asyncio
import json
from collections.abc import Iterator

import nats
import pytest
from nats.errors import Error as NatsError

from shared import subjects
from shared.messages import ChatEvent, ChatRequest
from tests.fake_ollama import FakeOllama
from tests.harness import ROOT, NatsServer, Stack, wait_until
from tests.tool_server import ToolServer

PASSWORDS = {"LUMIA_NATS_PASSWORD": "lumia-pw-7c1e0d", "LUMIA_INTERNAL_NATS_PASSWORD": "internal-pw-9f2a"}


@pytest.fixture(scope="module")
def locked_bus() -> Iterator[NatsServer]:
    server = NatsServer(config=ROOT / "deploy" / "nats" / "lumia.conf", env=PASSWORDS)
    yield server
    server.stop()


def test_anonymous_clients_are_refused(locked_bus: NatsServer) -> None:
    async def attempt() -> None:
        await nats.connect(locked_bus.url, allow_reconnect=False, connect_timeout=2, max_reconnect_attempts=0)

    with pytest.raises((NatsError, OSError)):
        asyncio.run(attempt())


def test_lumia_runs_on_the_locked_bus_and_internal_rights_are_narrow(
        locked_bus: NatsServer, fake_ollama: FakeOllama, tool_server: ToolServer,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    stack = Stack(locked_bus.url_for("lumia", PASSWORDS["LUMIA_NATS_PASSWORD"]), fake_ollama.url,
                  tmp_path_factory.mktemp("locked"))
    stack.start("llm", "brain", "tools", "gateway")
    try:
        with stack.client() as client:
            # Every kind of bus traffic Lumia does: JetStream ingest, KV, request/reply, streams.
            assert client.post("/ingest", json={"customer_id": "locked", "content": "Jag heter Lisa."}
                               ).status_code == 202
            assert wait_until(lambda: client.get("/memory/stats/locked").json()["memory_count"] == 1)
            assert client.post("/router/tools/register", json={
                "name": "t", "description": "d", "callback_url": tool_server.url("fast")}).status_code == 200
            reply = client.post("/memory/chat", json={"user_id": "locked", "message": "Vad heter jag, Lisa?"})
            assert reply.status_code == 200 and reply.json()["context_used"] is True
        internal = asyncio.run(_internal_client(locked_bus))
    finally:
        stack.stop()
    assert internal["chat"] == "Echo: hej från ett internt system"
    assert internal["violations"] == {"ingest": True, "cancel": True, "read others' replies": True}


async def _internal_client(server: NatsServer) -> dict[str, object]:
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    nc = await nats.connect(server.url_for("internal", PASSWORDS["LUMIA_INTERNAL_NATS_PASSWORD"]),
                            inbox_prefix="_INBOX_internal", error_cb=on_error)
    inbox = nc.new_inbox()
    replies = await nc.subscribe(inbox)
    request = ChatRequest(request_id="internal-0001", user_id="internal", message="hej från ett internt system")
    await nc.publish(subjects.CHAT_REQUEST, request.model_dump_json().encode(), reply=inbox)
    text = []
    while True:
        event = ChatEvent.model_validate_json((await replies.next_msg(timeout=20)).data)
        if event.type == "delta":
            text.append(event.text)
        if event.is_final:
            break

    async def violated(action: str) -> bool:
        before = len(errors)
        if action == "read others' replies":
            await nc.subscribe("_INBOX.>")
        else:
            subject = subjects.memory_ingest("b_x") if action == "ingest" else subjects.chat_cancel("internal-0001")
            await nc.publish(subject, json.dumps({"x": 1}).encode())
        await nc.flush()
        # Each is refused, so the error comes; the bound only ends a test whose refusal never does.
        for _ in range(100):
            if any("permissions violation" in e.lower() for e in errors[before:]):
                return True
            await asyncio.sleep(0.05)
        return False

    found = {action: await violated(action) for action in ("ingest", "cancel", "read others' replies")}
    await nc.close()
    return {"chat": "".join(text), "violations": found}

