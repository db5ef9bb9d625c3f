"""The brain API: ingest, query, stats, clear, list, forget, documents. Writes go through JetStream,
reads are requests to the brain workers."""

import codecs
import hashlib
import re
import time
import unicodedata
from collections.abc import Mapping
from contextlib import aclosing
from datetime import UTC, datetime, tzinfo
from typing import Annotated, Any, TypeVar
from urllib.parse import unquote

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from nats.errors import Error as NatsError
from pydantic import BaseModel, ValidationError
from starlette.routing import Match

from gateway.auth import Identity, RateLimiter
from gateway.bus_client import ask
from gateway.dates import DateProblem, read_time
from gateway.deps import AppSettings, Caller, MemoryLimiter, Nats, Relay, known_query
from gateway.errors import invalid
from gateway.routes.chat import ERRORS, error_response
from gateway.schemas import (
    DocumentAccepted,
    IngestAccepted,
    IngestBatchAccepted,
    IngestBatchBody,
    IngestBody,
    IngestItemBody,
    QueryBody,
    QueryResponse,
    TimeWindow,
)
from shared import subjects
from shared.memory.brains import MAX_BRAIN_CHARS, checked_brain
from shared.memory.chunking import CHUNKING, chunk_markdown, chunk_text
from shared.memory.identity import note_id
from shared.memory.jetstream import ItemTooLarge, encoded, publish_items
from shared.memory.messages import (
    BRAINS_LISTED,
    EARLIEST,
    LATEST,
    MAX_BRAINS_LISTED,
    MAX_OFFSET,
    MAX_SOURCE_CHARS,
    BrainRequest,
    BrainsReply,
    BrainsRequest,
    BrainStats,
    ClearReply,
    DeleteReply,
    DeleteRequest,
    DocumentDeleteReply,
    DocumentDeleteRequest,
    DocumentsReply,
    ListReply,
    ListRequest,
    MemoryItem,
    QueryReply,
    QueryRequest,
    ahead_problem,
    source_problem,
)
from shared.text import shows_nothing


async def _no_other_user(request: Request, caller: Caller) -> None:
    """A `user_id` in the query names whose brain a client means: another user's is a 403, as in a
    body, instead of being ignored and the caller's own brain of that name used (and cleared)."""
    claimed = request.query_params.get("user_id")
    if claimed is not None:
        caller.user(claimed, where="query")


Reply = TypeVar("Reply", bound=BaseModel)


async def ask_brain(nc: Nats, subject: str,
                    request: QueryRequest | BrainRequest | ListRequest | DeleteRequest | DocumentDeleteRequest,
                    reply_type: type[Reply], caller: Caller) -> Reply:
    """`ask` the brain_worker, its refusals naming the brain as the caller did: "Brain 'kok'",
    not the worker's "Brain 'usr_1/kok'" (a command for the operator, `lumia reindex usr_1/kok`,
    keeps the name the CLI needs)."""
    try:
        return await ask(nc, subject, request, reply_type)
    except HTTPException as exc:
        public = caller.public_brain(request.brain)
        if public != request.brain and isinstance(exc.detail, str):
            exc.detail = re.sub(rf"\b([Bb]rain) '{re.escape(request.brain)}'", lambda m: f"{m.group(1)} '{public}'",
                                exc.detail)
        raise


