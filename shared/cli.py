"""`lumia`: operate a running Lumia from the command line.

    lumia reindex <brain>   re-embed a brain with the configured embedder, in place
"""

import argparse
import asyncio
import sys

from shared import subjects
from shared.bus import connect
from shared.memory.messages import BrainError, BrainRequest, ReindexReply
from shared.settings import get_settings


async def reindex(nats_url: str, brain: str) -> int:
    nc = await connect(nats_url, "lumia-cli")
    try:
        reply = await nc.request(subjects.BRAIN_REINDEX, BrainRequest(brain=brain).model_dump_json().encode(),
                                 timeout=600)
    finally:
        await nc.drain()
    if b'"code"' in reply.data and b'"error"' in reply.data:
        print(f"reindex failed: {BrainError.model_validate_json(reply.data).error}", file=sys.stderr)
        return 1
    done = ReindexReply.model_validate_json(reply.data)
    print(f"re-embedded {done.reindexed} memories of brain '{done.brain}' with {done.embedder}")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="lumia", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--nats", default=None, help="NATS URL (default: NATS_URL)")
    commands = parser.add_subparsers(dest="command", required=True)
    reindex_cmd = commands.add_parser("reindex", help="re-embed a brain with the configured embedder")
    reindex_cmd.add_argument("brain")
    args = parser.parse_args()
    nats_url = args.nats or get_settings().nats_servers
    raise SystemExit(asyncio.run(reindex(nats_url, args.brain)))


if __name__ == "__main__":
    main()
