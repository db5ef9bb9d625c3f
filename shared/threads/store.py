"""Conversation threads in SQL: SQLite under LUMIA_DATA_DIR by default, PostgreSQL when scaled out.

Every gateway and llm_worker replica opens the same database, so all of them see
the same threads. Message order is the order of their ids (assigned by the
database), which is what makes two messages sent at once to one thread both land,
one after the other.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from shared.db import messages, open_engine, threads

Role = Literal["user", "assistant"]
Status = Literal["complete", "pending", "failed"]

@dataclass(frozen=True, slots=True)
class Thread:
    id: str
    user_id: str
    brain_id: str
    system_prompt: str | None
    title: str
    created_at: float
    updated_at: float
    message_count: int
    last_message: str | None = None


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    role: Role
    content: str
    created_at: float
    brain_id: str
    status: Status
    request_id: str | None = None  # the chat request that stored it: a question and its answer share it


TITLE_CHARS = 60


def derive_title(message: str) -> str:
    """A thread's title from its first message: its first words."""
    words = " ".join(message.split())
    return words if len(words) <= TITLE_CHARS else words[: TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _thread(row: Any) -> Thread:
    return Thread(id=row.id, user_id=row.user_id, brain_id=row.brain_id, system_prompt=row.system_prompt,
                  title=row.title, created_at=row.created_at, updated_at=row.updated_at,
                  message_count=row.message_count, last_message=getattr(row, "last_message", None))


def _message(row: Any) -> Message:
    return Message(id=row.id, role=row.role, content=row.content, created_at=row.created_at,
                   brain_id=row.brain_id, status=row.status, request_id=row.request_id)


class ThreadStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    async def open(cls, url: str) -> "ThreadStore":
        return cls(await open_engine(url))

    async def close(self) -> None:
        await self.engine.dispose()

    async def create(self, thread_id: str, user_id: str, brain_id: str, system_prompt: str | None, title: str,
                     initial_message: str | None = None) -> Thread:
        now = time.time()
        async with self.engine.begin() as conn:
            await conn.execute(insert(threads).values(
                id=thread_id, user_id=user_id, brain_id=brain_id, system_prompt=system_prompt, title=title,
                created_at=now, updated_at=now, message_count=0,
            ))
            if initial_message is not None:
                await self._append(conn, thread_id, "user", initial_message, brain_id, "complete", None, now)
        found = await self.get(thread_id)
        assert found is not None
        return found

    def _with_last_message(self) -> Any:
        last = (select(messages.c.content).where(messages.c.thread_id == threads.c.id)
                .order_by(messages.c.id.desc()).limit(1).scalar_subquery())
        return select(threads, last.label("last_message"))

    async def get(self, thread_id: str) -> Thread | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(self._with_last_message().where(threads.c.id == thread_id))).first()
        return None if row is None else _thread(row)

    async def for_user(self, user_id: str) -> list[Thread]:
        query = (self._with_last_message().where(threads.c.user_id == user_id)
                 .order_by(threads.c.updated_at.desc(), threads.c.created_at.desc()))
        async with self.engine.connect() as conn:
            return [_thread(row) for row in await conn.execute(query)]

    async def delete(self, thread_id: str) -> bool:
        async with self.engine.begin() as conn:
            await conn.execute(delete(messages).where(messages.c.thread_id == thread_id))
            result = await conn.execute(delete(threads).where(threads.c.id == thread_id))
        return bool(result.rowcount)

    async def messages(self, thread_id: str, limit: int, before: int | None = None) -> list[Message]:
        """The last `limit` messages (before message id `before`, when given), oldest first."""
        query = select(messages).where(messages.c.thread_id == thread_id)
        if before is not None:
            query = query.where(messages.c.id < before)
        query = query.order_by(messages.c.id.desc()).limit(limit)
        async with self.engine.connect() as conn:
            rows = list(await conn.execute(query))
        return [_message(row) for row in reversed(rows)]

    async def append(self, thread_id: str, role: Role, content: str, brain_id: str, status: Status = "complete",
                     request_id: str | None = None) -> Message:
        """Store one message; the same request's message of a role is stored once."""
        async with self.engine.begin() as conn:
            return await self._append(conn, thread_id, role, content, brain_id, status, request_id, time.time())

    async def _append(self, conn: AsyncConnection, thread_id: str, role: Role, content: str, brain_id: str,
                      status: Status, request_id: str | None, now: float) -> Message:
        if request_id is not None:  # a request delivered again finds its message already there
            existing = (await conn.execute(select(messages).where(
                messages.c.request_id == request_id, messages.c.role == role))).first()
            if existing is not None:
                return _message(existing)
        result = await conn.execute(insert(messages).values(
            thread_id=thread_id, role=role, content=content, created_at=now, brain_id=brain_id, status=status,
            request_id=request_id,
        ).returning(messages.c.id))
        message_id = result.scalar_one()
        if role == "user":  # a thread created without a title takes it from its first message
            await conn.execute(update(threads).where(threads.c.id == thread_id, threads.c.title == "")
                               .values(title=derive_title(content)))
        # One UPDATE with an increment: concurrent appends cannot lose a count.
        await conn.execute(update(threads).where(threads.c.id == thread_id).values(
            message_count=threads.c.message_count + 1, updated_at=now))
        return Message(id=message_id, role=role, content=content, created_at=now, brain_id=brain_id, status=status,
                       request_id=request_id)

    async def open_turn(self, thread_id: str, user_id: str, content: str, brain_id: str | None,
                        request_id: str, history: int, admit: Callable[[Thread], None] = lambda _: None,
                        ) -> tuple[Thread, Message, list[Message]] | None:
        """One transaction for what a chat in a thread needs before the model is asked: the
        thread (None unless `user_id` owns it), the stored question (`pending`), and up to
        `history` earlier messages, oldest first. `admit` sees the thread before the question is
        stored; what it raises leaves the thread untouched."""
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(threads).where(threads.c.id == thread_id))).first()
            if row is None or row.user_id != user_id:
                return None
            thread = _thread(row)
            admit(thread)
            question = await self._append(conn, thread_id, "user", content, brain_id or thread.brain_id, "pending",
                                          request_id, time.time())
            rows = list(await conn.execute(select(messages).where(
                messages.c.thread_id == thread_id, messages.c.id < question.id,
            ).order_by(messages.c.id.desc()).limit(history)))
        return thread, question, [_message(r) for r in reversed(rows)]

    async def close_turn(self, thread_id: str, question_id: int, answer: str, brain_id: str,
                         request_id: str) -> bool:
        """Store the answer and mark its question answered, together; a repeated call stores nothing twice.
        False when the thread was deleted while the answer was written."""
        async with self.engine.begin() as conn:
            if (await conn.execute(select(threads.c.id).where(threads.c.id == thread_id))).first() is None:
                return False
            await self._append(conn, thread_id, "assistant", answer, brain_id, "complete", request_id, time.time())
            await conn.execute(update(messages).where(messages.c.id == question_id).values(status="complete"))
        return True

    async def discard(self, before: Thread, message_id: int) -> None:
        """Removes a message the model never got (it was refused as bad input): as if never sent. The
        thread gets back the title and activity time it had `before`, unless a later message changed them."""
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(messages).where(messages.c.id == message_id))).first()
            if row is None:
                return
            await conn.execute(delete(messages).where(messages.c.id == message_id))
            mine = threads.c.id == before.id
            await conn.execute(update(threads).where(mine).values(message_count=threads.c.message_count - 1))
            await conn.execute(update(threads).where(mine, threads.c.updated_at == row.created_at)
                               .values(updated_at=before.updated_at))
            if before.title == "":  # the title came from this message unless an earlier one is left
                first = (await conn.execute(select(messages.c.content).where(
                    messages.c.thread_id == before.id, messages.c.role == "user").order_by(messages.c.id).limit(1)
                )).scalar()
                await conn.execute(update(threads).where(mine, threads.c.title == derive_title(row.content))
                                   .values(title="" if first is None else derive_title(first)))

    async def fail_question(self, request_id: str) -> None:
        """The question of this request, if still waiting for its answer, is marked failed: its
        answer will not come (the llm_worker stopped, or the gateway gave up on it)."""
        async with self.engine.begin() as conn:
            await conn.execute(update(messages).where(messages.c.request_id == request_id, messages.c.role == "user",
                                                      messages.c.status == "pending").values(status="failed"))

    async def set_status(self, message_id: int, status: Status) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(messages).where(messages.c.id == message_id).values(status=status))