# Every answer but success says why in `detail`.
ANSWERS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No token, or a bad one (with accounts)"},
    403: {"description": "A user_id that is not yours"},
    429: {"description": "Over the rate limit; Retry-After says when to try again"},
    503: {"description": "NATS or the brain_worker is not available, or a delete could not read the brain's "
                         "memories still queued in time (nothing was forgotten)"},
    504: {"description": "The brain_worker did not answer in time"},
}
router = APIRouter(tags=["memory"], dependencies=[Depends(_no_other_user), Depends(known_query)], responses=ANSWERS)
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024
# Markdown's marks, which show no text of their own: "# \u200b", "---", "> ", "- ", a fence (a recheck).
_MARKUP = re.compile(r"[#>*_`~=|+\-]")
MAX_DOCUMENT_CHUNKS = 10_000  # 2 MB of text is some 2,600 to 5,200; 10,000 are queued in about 2 s
MARKDOWN_TYPES = ("text/markdown", "text/x-markdown")  # the second is what many tools still send
DOCUMENT_TOO_LARGE = f"The document is larger than {MAX_DOCUMENT_BYTES // 1024 // 1024} MB; split it into parts."
# Text codecs of Python's that no file is saved in: unicode_escape would store "caf\\xe9" as "café".
PYTHON_ONLY_CODECS = frozenset({"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"})
DOCUMENTS_PATH = re.compile(r"/memory/[^/]+/documents")
"""The route `gateway/limits.py` lets bodies up to MAX_DOCUMENT_BYTES through, whatever LUMIA_MAX_BODY_BYTES says."""


NOT_SECONDS = 100_000  # a number below this (the first 28 hours of 1970) is a year or a count, not a time
# (memories from before 1970 are negative Unix seconds, or a date)


def _created_at(metadata: Mapping[str, object], zone: tzinfo, at: tuple[str | int, ...] = ("body",)) -> float:
    """`at`: where the item is in the request body, for the error's `loc` (an item of a batch);
    `zone`: the user's (LUMIA_TIMEZONE), for a date written without one."""
    key = "timestamp" if "timestamp" in metadata else "created_at"
    if "timestamp" in metadata and "created_at" in metadata:  # timestamp won, silently (a black-box pass)
        raise invalid((*at, "metadata", "created_at"), "the date of a memory is given twice, as 'timestamp' and as "
                      "'created_at': give one", metadata["created_at"])
    for said in metadata:
        # Also "ＴＩＭＥＳＴＡＭＰ" and " timestamp" (a recheck).
        looks = unicodedata.normalize("NFKC", said).strip().lower().replace("-", "_")
        if said not in ("timestamp", "created_at") and looks in ("timestamp", "created_at"):
            # "Timestamp" was kept as metadata and the memory dated now, with no word of it (a black-box pass).
            raise invalid((*at, "metadata", said), f"the date of a memory is the key 'timestamp' (or 'created_at'), "
                          f"lowercase: '{said}' would be kept as plain metadata and the memory dated now", said)
    value = metadata.get(key)
    if value is None:
        return time.time()
    loc = (*at, "metadata", key)
    when: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        when = float(value)
        if 0 <= when < NOT_SECONDS:
            # 2026 or 12345 was dated in the first hours of 1970, with no word of it (a black-box pass).
            raise invalid(loc, f"{value} is too small for Unix seconds (it would be 1970-01-01, minutes in): a year, "
                          "or a date without seconds? Use Unix seconds or a date such as '2026-03-14'", value)
    elif isinstance(value, str):
        try:
            when = read_time(value, zone)
        except DateProblem as no_such:
            raise invalid(loc, str(no_such), value) from None
    if when is None:
        raise invalid(loc, "use Unix seconds, an ISO 8601 date such as 2026-03-14T09:30:00, "
                      "or a written one such as '14 March 2026' or '9:30 am on 14 March, 2026'", value)
    if when < EARLIEST:  # 0001-01-01T00:00:00+14:00 is in the year 0 in UTC
        raise invalid(loc, "before the year 1 (in UTC): no date can hold it", value)
    if not when <= LATEST:  # also false for NaN; 9999-12-31T23:59-12:00 is in year 10000 in UTC
        raise invalid(loc, "out of range: use Unix seconds (not milliseconds), "
                      "an ISO 8601 date or a written one", value)
    if (problem := ahead_problem(when, zone)) is not None:
        raise invalid(loc, problem, value)
    return when


