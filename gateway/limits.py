"""The request body limit, as plain ASGI middleware: it refuses before reading a byte too many.

FastAPI's own `max_body_size` answers 413 in plain text; Lumia's errors are JSON with a
`detail` that says what to fix, so the limit is kept here."""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True, slots=True)
class RouteLimit:
    """A route whose bodies have a limit of their own, such as document uploads."""

    method: str
    path: re.Pattern[str]
    max_bytes: int
    detail: str


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, routes: Sequence[RouteLimit] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.routes = routes

    def _limit(self, scope: Scope) -> tuple[int, str]:
        for route in self.routes:
            if scope["method"] == route.method and route.path.fullmatch(scope["path"]):
                return route.max_bytes, route.detail
        return self.max_bytes, (f"The request body is larger than {self.max_bytes} bytes (LUMIA_MAX_BODY_BYTES); "
                                "send less.")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes, detail = self._limit(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > max_bytes:
            await self._refuse(send, detail)
            return
        seen = 0
        started = refused = False

        async def counted() -> Message:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > max_bytes and not refused:  # a chunked body that did not say its size
                    refused = True
                    if not started:
                        await self._refuse(send, detail)
                    # The app sees the client go away, and whatever it answers is dropped.
                    return {"type": "http.disconnect"}
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if refused:
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, send: Send, detail: str) -> None:
        body: dict[str, Any] = {"detail": detail}
        payload = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
