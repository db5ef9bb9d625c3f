"""Chat with Lumia over NATS directly, as an internal system would: no HTTP, no Lumia imports.

    python docs/examples/chat_over_nats.py "Vad heter huvudstaden i Sverige?" \
        --nats "nats://$(cat data/nats_token)@127.0.0.1:4222"

Needs only `pip install nats-py`. `make up` logs the NATS URL it uses; its embedded server takes
only clients with the token in LUMIA_DATA_DIR/nats_token (`data/` by default).
"""

import argparse
import asyncio
import json
import secrets

import nats


async def chat(nats_url: str, message: str, user_id: str) -> int:
    nc = await nats.connect(nats_url)
    inbox = nc.new_inbox()
    replies = await nc.subscribe(inbox)
    request = {"request_id": secrets.token_urlsafe(18), "user_id": user_id, "message": message}
    await nc.publish("lumia.chat.request", json.dumps(request).encode(), reply=inbox)
    expected_seq = 0
    try:
        while True:
            # Workers send a keepalive at least every LUMIA_STREAM_TIMEOUT/3 (default 10 s).
            reply = await replies.next_msg(timeout=30)
            if reply.headers and reply.headers.get("Status") == "503":
                print("No llm_worker is running.")
                return 1
            event = json.loads(reply.data)
            if event["seq"] != expected_seq:
                print(f"\nLost part {expected_seq} of the answer.")
                return 1
            expected_seq += 1
            if event["type"] == "delta":
                print(event["text"], end="", flush=True)
            elif event["type"] == "done":
                print()
                return 0
            elif event["type"] == "error":
                print(f"\nError ({event['code']}): {event['error']}")
                return 1
    except (asyncio.CancelledError, KeyboardInterrupt):
        # Tell the worker to stop generating for a reader that is gone.
        await nc.publish(f"lumia.chat.cancel.{request['request_id']}", b"")
        raise
    finally:
        await nc.drain()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("message")
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("--user", default="internal-system")
    args = parser.parse_args()
    raise SystemExit(asyncio.run(chat(args.nats, args.message, args.user)))


if __name__ == "__main__":
    main()