def _item(brain: str, body: IngestItemBody, zone: tzinfo, kind: str = "note", memory_id: str | None = None,
          at: tuple[str | int, ...] = ("body",)) -> MemoryItem:
    created_at = _created_at(body.metadata, zone, at)
    # A note posted again (a retry, a re-sent turn) is the memory already stored: the same id.
    memory_id = memory_id or note_id(brain, body.content, body.metadata, created_at)
    return MemoryItem(id=memory_id, brain=brain, content=body.content, kind=kind,
                      created_at=created_at, metadata=body.metadata)


async def _publish(nc: Nats, items: list[MemoryItem], caller: Identity, limiter: RateLimiter,
                   at: tuple[str | int, ...] = ("body",)) -> None:
    """`at`: where the items are in the request body, for the `loc` of one too large (with its index
    when they are a list)."""
    try:
        payloads = encoded(items)
    except ItemTooLarge as exc:
        raise invalid((*at, exc.index) if at != ("body",) else at, str(exc)) from None
    # Counted by memory, not by request: the ingest queue is shared, and one user's 1,000-item
    # batches at the request rate held every other user's memories (and their deletes) for minutes.
    if caller.user_id is not None:
        limiter.take(f"memories {caller.user_id}", "memories sent (LUMIA_INGEST_RATE)", cost=len(items))
    try:
        await publish_items(nc.jetstream(), items, payloads)
    except NatsError as exc:
        raise HTTPException(503, f"Memory could not be queued: JetStream did not acknowledge it ({exc!s}), so it "
                                 "may not be stored. Sending it again is safe: the same words the same day are "
                                 "stored once.") from exc


def _content_type(header: str) -> tuple[str, str]:
    """The media type and charset of a Content-Type header; both are case-insensitive (RFC 9110)."""
    media, *parameters = header.split(";")
    charset = "utf-8"
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"'):
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


# Checked by _brain(), which says what is wrong; described here for the OpenAPI document.
BrainName = Annotated[str, Path(description=f"1-{MAX_BRAIN_CHARS} characters (at most 256 bytes as UTF-8), "
                                            "without '/', control characters or whitespace at its ends")]


def _brain(brain: str) -> str:
    try:
        return checked_brain(brain)
    except ValidationError as exc:
        raise invalid(("path", "brain"), f"{exc.errors()[0]['msg']} (1–{MAX_BRAIN_CHARS} characters, "
                                         "no '/', no '\\' and no control characters)", brain) from exc


def refuse_slashed_segment(request: Request) -> None:
    """Says why a path matched no route when one of its segments held a '/' sent as %2F
    (`/memory/stats/a%2Fb`): Starlette decodes it before routing, and the answer was a bare 404 "Not
    Found" where the same brain name in a body is a 422 saying why. The memory routes, matched again
    on the path as sent, tell which segment held it."""
    raw = request.scope.get("raw_path", b"").decode("utf-8", "replace")
    if "%2f" not in raw.lower():
        return
    sent = {"type": "http", "path": raw, "method": request.method}
    for route in router.routes:
        match, matched = route.matches(sent)
        if match is Match.NONE:
            continue
        for name, value in matched["path_params"].items():
            if "/" in (value := unquote(value)):
                if name == "brain":
                    _brain(value)  # refuses it, as a brain named anywhere else
                raise invalid(("path", name), "must not contain '/' (sent as %2F)", value)


TOO_LARGE: dict[int | str, dict[str, Any]] = {413: {"description": "A body over LUMIA_MAX_BODY_BYTES (1 MB)"}}


@router.post("/ingest", status_code=202, response_model=IngestAccepted, responses=TOO_LARGE)
async def ingest(body: IngestBody, nc: Nats, caller: Caller, limiter: MemoryLimiter,
                 settings: AppSettings) -> IngestAccepted:
    """Remember one text; searchable shortly after (ingestion is asynchronous)."""
    item = _item(caller.named_brain(body.customer_id, user=body.user_id), body, settings.zone)
    await _publish(nc, [item], caller, limiter)
    return IngestAccepted(id=item.id)


