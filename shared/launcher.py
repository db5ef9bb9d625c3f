"""`make up`: all of Lumia on one machine, one process per component.

Starts an embedded `nats-server` with JetStream under LUMIA_DATA_DIR (unless
NATS_URL points at a reachable server), then the gateway and one replica of
each worker. SIGINT (Ctrl-C) or SIGTERM stops the gateway first, then the
workers (each drains its subscriptions), then nats-server. A component that
crashes after running a while is restarted; one that dies at start-up stops
everything, since restarting it would only fail again.

The exit status is 0 only for a requested stop (SIGINT/SIGTERM); when a
component dies at start-up (a first start or a restart) or the embedded
nats-server exits, Lumia stops and exits with 1, so a supervisor sees the failure.
"""

import asyncio
import ctypes
import fcntl
import logging
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

from shared.bus import is_reachable, server_list, servers_named
from shared.embedded_nats import free_port, port_is_free, start_nats_server
from shared.logging import configure_logging
from shared.settings import LOOPBACK_HOSTS, NATS_PID_FILE, NATS_PORT_FILE, NATS_TOKEN_FILE, Settings, get_settings

log = logging.getLogger("lumia.launcher")


def components(settings: Settings) -> tuple[str, ...]:
    # With embedded Chroma the brain_worker process owns the store and runs ingestion too.
    separate_ingest = ("ingest_worker",) if settings.chroma_url else ()
    return ("gateway", "llm_worker", "brain_worker", *separate_ingest, "tools_worker")


STARTUP_GRACE = 5.0
STOP_TIMEOUT = 10.0


def _die_with_parent() -> None:
    # Linux: children get SIGTERM if the launcher itself is killed, so nothing is orphaned.
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    # A session of its own: Ctrl-C reaches only the launcher, which stops children in order.
    return subprocess.Popen(args, env=env, start_new_session=True, preexec_fn=_die_with_parent)


def _stop(proc: subprocess.Popen[bytes], name: str) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        log.warning("%s did not stop within %.0f s; killing it", name, STOP_TIMEOUT)
        proc.kill()
        proc.wait()


def ensure_nats(settings: Settings) -> tuple[str, subprocess.Popen[bytes] | None]:
    """The NATS URL to use, and the embedded server if one had to be started."""
    if settings.nats_url and asyncio.run(is_reachable(settings.nats_url)):
        log.info("using NATS at %s", servers_named(settings.nats_url))
        return settings.nats_url, None
    if settings.nats_url:
        servers = server_list(settings.nats_url)
        parts = urlsplit(servers[0])
        if len(servers) > 1 or parts.hostname not in LOOPBACK_HOSTS:
            raise SystemExit(f"NATS_URL ({servers_named(settings.nats_url)}) is not reachable, and an embedded server "
                             "can only run on this machine. Start that server or unset NATS_URL.")
        port = parts.port or 4222
    else:
        port = 4222 if port_is_free(4222) else free_port()
    store = settings.data_dir / "nats"
    log_file = settings.data_dir / "nats-server.log"
    # Every user's memories cross this bus: other local accounts must not read or publish on it.
    # The token goes in a 0600 config file, not the command line, which `ps` shows to everyone.
    token = settings.embedded_nats_token(create=True)
    config = settings.data_dir / "nats-server.conf"
    config.write_text(f'authorization {{\n  token: "{token}"\n}}\n')
    config.chmod(0o600)
    proc = start_nats_server(
        port, store, extra_args=("-c", str(config), "-l", str(log_file)), start_new_session=True,
        preexec_fn=_die_with_parent,
    )
    url = f"nats://{token}@127.0.0.1:{port}"
    # The port alone, for `$(cat data/nats_port)` in a URL (docs/bus.md).
    (settings.data_dir / NATS_PORT_FILE).write_text(str(port))
    (settings.data_dir / NATS_PID_FILE).write_text(str(proc.pid))
    log.info("started embedded nats-server at nats://127.0.0.1:%d (a token in %s; JetStream store %s, log %s)",
             port, settings.data_dir / NATS_TOKEN_FILE, store, log_file)
    return url, proc


LOCK_FILE = "lumia.lock"


def hold_data_dir(settings: Settings) -> int:
    """One Lumia per data directory, held for as long as this process lives: a second one started its own
    nats-server on the same JetStream store, and workers on the same embedded Chroma, before it failed."""
    lock = os.open(settings.data_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock)
        raise SystemExit(f"Lumia is already running on LUMIA_DATA_DIR={settings.data_dir}: stop it first, or "
                         "give this one a data directory of its own.") from None
    return lock


def main() -> int:
    settings = get_settings()
    configure_logging(settings.log_level, "launcher")
    settings.keep_data_private()
    hold_data_dir(settings)
    nats_url, nats_proc = ensure_nats(settings)
    env = {**os.environ, "NATS_URL": nats_url}

    stopping = False
    failed = False  # stopping because a part of Lumia failed, not because someone asked

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    procs: dict[str, tuple[subprocess.Popen[bytes], float]] = {}
    try:
        for name in components(settings):
            procs[name] = (_spawn([sys.executable, "-m", name], env), time.monotonic())
        log.info("Lumia is starting on http://%s:%d (Ctrl-C stops it)", settings.host, settings.port)
        while not stopping:
            time.sleep(0.2)
            for name, (proc, started) in list(procs.items()):
                code = proc.poll()
                if code is None or stopping:
                    continue
                if time.monotonic() - started < STARTUP_GRACE:
                    log.error("%s exited at start-up (code %s); stopping Lumia", name, code)
                    stopping = failed = True
                    break
                log.warning("%s exited (code %s); restarting it", name, code)
                procs[name] = (_spawn([sys.executable, "-m", name], env), time.monotonic())
            if nats_proc is not None and nats_proc.poll() is not None:
                log.error("the embedded nats-server exited (code %s); stopping Lumia", nats_proc.returncode)
                stopping = failed = True
    finally:
        log.info("stopping Lumia")
        for name in components(settings):
            if name in procs:
                _stop(procs[name][0], name)
        if nats_proc is not None:
            _stop(nats_proc, "nats-server")
            for left in (NATS_PORT_FILE, NATS_PID_FILE):
                (settings.data_dir / left).unlink(missing_ok=True)
        log.info("stopped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
