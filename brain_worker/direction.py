"""What every memory of a brain has in common: the mean direction of its vectors.

e5's vectors of one person's chats share a large common part (the same people, the same
chatty register), and the memories nearest to that common part are near every question:
small talk ("What's been the highlight of your week?") outranks the turn that answers.
Searching with the question minus a share of the brain's mean direction ranks by what the
question has beyond it (bench/recall.py and bench/recall_dialogues.py in docs/performance.md).
Derived data like the keyword index: any replica computes it from the store, again once
the brain has grown or shrunk by a tenth.

A brain that holds both Swedish and English also has a common part per language: e5 puts a
Swedish question nearer any Swedish memory than the English one that answers it. Taking each
side's own language mean off before comparing ranks across languages (brain_worker/retrieval.py).
"""

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

SHARE = 0.7  # of the mean direction taken off the question
STALE = 0.1  # recomputed when the brain's size has changed by this share
FROM = 50  # a brain smaller than this has no reliable common part
LANGUAGE_FROM = 8  # memories of each of two languages, for their means to be known

Direction = np.ndarray
Vectors = Sequence[Sequence[float]]


@dataclass(frozen=True, slots=True)
class Common:
    """What a brain's memories have in common: the unit mean direction (None under FROM memories),
    and the mean vector of each language, when it holds two with LANGUAGE_FROM memories each."""

    direction: Direction | None
    languages: dict[str, np.ndarray] = field(default_factory=dict)


class Directions:
    def __init__(self, capacity: int = 256) -> None:
        self._known: OrderedDict[str, tuple[int, Common]] = OrderedDict()
        self._capacity = capacity

    def __contains__(self, brain: str) -> bool:
        return brain in self._known

    def learn(self, brain: str, vectors: Vectors, languages: Sequence[str | None] = ()) -> Common | None:
        """What the brain's vectors (of memories in `languages`, when known) have in common; None when
        they have too little."""
        matrix = np.asarray(vectors, dtype=np.float32)
        direction = None
        if len(vectors) >= FROM:
            mean = matrix.mean(axis=0)
            norm = float(np.linalg.norm(mean))
            direction = mean / norm if norm else None
        means = {}
        if len(languages) == len(vectors):
            for language in {language for language in languages if language}:
                of_it = [at for at, said_in in enumerate(languages) if said_in == language]
                if len(of_it) >= LANGUAGE_FROM:
                    means[language] = matrix[of_it].mean(axis=0)
        common = Common(direction, means if len(means) > 1 else {})
        self._remember(brain, (len(vectors), common))  # also when nothing is: not read again per question
        return common if common.direction is not None or common.languages else None

    async def of(self, brain: str, count: int, vectors: Callable[[], Awaitable[tuple[Vectors, list[str | None]]]],
                 ) -> Common | None:
        """What the brain has in common, read from `vectors` (and their languages) only when unknown or
        stale at `count` memories."""
        if count < min(FROM, 2 * LANGUAGE_FROM):
            self._known.pop(brain, None)
            return None
        known = self._known.get(brain)
        if known is None or abs(count - known[0]) > STALE * known[0]:
            return self.learn(brain, *await vectors())
        self._remember(brain, known)
        common = known[1]
        return common if common.direction is not None or common.languages else None

    def _remember(self, brain: str, known: tuple[int, Common]) -> None:
        self._known[brain] = known
        self._known.move_to_end(brain)
        while len(self._known) > self._capacity:
            self._known.popitem(last=False)

    def drop(self, brain: str) -> None:
        self._known.pop(brain, None)


def search_vector(question: Sequence[float], direction: Direction | None) -> list[float]:
    if direction is None or len(direction) != len(question):
        return list(question)
    return (np.asarray(question, dtype=np.float32) - SHARE * direction).tolist()  # type: ignore[no-any-return]
