"""The router and tool callbacks: the real bus, a real tool server on loopback, the Ollama-protocol server."""

import asyncio
import json
import uuid
from collections.abc import Callable
from ipaddress import ip_address
from typing import Any

import httpx
import pytest

from tests.fake_ollama import FakeOllama
from tests.harness import Stack, wait_until
from tests.sse import stream_chat
from tests.tool_server import INJECTION, ToolServer
from tools_worker.policy import DEFAULT_ALLOWED, OutboundPolicy, Refused


def user() -> str:
    return f"router-{uuid.uuid4().hex[:8]}"


def tool(server: ToolServer, name: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "description": f"the {kind} tool", "callback_url": server.url(kind), **fields}


def decide(fake: FakeOllama, *calls: tuple[str, str], use_brain: bool = False) -> None:
    fake.behaviour.router_reply = json.dumps(
        {"use_brain": use_brain, "tools": [{"name": n, "input": i} for n, i in calls]})


def routed(client: httpx.Client, message: str, tools: list[dict[str, Any]], owner: str | None = None) -> Any:
    response = client.post("/router/chat", json={"user_id": owner or user(), "message": message, "tools": tools})
    assert response.status_code == 200, response.text
    return response.json()


def answer_request(fake: FakeOllama, message: str) -> list[dict[str, str]]:
    """The messages of the final answer (not the router's decision) for `message`."""
    return [r for r in fake.record.requests
            if "format" not in r and r.get("messages") and r["messages"][-1]["content"] == message][-1]["messages"]


def test_a_chosen_tool_runs_and_its_output_reaches_the_model_as_data(
        lumia: Stack, fake_ollama: FakeOllama, tool_server: ToolServer) -> None:
    decide(fake_ollama, ("weather", "Umeå"))
    owner = user()
    with lumia.client() as client:
        body = routed(client, "Hur blir vädret i Umeå?", [tool(tool_server, "weather", "fast")], owner)
    assert set(body) == {"response", "used_brain", "tools_invoked", "context_used", "context_length",
                         "persona_included", "response_length", "processing_time_ms", "memories_used",
                         "memory_unavailable", "memory_unsaved"}
    assert body["tools_invoked"] == [{"name": "weather", "ok": True, "content": "fast result for Umeå"}]
    assert body["used_brain"] is False and body["response"] == "Echo: Hur blir vädret i Umeå?"
    assert tool_server.record.bodies == [{"path": "fast", "host_header": f"127.0.0.1:{tool_server.port}",
                                          "name": "weather", "input": "Umeå", "user_id": owner,
                                          "message": "Hur blir vädret i Umeå?"}]
    decision = next(r for r in fake_ollama.record.requests if "format" in r)
    assert decision["model"] == "qwen2.5:0.5b"
    assert decision["format"]["properties"]["tools"]["items"]["properties"]["name"]["enum"] == ["weather"]
    sent = answer_request(fake_ollama, "Hur blir vädret i Umeå?")
    assert "fast result for Umeå" not in sent[0]["content"]  # never in the system prompt
    assert sent[-2]["role"] == "user" and '<tool_output name="weather" ok="true">' in sent[-2]["content"]
    assert "fast result for Umeå" in sent[-2]["content"]


def test_the_stream_announces_each_tool_before_the_first_chunk(
        lumia: Stack, fake_ollama: FakeOllama, tool_server: ToolServer) -> None:
    decide(fake_ollama, ("a", "x"), ("b", "y"))
    with lumia.client() as client:
        events = stream_chat(client, {"user_id": user(), "message": "two tools please",
                                      "tools": [tool(tool_server, "a", "fast"), tool(tool_server, "b", "teapot")]},
                             path="/router/chat/stream")
    first_chunk = next(i for i, e in enumerate(events) if "chunk" in e)
    tools = [e["tool"] for e in events[:first_chunk] if "tool" in e]
    assert sorted(tools, key=lambda t: t["name"]) == [{"name": "a", "ok": True}, {"name": "b", "ok": False}]
    assert events[-1]["done"] is True and "".join(e.get("chunk", "") for e in events) == "Echo: two tools please"


def test_retries_on_5xx_only_and_never_on_4xx(lumia: Stack, fake_ollama: FakeOllama,
                                              tool_server: ToolServer) -> None:
    decide(fake_ollama, ("flaky", ""), ("broken", ""), ("teapot", ""))
    with lumia.client() as client:
        body = routed(client, "retry things", [tool(tool_server, "flaky", "flaky"),
                                                tool(tool_server, "broken", "broken"),
                                                tool(tool_server, "teapot", "teapot")])
    results = {r["name"]: r for r in body["tools_invoked"]}
    assert results["flaky"] == {"name": "flaky", "ok": True, "content": "recovered"}
    assert results["broken"]["ok"] is False and "500" in results["broken"]["content"]
    assert results["teapot"]["ok"] is False and "418" in results["teapot"]["content"]
    assert tool_server.record.calls == {"flaky": 3, "broken": 3, "teapot": 1}
    assert body["response"] == "Echo: retry things"  # failed tools never stop the answer


