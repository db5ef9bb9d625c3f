"""Which of some texts shares most words with a question: the piece of a long memory a chat's model is
given while its pieces are not embedded, and the sentence a chat's `memories_used` shows of it."""

import re
from collections.abc import Sequence

_WORD = re.compile(r"\w{3,}")  # shorter ones are mostly small words ("is", "på") every text has


def most_shared(question: str, texts: Sequence[str]) -> int | None:
    """The index of the text sharing most words with `question` (the first of equals); None when
    none shares any."""
    asked = {w.casefold() for w in _WORD.findall(question)}
    shared = [len(asked.intersection(w.casefold() for w in _WORD.findall(text))) for text in texts]
    best = max(range(len(texts)), key=shared.__getitem__, default=None)
    return best if best is not None and shared[best] else None
