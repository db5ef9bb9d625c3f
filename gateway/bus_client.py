"""Request/reply with the workers, with errors turned into HTTP answers."""

import json
import time
from typing import TypeVar

from fastapi import HTTPException
from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from pydantic import BaseModel

from gateway.errors import invalid
from shared import subjects
from shared.memory.messages import BrainError

T = TypeVar("T", bound=BaseModel)
_STATUS = {"bad_request": 422, "embedder_mismatch": 409, "not_found": 404, "busy": 503, "expired": 504,
           "unavailable": 503, "internal": 500}
# Whose worker refuses a request past its deadline: without one, a clear or delete that answered 504
# would still run once the worker caught up, and forget what was added after the client was told it failed.
_EXPIRING = {subjects.BRAIN_CLEAR, subjects.BRAIN_MEMORIES_DELETE, subjects.BRAIN_DOCUMENTS_DELETE}


async def ask(nc: Client, subject: str, request: BaseModel, reply_type: type[T], timeout: float = 10.0,
              worker: str = "brain_worker") -> T:
    expiring = subject in _EXPIRING
    if expiring:
        request = request.model_copy(update={"deadline": time.time() + timeout})
    try:
        reply = await nc.request(subject, request.model_dump_json().encode(), timeout=timeout)
    except NoRespondersError as exc:
        raise HTTPException(503, f"No {worker} is listening on {subject}; start one (python -m {worker}).") from exc
    except NatsTimeout as exc:
        detail = f"The {worker} did not answer on {subject} within {timeout:g} s."
        if expiring:
            detail += (" It will not be carried out later; if the worker had already begun it, it may have "
                       "finished, so look at the brain before trying again.")
        raise HTTPException(504, detail) from exc
    except NatsError as exc:
        raise HTTPException(503, f"The message bus (NATS) is not available: {exc!s}") from exc
    data = json.loads(reply.data)
    if isinstance(data, dict) and {"error", "code"} <= set(data) <= {"error", "code", "field"}:
        error = BrainError.model_validate(data)
        if error.code == "bad_request":  # the same shape as every other 422
            raise invalid(("body", error.field) if error.field else ("body",), error.error)
        raise HTTPException(_STATUS[error.code], error.error)
    return reply_type.model_validate(data)
