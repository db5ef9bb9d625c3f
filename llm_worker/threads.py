"""A chat turn inside a conversation thread, broker-free: the history the model sees,
and both sides of the turn stored in the thread."""

from dataclasses import dataclass, field

from shared.messages import ChatRequest
from shared.prompts import Turn
from shared.threads.store import Message, Thread, ThreadStore

HISTORY_MESSAGES = 50  # the most messages of a thread put before the model (then trimmed to its window)


class ThreadNotFound(Exception):
    pass


@dataclass
class ThreadTurn:
    store: ThreadStore
    thread: Thread
    request: ChatRequest  # with the thread's brain and system prompt applied
    history: list[Turn]
    question: Message
    finished: bool = field(default=False)

    async def finish(self, answer: str) -> None:
        """Store the answer (once, even if the request is delivered again) and mark the question answered."""
        await self.store.close_turn(self.thread.id, self.question.id, answer, self.request.brain,
                                    self.request.request_id)
        self.finished = True

    async def fail(self) -> None:
        """The question stays in the thread, marked failed; no half answer is stored."""
        await self.store.set_status(self.question.id, "failed")


async def begin_thread_turn(store: ThreadStore, request: ChatRequest) -> ThreadTurn:
    assert request.thread_id is not None
    opened = await store.open_turn(request.thread_id, request.user_id, request.message, request.brain_id,
                                   request.request_id, HISTORY_MESSAGES)
    if opened is None:
        # The same answer for someone else's thread: it must not reveal that it exists.
        raise ThreadNotFound(f"No thread '{request.thread_id}' for user '{request.user_id}'.")
    thread, question, earlier = opened
    # A brain or system prompt in the request applies to this message only; the thread keeps its own.
    resolved = request.model_copy(update={
        "brain_id": request.brain_id or thread.brain_id,
        "system_prompt": request.system_prompt or thread.system_prompt,
    })
    return ThreadTurn(store, thread, resolved, [Turn(m.role, m.content) for m in earlier], question)