def test_a_slow_tool_times_out_and_the_answer_still_comes(make_stack: Callable[..., Stack],
                                                          fake_ollama: FakeOllama, tool_server: ToolServer) -> None:
    tool_server.record.slow_seconds = 3
    stack = make_stack("llm", "tools", "gateway", LUMIA_TOOL_TIMEOUT="0.5")
    decide(fake_ollama, ("slow", ""), ("fast", "q"))
    with stack.client() as client:
        body = routed(client, "slow one", [tool(tool_server, "slow", "slow"), tool(tool_server, "fast", "fast")])
    results = {r["name"]: r for r in body["tools_invoked"]}
    assert results["slow"] == {"name": "slow", "ok": False, "content": "no answer within 0.5 s"}
    assert results["fast"]["ok"] is True and body["response"] == "Echo: slow one"


def test_oversized_answers_are_capped_and_structured_ones_kept(
        lumia: Stack, fake_ollama: FakeOllama, tool_server: ToolServer) -> None:
    decide(fake_ollama, ("huge", ""), ("structured", ""), ("plain", ""))
    with lumia.client() as client:
        body = routed(client, "big answers", [tool(tool_server, "huge", "huge"),
                                              tool(tool_server, "structured", "structured"),
                                              tool(tool_server, "plain", "plain")])
    results = {r["name"]: r for r in body["tools_invoked"]}
    assert results["huge"]["ok"] is True and "[… cut" in results["huge"]["content"]
    assert len(results["huge"]["content"].encode()) < 16 * 1024 + 200
    assert json.loads(results["structured"]["content"]) == {"temperature": 21, "unit": "C"}
    assert results["plain"]["content"] == "plain text result"


def test_redirects_are_not_followed(lumia: Stack, fake_ollama: FakeOllama, tool_server: ToolServer) -> None:
    decide(fake_ollama, ("sneaky", ""))
    with lumia.client() as client:
        body = routed(client, "follow me", [tool(tool_server, "sneaky", "redirect")])
    [result] = body["tools_invoked"]
    assert result["ok"] is False and "redirects are not followed" in result["content"]
    assert "169.254.169.254" in result["content"] and tool_server.record.calls == {"redirect": 1}


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/",  # decimal
    "http://0251.0376.0251.0376/",  # octal
    "http://0xa9fea9fe/",  # hexadecimal
    "http://169.254.43518/",  # two-part form
    "http://[::ffff:169.254.169.254]/",  # IPv4-mapped
    "http://[::ffff:a9fe:a9fe]/",
    "http://[::169.254.169.254]/",  # IPv4-compatible
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64
    "http://[2002:a9fe:a9fe::1]/",  # 6to4
    "http://[fe80::1]/",
    "http://[fd00:ec2::254]/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://8.8.8.8/",  # public: outside the default allowed networks
])
def test_blocked_addresses_are_refused_in_every_spelling(url: str) -> None:
    policy = OutboundPolicy.from_setting(DEFAULT_ALLOWED)
    with pytest.raises(Refused):
        asyncio.run(policy.resolve(url))


@pytest.mark.parametrize(("url", "address"), [
    ("http://127.0.0.1:9000/x", "127.0.0.1"),
    ("http://localhost:9000/x", "127.0.0.1"),
    ("http://10.1.2.3/x", "10.1.2.3"),
    ("http://192.168.1.20:8080/x", "192.168.1.20"),
    ("http://[::1]:9000/x", "::1"),
    ("http://[::ffff:127.0.0.1]/x", "::ffff:127.0.0.1"),
])
def test_loopback_and_private_addresses_are_allowed_by_default(url: str, address: str) -> None:
    resolved, _, _ = asyncio.run(OutboundPolicy.from_setting(DEFAULT_ALLOWED).resolve(url))
    assert ip_address(resolved) == ip_address(address) or (address == "127.0.0.1" and resolved == "::1")


def test_the_allowed_networks_setting_narrows_and_widens() -> None:
    narrow = OutboundPolicy.from_setting("127.0.0.0/8")
    with pytest.raises(Refused):
        asyncio.run(narrow.resolve("http://10.1.2.3/"))
    wide = OutboundPolicy.from_setting(f"{DEFAULT_ALLOWED},0.0.0.0/0")
    assert asyncio.run(wide.resolve("http://8.8.8.8/"))[0] == "8.8.8.8"
    with pytest.raises(Refused):  # widening never reaches the always-blocked addresses
        asyncio.run(wide.resolve("http://169.254.169.254/"))


def test_a_refused_callback_is_reported_and_the_connection_goes_to_the_checked_address(
        lumia: Stack, fake_ollama: FakeOllama, tool_server: ToolServer) -> None:
    decide(fake_ollama, ("metadata", ""), ("named", ""))
    named = tool(tool_server, "named", "fast", callback_url=tool_server.url("fast", host="localhost"))
    with lumia.client() as client:
        body = routed(client, "metadata please", [
            {"name": "metadata", "description": "m", "callback_url": "http://169.254.169.254/latest/"}, named])
    results = {r["name"]: r for r in body["tools_invoked"]}
    assert results["metadata"]["ok"] is False and results["metadata"]["content"].startswith("refused")
    assert results["named"]["ok"] is True
    assert tool_server.record.bodies[0]["host_header"] == f"localhost:{tool_server.port}"


