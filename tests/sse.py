"""Reading Lumia's SSE streams the way clients do."""

import json
from typing import Any

import httpx


def read_events(response: httpx.Response) -> list[dict[str, Any]]:
    """Every non-empty line must be `data: <json>`; anything else fails the test."""
    events = []
    for line in response.iter_lines():
        if not line:
            continue
        assert line.startswith("data: "), f"not a data line: {line!r}"
        events.append(json.loads(line[len("data: "):]))
    return events


def stream_chat(client: httpx.Client, body: dict[str, Any], path: str = "/memory/chat/stream") -> list[dict[str, Any]]:
    with client.stream("POST", path, json=body) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        return read_events(response)
