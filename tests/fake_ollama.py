"""An Ollama-protocol HTTP server on loopback: the one stand-in Lumia's tests allow.

It speaks enough of Ollama's API for Lumia (`/api/chat` streaming NDJSON and
non-streaming, `/api/tags`, `/api/show`, `/api/version`), records what it
received, and misbehaves on demand. Use in-process (`FakeOllama().start()`) or
as a process for benchmarks: `python -m tests.fake_ollama --port 11500`.
"""

import argparse
import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.loopback import LoopbackServer


@dataclass
class Behaviour:
    models: list[str] = field(default_factory=lambda: ["llama3.2:latest", "qwen2.5:0.5b", "nomic-embed-text:latest"])
    tokens: int | None = None  # reply "t0 t1 ..." of this many tokens instead of an echo
    delay: float = 0.0  # seconds before each token
    first_token_delay: float = 0.0
    fail_status: int | None = None  # answer every chat with this HTTP status
    error_after: int | None = None  # send an {"error"} line after this many tokens
    hang_after: int | None = None  # stop sending after this many tokens, connection left open
    context_length: int = 8192
    embed_fails: bool = False  # answer /api/embed with 500
    embed_held: bool = False  # /api/embed answers only once this is False again
    chat_held: bool = False  # and /api/chat
    # What a request with `format` (structured output: the router's decision) is answered with;
    # "*" chooses every tool offered.
    router_reply: str = '{"use_brain": false, "tools": []}'
    router_delay: float = 0.0


@dataclass
class Record:
    requests: list[dict[str, Any]] = field(default_factory=list)
    streams_started: int = 0
    streams_completed: int = 0
    streams_aborted: int = 0
    streams_open: int = 0
    max_concurrent_streams: int = 0
    embeds_held: int = 0  # embedding requests waiting for embed_held to go
    chats_held: int = 0


def reply_tokens(behaviour: Behaviour, body: dict[str, Any]) -> list[str]:
    """What the fake model answers: the router's decision, numbered tokens, or an echo of the last user message."""
    if "format" in body:
        reply = behaviour.router_reply
        if reply == "*":  # choose every offered tool
            items = body["format"]["properties"]["tools"].get("items", {})
            names = items.get("properties", {}).get("name", {}).get("enum", [])
            reply = json.dumps({"use_brain": False, "tools": [{"name": n, "input": ""} for n in names]})
        words = reply.split(" ")
        return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
    if behaviour.tokens is not None:
        return [f"t{i} " for i in range(behaviour.tokens)]
    last_user = next((m["content"] for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
    words = f"Echo: {last_user}".split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]


def bag_of_words(text: str, dim: int = 64) -> list[float]:
    """A deterministic stand-in embedding: hashed word counts, L2-normalised."""
    vector = [0.0] * dim
    for word in text.lower().split():
        vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % dim] += 1.0
    norm = sum(v * v for v in vector) ** 0.5 or 1.0
    return [v / norm for v in vector]


def _line(model: str, content: str, done: bool = False, **extra: Any) -> bytes:
    item = {"model": model, "created_at": "2026-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": content}, "done": done, **extra}
    return json.dumps(item).encode() + b"\n"


