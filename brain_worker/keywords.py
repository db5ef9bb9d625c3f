"""BM25 keyword search per brain, held in memory as a cache of the store.

Vectors miss exact names, numbers and rare words; keywords catch them. The
index is derived data: any replica can rebuild it from Chroma, and it is kept
current by the `lumia.brain.changed.*` notices the ingest side publishes.
"""

import math
import re
from collections import Counter, OrderedDict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from brain_worker import word_forms

_TOKEN = re.compile(r"[\w]+", re.UNICODE)
K1, B = 1.2, 0.75


# Words that are in nearly every memory or question: they cost time, say nothing, and let
# small talk outrank the memory that answers (bench/recall.py).
STOPWORDS = frozenset("""
a an am is be been being do does did done to in at on of or if as by so up no yes we he she his her him us
the and for are but not you your was were has have had this that with what when where which who how about
from into they them their there then than its it's can could would should will just also very my me our
all any some one get got go going went like really now today yesterday week last next time day thing things
lot much many more most other out over off too well ok okay oh hi hello thanks thank please sure good great
new old way back still even because while after before during again here know think want need make made
i'm you're that's don't i've let's user assistant sounds nice
och att det som för med har inte jag var den till mig men ett min mitt mina vad när hur vem vilken vilket
kan ska skulle kommer blev bli hade är dig din ditt dina han hon oss vår vårt våra era deras sin sitt sina
en på av om så nu vara varit gör göra gjorde ja nej vi ni de dem sig hej tack bra också bara mycket lite
mer andra eller efter innan under igen här där vet tror vill behöver får fick går gick
""".split())


def tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.lower()) if len(t) > 1 and t not in STOPWORDS]


