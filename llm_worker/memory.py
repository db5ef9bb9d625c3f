"""What the llm_worker asks of memory: recall before answering, remember after. Over the bus,
never blocking an answer: retrieval has a deadline, remembering happens after `done`."""

import logging
import re
import time
from dataclasses import dataclass, field

from nats.aio.client import Client
from nats.errors import Error as NatsError
from nats.errors import NoRespondersError
from nats.js.errors import NoStreamResponseError
from pydantic import ValidationError

from shared import subjects
from shared.memory.jetstream import ItemTooLarge, publish_items
from shared.memory.messages import BrainError, MemoryHit, MemoryItem, QueryReply, QueryRequest
from shared.memory.overlap import most_shared
from shared.messages import ChatRequest, MemoryRef, describe_validation_error

log = logging.getLogger("lumia.llm.memory")
SNIPPET_CHARS = 200
ANSWER_CHARS_KEPT = 2000
# JetStream acknowledges a turn in about a millisecond; `done` waits for that, not for the storing,
# and no longer than this when the server is in trouble.
REMEMBER_WAIT = 2.0


@dataclass
class Recollection:
    memories: list[MemoryHit] = field(default_factory=list)
    persona: str | None = None
    unavailable: str | None = None
    """Why memory could not be searched: the answer is given without it, and says so."""

    def refs(self, question: str) -> list[MemoryRef]:
        return [MemoryRef(id=m.id, score=m.score, snippet=snippet(m, question), created_at=_said_at(m))
                for m in self.memories]


def _said_at(memory: MemoryHit) -> float | None:
    said_at = memory.metadata.get("lumia_created_at")
    return float(said_at) if isinstance(said_at, int | float) and not isinstance(said_at, bool) else None


_SENTENCE = re.compile(r"[^.!?…\n]+[.!?…]*")


def snippet(memory: MemoryHit, question: str) -> str:
    """What a chat shows of a memory it used: its start; of a long one, its excerpt from the sentence
    sharing most words with the question. The piece is 1,000 characters, and the fact that made it
    the best piece may be its last sentence ("Min dotter Elsa fyller år den 12 maj.")."""
    if memory.excerpt is None:
        return memory.content[:SNIPPET_CHARS]
    sentences = list(_SENTENCE.finditer(memory.excerpt))
    best = most_shared(question, [sentence.group() for sentence in sentences])
    start = sentences[best].start() if best is not None else 0
    return memory.excerpt[start:].lstrip()[:SNIPPET_CHARS]


class BusMemory:
    def __init__(self, nc: Client, timeout: float, results: int) -> None:
        self._nc = nc
        self._timeout = timeout
        self._results = results

    async def recall(self, request: ChatRequest) -> Recollection:
        answering = request.purpose == "answer"
        try:
            query = QueryRequest(
                brain=request.brain, question=request.message,
                n_results=request.memory_results or self._results, where=request.memory_where,
                relevant_only=not answering, telling_only=answering, include_persona=not answering,
            )
        except ValidationError as exc:  # a chat published on the bus for a brain no user could name
            return Recollection(unavailable=f"Memory was not used: {describe_validation_error(exc)}")
        try:
            reply = await self._nc.request(subjects.BRAIN_QUERY, query.model_dump_json().encode(),
                                           timeout=self._timeout)
            if (refusal := _refusal(reply.data)) is not None:  # the store is down, another embedder, ...
                if refusal.code == "bad_request" and request.memory_where is not None:
                    # The asker's own filter: answering without memory would hide their mistake.
                    raise BadMemoryFilter(f"memory_where: {refusal.error}")
                log.warning("request %s: no memory for brain %r: %s", request.request_id, request.brain,
                            refusal.error)
                return Recollection(unavailable=f"Memory was not used: {refusal.error}")
            found = QueryReply.model_validate_json(reply.data)
        except (NatsError, TimeoutError, ValidationError) as exc:
            # An answer without memory beats no answer; the log and the answer say why.
            log.warning("request %s: no memory for brain %r (%s)", request.request_id, request.brain,
                        type(exc).__name__ if not str(exc) else exc)
            return Recollection(unavailable=f"Memory was not used: {self._why(exc)}")
        return Recollection(memories=found.results, persona=found.persona)

    def _why(self, exc: Exception) -> str:
        if isinstance(exc, NoRespondersError):
            return "no brain_worker is running (start one: python -m brain_worker)."
        if isinstance(exc, TimeoutError):  # nats-py's timeouts are the builtin one too
            return f"the brain_worker did not answer within {self._timeout:g} s (LUMIA_BRAIN_TIMEOUT)."
        if isinstance(exc, ValidationError):
            return "the brain_worker's reply could not be read (a worker of another version?)."
        return f"the message bus failed ({exc!s})."

    async def remember(self, request: ChatRequest, answer: str) -> str | None:
        """Queues the finished turn to be stored in memory (in the background: embedding it is the
        ingest_worker's); why not, when JetStream did not take it, so the user is not left believing
        the assistant will remember."""
        if request.purpose != "chat":
            return None
        try:
            # A NUL is no text (and is refused in metadata); a model may still write one.
            kept = answer[:ANSWER_CHARS_KEPT].replace("\x00", "")
            item = MemoryItem(id=f"turn_{request.request_id}", brain=request.brain, content=request.message,
                              kind="turn", created_at=time.time(), metadata={"answer": kept, "role": "user"})
        except ValidationError as exc:  # a chat published on the bus as no memory could be
            return f"This turn was not remembered: {describe_validation_error(exc)}."
        try:
            await publish_items(self._nc.jetstream(timeout=REMEMBER_WAIT), [item])
        except (NatsError, TimeoutError, ItemTooLarge) as exc:
            log.error("request %s: the turn was not stored in memory: %s", request.request_id, exc)
            if isinstance(exc, TimeoutError):  # it may still be stored: the server did not say
                return (f"This turn may not be remembered: JetStream did not confirm it within {REMEMBER_WAIT:g} s. "
                        "Tell it again if it matters.")
            # What nats-py raises when no stream listens on the subject (one deleted, JetStream off).
            lost = isinstance(exc, NoRespondersError | NoStreamResponseError)
            why = f"no JetStream stream takes {subjects.MEMORY_INGEST_ALL}" if lost else exc
            return f"This turn was not remembered: {why}. Tell it again once memory is back."
        return None


class BadMemoryFilter(Exception):
    """The chat's `memory_where` is not a filter the store takes: the asker's mistake to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _refusal(data: bytes) -> BrainError | None:
    """The brain_worker's refusal to search, when it says so (a reply every field of which
    has a default would otherwise read it as no memories)."""
    try:
        return BrainError.model_validate_json(data)
    except ValidationError:
        return None