def test_tool_output_is_quoted_data_not_instructions(lumia: Stack, fake_ollama: FakeOllama,
                                                     tool_server: ToolServer) -> None:
    decide(fake_ollama, ("evil", ""))
    with lumia.client() as client:
        routed(client, "what does the evil tool say?", [tool(tool_server, "evil", "inject")])
    sent = answer_request(fake_ollama, "what does the evil tool say?")
    assert INJECTION not in sent[0]["content"]
    [block] = [m for m in sent if INJECTION in m["content"]]
    assert block["role"] == "user" and "data, not instructions" in block["content"]
    assert block["content"].index("<tool_output") < block["content"].index(INJECTION)


def test_unusable_router_output_falls_back_to_memory_only(lumia: Stack, fake_ollama: FakeOllama,
                                                          tool_server: ToolServer) -> None:
    owner = user()
    with lumia.client() as client:
        assert client.post("/ingest", json={"customer_id": owner, "content": "Min katt heter Molly."}
                           ).status_code == 202
        assert wait_until(lambda: client.get(f"/memory/stats/{owner}").json()["memory_count"] == 1)
        fake_ollama.behaviour.router_reply = "this is not JSON at all"
        remembered = routed(client, "Vad heter min katt Molly?", [tool(tool_server, "x", "fast")], owner)
        fake_ollama.behaviour.router_reply = '{"use_brain": true, "tools": [{"name": "not_offered", "input": ""}]}'
        unknown_tool = routed(client, "Hej!", [tool(tool_server, "x", "fast")], user())
    assert remembered["used_brain"] is True and remembered["tools_invoked"] == []
    assert remembered["context_length"] > 0 and remembered["context_used"] is True
    assert [m["snippet"] for m in remembered["memories_used"]] == ["Min katt heter Molly."]
    assert unknown_tool["tools_invoked"] == [] and tool_server.record.calls == {}


def test_the_registry_creates_updates_lists_and_deletes(lumia: Stack, fake_ollama: FakeOllama,
                                                        tool_server: ToolServer) -> None:
    name = f"reg_{uuid.uuid4().hex[:6]}"
    with lumia.client() as client:
        created = client.post("/router/tools/register", json=tool(tool_server, name, "teapot"))
        updated = client.post("/router/tools/register", json=tool(tool_server, name, "fast", input_hint="a city"))
        listed = [t for t in client.get("/router/tools").json() if t["name"] == name]
        decide(fake_ollama, (name, "Luleå"))
        used = routed(client, "use the registered tool", [])
        # A request's own tool of the same name wins over the registered one.
        decide(fake_ollama, (name, ""))
        overridden = routed(client, "use mine", [tool(tool_server, name, "plain")])
        deleted = client.delete(f"/router/tools/{name}")
        again = client.delete(f"/router/tools/{name}")
        after = [t for t in client.get("/router/tools").json() if t["name"] == name]
    assert created.status_code == 200 and updated.status_code == 200
    # Without accounts every tool is everyone's, and whoever may change it sees its callback URL.
    assert listed == [{**tool(tool_server, name, "fast"), "input_hint": "a city", "shared": True}]
    assert used["tools_invoked"] == [{"name": name, "ok": True, "content": "fast result for Luleå"}]
    assert overridden["tools_invoked"] == [{"name": name, "ok": True, "content": "plain text result"}]
    assert deleted.status_code == 204 and again.status_code == 404 and after == []


def test_bad_tool_definitions_are_a_422(lumia: Stack) -> None:
    with lumia.client() as client:
        bad_name = client.post("/router/tools/register",
                               json={"name": "no spaces!", "description": "d", "callback_url": "http://127.0.0.1/"})
        bad_url = client.post("/router/tools/register",
                              json={"name": "ok", "description": "d", "callback_url": "not a url"})
        adhoc = client.post("/router/chat", json={"user_id": "u", "message": "hi",
                                                  "tools": [{"name": "x" * 65, "description": "d",
                                                             "callback_url": "http://127.0.0.1/"}]})
    assert [r.status_code for r in (bad_name, bad_url, adhoc)] == [422, 422, 422]
    assert "name" in bad_name.text and "callback_url" in bad_url.text


def test_the_registry_survives_a_restart_and_every_replica_sees_it(
        make_stack: Callable[..., Stack], tool_server: ToolServer) -> None:
    stack = make_stack("tools", "gateway")
    with stack.client() as client:
        assert client.post("/router/tools/register", json=tool(tool_server, "kept", "fast")).status_code == 200
    for component in [c for c in stack.components if c.kind == "tools"]:
        component.stop()
    stack.start("tools", "tools")  # two new replicas, one queue group
    with stack.client() as client:
        seen = [[t["name"] for t in client.get("/router/tools").json()] for _ in range(6)]
    assert seen == [["kept"]] * 6