@dataclass
class KeywordIndex:
    postings: dict[str, dict[str, int]] = field(default_factory=dict)  # term -> memory id -> count
    lengths: dict[str, int] = field(default_factory=dict)
    terms_of: dict[str, tuple[str, ...]] = field(default_factory=dict)
    total_length: int = 0
    chars_of: dict[str, int] = field(default_factory=dict)  # what stats report as context_length
    total_chars: int = 0
    said_at: dict[str, float] = field(default_factory=dict)  # the listing's order, without reading the brain
    # Words of the assistant's answer kept with a chat turn: not ranked (the model never sees them),
    # but a user searching the listing for a secret the answer repeated must find that turn too.
    answered: dict[str, set[str]] = field(default_factory=dict)  # term -> memory ids
    answer_terms_of: dict[str, frozenset[str]] = field(default_factory=dict)
    # Memories that say something ended or was corrected: the few a chat reads by a name shared
    # (brain_worker/retrieval.py, Retriever._ends), known without reading the brain.
    ends: set[str] = field(default_factory=set)
    # Memories that tell what someone eats or may not (asking.tells_a_diet): what a chat about food is given.
    diets: set[str] = field(default_factory=set)
    # Each word form's key -> the terms held of it (word_forms.keys): made at the first search box, kept after.
    forms_of: dict[str, set[str]] | None = None

    def __len__(self) -> int:
        return len(self.lengths)

    def add(self, memory_id: str, text: str, chars: int | None = None, said_at: float = 0.0, answer: str = "",
            ends: bool = False, diet: bool = False) -> None:
        """`chars`: the length of the memory's own text when `text` is more (its speaker in front)."""
        self.remove(memory_id)
        self.said_at[memory_id] = said_at
        if ends:
            self.ends.add(memory_id)
        if diet:
            self.diets.add(memory_id)
        self.answer_terms_of[memory_id] = terms = frozenset(tokens(answer))
        for term in terms:
            self.answered.setdefault(term, set()).add(memory_id)
        counts = Counter(tokens(text))
        for term, count in counts.items():
            self.postings.setdefault(term, {})[memory_id] = count
        if self.forms_of is not None:
            self._add_forms([*counts, *terms])
        self.terms_of[memory_id] = tuple(counts)
        self.lengths[memory_id] = sum(counts.values())
        self.total_length += self.lengths[memory_id]
        self.chars_of[memory_id] = len(text) if chars is None else chars
        self.total_chars += self.chars_of[memory_id]

    def remove(self, memory_id: str) -> None:
        if memory_id not in self.lengths:
            return
        for term in self.terms_of.pop(memory_id):
            posting = self.postings[term]
            del posting[memory_id]
            if not posting:
                del self.postings[term]
        self.total_length -= self.lengths.pop(memory_id)
        self.total_chars -= self.chars_of.pop(memory_id)
        del self.said_at[memory_id]
        self.ends.discard(memory_id)
        self.diets.discard(memory_id)
        for term in self.answer_terms_of.pop(memory_id):
            self.answered[term].discard(memory_id)
            if not self.answered[term]:
                del self.answered[term]

    def with_forms(self, query: str) -> str:
        """The query with the other forms of its words this brain holds, as a search box is read: "job"
        finds "I changed jobs", "stories" "a story", "mötet" "möte" (brain_worker/word_forms.py)."""
        if self.forms_of is None:
            self.forms_of = {}
            self._add_forms([*self.postings, *self.answered])
        # Without diacritics only for a word typed without them: "umea" finds "Umeå", "tåg" not "ett tag" (a review).
        held = {term for word in tokens(query) for key in word_forms.keys(word)
                if word.isascii() or not key.startswith("f:") for term in self.forms_of.get(key, ())}
        return " ".join([query, *sorted(held)])

    def _add_forms(self, terms: Iterable[str]) -> None:
        assert self.forms_of is not None
        for term in terms:
            for key in word_forms.keys(term):
                self.forms_of.setdefault(key, set()).add(term)

    def in_answers(self, query: str) -> list[str]:
        """Memories whose kept answer holds a word of the query, the most recently said first."""
        return self._newest_first(set().union(*(self.answered.get(term, ()) for term in set(tokens(query)))))

    def newest(self, among: Iterable[str] | None = None) -> list[str]:
        """Every memory id (of `among`), the most recently said first (as stored, among those said at once)."""
        return self._newest_first(self.said_at if among is None else among)

    def _newest_first(self, ids: Iterable[str]) -> list[str]:
        return sorted(ids, key=lambda memory_id: -self.said_at[memory_id])

    def common(self, term: str, share: float) -> bool:
        """Whether the term is in at least `share` of the memories."""
        return len(self.postings.get(term, ())) >= share * len(self.lengths)

    def search(self, query: str, k: int, among: Collection[str] | None = None) -> list[tuple[str, float]]:
        """The k best BM25 matches (of the memories `among` only, when given), each scored as a fraction
        (0..1) of the best score any memory could get for this query. Not of the best match found: a
        memory matching only a common word (a name said in every other turn) would then earn as much as
        one matching them all (bench/recall.py and bench/recall_dialogues.py both measured it)."""
        n = len(self.lengths)
        if n == 0:
            return []
        average = self.total_length / n or 1.0
        scores: dict[str, float] = {}
        ideal = 0.0
        for term in set(tokens(query)):
            posting = self.postings.get(term)
            if not posting:
                continue
            idf = math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            ideal += idf * (K1 + 1)  # a term's BM25 share tends to this as its count grows
            for memory_id, tf in posting.items():
                if among is not None and memory_id not in among:
                    continue
                norm = tf + K1 * (1 - B + B * self.lengths[memory_id] / average)
                scores[memory_id] = scores.get(memory_id, 0.0) + idf * tf * (K1 + 1) / norm
        best = sorted(scores.items(), key=lambda item: item[1], reverse=True)[:k]
        return [(memory_id, score / ideal) for memory_id, score in best]


class KeywordCache:
    """Indexes of recently used brains; the least recently used is dropped past `capacity`."""

    def __init__(self, capacity: int = 256) -> None:
        self._indexes: OrderedDict[str, KeywordIndex] = OrderedDict()
        self._capacity = capacity

    def __len__(self) -> int:
        return len(self._indexes)

    def get(self, brain: str) -> KeywordIndex | None:
        index = self._indexes.get(brain)
        if index is not None:
            self._indexes.move_to_end(brain)
        return index

    def put(self, brain: str, index: KeywordIndex) -> None:
        self._indexes[brain] = index
        self._indexes.move_to_end(brain)
        while len(self._indexes) > self._capacity:
            self._indexes.popitem(last=False)

    def drop(self, brain: str) -> None:
        self._indexes.pop(brain, None)
