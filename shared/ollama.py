"""A small async client for the parts of Ollama's HTTP API Lumia uses.

It runs on aiohttp rather than httpx: on the chat hot path httpx cost about 1 ms
more per streamed request on 2 cores (bench/ttft.py), a fifth of the latency
budget Lumia has.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp

from shared.messages import ErrorCode, OllamaStatus


class OllamaError(Exception):
    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


STATUS_TIMEOUT = 1.5  # seconds; below the gateway's PING_TIMEOUT


def unreachable_message(base_url: str, model: str) -> str:
    return (
        f"Ollama is not reachable at {base_url} (OLLAMA_BASE_URL). Start Ollama there "
        f"(`ollama serve`) and make sure the model is pulled: `ollama pull {model}`."
    )


def model_missing_message(base_url: str, model: str) -> str:
    return (
        f"The model '{model}' is not available in Ollama at {base_url} (OLLAMA_BASE_URL). "
        f"Run `ollama pull {model}`, or set LLM_MODEL to a model you have."
    )


def _full_name(model: str) -> str:
    return model if ":" in model else f"{model}:latest"


@dataclass(slots=True)
class Piece:
    """Whatever Ollama sent in one network read: several tokens are joined, never split."""

    text: str
    done: bool = False
    eval_count: int | None = None


def ollama_session(connect_timeout: float, read_timeout: float, connections: int = 100) -> aiohttp.ClientSession:
    """The HTTP session for Ollama: a bounded connect, a long wait per read (a cold model loads slowly)."""
    timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout, sock_read=read_timeout)
    return aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=connections))


class OllamaClient:
    def __init__(self, http: aiohttp.ClientSession, base_url: str, stall_timeout: float | None = None) -> None:
        """`stall_timeout`: the longest pause between two parts of an answer once it has begun.
        The session's read timeout must also cover a cold model load before the first token
        (minutes); a model that hangs mid-answer would keep its user waiting as long."""
        self._http = http
        self.base_url = base_url.rstrip("/")
        self._stall_timeout = stall_timeout

    async def status(self, model: str) -> OllamaStatus:
        # Within the health probe's wait (gateway/routes/health.py): an Ollama that accepts connections and answers
        # nothing held the ping, and the health check blamed the llm_worker (a black-box pass).
        try:
            async with self._http.get(f"{self.base_url}/api/tags", timeout=aiohttp.ClientTimeout(
                    total=None, connect=STATUS_TIMEOUT, sock_read=STATUS_TIMEOUT)) as response:
                response.raise_for_status()
                names = {m.get("name") for m in (await response.json(content_type=None)).get("models", [])}
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            # Connected and silent is hung; no connection at all (a host off, a dropped SYN) is unreachable.
            hung = isinstance(exc, TimeoutError) and not isinstance(exc, aiohttp.ConnectionTimeoutError)
            return OllamaStatus(
                base_url=self.base_url, model=model, reachable=False, model_present=False,
                message=f"Ollama at {self.base_url} (OLLAMA_BASE_URL) accepts connections but did not answer "
                        f"/api/tags within {STATUS_TIMEOUT:g} s: it may be hung or overloaded; restart it."
                if hung else unreachable_message(self.base_url, model),
            )
        present = _full_name(model) in {_full_name(n) for n in names if n}
        return OllamaStatus(
            base_url=self.base_url, model=model, reachable=True, model_present=present,
            message=None if present else model_missing_message(self.base_url, model),
        )

    async def context_length(self, model: str) -> int | None:
        """The model's context window as `/api/show` reports it, or None when it does not say."""
        try:
            async with self._http.post(f"{self.base_url}/api/show", json={"model": model}) as response:
                if response.status != 200:
                    return None
                info = (await response.json(content_type=None)).get("model_info") or {}
        except (TimeoutError, aiohttp.ClientError, ValueError):
            return None
        lengths = [v for k, v in info.items() if k.endswith(".context_length") and isinstance(v, int)]
        return lengths[0] if lengths else None

    async def chat_stream(
        self, model: str, messages: list[dict[str, str]], options: dict[str, Any] | None = None,
        format: dict[str, Any] | None = None,
    ) -> AsyncIterator[Piece]:
        """Stream `/api/chat`. Leaving the iterator early closes the HTTP stream,
        which is how Ollama learns to stop generating. `format` is a JSON schema the
        answer must follow (Ollama's structured outputs)."""
        body: dict[str, Any] = {"model": model, "messages": messages, "stream": True}
        if options:
            body["options"] = options
        if format is not None:
            body["format"] = format
        try:
            # Leaving this block before the end closes the connection instead of reusing it.
            async with self._http.post(f"{self.base_url}/api/chat", json=body) as response:
                if response.status != 200:
                    raise self._http_error(model, response.status, await response.read())
                buffer = b""
                chunks = response.content.iter_any()
                begun = False
                while True:
                    waiting = asyncio.timeout(self._stall_timeout if begun else None)
                    try:
                        async with waiting:
                            chunk = await anext(chunks)
                    except StopAsyncIteration:
                        break
                    except TimeoutError as exc:
                        if not waiting.expired():
                            raise  # the session's own read timeout, handled below
                        raise OllamaError(ErrorCode.OLLAMA_ERROR, (
                            f"Ollama at {self.base_url} stopped in the middle of the answer: nothing for "
                            f"{self._stall_timeout:g} s (LUMIA_OLLAMA_STALL_TIMEOUT).")) from exc
                    begun = True
                    *lines, buffer = (buffer + chunk).split(b"\n")
                    piece, failure = self._parse_lines(lines)
                    if piece is not None:
                        yield piece
                        if piece.done:
                            return
                    if failure is not None:
                        raise failure
                piece, failure = self._parse_lines([buffer])
                if piece is not None and piece.done:
                    yield piece
                    return
                if failure is not None:
                    raise failure
                raise OllamaError(ErrorCode.OLLAMA_ERROR, f"Ollama at {self.base_url} ended the answer early.")
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise OllamaError(ErrorCode.OLLAMA_UNAVAILABLE, unreachable_message(self.base_url, model)) from exc
        except aiohttp.SocketTimeoutError as exc:
            waited = self._http.timeout.sock_read
            raise OllamaError(ErrorCode.OLLAMA_ERROR, (
                f"Ollama at {self.base_url} sent nothing for {waited:g} s (LUMIA_OLLAMA_READ_TIMEOUT, which also "
                "waits out a cold model load): it may be hung; restart it.")) from exc
        except aiohttp.ClientPayloadError as exc:
            # Not aiohttp's "Response payload is not completed: <TransferEncodingError …>" (a black-box pass).
            raise OllamaError(
                ErrorCode.OLLAMA_ERROR, f"Ollama at {self.base_url} broke off the answer: the connection closed in "
                "the middle of it (did Ollama stop or restart?)."
            ) from exc
        except aiohttp.ClientError as exc:
            raise OllamaError(
                ErrorCode.OLLAMA_ERROR, f"Ollama at {self.base_url} broke off the answer: {exc!s}"
            ) from exc

    async def chat(self, model: str, messages: list[dict[str, str]], options: dict[str, Any] | None = None,
                   format: dict[str, Any] | None = None) -> str:
        """One whole answer, for background work such as the persona, and the router's decision."""
        parts = [piece.text async for piece in self.chat_stream(model, messages, options, format)]
        return "".join(parts)

    def _http_error(self, model: str, status: int, body: bytes) -> OllamaError:
        try:
            detail = str(json.loads(body).get("error", ""))
        except (ValueError, AttributeError):
            detail = body.decode(errors="replace")[:200]
        if status == 404 and "not found" in detail:
            return OllamaError(ErrorCode.MODEL_MISSING, model_missing_message(self.base_url, model))
        return OllamaError(
            ErrorCode.OLLAMA_ERROR, f"Ollama at {self.base_url} answered {status}: {detail or 'no detail'}"
        )

    def _parse_lines(self, lines: list[bytes]) -> tuple[Piece | None, OllamaError | None]:
        """The tokens of one read, and the failure that followed them, if any: the tokens
        sent before an error line still reach the user."""
        texts: list[str] = []
        piece: Piece | None = None
        failure: OllamaError | None = None
        for line in lines:
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                failure = OllamaError(ErrorCode.OLLAMA_ERROR, f"Ollama at {self.base_url} sent invalid JSON.")
                break
            if "error" in item:
                failure = OllamaError(ErrorCode.OLLAMA_ERROR, f"Ollama at {self.base_url}: {item['error']}")
                break
            texts.append(item.get("message", {}).get("content", ""))
            piece = Piece(text="", done=bool(item.get("done")), eval_count=item.get("eval_count"))
            if piece.done:
                break
        if piece is not None:
            piece.text = "".join(texts)
        return piece, failure