@router.post("/ingest/batch", status_code=202, response_model=IngestBatchAccepted, responses=TOO_LARGE)
async def ingest_batch(body: IngestBatchBody, nc: Nats, caller: Caller, limiter: MemoryLimiter,
                       settings: AppSettings) -> IngestBatchAccepted:
    """Remember up to 1,000 texts at once."""
    brain = caller.named_brain(body.customer_id, user=body.user_id)
    zone = settings.zone
    items = [_item(brain, each, zone, at=("body", "items", n)) for n, each in enumerate(body.items)]
    await _publish(nc, items, caller, limiter, at=("body", "items"))
    return IngestBatchAccepted(ids=[i.id for i in items])


@router.post("/query", response_model=QueryResponse,
             responses={409: {"description": "The brain was built with another embedder: run lumia reindex"},
                        **ERRORS})
async def query(body: QueryBody, nc: Nats, relay: Relay, caller: Caller,
                settings: AppSettings) -> QueryResponse | JSONResponse:
    """Search a brain, best first; with `answer: true` the LLM also answers from the results."""
    brain = caller.named_brain(body.customer_id, user=body.user_id)
    # With an answer, the results are what it was written from: memories that tell something.
    request = QueryRequest(brain=brain, question=body.question, n_results=body.n_results, where=body.where,
                           telling_only=body.answer)
    found = await ask_brain(nc, subjects.BRAIN_QUERY, request, QueryReply, caller)
    answer = None
    if body.answer:
        parts: list[str] = []
        async with aclosing(await relay.open(user_id=caller.user_id or brain, message=body.question,
                                         brain_id=brain, purpose="answer",
                                         memory_results=body.n_results, memory_where=body.where)) as events:
            async for event in events:
                if event.type == "delta":
                    parts.append(event.text)
                elif event.type == "error":
                    # As a chat fails: Ollama down a 503, an error of Ollama's a 502 (`code` says which).
                    return error_response(event)
        answer = "".join(parts)
    window = None
    if found.time_window is not None:
        start, end = (datetime.fromtimestamp(t, settings.zone) for t in found.time_window)
        window = TimeWindow(start=start, end=end, only=found.window_only)
    return QueryResponse(results=found.results, answer=answer, time_window=window)


@router.get("/memory/brains", response_model=BrainsReply)
async def brains(nc: Nats, caller: Caller, offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
                 limit: Annotated[int, Query(ge=1, le=MAX_BRAINS_LISTED)] = BRAINS_LISTED) -> BrainsReply:
    """Your brains, by name, with how many memories each holds: where to look, or what to clear, when
    a name is forgotten. A page at a time: `next_offset` is where the next one starts."""
    prefix = "" if caller.user_id is None else caller.brain("")
    found = await ask(nc, subjects.BRAIN_LIST, BrainsRequest(prefix=prefix, offset=offset, limit=limit), BrainsReply)
    return found.model_copy(update={"brains": [b.model_copy(update={"brain": caller.public_brain(b.brain)})
                                               for b in found.brains]})


@router.get("/memory/stats/{brain}", response_model=BrainStats)
async def stats(brain: BrainName, nc: Nats, caller: Caller) -> BrainStats:
    found = await ask_brain(nc, subjects.BRAIN_STATS, BrainRequest(brain=caller.brain(_brain(brain))), BrainStats,
                            caller)
    return found.model_copy(update={"brain": brain})


@router.post("/memory/clear/{brain}", response_model=ClearReply)
async def clear(brain: BrainName, request: Request, nc: Nats, caller: Caller) -> ClearReply:
    """Forget everything of a brain: memories, persona and caches."""
    if (await request.body()).strip():
        # An option meant for it ({"keep_persona": true}) must not be ignored by what forgets everything.
        raise invalid(("body",), f"a clear takes no body (no options): POST /memory/clear/{brain} alone forgets "
                                 "every memory, the persona and the caches of that brain")
    found = await ask_brain(nc, subjects.BRAIN_CLEAR, BrainRequest(brain=caller.brain(_brain(brain))), ClearReply,
                            caller)
    return found.model_copy(update={"brain": brain})


