"""Health: what the gateway can see of the whole system, over the bus."""

import asyncio

from fastapi import APIRouter
from nats.aio.client import Client
from nats.errors import Error as NatsError
from pydantic import ValidationError

from gateway.deps import NatsAsItIs
from gateway.schemas import HealthChecks, HealthResponse, WorkerCheck
from shared import subjects
from shared.messages import WorkerStatus

router = APIRouter(tags=["health"])

PING_TIMEOUT = 2.0


async def _ping(nc: Client, kind: str) -> tuple[WorkerCheck, WorkerStatus | None]:
    try:
        reply = await nc.request(subjects.worker_ping(kind), b"", timeout=PING_TIMEOUT)
        status = WorkerStatus.model_validate_json(reply.data)
    except NatsError as exc:
        reason = "no replica is running" if "no responders" in str(exc).lower() else f"no answer ({exc!s})"
        return WorkerCheck(ok=False, error=f"{kind}_worker: {reason}"), None
    except ValidationError:
        return WorkerCheck(ok=False, error=f"{kind}_worker sent an unreadable status"), None
    if status.store_error:
        return WorkerCheck(ok=False, instance=status.instance, error=status.store_error), status
    return WorkerCheck(ok=True, instance=status.instance), status


@router.get("/memory/health", response_model=HealthResponse)
async def health(nc: NatsAsItIs) -> HealthResponse:
    """Checks NATS, that each worker kind answers, and that Ollama has `LLM_MODEL`."""
    if not nc.is_connected:
        workers = {kind: WorkerCheck(ok=False, error="NATS is not connected") for kind in subjects.WORKER_KINDS}
        return HealthResponse(
            status="degraded", memory_cache_size=0, checks=HealthChecks(nats=False, workers=workers, ollama=None)
        )
    results = await asyncio.gather(*(_ping(nc, kind) for kind in subjects.WORKER_KINDS))
    workers = {kind: check for kind, (check, _) in zip(subjects.WORKER_KINDS, results, strict=True)}
    statuses = [status for _, status in results if status is not None]
    ollama = next((s.ollama for s in statuses if s.ollama is not None), None)
    healthy = all(check.ok for check in workers.values()) and ollama is not None and ollama.ok
    return HealthResponse(
        status="healthy" if healthy else "degraded",
        memory_cache_size=sum(s.memory_cache_size or 0 for s in statuses),
        checks=HealthChecks(nats=True, workers=workers, ollama=ollama),
    )
