"""Input errors found after FastAPI's own validation, in the same shape as its 422s:
`{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`, so every 422 names its field alike."""

from typing import Any

from fastapi.exceptions import RequestValidationError


def invalid(loc: tuple[str | int, ...], message: str, value: Any = None) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": loc, "msg": message, "input": value}])