@router.get("/memory/{brain}/memories", response_model=ListReply)
async def memories(
    brain: BrainName, nc: Nats, caller: Caller,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    q: Annotated[str | None, Query(max_length=1000)] = None,
) -> ListReply:
    """Newest first; with `q`, the best matches first (the best 100 at most)."""
    if q and not q.strip():
        raise invalid(("query", "q"), "is blank: leave q out to list every memory, or give words to search for", q)
    try:
        request = ListRequest(brain=caller.brain(_brain(brain)), offset=offset, limit=limit, q=q or None)
    except ValidationError as exc:  # what the bus refuses in q (a NUL) that the query's own checks let through
        error = exc.errors()[0]
        raise invalid(("query", *error["loc"]), error["msg"].removeprefix("Value error, "), error.get("input")) from exc
    return await ask_brain(nc, subjects.BRAIN_MEMORIES_LIST, request, ListReply, caller)


@router.delete("/memory/{brain}/memories/{memory_id}", status_code=204,
               responses={404: {"description": "The brain has no memory of that id"}})
async def forget(brain: BrainName, memory_id: Annotated[str, Path(min_length=1, max_length=80)], nc: Nats,
                 caller: Caller) -> Response:
    """Forget one memory, at once."""
    request = DeleteRequest(brain=caller.brain(_brain(brain)), id=memory_id)
    reply = await ask_brain(nc, subjects.BRAIN_MEMORIES_DELETE, request, DeleteReply, caller)
    if not reply.deleted:
        raise HTTPException(404, f"Brain '{brain}' has no memory '{memory_id}'.")
    return Response(status_code=204)


Source = Annotated[str, Query(min_length=1, max_length=MAX_SOURCE_CHARS, description="The document's name")]


def _source(source: str) -> str:
    """The source as stored: composed (NFC), as brain names are, so "é.md" typed on a Mac (e and a
    combining accent) is the same document when a web form deletes it."""
    source = unicodedata.normalize("NFC", source)
    if (problem := source_problem(source)) is not None:
        raise invalid(("query", "source"), problem, source)
    return source


@router.get("/memory/{brain}/documents", response_model=DocumentsReply)
async def documents(brain: BrainName, nc: Nats, caller: Caller) -> DocumentsReply:
    """The brain's documents, newest first: source, chunks stored, when uploaded, the first words."""
    request = BrainRequest(brain=caller.brain(_brain(brain)))
    return await ask_brain(nc, subjects.BRAIN_DOCUMENTS_LIST, request, DocumentsReply, caller)


@router.delete("/memory/{brain}/documents", response_model=DocumentDeleteReply,
               responses={404: {"description": "The brain has no document of that source"}})
async def forget_document(brain: BrainName, nc: Nats, caller: Caller, source: Source) -> DocumentDeleteReply:
    """Forget a document: every chunk of it, at once, also chunks of it still queued."""
    source = _source(source)
    request = DocumentDeleteRequest(brain=caller.brain(_brain(brain)), source=source)
    reply = await ask_brain(nc, subjects.BRAIN_DOCUMENTS_DELETE, request, DocumentDeleteReply, caller)
    if not reply.removed:
        raise HTTPException(404, f"Brain '{brain}' has no document '{source}'.")
    return reply


