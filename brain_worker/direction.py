"""What every memory of a brain has in common: the mean direction of its vectors.

e5's vectors of one person's chats share a large common part (the same people, the same
chatty register), and the memories nearest to that common part are near every question:
small talk ("What's been the highlight of your week?") outranks the turn that answers.
Searching with the question minus a share of the brain's mean direction ranks by what the
question has beyond it (bench/recall.py and bench/recall_dialogues.py in docs/performance.md).
Derived data like the keyword index: any replica computes it from the store, again once
the brain has grown or shrunk by a tenth.
"""

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence

import numpy as np

SHARE = 0.7  # of the mean direction taken off the question
STALE = 0.1  # recomputed when the brain's size has changed by this share
FROM = 50  # a brain smaller than this has no reliable common part

Direction = np.ndarray


class Directions:
    def __init__(self, capacity: int = 256) -> None:
        self._known: OrderedDict[str, tuple[int, Direction]] = OrderedDict()
        self._capacity = capacity

    def __contains__(self, brain: str) -> bool:
        return brain in self._known

    def learn(self, brain: str, vectors: Sequence[Sequence[float]]) -> Direction | None:
        """The brain's unit mean direction from all its vectors, or None when it has too few."""
        if len(vectors) < FROM:
            self._known.pop(brain, None)
            return None
        mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
        norm = float(np.linalg.norm(mean))
        if norm == 0.0:
            self._known.pop(brain, None)
            return None
        direction: Direction = mean / norm
        self._remember(brain, (len(vectors), direction))
        return direction

    async def of(self, brain: str, count: int,
                 vectors: Callable[[], Awaitable[Sequence[Sequence[float]]]]) -> Direction | None:
        """The brain's direction, read from `vectors` only when unknown or stale at `count` memories."""
        if count < FROM:
            self._known.pop(brain, None)
            return None
        known = self._known.get(brain)
        if known is None or abs(count - known[0]) > STALE * known[0]:
            return self.learn(brain, await vectors())
        self._remember(brain, known)
        return known[1]

    def _remember(self, brain: str, known: tuple[int, Direction]) -> None:
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
