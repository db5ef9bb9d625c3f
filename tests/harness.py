"""Real Lumia processes for tests: nats-server, the gateway and workers, each its own process."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from shared.embedded_nats import free_port, start_nats_server, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
MODULES = {"gateway": "gateway", "llm": "llm_worker", "brain": "brain_worker",
           "ingest": "ingest_worker", "tools": "tools_worker"}
READY_LINE = "FastStream app started successfully"


def wait_until(condition: Callable[[], bool], timeout: float = 20) -> bool:
    """Poll for something that happens asynchronously; the test asserts on the result."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


class NatsServer:
    def __init__(self, config: Path | None = None, env: dict[str, str] | None = None,
                 extra_args: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        self._dir = tempfile.TemporaryDirectory(prefix="lumia-nats-")
        self.proc = start_nats_server(self.port, Path(self._dir.name) / "js",
                                      extra_args=(*(("-c", str(config)) if config else ()), *extra_args),
                                      env={**os.environ, **(env or {})},
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def url_for(self, user: str, password: str) -> str:
        return f"nats://{user}:{password}@127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self._dir.cleanup()


class Component:
    def __init__(self, kind: str, env: dict[str, str], log_dir: Path) -> None:
        self.kind = kind
        self.log_path = log_dir / f"{kind}-{time.monotonic_ns()}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen([sys.executable, "-m", MODULES[kind]], env=env, cwd=ROOT,
                                     stdout=self._log, stderr=subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while READY_LINE not in self.log():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.kind} did not start:\n{self.log()}")
            time.sleep(0.05)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)

    def stop(self, sig: int = signal.SIGTERM, wait: float = 15, signalled: bool = False) -> int:
        if self.proc.poll() is None:
            if not signalled:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(wait)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


class Stack:
    """A gateway and workers on one NATS server, configured through the environment like `make up`."""

    def __init__(self, nats_url: str, ollama_url: str, log_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.env = {**os.environ, "NATS_URL": nats_url, "OLLAMA_BASE_URL": ollama_url,
                    "LUMIA_PORT": str(self.port), "LUMIA_HOST": "127.0.0.1",
                    "LUMIA_DATA_DIR": str(log_dir / "data"), "LUMIA_LOG_LEVEL": "INFO",
                    "LUMIA_AUTH": "off", **env}  # the README's trust mode; tests/test_auth.py turns accounts on
        self.log_dir = log_dir
        self.components: list[Component] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *kinds: str, env: dict[str, str] | None = None) -> list[Component]:
        started = [Component(kind, {**self.env, **(env or {})}, self.log_dir) for kind in kinds]
        self.components += started
        try:
            for component in started:
                if component.kind == "gateway":
                    if not wait_for_port(self.port, timeout=20):
                        raise RuntimeError(f"gateway did not start:\n{component.log()}")
                else:
                    component.wait_ready()
        except RuntimeError:
            # A fixture that fails here never reaches its teardown: the parts that did start
            # would outlive the test run.
            self.stop()
            raise
        return started

    def stop(self, graceful: bool = True) -> None:
        """After a test: a graceful stop is tested where it matters, here it would only cost time
        (a brain_worker finishes the batch in hand first). All are told at once, then waited for;
        not graceful, they are killed: a private stack whose data nobody reads again."""
        for component in self.components:
            if component.proc.poll() is None:
                component.proc.terminate() if graceful else component.proc.kill()
        deadline = time.monotonic() + 3
        for component in self.components:
            component.stop(wait=max(0.0, deadline - time.monotonic()), signalled=True)

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, **{"timeout": 30, **kwargs})  # type: ignore[arg-type]
