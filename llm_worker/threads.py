"""A chat turn inside a conversation thread, broker-free: the history the model sees,
and both sides of the turn stored in the thread."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from llm_worker.memory import Recollection
from llm_worker.router import Recall
from shared.memory.follow_ups import searched_as
from shared.messages import ChatRequest, ErrorCode
from shared.prompts import Turn
from shared.threads.store import Message, Thread, ThreadStore

HISTORY_MESSAGES = 50  # the most messages of a thread put before the model (then trimmed to its window)
ASKED_BEFORE_CHARS = 2_000  # of the message a follow-up goes on from: its end, where what it asked usually is
FOLLOW_UPS_BACK = 6  # earlier user messages read for a chain of follow-ups


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
    settled: bool = field(default=False)

    remembered: frozenset[str] = field(default_factory=frozenset)  # memory ids of the turns in `history`

    async def finish(self, answer: str) -> None:
        """Store the answer (once, even if the request is delivered again) and mark the question answered."""
        if not await self.store.close_turn(self.thread.id, self.question.id, answer, self.request.brain,
                                           self.request.request_id):
            raise ThreadNotFound(f"Thread '{self.thread.id}' was deleted while its answer was written; "
                                 "the answer was not stored.")
        self.finished = True

    async def settle_failed(self, error: ErrorCode | None) -> None:
        """A turn that ended without an answer: the question stays in the thread, marked failed (no
        half answer is stored), unless it was refused as bad input (a message too long for the
        model): then it is not kept, as outside threads, and the thread is as it was. Once."""
        if self.finished or self.settled:
            return
        self.settled = True
        if error is ErrorCode.BAD_REQUEST:
            await self.store.discard(self.thread, self.question.id)
        else:
            await self.store.set_status(self.question.id, "failed")

    def recalling(self, recall: Recall, zone: tzinfo) -> Recall:
        """`recall` without the memories of turns the model gets as history anyway; a message that follows up
        the one before ("Och vem rapporterar hen till?", "och igår?") searched for with it, as it is read
        (shared/memory/follow_ups.py)."""
        asked = [turn.content[-ASKED_BEFORE_CHARS:] for turn in self.history if turn.role == "user"]

        async def without_history(request: ChatRequest) -> Recollection:
            now = datetime.now(zone)
            # Each earlier message as it was searched for, so that a follow-up of a follow-up ("Where do we live?",
            # "Since when?", "And before that?") still has its subject (a black-box pass: the third got nothing).
            before: str | None = None
            for message in asked[-FOLLOW_UPS_BACK:]:
                before = searched_as(before, message, now)[-ASKED_BEFORE_CHARS:]
            searched = searched_as(before, request.message, now)
            if searched != request.message:
                request = request.model_copy(update={"message": searched})
            known = await recall(request)
            known.memories = [m for m in known.memories if m.id not in self.remembered]
            return known
        return without_history


def conversation(earlier: list[Message]) -> list[Turn]:
    """The history the model sees: each answered question followed by its answer, and user
    messages that need none (a thread's initial message). A question still being answered (two
    sent at once) or one that failed is left out: the model answers each message on its own."""
    answers = {m.request_id: m for m in earlier if m.role == "assistant" and m.request_id}
    turns: list[Turn] = []
    for message in earlier:
        if message.role == "user" and message.status == "complete":
            turns.append(Turn("user", message.content))
            answer = answers.get(message.request_id) if message.request_id else None
            if answer is not None:
                turns.append(Turn("assistant", answer.content))
        elif message.role == "assistant" and not message.request_id:
            turns.append(Turn("assistant", message.content))
    return turns


def _resolved(request: ChatRequest, thread: Thread) -> ChatRequest:
    # A brain or system prompt in the request applies to this message only; the thread keeps its own.
    return request.model_copy(update={
        "brain_id": request.brain_id or thread.brain_id,
        "system_prompt": request.system_prompt or thread.system_prompt,
    })


async def begin_thread_turn(store: ThreadStore, request: ChatRequest,
                            admit: Callable[[ChatRequest], None] = lambda _: None) -> ThreadTurn:
    """Store the question and read the history. `admit` sees the request as the thread resolves it
    before anything is stored: what it raises (a message too long for the window) leaves no trace."""
    assert request.thread_id is not None
    opened = await store.open_turn(request.thread_id, request.user_id, request.message, request.brain_id,
                                   request.request_id, HISTORY_MESSAGES,
                                   admit=lambda thread: admit(_resolved(request, thread)))
    if opened is None:
        # The same answer for someone else's thread: it must not reveal that it exists.
        raise ThreadNotFound(f"No thread '{request.thread_id}' for user '{request.user_id}'.")
    thread, question, earlier = opened
    # Chat turns are remembered as `turn_<request_id>` (llm_worker/memory.py), a thread's initial
    # message as `turn_<thread_id>` (gateway/routes/threads.py).
    remembered = frozenset(f"turn_{m.request_id or thread.id}" for m in earlier if m.role == "user")
    return ThreadTurn(store, thread, _resolved(request, thread), conversation(earlier), question,
                      remembered=remembered)
