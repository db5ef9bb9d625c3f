"""Every NATS subject and queue group Lumia uses. The single source of truth."""

from typing import Final

CHAT_REQUEST: Final = "lumia.chat.request"
"""Request/reply. Payload `ChatRequest`; replies stream as `ChatEvent`s on the reply subject."""

CHAT_CANCEL_PREFIX: Final = "lumia.chat.cancel"
CHAT_CANCEL_ALL: Final = f"{CHAT_CANCEL_PREFIX}.*"


def chat_cancel(request_id: str) -> str:
    """The subject that stops the stream of one chat request (the client went away)."""
    return f"{CHAT_CANCEL_PREFIX}.{request_id}"


WORKER_KINDS: Final = ("llm", "brain", "ingest", "tools")


def worker_ping(kind: str) -> str:
    """Request/reply health probe answered by any one replica of a worker kind."""
    return f"lumia.{kind}.ping"


QUEUE_LLM: Final = "llm"
QUEUE_BRAIN: Final = "brain"
QUEUE_INGEST: Final = "ingest"
QUEUE_TOOLS: Final = "tools"


# Memory: retrieval and housekeeping (request/reply, queue `brain`).
BRAIN_QUERY: Final = "lumia.brain.query"
BRAIN_STATS: Final = "lumia.brain.stats"
BRAIN_LIST: Final = "lumia.brain.list"
BRAIN_CLEAR: Final = "lumia.brain.clear"
BRAIN_MEMORIES_LIST: Final = "lumia.brain.memories.list"
BRAIN_MEMORIES_DELETE: Final = "lumia.brain.memories.delete"
BRAIN_DOCUMENTS_LIST: Final = "lumia.brain.documents.list"
BRAIN_DOCUMENTS_DELETE: Final = "lumia.brain.documents.delete"
BRAIN_CHANGED_PREFIX: Final = "lumia.brain.changed"
BRAIN_CHANGED_ALL: Final = f"{BRAIN_CHANGED_PREFIX}.*"

# Memory: durable ingestion through JetStream.
MEMORY_STREAM: Final = "LUMIA_MEMORY"
MEMORY_INGEST_PREFIX: Final = "lumia.memory.ingest"
MEMORY_INGEST_ALL: Final = f"{MEMORY_INGEST_PREFIX}.*"
INGEST_CONSUMER: Final = "ingest"
# Document chunks queue apart: a 2 MB upload is 5,000 of them, and notes sent after it waited minutes.
MEMORY_DOCUMENT_PREFIX: Final = "lumia.memory.document"
MEMORY_DOCUMENT_ALL: Final = f"{MEMORY_DOCUMENT_PREFIX}.*"
DOCUMENT_CONSUMER: Final = "document"
MEMORY_CONTEXT_PREFIX: Final = "lumia.memory.context"
MEMORY_CONTEXT_ALL: Final = f"{MEMORY_CONTEXT_PREFIX}.*"
CONTEXT_CONSUMER: Final = "context"
DEAD_LETTER_STREAM: Final = "LUMIA_MEMORY_DEAD"
DEAD_LETTER_PREFIX: Final = "lumia.memory.dead"
PERSONA_BUCKET: Final = "lumia_persona"
FORGETS_BUCKET: Final = "lumia_forgets"  # marks of clears and document deletes (shared/memory/forgets.py)


def memory_ingest(brain_key: str) -> str:
    return f"{MEMORY_INGEST_PREFIX}.{brain_key}"


def memory_document(brain_key: str) -> str:
    return f"{MEMORY_DOCUMENT_PREFIX}.{brain_key}"


def memory_context(brain_key: str) -> str:
    return f"{MEMORY_CONTEXT_PREFIX}.{brain_key}"


def dead_letter(brain_key: str) -> str:
    return f"{DEAD_LETTER_PREFIX}.{brain_key}"


def brain_changed(brain_key: str) -> str:
    return f"{BRAIN_CHANGED_PREFIX}.{brain_key}"
BRAIN_REINDEX: Final = "lumia.brain.reindex"
PROGRESS_HEADER: Final = "Lumia-Progress"
"""A reindex request with this header set to "1" also gets, until its reply, an empty message carrying
it every PROGRESS_BEAT seconds, or as often as PROGRESS_EVERY_HEADER asks (seconds, at least
MIN_PROGRESS_BEAT; a value that is no number is PROGRESS_BEAT): its asker tells a long reindex from a
worker that died. Two headers, so that workers and askers of before, which know only the first, still
understand each other."""
PROGRESS_EVERY_HEADER: Final = "Lumia-Progress-Every"
PROGRESS_BEAT: Final = 5.0
MIN_PROGRESS_BEAT: Final = 0.05

# Tools: registry and callbacks (request/reply, queue `tools`).
TOOLS_INVOKE: Final = "lumia.tools.invoke"
TOOLS_LIST: Final = "lumia.tools.list"
TOOLS_REGISTER: Final = "lumia.tools.register"
TOOLS_DELETE: Final = "lumia.tools.delete"
TOOLS_BUCKET: Final = "lumia_tools"