def build_app(behaviour: Behaviour, record: Record) -> Starlette:
    def known(model: str) -> bool:
        full = model if ":" in model else f"{model}:latest"
        return full in {m if ":" in m else f"{m}:latest" for m in behaviour.models}

    async def chat(request: Request) -> Response:
        body = await request.json()
        record.requests.append(body)
        model = body.get("model", "")
        if behaviour.fail_status is not None:
            return JSONResponse({"error": "failure on demand"}, status_code=behaviour.fail_status)
        if not known(model):
            return JSONResponse({"error": f'model "{model}" not found, try pulling it first'}, status_code=404)
        if behaviour.chat_held:
            record.chats_held += 1
            while behaviour.chat_held:  # noqa: ASYNC110 (set from the test's thread, not this loop)
                await asyncio.sleep(0.02)
            record.chats_held -= 1
        tokens = reply_tokens(behaviour, body)
        if not body.get("stream", True):
            await asyncio.sleep(behaviour.first_token_delay + behaviour.delay * len(tokens))
            return JSONResponse(json.loads(_line(model, "".join(tokens), True, eval_count=len(tokens))))

        async def stream() -> AsyncIterator[bytes]:
            record.streams_started += 1
            record.streams_open += 1
            record.max_concurrent_streams = max(record.max_concurrent_streams, record.streams_open)
            finished = False
            try:
                await asyncio.sleep(behaviour.router_delay if "format" in body else behaviour.first_token_delay)
                for i, token in enumerate(tokens):
                    if behaviour.hang_after is not None and i == behaviour.hang_after:
                        await asyncio.sleep(3600)
                    if behaviour.error_after is not None and i == behaviour.error_after:
                        yield json.dumps({"error": "the model failed on demand"}).encode() + b"\n"
                        finished = True
                        return
                    if behaviour.delay:
                        await asyncio.sleep(behaviour.delay)
                    yield _line(model, token)
                yield _line(model, "", True, done_reason="stop", eval_count=len(tokens), eval_duration=1)
                finished = True
            finally:
                record.streams_open -= 1
                if finished:
                    record.streams_completed += 1
                else:
                    record.streams_aborted += 1

        return StreamingResponse(stream(), media_type="application/x-ndjson")

    async def tags(_: Request) -> Response:
        return JSONResponse({"models": [{"name": m, "model": m, "size": 1} for m in behaviour.models]})

    async def show(request: Request) -> Response:
        model = (await request.json()).get("model", "")
        if not known(model):
            return JSONResponse({"error": f"model '{model}' not found"}, status_code=404)
        return JSONResponse({"model_info": {"general.architecture": "llama",
                                            "llama.context_length": behaviour.context_length}})

    async def embed(request: Request) -> Response:
        body = await request.json()
        if not known(body.get("model", "")):
            return JSONResponse({"error": f"model '{body.get('model')}' not found"}, status_code=404)
        if behaviour.embed_fails:
            return JSONResponse({"error": "embedding failed on demand"}, status_code=500)
        if behaviour.embed_held:
            record.embeds_held += 1
            while behaviour.embed_held:  # noqa: ASYNC110 (set from the test's thread, not this loop)
                await asyncio.sleep(0.02)
            record.embeds_held -= 1
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        return JSONResponse({"model": body["model"], "embeddings": [bag_of_words(t) for t in texts]})

    async def version(_: Request) -> Response:
        return JSONResponse({"version": "0.0.0-fake"})

    return Starlette(routes=[
        Route("/api/chat", chat, methods=["POST"]),
        Route("/api/tags", tags),
        Route("/api/show", show, methods=["POST"]),
        Route("/api/version", version),
        Route("/api/embed", embed, methods=["POST"]),
    ])


class FakeOllama(LoopbackServer):
    """Runs the server in a thread with its own event loop."""

    def __init__(self, port: int, behaviour: Behaviour | None = None) -> None:
        self.behaviour = behaviour or Behaviour()
        self.record = Record()
        super().__init__(build_app(self.behaviour, self.record), port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeOllama":
        self.start_serving()
        return self

    def reset(self) -> None:
        self.behaviour.__init__()  # type: ignore[misc]
        self.record.__init__()  # type: ignore[misc]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=11500)
    parser.add_argument("--tokens", type=int, default=None)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--router-reply", default=Behaviour.router_reply, help="the router model's decision")
    args = parser.parse_args()
    behaviour = Behaviour(tokens=args.tokens, delay=args.delay, router_reply=args.router_reply)
    uvicorn.run(build_app(behaviour, Record()), host="127.0.0.1", port=args.port, log_level="warning",
                lifespan="off")


if __name__ == "__main__":
    main()
