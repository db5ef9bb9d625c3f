"""The tool registry with accounts on, and callbacks over IPv6: the real bus, real tool servers on
loopback, the Ollama-protocol server. Who sees a callback URL, what registration refuses, how many
tools an account may have, and what a decision naming more tools than one call may run does."""

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from shared.tools import MAX_REGISTERED, MAX_TOOLS
from tests.fake_ollama import FakeOllama
from tests.harness import NatsServer, Stack, wait_until
from tests.test_auth import SECRET, signup
from tests.tool_server import ToolRecord, ToolServer, build_app
from tools_worker.callbacks import host_header

ADMIN = "registry_admin"


@pytest.fixture(scope="module")
def accounts_on(fake_ollama: FakeOllama, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Accounts on, one tool admin, on a NATS server of its own; no brain_worker (memory is not the point)."""
    server = NatsServer()
    stack = Stack(server.url, fake_ollama.url, tmp_path_factory.mktemp("registry"), LUMIA_AUTH="required",
                  SECRET_KEY=SECRET, LUMIA_TOOL_ADMINS=ADMIN, LUMIA_RATE_BURST="100000",
                  LUMIA_RATE_LIMIT="1000000", LUMIA_ACCOUNT_ATTEMPTS="100000")
    stack.start("llm", "tools", "gateway")
    yield stack
    stack.stop()
    server.stop()


def definition(name: str, url: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "description": f"the {name} tool", "callback_url": url, **fields}


def decide(fake: FakeOllama, names: list[str]) -> None:
    fake.behaviour.router_reply = json.dumps({"use_brain": False, "tools": [{"name": n, "input": ""} for n in names]})


def test_a_shared_tools_callback_url_is_shown_only_to_who_may_change_it(
        accounts_on: Stack, fake_ollama: FakeOllama, tool_server: ToolServer) -> None:
    secret_url = f"http://apikey:SUPERSECRET@127.0.0.1:{tool_server.port}/tools/fast?token=SECRET123"
    with accounts_on.client() as client:
        admin, user = signup(client, ADMIN), signup(client, "registry_user")
        shared = client.post("/router/tools/register?for_everyone=true", headers=admin.headers,
                             json=definition("shared_weather", secret_url, input_hint="a city"))
        own = client.post("/router/tools/register", headers=user.headers,
                          json=definition("own_tool", tool_server.url("plain")))
        seen_by_user = client.get("/router/tools", headers=user.headers)
        seen_by_admin = client.get("/router/tools", headers=admin.headers).json()
        decide(fake_ollama, ["shared_weather"])  # hidden from the user, still usable by them
        used = client.post("/router/chat", headers=user.headers, json={"message": "Weather in Umeå?"}).json()
        client.delete("/router/tools/shared_weather?for_everyone=true", headers=admin.headers)
    assert shared.status_code == 200 and own.status_code == 200
    assert "SUPERSECRET" not in seen_by_user.text and "SECRET123" not in seen_by_user.text
    assert seen_by_user.json() == [
        {"name": "own_tool", "description": "the own_tool tool", "input_hint": None,
         "callback_url": tool_server.url("plain"), "shared": False},
        {"name": "shared_weather", "description": "the shared_weather tool", "input_hint": "a city",
         "callback_url": None, "shared": True}]
    assert seen_by_admin == [{"name": "shared_weather", "description": "the shared_weather tool",
                              "input_hint": "a city", "callback_url": secret_url, "shared": True}]
    assert used["tools_invoked"] == [{"name": "shared_weather", "ok": True, "content": "fast result for "}]


def test_a_callback_every_call_would_refuse_is_a_422_at_registration(accounts_on: Stack) -> None:
    refused = ["http://169.254.169.254/latest/meta-data/", "http://2852039166/", "http://0xa9fea9fe/",
               "http://[::ffff:169.254.169.254]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[fe80::1]/",
               "http://[fd00:ec2::254]/", "http://0.0.0.0/", "http://[::]/", "http://224.0.0.1/",
               "http://[ff02::1]/", "http://255.255.255.255/",
               "http://8.8.8.8/"]  # outside LUMIA_TOOL_ALLOWED_NETWORKS (the default)
    with accounts_on.client() as client:
        user = signup(client, "registry_refused")
        answers = {url: client.post("/router/tools/register", headers=user.headers,
                                    json=definition("meta", url)) for url in refused}
        private = client.post("/router/tools/register", headers=user.headers,
                              json=definition("lan", "http://10.1.2.3:8080/x"))
        named = client.post("/router/tools/register", headers=user.headers,  # a name: resolved at call time
                            json=definition("named", "http://tools.example.invalid/x"))
        listed = [t["name"] for t in client.get("/router/tools", headers=user.headers).json()]
    for url, answer in answers.items():
        assert answer.status_code == 422, (url, answer.text)
        [error] = answer.json()["detail"]
        assert error["loc"] == ["body", "callback_url"], url
        assert "would be refused" in error["msg"], url
    always = answers["http://169.254.169.254/latest/meta-data/"].json()["detail"][0]["msg"]
    assert "link-local, metadata, unspecified or multicast" in always
    assert "LUMIA_TOOL_ALLOWED_NETWORKS" in answers["http://8.8.8.8/"].json()["detail"][0]["msg"]
    assert private.status_code == 200 and named.status_code == 200
    assert listed == ["lan", "named"]


def test_an_account_may_register_a_limited_number_of_tools(accounts_on: Stack, tool_server: ToolServer) -> None:
    with accounts_on.client() as client:
        user = signup(client, "registry_many")
        register = [client.post("/router/tools/register", headers=user.headers,
                                json=definition(f"t{i}", tool_server.url("fast"))).status_code
                    for i in range(MAX_REGISTERED)]
        one_more = client.post("/router/tools/register", headers=user.headers,
                               json=definition("one_more", tool_server.url("fast")))
        updated = client.post("/router/tools/register", headers=user.headers,
                              json=definition("t0", tool_server.url("plain")))
        deleted = client.delete("/router/tools/t1", headers=user.headers)
        in_its_place = client.post("/router/tools/register", headers=user.headers,
                                   json=definition("one_more", tool_server.url("fast")))
        listed = client.get("/router/tools", headers=user.headers).json()
    assert register == [200] * MAX_REGISTERED
    assert one_more.status_code == 422 and f"the most allowed ({MAX_REGISTERED}" in one_more.text
    assert updated.status_code == 200 and deleted.status_code == 204 and in_its_place.status_code == 200
    assert len(listed) == MAX_REGISTERED and "one_more" in {t["name"] for t in listed}


def test_a_decision_naming_more_tools_than_one_call_may_run_falls_back(
        accounts_on: Stack, fake_ollama: FakeOllama, tool_server: ToolServer) -> None:
    """Registered tools and a request's own can together offer more than MAX_TOOLS; a router model
    that names them all gets the README's fallback (no tools), not a 500."""
    with accounts_on.client() as client:
        user = signup(client, "registry_greedy")
        for i in range(MAX_REGISTERED):
            assert client.post("/router/tools/register", headers=user.headers,
                               json=definition(f"r{i}", tool_server.url("fast"))).status_code == 200
        adhoc = [definition(f"a{i}", tool_server.url("fast")) for i in range(4)]
        decide(fake_ollama, [f"r{i}" for i in range(MAX_REGISTERED)] + [t["name"] for t in adhoc])
        answer = client.post("/router/chat", headers=user.headers, json={"message": "everything!", "tools": adhoc})
        decide(fake_ollama, [f"r{i}" for i in range(MAX_TOOLS)])  # exactly the limit still runs
        at_limit = client.post("/router/chat", headers=user.headers, json={"message": "all I may"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["tools_invoked"] == [] and answer.json()["response"] == "Echo: everything!"
    assert at_limit.status_code == 200, at_limit.text
    assert len(at_limit.json()["tools_invoked"]) == MAX_TOOLS
    assert all(r["ok"] for r in at_limit.json()["tools_invoked"])
    assert tool_server.record.calls == {"fast": MAX_TOOLS}


def _ipv6_loopback_port() -> int | None:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
            return int(probe.getsockname()[1])
    except OSError:
        return None


@pytest.fixture
def ipv6_tool_server() -> Iterator[tuple[ToolRecord, int]]:
    """The tool server's app on [::1], or a skip when this machine has no IPv6 loopback."""
    port = _ipv6_loopback_port()
    if port is None:
        pytest.skip("no IPv6 loopback (::1) on this machine: cannot serve a tool on an IPv6 literal")
    record = ToolRecord()
    server = uvicorn.Server(uvicorn.Config(build_app(record), host="::1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_until(lambda: server.started, timeout=10), "the IPv6 tool server did not start"
    yield record, port
    server.should_exit = True
    thread.join(timeout=10)


def test_a_callback_to_an_ipv6_literal_sends_a_bracketed_host(
        accounts_on: Stack, fake_ollama: FakeOllama, ipv6_tool_server: tuple[ToolRecord, int]) -> None:
    record, port = ipv6_tool_server
    with accounts_on.client() as client:
        user = signup(client, "registry_v6")
        decide(fake_ollama, ["v6"])
        answer = client.post("/router/chat", headers=user.headers, json={"message": "over IPv6", "tools": [
            definition("v6", f"http://[::1]:{port}/tools/fast")]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["tools_invoked"] == [{"name": "v6", "ok": True, "content": "fast result for "}]
    assert [body["host_header"] for body in record.bodies] == [f"[::1]:{port}"]


def test_the_host_header_brackets_ipv6_and_leaves_out_a_default_port() -> None:
    assert host_header("::1", 80, "http") == "[::1]"
    assert host_header("::1", 9613, "http") == "[::1]:9613"
    assert host_header("fd00::5", 443, "https") == "[fd00::5]"
    assert host_header("tools.lan", 443, "https") == "tools.lan"
    assert host_header("127.0.0.1", 8080, "https") == "127.0.0.1:8080"
