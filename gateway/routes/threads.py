"""Conversation threads: CRUD here, chat through the llm_worker (which reads and stores the history)."""

import secrets
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi.sse import EventSourceResponse
from nats.errors import Error as NatsError

from gateway.auth import Identity
from gateway.deps import Caller, Nats, Relay, Threads, known_query
from gateway.errors import invalid
from gateway.routes.chat import ERRORS, SSE_RESPONSES, answer_json, answer_sse
from gateway.schemas import ThreadChatBody, ThreadChatResponse, ThreadCreate, ThreadMessageOut, ThreadOut
from shared.memory.jetstream import publish_items
from shared.memory.messages import MemoryItem
from shared.messages import UserId
from shared.threads.store import Thread, ThreadStore

router = APIRouter(prefix="/threads", tags=["threads"], dependencies=[Depends(known_query)])

Owner = Annotated[UserId | None, Query(description="The thread's owner; with accounts, the token's user")]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such thread for this user"}}


def _time(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _out(thread: Thread, caller: Identity) -> ThreadOut:
    return ThreadOut(thread_id=thread.id, user_id=thread.user_id, brain_id=caller.public_brain(thread.brain_id),
                     system_prompt=thread.system_prompt, title=thread.title or "New conversation",
                     created_at=_time(thread.created_at), updated_at=_time(thread.updated_at),
                     message_count=thread.message_count, last_message=thread.last_message)


async def owned(threads: ThreadStore, thread_id: str, user_id: str) -> Thread:
    thread = await threads.get(thread_id)
    if thread is None or thread.user_id != user_id:
        # Someone else's thread gets the same answer as a missing one: its existence stays private.
        raise HTTPException(404, f"No thread '{thread_id}' for user '{user_id}'.")
    return thread


@router.post("/", status_code=201, response_model=ThreadOut)
async def create_thread(body: ThreadCreate, threads: Threads, caller: Caller, nc: Nats) -> ThreadOut:
    """Start a thread with its own brain and system prompt; an initial message is remembered in that brain."""
    user_id = caller.user(body.user_id)
    # Left out, the brain a chat of this user uses: a thread is a chat that keeps its history.
    brain = caller.chat_brain(body.brain_id, user_id) or user_id
    thread_id = f"thr_{secrets.token_urlsafe(12)}"
    if body.initial_message is not None:
        # No answer follows it here, so the llm_worker never remembers it as it does a chat turn;
        # the user said it all the same. Queued before the thread exists: if JetStream is down,
        # nothing is created and a retry starts clean.
        item = MemoryItem(id=f"turn_{thread_id}", brain=brain, content=body.initial_message, kind="turn",
                          created_at=time.time(), metadata={"role": "user"})
        try:
            await publish_items(nc.jetstream(), [item])
        except NatsError as exc:
            raise HTTPException(503, f"The initial message could not be remembered: JetStream did not acknowledge "
                                     f"it ({exc!s}). No thread was created; send it again.") from exc
    thread = await threads.create(thread_id, user_id, brain, body.system_prompt, body.title or "",
                                  body.initial_message)
    return _out(thread, caller)


@router.get("/user/{user_id}", response_model=list[ThreadOut])
async def list_threads(user_id: str, threads: Threads, caller: Caller) -> list[ThreadOut]:
    """A user's threads, most recent activity first."""
    return [_out(t, caller) for t in await threads.for_user(caller.user(user_id))]


@router.get("/{thread_id}", response_model=ThreadOut, responses=NOT_FOUND)
async def get_thread(thread_id: str, threads: Threads, caller: Caller, user_id: Owner = None) -> ThreadOut:
    return _out(await owned(threads, thread_id, caller.user(user_id, where="query")), caller)


@router.get("/{thread_id}/messages", response_model=list[ThreadMessageOut], responses=NOT_FOUND)
async def thread_messages(thread_id: str, threads: Threads, caller: Caller, user_id: Owner = None,
                          limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> list[ThreadMessageOut]:
    """The last `limit` messages, oldest first."""
    await owned(threads, thread_id, caller.user(user_id, where="query"))
    return [ThreadMessageOut(role=m.role, content=m.content, created_at=_time(m.created_at),
                             brain_id=caller.public_brain(m.brain_id), status=m.status)
            for m in await threads.messages(thread_id, limit)]


@router.delete("/{thread_id}", status_code=204, responses=NOT_FOUND)
async def delete_thread(thread_id: str, threads: Threads, caller: Caller, user_id: Owner = None) -> Response:
    await owned(threads, thread_id, caller.user(user_id, where="query"))
    await threads.delete(thread_id)
    return Response(status_code=204)


def _chat_fields(thread_id: str, body: ThreadChatBody, caller: Identity) -> dict[str, object]:
    if body.thread_id is not None and body.thread_id != thread_id:
        raise invalid(("body", "thread_id"), f"differs from the thread in the path '{thread_id}'; leave it out "
                                             "or make them equal", body.thread_id)
    return {"user_id": caller.user(body.user_id), "message": body.message, "thread_id": thread_id,
            "brain_id": caller.brain(body.brain_id) if body.brain_id else None, "system_prompt": body.system_prompt}


@router.post("/{thread_id}/chat", response_model=ThreadChatResponse, responses={**ERRORS, **NOT_FOUND})
async def thread_chat(thread_id: str, body: ThreadChatBody, relay: Relay, threads: Threads,
                      caller: Caller, request: Request) -> ThreadChatResponse | JSONResponse:
    """Answer in the thread: its history, brain and system prompt apply; both sides are stored."""
    fields = _chat_fields(thread_id, body, caller)
    await owned(threads, thread_id, str(fields["user_id"]))
    answer = await answer_json(relay, fields, request, thread_id=thread_id)
    return answer if isinstance(answer, JSONResponse) else ThreadChatResponse(**answer)


@router.post("/{thread_id}/chat/stream", response_model=None, responses={**SSE_RESPONSES, **NOT_FOUND})
async def thread_chat_stream(thread_id: str, body: ThreadChatBody, relay: Relay, threads: Threads,
                             caller: Caller) -> EventSourceResponse:
    """The thread answer as Server-Sent Events, in the same format as `/memory/chat/stream`."""
    fields = _chat_fields(thread_id, body, caller)
    await owned(threads, thread_id, str(fields["user_id"]))
    return await answer_sse(relay, fields, thread_id=thread_id)
