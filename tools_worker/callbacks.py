"""Calling one tool over HTTP, safely. Broker-free.

The address is checked by the outbound policy and the request goes to exactly
that address; redirects are never followed; connection errors and 5xx answers
are retried with backoff (tenacity), 4xx never; the whole call, retries
included, has one deadline; the answer is capped before anyone reads it.
"""

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential

from shared.tools import ToolCall, ToolDefinition, ToolResult
from tools_worker.policy import OutboundPolicy, Refused

log = logging.getLogger("lumia.tools.callbacks")
TRUNCATED = "\n[… cut: the tool answered more than Lumia passes on …]"


class ServerError(Exception):
    """A 5xx answer: worth another try."""


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, ServerError | httpx.ConnectError | httpx.ConnectTimeout)


@dataclass(frozen=True)
class CallbackLimits:
    timeout: float = 10.0
    max_bytes: int = 16 * 1024
    attempts: int = 3


def _pinned(url: str, address: str, port: int) -> str:
    """The URL with its host replaced by the checked address (the Host header keeps the name)."""
    parts = urlsplit(url)
    host = f"[{address}]" if ":" in address else address
    return urlunsplit((parts.scheme, f"{host}:{port}", parts.path or "/", parts.query, ""))


def shown(url: str) -> str:
    """A callback URL fit for a log: no credentials, no query (either may hold a secret)."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def host_header(host: str, port: int, scheme: str) -> str:
    """The Host header for a callback: an IPv6 address in brackets (RFC 9110, 3986), the port
    unless it is the scheme's default."""
    name = f"[{host}]" if ":" in host else host
    return name if port == (443 if scheme == "https" else 80) else f"{name}:{port}"


def _content(body: bytes, content_type: str, cap: int) -> str:
    text = body[:cap].decode(errors="replace")
    if "json" in content_type:
        try:
            parsed: Any = json.loads(body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and "content" in parsed:
            value = parsed["content"]
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    if len(text.encode()) > cap or len(body) > cap:
        text = text.encode()[:cap].decode(errors="ignore") + TRUNCATED
    return text


class ToolCaller:
    def __init__(self, http: httpx.AsyncClient, policy: OutboundPolicy, limits: CallbackLimits) -> None:
        self._http = http
        self._policy = policy
        self._limits = limits

    async def call(self, tool: ToolDefinition, call: ToolCall, user_id: str, message: str) -> ToolResult:
        try:
            async with asyncio.timeout(self._limits.timeout):
                return await self._call(tool, call, user_id, message)
        except TimeoutError:
            return ToolResult(name=tool.name, ok=False, content=f"no answer within {self._limits.timeout:g} s")
        except Refused as exc:
            log.warning("tool %s refused: %s", tool.name, exc)
            return ToolResult(name=tool.name, ok=False, content=f"refused: {exc}")
        except ServerError as exc:
            return ToolResult(name=tool.name, ok=False, content=str(exc))
        except httpx.HTTPError as exc:
            return ToolResult(name=tool.name, ok=False, content=f"failed: {type(exc).__name__} {exc}".strip())

    async def _call(self, tool: ToolDefinition, call: ToolCall, user_id: str, message: str) -> ToolResult:
        url = str(tool.callback_url)
        address, port, host = await self._policy.resolve(url)
        headers = {"Host": host_header(host, port, urlsplit(url).scheme)}
        payload = {"name": tool.name, "input": call.input, "user_id": user_id, "message": message}
        async for attempt in AsyncRetrying(stop=stop_after_attempt(self._limits.attempts),
                                           wait=wait_exponential(multiplier=0.1, max=1.0),
                                           retry=retry_if_exception(_retryable), reraise=True):
            with attempt:
                async with self._http.stream("POST", _pinned(url, address, port), json=payload, headers=headers,
                                             extensions={"sni_hostname": host}) as response:
                    if response.status_code >= 500:
                        raise ServerError(f"answered {response.status_code}")
                    if response.is_redirect:
                        return ToolResult(name=tool.name, ok=False, content=(
                            f"answered {response.status_code} (a redirect to "
                            f"{response.headers.get('location', '?')}); redirects are not followed"))
                    if response.status_code >= 400:
                        return ToolResult(name=tool.name, ok=False, content=f"answered {response.status_code}")
                    body = b""
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > self._limits.max_bytes * 4:  # enough to find the cap inside JSON
                            break
                    content = _content(body, response.headers.get("content-type", ""), self._limits.max_bytes)
                    return ToolResult(name=tool.name, ok=True, content=content)
        raise AssertionError("tenacity returns or raises")
