"""`lumia`: operate a running Lumia from the command line.

    lumia reindex <brain>   re-embed a brain with the configured embedder, in place

With accounts, a brain is named `<user_id>/<brain>` on the bus (`lumia reindex usr_3f…/work`).
"""

import argparse
import asyncio
import math
import sys

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from pydantic import ValidationError

from shared import subjects
from shared.bus import endpoint, is_no_responders, servers_named
from shared.memory.messages import BrainError, BrainRequest, ReindexReply
from shared.messages import describe_validation_error
from shared.settings import get_settings

BEATS_PER_SILENCE = 6  # beats asked for within --silence: a late one or two is not a death
SILENCE = BEATS_PER_SILENCE * subjects.PROGRESS_BEAT  # without a beat for this long, the worker is gone
MIN_SILENCE = 0.3  # BEATS_PER_SILENCE beats at the quickest a worker sends them


class Failed(Exception):
    """What the command says on stderr before exiting 1."""


WHERE = ("--nats, NATS_URL, or the LUMIA_DATA_DIR Lumia runs on (make up writes its bus's port and token "
         "there; without them the bus is nats://127.0.0.1:4222)")


async def _connect(nats_url: str) -> Client:
    errors: list[Exception] = []

    async def quiet(error: Exception) -> None:
        errors.append(error)  # the one failure that matters is reported once, below, not per attempt

    # A command, unlike a worker, must not wait out an outage: each server gets a second try, then it stops.
    try:
        target = endpoint(nats_url)
        return await nats.connect(target.servers, name="lumia-cli", connect_timeout=2, max_reconnect_attempts=1,
                                  reconnect_time_wait=0.2, error_cb=quiet, **target.auth)
    except (NatsError, OSError, TimeoutError) as exc:
        if any("authorization" in str(error).lower() for error in errors):
            raise Failed(f"NATS at {servers_named(nats_url)} refused the credentials (authorization violation): "
                         f"the token or user of another server? Set {WHERE}.") from exc
        raise Failed(f"cannot reach NATS at {servers_named(nats_url)} ({exc!s}); is Lumia running (make up)? "
                     f"Set {WHERE}.") from exc


async def reindex(nats_url: str, brain: str, silence: float = SILENCE) -> int:
    try:
        request = BrainRequest(brain=brain)
    except ValidationError as exc:
        raise Failed(f"'{brain}' is not a brain name: {describe_validation_error(exc)}") from exc
    nc = await _connect(nats_url)
    try:
        reply = await _ask_with_progress(nc, request.model_dump_json().encode(), silence)
    except NoRespondersError as exc:
        raise Failed(f"no brain_worker is listening on {subjects.BRAIN_REINDEX} at {servers_named(nats_url)}; "
                     "start Lumia (make up) or a brain_worker (python -m brain_worker), or, if Lumia runs, "
                     f"point at its bus: {WHERE}.") from exc
    except NatsTimeout as exc:
        raise Failed(f"the brain_worker stopped answering during the reindex (no sign of it for {silence:g} s): it "
                     "may have been stopped or died, and the brain keeps the vectors it had; run the command "
                     "again once a brain_worker runs.") from exc
    finally:
        await nc.close()
    if b'"code"' in reply.data and b'"error"' in reply.data:
        raise Failed(f"reindex failed: {BrainError.model_validate_json(reply.data).error}")
    done = ReindexReply.model_validate_json(reply.data)
    if not done.reindexed and not done.replayed:
        raise Failed(f"brain '{brain}' has no memories: nothing was re-embedded. With accounts, a brain is "
                     "named <user_id>/<brain> on the bus (lumia reindex usr_3f…/work).")
    kept_aside = f"; {done.replayed} sent meanwhile are being stored now" if done.replayed else ""
    print(f"re-embedded {done.reindexed} memories of brain '{done.brain}' with {done.embedder}{kept_aside}")
    return 0


async def _ask_with_progress(nc: Client, request: bytes, silence: float) -> Msg:
    """The reindex's reply. The worker beats while it works (subjects.PROGRESS_HEADER): a large brain
    may take many minutes, and a worker that died mid-way must not keep the command waiting for them."""
    inbox = nc.new_inbox()
    answers = await nc.subscribe(inbox)
    try:
        # Also "1" alone, which a brain_worker of before understands: a beat every 5 s.
        headers = {subjects.PROGRESS_HEADER: "1", subjects.PROGRESS_EVERY_HEADER: f"{silence / BEATS_PER_SILENCE:g}"}
        await nc.publish(subjects.BRAIN_REINDEX, request, reply=inbox, headers=headers)
        while True:
            try:
                msg = await answers.next_msg(timeout=silence)
            except TimeoutError as exc:
                raise NatsTimeout from exc
            if is_no_responders(msg):
                raise NoRespondersError
            if (msg.headers or {}).get(subjects.PROGRESS_HEADER) != "1":
                return msg
    finally:
        await answers.unsubscribe()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lumia", description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--nats", default=None, help="NATS URL (default: NATS_URL)")
    commands = parser.add_subparsers(dest="command", required=True)
    reindex_cmd = commands.add_parser("reindex", help="re-embed a brain with the configured embedder")
    reindex_cmd.add_argument("brain")
    reindex_cmd.add_argument("--silence", type=float, default=SILENCE, metavar="SECONDS",
                             help=f"give up after this long without a sign of the brain_worker doing it "
                                  f"(default {SILENCE:g}; it is asked to show one {BEATS_PER_SILENCE} times within it, "
                                  f"and shows one at least every {subjects.PROGRESS_BEAT:g} s)")
    args = parser.parse_args(argv)
    nats_url = args.nats or get_settings().nats_servers
    try:
        if not math.isfinite(args.silence):
            raise Failed("--silence must be a number of seconds (30 if left out): with none, a worker that died "
                         "would be waited for forever")
        if not args.silence >= MIN_SILENCE:
            raise Failed(f"--silence must be at least {MIN_SILENCE:g} s: the brain_worker shows it is still at work "
                         f"at most every {subjects.MIN_PROGRESS_BEAT:g} s")
        return asyncio.run(reindex(nats_url, args.brain, args.silence))
    except Failed as exc:
        print(f"lumia: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
