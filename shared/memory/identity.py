"""What makes two writes the same memory, decided where they are accepted and where they are stored.

The same words from the same speaker in one brain on the same day, with the same metadata, are one
note: a client's retry, a redelivery (a chat turn is one by its id: "I said yes." twice tells two
things). Other metadata makes another note: a CRM's "Called, left a voicemail." for two customers on
one day is two (a black-box pass: the second was dropped, and its id was the first's).
The gateway names a note by that identity, so posting it
again answers with the id of the memory that is stored, and the ingest worker recognises it by
the same hash even when it was published on the bus under another id.
"""

import hashlib
import json
import math
from collections.abc import Mapping


def said(content: str, metadata: Mapping[str, object]) -> str:
    """The text embedded and indexed for a memory: with its speaker in front when the metadata
    names one the text does not start with, so "Caroline: I went…" and "I went…" with
    `speaker: Caroline` are found alike."""
    speaker = metadata.get("speaker")
    if isinstance(speaker, str) and speaker.strip() and not content.lstrip().startswith(speaker.strip()):
        return f"{speaker.strip()}: {content}"
    return content


# Keys that say no more than the words, speaker and day a note is known by already.
_KNOWN_BY = frozenset({"speaker", "timestamp", "created_at"})


def note_text(content: str, metadata: Mapping[str, object]) -> str:
    """What a note is known by: its words as said and any metadata besides when and by whom."""
    rest = {key: value for key, value in metadata.items() if key not in _KNOWN_BY and not key.startswith("lumia_")}
    text = said(content, metadata)
    return f"{text}\x00{json.dumps(rest, sort_keys=True, ensure_ascii=False)}" if rest else text


def content_hash(text: str, created_at: float) -> str:
    # The day is part of it: "I went for a run" on Monday and again on Friday are two
    # memories, while a client's retry of the same words on the same day stays one.
    # Days since 1970 by arithmetic: a timestamp no date can hold (published on the bus
    # directly) must not make the memory unstorable.
    day = int(created_at // 86_400) if math.isfinite(created_at) else 0
    return hashlib.sha256(f"{day}\x00{' '.join(text.lower().split())}".encode()).hexdigest()[:32]


def note_id(brain: str, content: str, metadata: Mapping[str, object], created_at: float) -> str:
    """The id of a note posted to a brain; the brain is part of it, so the same words in two
    brains are two memories with ids of their own."""
    digest = hashlib.sha256(f"{brain}\x00{content_hash(note_text(content, metadata), created_at)}".encode())
    return f"m_{digest.hexdigest()[:32]}"
