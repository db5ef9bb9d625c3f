"""`make up`'s launcher: starts everything, and Ctrl-C/SIGTERM stops everything cleanly."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import nats
import pytest

from shared import subjects
from shared.embedded_nats import free_port
from shared.settings import Settings
from tests.fake_ollama import FakeOllama
from tests.harness import ROOT


def children_of(pid: int) -> set[int]:
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


async def bus_answers(url: str) -> bool:
    """Whether a client may connect and ask the brain_worker for its health over `url`."""
    try:
        nc = await nats.connect(url, connect_timeout=2, max_reconnect_attempts=0, allow_reconnect=False)
    except Exception:  # nats-py raises the server's "Authorization Violation" in several forms
        return False
    try:
        await nc.request(subjects.worker_ping("brain"), b"", timeout=5)
        return True
    finally:
        await nc.close()


_launched: list[subprocess.Popen[bytes]] = []


@pytest.fixture(autouse=True)
def _no_launcher_left() -> Iterator[None]:
    """A test that fails before it stops its launcher must not leave a whole Lumia running."""
    yield
    while _launched:
        proc = _launched.pop()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


def launch(tmp_path: Path, ollama: FakeOllama, **env: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    port = free_port()
    log = tmp_path / "launcher.log"
    environment = {k: v for k, v in os.environ.items() if k != "NATS_URL"}
    environment.update(LUMIA_PORT=str(port), LUMIA_DATA_DIR=str(tmp_path / "data"), OLLAMA_BASE_URL=ollama.url,
                       **env)
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "shared.launcher"], cwd=ROOT, env=environment,
                                stdout=out, stderr=subprocess.STDOUT)
    _launched.append(proc)
    deadline = time.monotonic() + 40
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/memory/health", timeout=5).json()["status"] == "healthy":
                return proc, port, log
        except (httpx.HTTPError, ValueError):
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"launcher did not become healthy:\n{log.read_text()}")
        time.sleep(0.2)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_up_serves_chat_and_a_signal_stops_everything(tmp_path: Path, fake_ollama: FakeOllama, sig: int) -> None:
    proc, port, log = launch(tmp_path, fake_ollama)
    children = children_of(proc.pid)
    assert len(children) == 5  # nats-server, gateway, llm, brain (with ingestion), tools
    data = tmp_path / "data"
    if sig == signal.SIGINT:
        _serves_as_documented(tmp_path, fake_ollama, port, log)
    else:  # checked once, with the other signal: here only that Lumia is up when stopped
        refused = httpx.post(f"http://127.0.0.1:{port}/memory/chat", json={"message": "hej"}, timeout=30)
        assert refused.status_code == 401 and (data / "nats_port").exists()

    proc.send_signal(sig)
    assert proc.wait(60) == 0
    assert not [pid for pid in children if alive(pid)]
    output = log.read_text()
    assert output.count("FastStream app shut down gracefully") == 3
    assert "Application shutdown complete" in output
    assert not (data / "nats_port").exists() and not (data / "nats_pid").exists()  # a later `lumia` finds no port
    # ...and sends the token to no server: another may listen on 4222 now.
    assert Settings(LUMIA_DATA_DIR=str(data), NATS_URL="").nats_servers == "nats://127.0.0.1:4222"


def _serves_as_documented(tmp_path: Path, fake_ollama: FakeOllama, port: int, log: Path) -> None:
    # `make up` runs with accounts (LUMIA_AUTH=required by default): register, log in, chat.
    base = f"http://127.0.0.1:{port}"
    account = {"username": "anna", "password": "a long enough password"}
    assert httpx.post(f"{base}/auth/register", json=account, timeout=30).status_code == 201
    token = token_of_anna = httpx.post(f"{base}/auth/login", json=account, timeout=30).json()["access_token"]
    refused = httpx.post(f"{base}/memory/chat", json={"message": "hej"}, timeout=30)
    reply = httpx.post(f"{base}/memory/chat", json={"message": "hej"}, timeout=30,
                       headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    assert reply.json()["response"] == "Echo: hej"
    assert oct((tmp_path / "data" / "secret_key").stat().st_mode & 0o777) == "0o600"
    # Every user's memories, threads and password hashes: this account's alone (they were 0644 in 0755).
    data = tmp_path / "data"
    assert oct(data.stat().st_mode & 0o777) == "0o700"
    for private in (data / "lumia.db", data / "chroma" / "chroma.sqlite3", data / "nats-server.log"):
        assert oct(private.stat().st_mode & 0o777) == "0o600", private
    assert (tmp_path / "data" / "nats" / "jetstream").is_dir()
    assert "started embedded nats-server at nats://127.0.0.1:" in log.read_text()
    # The bus carries every user's memories: without the token in the data dir, no connection.
    nats_port = int(log.read_text().split("started embedded nats-server at nats://127.0.0.1:")[1].split()[0])
    token = (data / "nats_token").read_text().strip()
    assert oct((data / "nats_token").stat().st_mode & 0o777) == "0o600"
    assert asyncio.run(bus_answers(f"nats://127.0.0.1:{nats_port}")) is False
    assert asyncio.run(bus_answers(f"nats://{token}@127.0.0.1:{nats_port}")) is True
    assert token not in log.read_text()
    # `lumia` without NATS_URL finds the embedded server where it is, not at 4222 (here another
    # server's: it was told Lumia was not running, and the token went to that server).
    cli_env = {k: v for k, v in os.environ.items() if k != "NATS_URL"} | {"LUMIA_DATA_DIR": str(data)}
    cli = subprocess.run([str(Path(sys.executable).parent / "lumia"), "reindex", "nobody"], env=cli_env,
                         capture_output=True, text=True, timeout=60)
    assert "has no memories" in cli.stderr, cli.stderr
    # A second `make up` on the same data refuses at once and touches nothing: it started a nats-server
    # on the same JetStream store and removed the first one's port file.
    second = subprocess.run([sys.executable, "-m", "shared.launcher"], cwd=ROOT, capture_output=True, text=True,
                            env=cli_env | {"LUMIA_PORT": str(free_port()), "OLLAMA_BASE_URL": fake_ollama.url},
                            timeout=60)
    assert second.returncode == 1 and "Lumia is already running on LUMIA_DATA_DIR=" in second.stderr
    # The port alone, as docs/bus.md reads it into a URL (`$(cat data/nats_port)`).
    assert (data / "nats_port").read_text() == str(nats_port)
    assert httpx.post(f"{base}/memory/chat", json={"message": "hej"}, timeout=30,
                      headers={"Authorization": f"Bearer {token_of_anna}"}).status_code == 200


def test_up_uses_a_reachable_nats_url_instead_of_embedding(
    tmp_path: Path, fake_ollama: FakeOllama, nats_url: str
) -> None:
    proc, _, log = launch(tmp_path, fake_ollama, NATS_URL=nats_url)
    children = children_of(proc.pid)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(60) == 0
    assert len(children) == 4  # no nats-server of its own
    assert f"using NATS at {nats_url.removeprefix('nats://')}" in log.read_text()


@pytest.mark.parametrize("env", [{"LUMIA_AUTH": "off", "LUMIA_HOST": "0.0.0.0"}, {"SECRET_KEY": "short"}])
def test_a_component_that_dies_at_start_up_is_a_failed_exit(tmp_path: Path, fake_ollama: FakeOllama,
                                                           nats_url: str, env: dict[str, str]) -> None:
    """A supervisor (systemd, a container runtime) must see that Lumia did not start: exit status 1, not 0."""
    environment = {**os.environ, "LUMIA_PORT": str(free_port()), "LUMIA_DATA_DIR": str(tmp_path / "data"),
                   "OLLAMA_BASE_URL": fake_ollama.url, "NATS_URL": nats_url, **env}
    done = subprocess.run([sys.executable, "-m", "shared.launcher"], cwd=ROOT, env=environment,
                          capture_output=True, timeout=120)
    output = done.stdout.decode() + done.stderr.decode()
    assert "gateway exited at start-up (code 1); stopping Lumia" in output
    assert done.returncode == 1, output
