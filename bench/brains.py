"""Thousands of brains: do memory and file handles stay bounded?

Each brain is a Chroma collection with its own vector index. This writes a few
memories into each of N brains of one embedded Chroma (random unit vectors: the
question is resources, not relevance), then searches every brain twice over,
and prints the process's resident memory and open file descriptors as it goes,
against the process's file-descriptor limit. `open_chroma` bounds embedded
Chroma's cache of open vector indexes (shared/memory/store.py, OPEN_BRAINS), so
descriptors and memory must level off while brains keep coming, and every
brain must still answer after its index was evicted and reloaded.

With `--server`, the brains live in a Chroma server instead (`chroma run`, what CHROMA_URL
names when scaled out), and the server's process is measured: `lumia` runs it with
deploy/chroma/config.yaml, which bounds its open indexes; `default` with Chroma's own
settings, the baseline.

    python bench/brains.py --brains 3000
    python bench/brains.py --brains 1500 --server lumia
    python bench/brains.py --brains 1500 --server default
"""

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from chromadb.api import ClientAPI  # noqa: E402

from shared.embedded_nats import free_port, wait_for_port  # noqa: E402
from shared.memory.store import (  # noqa: E402
    OPEN_BRAINS,
    MemoryStore,
    ServerClient,
    StoredMemory,
    open_chroma,
)

DIM = 384


def unit(rng: random.Random) -> list[float]:
    v = [rng.gauss(0, 1) for _ in range(DIM)]
    norm = sum(x * x for x in v) ** 0.5
    return [x / norm for x in v]


SERVER_CONFIG = ROOT / "deploy" / "chroma" / "config.yaml"
measured = "self"  # the process whose resources are reported: this one, or the Chroma server's pid


def resources() -> tuple[float, int]:
    with open(f"/proc/{measured}/statm") as f:
        rss_pages = int(f.read().split()[1])
    return rss_pages * os.sysconf("SC_PAGE_SIZE") / 2**20, len(os.listdir(f"/proc/{measured}/fd"))


def descriptor_limit(pid: int) -> int:
    with open(f"/proc/{pid}/limits") as f:
        return int(next(line.split()[3] for line in f if line.startswith("Max open files")))


def start_server(kind: str, directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`chroma run` with Lumia's config, or with Chroma's defaults (only where to keep data)."""
    config = SERVER_CONFIG
    if kind == "default":
        config = directory / "default.yaml"
        config.write_text('persist_path: "/data"\n')
    port = free_port()
    env = {**os.environ, "CHROMA_PERSIST_PATH": str(directory / "data"), "CHROMA_PORT": str(port),
           "CHROMA_LISTEN_ADDRESS": "127.0.0.1"}
    server = subprocess.Popen([str(Path(sys.executable).parent / "chroma"), "run", str(config)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_for_port(port, timeout=30):
        raise SystemExit("chroma run did not start")
    return server, f"http://127.0.0.1:{port}"


def report(label: str, started: float) -> None:
    rss, fds = resources()
    print(f"{label:<28} rss {rss:7.0f} MiB   open fds {fds:6d}   {time.perf_counter() - started:6.1f} s", flush=True)


async def run(brains: int, per_brain: int, fd_limit: int | None, sweeps: int, server_kind: str | None) -> None:
    if fd_limit:
        resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))  # as on a machine with that limit
    rng = random.Random(1)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lumia-brains-") as tmp:
        server, url = start_server(server_kind, Path(tmp)) if server_kind else (None, None)
        try:
            await fill(brains, per_brain, sweeps, server_kind, open_chroma(url, Path(tmp)), server, rng, started)
        finally:
            if server is not None:
                server.terminate()
                server.wait(10)


async def fill(brains: int, per_brain: int, sweeps: int, server_kind: str | None, client: ClientAPI | ServerClient,
               server: subprocess.Popen[bytes] | None, rng: random.Random, started: float) -> None:
    global measured
    store = MemoryStore(client, "bench:random")
    if server is not None:
        measured = str(server.pid)
        limit = descriptor_limit(server.pid)
        print(f"{brains} brains x {per_brain} memories in a Chroma server ({server_kind} settings), measured: "
              f"the server, file-descriptor limit {limit}\n")
    else:
        limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        print(f"{brains} brains x {per_brain} memories; file-descriptor limit {limit}, "
              f"at most {OPEN_BRAINS} indexes open\n")
    report("start", started)
    early = 0  # descriptors once a fifth of the brains are written
    for b in range(brains):
        memories = [StoredMemory(id=f"b{b}-m{m}", content=f"memory {m} of brain {b}",
                                 metadata={"lumia_created_at": float(m)}) for m in range(per_brain)]
        await store.upsert(f"brain-{b}", memories, [unit(rng) for _ in memories])
        if (b + 1) % max(1, brains // 5) == 0:
            report(f"written {b + 1} brains", started)
            early = early or resources()[1]
    for sweep in range(1, sweeps + 1):
        for b in range(brains):
            found = await store.search(f"brain-{b}", unit(rng), 3)
            if len(found) != min(3, per_brain):
                raise SystemExit(f"brain-{b} answered {len(found)} memories")
        report(f"searched all, sweep {sweep}", started)
    _, fds = resources()
    levels_off = fds <= 1.25 * early + 64 and fds < limit * 0.9
    print(f"\nopen fds after {sweeps * brains} searches over {brains} brains: {fds} of {limit}, "
          f"{fds / max(early, 1):.2f}x those at a fifth of the brains "
          f"({'levels off' if levels_off else 'GROWS WITH THE BRAINS'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brains", type=int, default=3000)
    parser.add_argument("--per-brain", type=int, default=5)
    parser.add_argument("--sweeps", type=int, default=3, help="times every brain is searched")
    parser.add_argument("--fd-limit", type=int, help="set this process's descriptor limits first")
    parser.add_argument("--server", choices=("lumia", "default"),
                        help="a Chroma server with deploy/chroma/config.yaml (lumia) or Chroma's defaults")
    args = parser.parse_args()
    asyncio.run(run(args.brains, args.per_brain, args.fd_limit, args.sweeps, args.server))


if __name__ == "__main__":
    main()
