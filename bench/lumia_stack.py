"""A real Lumia for a benchmark: nats-server, the Ollama-protocol test server, any helper
servers, and the chosen components, each its own process, in trust mode
(LUMIA_AUTH=off) on loopback. `start` waits until the workers named answer health
checks; `stop` kills everything, also when start-up fails half way. `busy_cores` says how busy
the machine is before a benchmark starts, which its figures depend on."""

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared.embedded_nats import free_port, start_nats_server, wait_for_port  # noqa: E402

QUIET = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


@dataclass
class BenchStack:
    url: str = ""
    model_url: str = ""
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def stop(self) -> None:
        for proc in self.procs:
            proc.kill()
        for proc in self.procs:
            proc.wait()


def start(tmp: Path, components: Sequence[str], ready: Sequence[str], model_args: Sequence[str] = (),
          helpers: Sequence[tuple[list[str], int]] = (), env: dict[str, str] | None = None) -> BenchStack:
    """`components` are modules (`gateway`, `llm_worker`, ...); `ready` the worker kinds whose
    health must say ok; `helpers` are (argv, port) of extra servers to start and wait for."""
    nats_port, model_port, http_port = free_port(), free_port(), free_port()
    stack = BenchStack(url=f"http://127.0.0.1:{http_port}", model_url=f"http://127.0.0.1:{model_port}")
    try:
        stack.procs.append(start_nats_server(nats_port, tmp / "js", **QUIET))  # type: ignore[arg-type]
        stack.procs.append(subprocess.Popen([sys.executable, "-m", "tests.fake_ollama", "--port", str(model_port),
                                             *model_args], cwd=ROOT, **QUIET))  # type: ignore[call-overload]
        for argv, _ in helpers:
            stack.procs.append(subprocess.Popen([sys.executable, *argv], cwd=ROOT, **QUIET))  # type: ignore[call-overload]
        environment = {**os.environ, "NATS_URL": f"nats://127.0.0.1:{nats_port}", "OLLAMA_BASE_URL": stack.model_url,
                       "LUMIA_PORT": str(http_port), "LUMIA_DATA_DIR": str(tmp / "data"),
                       "LUMIA_LOG_LEVEL": "WARNING", "LUMIA_AUTH": "off", **(env or {})}
        environment.pop("CHROMA_URL", None)  # embedded Chroma: the brain_worker hosts ingestion
        for module in components:
            stack.procs.append(subprocess.Popen([sys.executable, "-m", module], cwd=ROOT, env=environment,
                                                **QUIET))  # type: ignore[call-overload]
        ports = [http_port, model_port, *(port for _, port in helpers)]
        if not all(wait_for_port(port, 30) for port in ports):
            raise SystemExit("Lumia did not start")
        _wait_healthy(stack.url, ready)
        return stack
    except BaseException:
        stack.stop()
        raise


def _wait_healthy(url: str, kinds: Sequence[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        workers = httpx.get(f"{url}/memory/health", timeout=10).json()["checks"]["workers"]
        if all(workers[kind]["ok"] for kind in kinds):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"Lumia did not start: {workers}")
        time.sleep(0.3)


def busy_cores(seconds: float = 1.0) -> float | None:
    """Cores in use over `seconds` (Linux /proc/stat): the load average lags by minutes, this does not."""

    def sample() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields) - idle, sum(fields)

    try:
        busy0, total0 = sample()
        time.sleep(seconds)
        busy1, total1 = sample()
    except (OSError, ValueError, IndexError):
        return None
    return (busy1 - busy0) / max(1, total1 - total0) * (os.cpu_count() or 1)