@router.post(
    "/memory/{brain}/documents", status_code=202, response_model=DocumentAccepted,
    responses={413: {"description": "Larger than 2 MB"},
               415: {"description": "Not text/plain or text/markdown, or a charset that is not a text encoding"}},
    openapi_extra={"requestBody": {"content": {"text/plain": {}, "text/markdown": {}, "text/x-markdown": {}},
                                   "required": True}},
)
async def document(brain: BrainName, request: Request, nc: Nats, caller: Caller, source: Source,
                   limiter: MemoryLimiter) -> DocumentAccepted:
    """Upload a text or markdown document (the request body, up to 2 MB; UTF-8 unless the Content-Type
    names a charset); it is chunked with overlap (markdown by its sections, each chunk under its headings)
    and each chunk remembered with its source. Uploading new
    text under the same source replaces the document."""
    source = _source(source)
    media, charset = _content_type(request.headers.get("content-type", ""))
    if media not in ("text/plain", *MARKDOWN_TYPES):
        raise HTTPException(415, "Send the document as the body with Content-Type text/plain or text/markdown.")
    raw = await request.body()
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise HTTPException(413, DOCUMENT_TOO_LARGE)
    try:
        if codecs.lookup(charset).name in PYTHON_ONLY_CODECS:
            raise LookupError(charset)
        text = raw.decode(charset)
    except LookupError as exc:  # also a codec that is not a text encoding, such as base64
        raise HTTPException(415, f"Unknown charset '{charset}' in the Content-Type: send UTF-8, or name a text "
                                 "encoding such as iso-8859-1 or windows-1252.") from exc
    except UnicodeError as exc:
        raise invalid(("body",), f"The document is not valid {charset} text: name its charset in the "
                                 "Content-Type (e.g. text/plain; charset=iso-8859-1), or send UTF-8.") from exc
    if "\x00" in text:  # UTF-16 without its byte order mark decodes as UTF-8 with a NUL in every other place
        raise invalid(("body",), f"The document holds NUL characters, so it is not {charset} text: a file saved as "
                                 "UTF-16 (Windows' \"Unicode\") needs charset=utf-16 in the Content-Type; a binary "
                                 "file is not a document.")
    # A byte order mark is how some editors start a file, not part of its first sentence; Windows'
    # line ends would be stored and shown as they came.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    markdown = media in MARKDOWN_TYPES or source.lower().endswith((".md", ".markdown"))
    # A chunk of invisible characters alone is no memory (a document of zero-width spaces was a 500),
    # nor one of markdown's marks around them ("# \u200b", "#\n##", "> \u200b": rechecks).
    chunks = [chunk for chunk in (chunk_markdown(text) if markdown else chunk_text(text))
              if not shows_nothing(_MARKUP.sub("", chunk) if markdown else chunk)]
    if not chunks:
        raise invalid(("body",), "The document is empty: it holds no visible text.")
    if len(chunks) > MAX_DOCUMENT_CHUNKS:
        # Markdown keeps each section a chunk: 1.4 MB of 60,000 one-line sections was queued in part
        # and answered 503 (a black-box pass).
        advice = " (markdown keeps each section apart): split it, or send it as text/plain" if markdown else \
            ": split it into smaller documents"
        raise invalid(("body",), f"The document is cut into {len(chunks):,} chunks, more than "
                                 f"{MAX_DOCUMENT_CHUNKS:,}{advice}.")
    internal = caller.brain(_brain(brain))
    # The same text under the same source is the same document (uploading it again changes
    # nothing); new text is a new version, and storing it drops the chunks of the one before.
    # Also a new version when chunks are cut otherwise than before (CHUNKING): kept under the same
    # ids, chunks cut anew would be taken for copies of the old and dropped, and the old ones stay.
    # So too the same text as markdown after plain text, or back (a black-box pass: a mix of both).
    cut = f"{CHUNKING}{'m' if markdown else ''}"
    document = hashlib.sha256(f"{internal}\x00{source}\x00{text}\x00{cut}".encode()).hexdigest()[:32]
    items = [
        _item(internal, IngestItemBody(content=chunk, metadata={"source": source, "chunk": n, "chunks": len(chunks)}),
              UTC, kind="document", memory_id=f"doc_{document}_{n}")
        for n, chunk in enumerate(chunks)
    ]
    await _publish(nc, items, caller, limiter)
    return DocumentAccepted(source=source, ids=[i.id for i in items])
