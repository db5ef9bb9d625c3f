"""Input errors found after FastAPI's own validation, in the same shape as its 422s:
`{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`, so every 422 names its field alike."""

import json
import math
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.text import HALF_CHARACTER


def invalid(loc: tuple[str | int, ...], message: str, value: Any = None) -> RequestValidationError:
    return RequestValidationError([{"type": "value_error", "loc": loc, "msg": message, "input": value}])


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):  # a lone surrogate ("\ud83d", half an emoji) cannot be encoded as UTF-8
        return value.encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, dict):
        return {_json_safe(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


ECHOED_CHARS = 200  # of a refused input sent back: enough to recognise it


def _echoed(value: Any) -> Any:
    """A refused input as sent back: a long text cut (a 32,001-character message came back whole),
    a large object or list named by its size."""
    if isinstance(value, str) and len(value) > ECHOED_CHARS:
        return f"{value[:ECHOED_CHARS]}… ({len(value):,} characters)"
    if isinstance(value, dict | list):
        try:
            size = len(json.dumps(value, default=str))
        except (RecursionError, ValueError):
            size = ECHOED_CHARS + 1
        if size > ECHOED_CHARS:
            return f"({'an object' if isinstance(value, dict) else 'a list'} of {len(value):,} items)"
    return value


def _secret(error: dict[str, Any]) -> bool:
    """A refused password is not sent back: responses are logged and cached where passwords must not be."""
    value = error.get("input")
    return any(part == "password" for part in error.get("loc", ())) or (isinstance(value, dict) and "password" in value)


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """FastAPI's own 422, except that an input echoed back which Python's JSON reader took and
    JSON cannot carry (NaN, Infinity, a lone surrogate) is written as text: answering it must not
    become a 500; and a large input is cut (`_echoed`)."""
    assert isinstance(exc, RequestValidationError)
    # Cut first: encoding an input nested a few hundred levels deep exhausted the stack (a 500).
    errors = [{**error, "input": None if _secret(error) else _echoed(error["input"])}
              if isinstance(error, dict) and "input" in error else error for error in exc.errors()]
    # Pydantic's "unable to parse raw data as a unicode string" for a lone surrogate, said plainly.
    errors = [{**error, "msg": HALF_CHARACTER} if isinstance(error, dict)
              and error.get("type") == "string_unicode" else error for error in errors]
    # Pydantic's "Value error, " before each message of our own validators says nothing to a client (a black-box pass).
    errors = [{**error, "msg": error["msg"].removeprefix("Value error, ")}
              if isinstance(error, dict) and isinstance(error.get("msg"), str) else error for error in errors]
    errors = _json_safe(jsonable_encoder(_named_content_type(request, errors)))
    return JSONResponse(status_code=422, content={"detail": errors})


def _named_content_type(request: Request, errors: list[Any]) -> list[Any]:
    """A JSON body sent as another type is read as text, and FastAPI's error said only "Input should
    be a valid dictionary": it says what to send instead."""
    sent = request.headers.get("content-type", "").split(";")[0].strip()
    kind = sent.lower()
    # FastAPI reads a body as JSON only when it says application/json or application/…+json; without a type,
    # or as "text/json", the JSON is taken for text (a black-box pass: Python's `requests` with `data=`).
    if kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json")):
        return errors
    told = ("the body must be JSON, sent with 'Content-Type: application/json' ("
            + (f"this one was sent as {sent!r})" if sent else "this one was sent without a Content-Type)"))
    return [{**error, "msg": told} if isinstance(error, dict) and list(error.get("loc", ())) == ["body"]
            and error.get("type") in ("model_attributes_type", "dict_type") else error for error in errors]


async def unreadable_body(request: Request, exc: Exception) -> Response:
    """FastAPI answers a JSON body it cannot read (bytes that are not UTF-8, JSON nested deeper than
    Python's reader goes) with a bare 400 "There was an error parsing the body", where JSON that is
    wrong is a 422 saying what: these say what too (a black-box pass)."""
    assert isinstance(exc, StarletteHTTPException)
    cause = exc.__cause__
    if exc.status_code == 400 and isinstance(cause, UnicodeDecodeError):
        return await validation_error(request, invalid(("body",), f"The body is not UTF-8 (byte {cause.start} is "
                                                                   "not): JSON is sent as UTF-8."))
    if exc.status_code == 400 and isinstance(cause, RecursionError):
        return await validation_error(request, invalid(("body",), "The JSON is nested too deeply to read."))
    return await http_exception_handler(request, exc)
