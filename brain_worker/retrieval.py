"""Retrieval, broker-free: vector search fused with keywords, aware of time, gated by relevance.

A memory's rank is its similarity to the question less the brain's common direction
(brain_worker/direction.py; the similarity is the mean cosine of the memory and of it with its
neighbours, shared/memory/context.py), nudged by four small terms: keyword overlap (BM25, as
a share of the best score the question allows), recency within the candidates, whether the
person the question names said it, and whether the turn only asks a question.

Measured in bench/recall.py (docs/performance.md): reciprocal-rank fusion with equal weights
lost a fifth of the paraphrased questions to small-talk turns that shared a common word,
while a nudge keeps names and numbers findable without outvoting meaning; the recency nudge
puts "I now work at X" above the older "I work at Y" when both match. In a dialogue a fifth
of the turns only ask ("How did the race go?"); they sit near the question about it, above
the reply that answers, yet are 2 % of the evidence (bench/recall_written.py).
"""

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from functools import partial
from typing import Any, Protocol

import numpy as np

from brain_worker import word_forms
from brain_worker.direction import FROM as COMMON_FROM
from brain_worker.direction import Common, Directions, search_vector
from brain_worker.keywords import KeywordCache, KeywordIndex, tokens
from brain_worker.pieces import LONG_CHARS, PIECES_WAIT, Pieces, cut_in_pieces, piece_by_words
from shared.memory import context
from shared.memory.asking import (
    DIET_WORDS,
    TIME_NAMES,
    about_food,
    about_own_past,
    about_the_conversation,
    arranges,
    asks_for_something,
    asks_of_a_state,
    asks_of_asking,
    asks_what_happened,
    impersonal_request,
    in_first_person,
    name_forms,
    of_oneself,
    of_the_past,
    own_topics,
    plans,
    relations_of,
    small_talk,
    tells_a_change,
    tells_a_correction,
    tells_a_deed,
    tells_a_diet,
    tells_a_new_value,
    tells_a_plan_changed,
    tells_an_allergy,
    tells_an_end,
    tells_nothing,
    tells_of_the_done,
    tells_of_topic,
    topic_words,
    whom_asked_of,
    whose_food,
    wordless,
    words_naming,
)
from shared.memory.embedder import Embedder
from shared.memory.language import language_of
from shared.memory.messages import MemoryHit, QueryReply, QueryRequest
from shared.memory.store import MemoryStore, StoredMemory, check_where
from shared.memory.timewindow import (
    ABOUT_FROM,
    ABOUT_TO,
    MONTHS,
    WEEKDAYS,
    asks_ahead,
    gives_up_a_habit,
    habit_days,
    parse_time_window,
)

KEYWORD_WEIGHT = 0.02  # a memory holding every word of the question adds this much to its score
RECENCY_WEIGHT = 0.01  # the newest candidate adds this much, the oldest nothing
SPEAKER_WEIGHT = 0.02  # said by someone the question names
BEST_PART_SHARE = 0.5  # of a turn's rank, the share of its best part (Retriever._with_best_part)
# The widest plan told of that is one for a shorter time to come: "I'm going to Rome in June" for
# "What am I doing on 5 June?".
TOLD_OF_A_MONTH = 31 * 86_400 + 3600
OWN_PAST_DEPTH = 200  # memories of a time window looked through for what the user told then
ASKING_WEIGHT = 0.02  # taken off a turn that only asks (shared/memory/context.py, only_asks)
# ... and off a user's chat message that only asks, which e5 puts near every question: at 0.05 "Vad är 17
# gånger 23?" still ranked third for "Var tränar jag?"; at 0.1 bench/gate.py's bilingual relevant 0.698 ->
# 0.708 and 0.750 -> 0.760, the rest unchanged (a chat leaves them out, and they took its places). At 0.1 the
# same question asked before (0.95) still ranked first in /query for "Who is my partner?" (a black-box pass);
# at 0.2 it ranks below the facts, and bench/gate.py is unchanged to the third decimal.
CHAT_ASKING_WEIGHT = 0.2
# Said at (or of) the time a question names, when it does not ask of the past: a nudge, not a filter.
WINDOW_WEIGHT = 0.03
# How far under the relevance threshold a chat still gets a memory that names whom or what the
# question names ("När fyller Lena år?": "My wife Lena turns 40 next Friday." 0.809), or that is
# newer than one it gets and names what that one names: "Vi har flyttat från Malmö till Umeå."
# (0.798-0.82) with "Jag bor i Malmö." for "Var bor jag?". A black-box pass found both left out:
# the model answered from the older fact, or had nothing on the person asked about.
NAMED_MARGIN = 0.05
# How like an older memory a newer one telling of a change must be to be its update: right pairs
# scored 0.85-0.93 with e5 ("I work as a teacher." / "I changed jobs, I am a nurse now." 0.852),
# memories of other things 0.80-0.87 (`_with_updates` also weighs the question).
UPDATE_LIKENESS = 0.84
UPDATE_AMONG = 2  # ... and among the memories found most like it
UPDATE_POOL = 12  # the best found weighed with what was given and what tells of a change
UPDATE_EMBEDS = 8
ENDS_DEPTH = 20  # memories sharing a given memory's names looked through for one telling it is over
GIVEN_UP_DEPTH = 20  # memories sharing a habit's words looked through for one telling it was given up
# Words of any habit, which say nothing of which one: "every", the weekdays, "usually".
_WEEKDAY_WORDS = frozenset({*WEEKDAYS, *(day.removesuffix("s") for day in WEEKDAYS)})  # "tuesdays", "tuesday"
_HABIT_WORDS = _WEEKDAY_WORDS | {"every", "each", "usually", "always", "varje", "alla", "brukar", "alltid", "week",
                                 "vecka"} | {day + "s" for day in list(WEEKDAYS)[:7]} \
    | {day.removesuffix("s") + ending for day in list(WEEKDAYS)[7:] for ending in ("ar", "arna")}
# Words of a routine's telling, not of what it is: "now it's Wednesdays instead of Mondays".
_NOT_WHAT = frozenset("it's its now instead istället nu from från till with med".split())
# A question of the user's own ("What is my job?", "Where do I live?") that nothing passes the gate for
# gets the closest thing the user said of themselves this far under the threshold: "I work as a
# carpenter in Kiruna." scored 0.810 and "I live in Luleå and I love fishing." 0.815 (a black-box pass).
OWN_MARGIN = 0.015
# ... with what the user said of themselves as close: with the old car forgotten, "What car do I drive?" got
# "Today I started my new job … at Volvo Cars." (0.817) and not "I sold the Volvo and bought a white Tesla
# Model 3." (0.817; a black-box pass).
OWN_TIE = 0.005
STATE_TIE = 0.015  # what was so at a time: the closest told then or before, with what is this close to it
COMMON_SHARE = 0.4  # a word in this share of a brain's memories does not say which memory is meant
FOCUS_HEAD, FOCUS_TAIL = 300, 700  # characters of a long question embedded: its start and its end
CREATED_AT = context.CREATED_AT
PRIVATE_KEYS = ("lumia_hash", *context.KEYS, ABOUT_FROM, ABOUT_TO)


def public_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if k not in PRIVATE_KEYS}


def to_hit(memory: StoredMemory) -> MemoryHit:
    return MemoryHit(id=memory.id, content=memory.content, metadata=public_metadata(memory.metadata),
                     score=memory.score, excerpt=memory.excerpt)


def index_memory(index: KeywordIndex, memory: StoredMemory) -> None:
    answer = memory.metadata.get("answer")
    index.add(memory.id, context.said(memory), len(memory.content), float(memory.metadata.get(CREATED_AT, 0)),
              answer if isinstance(answer, str) else "",
              ends=tells_an_end(memory.content) or tells_a_plan_changed(memory.content)
              or tells_a_correction(memory.content), diet=tells_a_diet(context.words(memory)))


class Finder(Protocol):
    """A query's search, within a time window (or all time), `deeper` candidates deep."""

    async def __call__(self, within: tuple[float, float] | None, deeper: int = ...) -> list[StoredMemory]: ...


# Moved into a memory's language, a question still scores it lower than one asked in it: on
# bench/gate_bilingual.json, the chat's relevant messages served at the threshold 0.312 -> 0.698 with
# this added, off-topic ones 0.875 -> 0.804 (balanced 0.594 -> 0.751; 0.720 in one language).
CROSS_MARGIN = 0.02
DIET_MOST = 3  # memories of diets, and of allergies, a chat about food is given besides what it finds
LOOKED_UP_MOST = 3  # memories of the user's ones, home or job asked of, given besides what is found (the newest)
LOOKED_UP_DEPTH = 40  # of the keyword look-up for them
LANGUAGES_KEPT = 200_000  # memories' languages remembered, a few MB


@dataclass(frozen=True, slots=True)
class Asked:
    """A question's vectors: as embedded (what the relevance threshold is calibrated on), less the
    brain's common direction (what ranks), and, in a brain of Swedish and English memories, moved
    into each other language the brain holds (`moved`): the question as if asked in it. There the
    question less its own language's mean searches and ranks.

    e5 puts a Swedish question nearer any Swedish memory than the English one that answers it
    ("Vad heter min fru?" ranked "My wife's name is Karin" 21st of 47, at 0.792). Each language's
    memories share a part of their vectors, as a brain's memories share a direction: with each
    side's language mean taken off, 14 of 17 such questions of a black-box pass ranked their
    memory first. A memory in another language than the question is scored against the question
    moved into its language, as if asked in it."""

    vector: np.ndarray
    search: np.ndarray
    language: str | None = None
    means: dict[str, np.ndarray] = field(default_factory=dict)
    moved: dict[str, np.ndarray] = field(default_factory=dict)
    denser: dict[str, float] = field(default_factory=dict)

    @staticmethod
    def of(vector: Sequence[float], question: str, common: Common | None) -> "Asked":
        asked = np.asarray(vector, dtype=np.float32)
        search = np.asarray(search_vector(vector, common.direction if common else None), dtype=np.float32)
        language = language_of(question) if common is not None and common.languages else None
        if common is None or language not in common.languages:
            return Asked(asked, search)
        own = common.languages[language]
        moved, denser = {}, {}
        for other, mean in common.languages.items():
            if other != language:
                shifted = asked - own + mean
                moved[other] = shifted / (np.linalg.norm(shifted) or 1.0)
                # A language whose memories lie closer together scores any question moved into it
                # higher (Swedish: 0.86 on average between two, English 0.82): not counted.
                denser[other] = max(0.0, float(mean @ mean - own @ own))
        # The question less its language's mean searches too: it finds the other language's memories
        # as it ranks them (of a black-box pass's 17 questions, all within the first 10; 12 less the
        # brain's direction).
        return Asked(asked, asked - own, language, common.languages, moved, denser)

    def scores(self, vectors: np.ndarray, languages: Sequence[str | None]) -> tuple[np.ndarray, np.ndarray]:
        """Each vector's score (the similarity the threshold is calibrated on) and rank, for memories
        said in `languages` (needed only when the question is `moved`)."""
        if not self.moved:
            return vectors @ self.vector, vectors @ self.search
        raw = vectors @ self.vector
        for at, language in enumerate(languages):
            if language in self.moved:
                raw[at] = max(raw[at], vectors[at] @ self.moved[language] - self.denser[language]) + CROSS_MARGIN
        own = self.means[self.language or ""]
        means = np.stack([self.means.get(language or "", own) for language in languages]) if len(languages) else own
        return raw, (vectors - means) @ (self.vector - own)


class Retriever:
    def __init__(self, store: MemoryStore, embedder: Embedder, keywords: KeywordCache, min_score: float,
                 clock: Callable[[], float] = time.time, zone: tzinfo = UTC,
                 pieces_wait: float | None = PIECES_WAIT) -> None:
        self.store = store
        self.embedder = embedder
        self.keywords = keywords
        self.min_score = min_score
        self.directions = Directions()
        self.pieces = Pieces(embedder)
        self.pieces_wait = pieces_wait  # None: as long as the pieces take
        self._clock = clock
        self.zone = zone  # the user's: where their days begin
        self._blank: list[float] | None = None
        self._languages: dict[int, str | None] = {}
        self._asking: dict[int, float] = {}

    def _language(self, content: str) -> str | None:
        """language_of, remembered by the text's hash: 26 µs a memory was 2 ms of a bilingual query."""
        key = hash(content)
        if key not in self._languages:
            if len(self._languages) >= LANGUAGES_KEPT:
                self._languages.clear()
            self._languages[key] = language_of(content)
        return self._languages[key]

    def _asks(self, memory: StoredMemory) -> float:
        """What is taken off the rank of a turn that only asks: of a dialogue, the turn after it tells
        (`only_asks`); of a user's chat with Lumia, it tells nothing (`asks_the_assistant`), and "What is the
        capital of Australia?" ranked first for "Where do I live?" (a black-box pass). Remembered by the
        memory's text, as its language is."""
        key = hash((memory.content, memory.metadata.get("role"), memory.metadata.get("speaker"),
                    memory.metadata.get(context.KIND)))
        if key not in self._asking:
            if len(self._asking) >= LANGUAGES_KEPT:
                self._asking.clear()
            self._asking[key] = (ASKING_WEIGHT * context.only_asks(memory)
                                 or CHAT_ASKING_WEIGHT * context.asks_the_assistant(memory))
        return self._asking[key]

    async def blank(self) -> list[float]:
        """The vector of an empty question: what a memory is near when asked nothing in particular."""
        if self._blank is None:
            self._blank = await self.embedder.query("")
        return self._blank

    async def keyword_index(self, brain: str) -> KeywordIndex:
        index = self.keywords.get(brain)
        # A missed change notice shows up as a size mismatch: rebuild rather than serve stale results.
        if index is None or len(index) != await self.store.count(brain):
            index = await self._rebuild_index(brain)
        return index

    async def _rebuild_index(self, brain: str, with_direction: bool = False) -> KeywordIndex:
        """`with_direction`: also learn the brain's mean direction from the same read. A cold
        brain needs both, and reading a 10,000-memory brain twice cost its first query 0.5 s."""
        memories = await self.store.get(brain, with_vectors=with_direction)
        index = KeywordIndex()
        for memory in memories:
            index_memory(index, memory)
        self.keywords.put(brain, index)
        self.pieces.warm(brain, memories)  # a brain's first question since a start: cut its long ones for the next
        if with_direction:
            self.directions.learn(brain, [m.vector or [] for m in memories],
                                  [self._language(m.content) for m in memories])
        return index

    async def query(self, request: QueryRequest) -> QueryReply:
        check_where(request.where)
        now = datetime.fromtimestamp(self._clock(), self.zone)
        window = parse_time_window(request.question, now)
        index = self.keywords.get(request.brain)
        if index is None:
            index = await self._rebuild_index(request.brain, with_direction=request.brain not in self.directions)
        # The question is embedded while the index is checked against the store: which words are
        # common to the brain hardly changes if a notice was missed.
        question, count = await asyncio.gather(
            self.embedder.query(focus(without_common_words(request.question, index))), self.store.count(request.brain))
        if count != len(index):
            index = await self._rebuild_index(request.brain)

        async def vectors() -> tuple[list[list[float]], list[str | None]]:
            memories = await self.store.get(request.brain, with_vectors=True)
            return [m.vector or [] for m in memories], [self._language(m.content) for m in memories]

        asked = Asked.of(question, request.question, await self.directions.of(request.brain, len(index), vectors))
        depth = max(4 * request.n_results, 20)

        async def found(within: tuple[float, float] | None, deeper: int = depth) -> list[StoredMemory]:
            return await self._search(request, index, asked, deeper, within, habits=to_come and within is not None)

        # Plans asked of a time not over ask what it holds, told before it (shared/memory/asking.py PLANS).
        over = window is None or window[1] <= now.timestamp()
        # A time to come holds nothing done or said then: "Did I book anything for next week?" asks of
        # what was told of it and of what was done for it before, which says no such time.
        # So does a plan asked of a time begun and not over ("What am I doing today / this week?").
        to_come = window is not None and (window[0] >= now.timestamp() or (
            window[1] > now.timestamp() and asks_ahead(request.question)))
        own_past = about_own_past(request.question, over) and not to_come
        # What was so at a time was mostly told before it ("Where was I living in March?", "Vem var min chef
        # i våras?"): all time's, in a chat what was told then or before.
        # So is the user's job or home over more than a week: "Vad jobbade jag med i april?" (a black-box pass), not
        # "Vad jobbade jag med igår?".
        state = window is not None and not to_come and (asks_of_a_state(request.question) or (
            bool(own_topics(request.question)) and window[1] - window[0] > WEEK))
        if window is not None and not request.relevant_only \
                and (to_come or state or not of_the_past(request.question, over)):
            # "Does Bosse need his medicine today?": today's memories come first, not alone (a chat
            # weighs them in _relevant). Only of the past are a time's memories the answer. A time
            # over before now is a date's last one, not the one a plan asks of ("What am I doing on
            # Christmas Eve?" put last year's first, a recheck): no time then, unless the question
            # names its year ("Is Marcus likely to run another ultramarathon in 2024?").
            ahead = window if window[1] > now.timestamp() or _YEAR_NAMED.search(request.question) else None

            async def favoured(deeper: int = depth) -> list[StoredMemory]:
                return await self._search(request, index, asked, deeper, None, favour=ahead)

            hits = await self._kept(request, await favoured(), depth, favoured, self._telling(request))
            if to_come and ahead is not None:
                # What was told of a time to come, and its weekdays' habits, before the rest, as a chat
                # has them: "Last week I fixed my bike" came before "On 3 June I fly to London" for
                # "What am I doing next week?" (a black-box pass).
                hits.sort(key=lambda h: not (_within(h, ahead) or _habit_then(h, ahead, self.zone)))
            return QueryReply(results=[to_hit(h) for h in hits[: request.n_results]], time_window=ahead)
        hits = await found(window)
        if window is not None and not hits and not (request.relevant_only and (own_past or to_come or state)):
            # Nothing in that window: answer from all time rather than from nothing. Not a chat's
            # "What did I do yesterday?": another day's memories would be told as yesterday's; nor its
            # "What am I doing on Tuesday?", whose plans looks through all time itself (with nothing
            # planned then, it got a Thursday habit: a black-box pass).
            window = None
            hits = await found(None)
        if request.relevant_only:
            # What tells, looked for further down when questions took the places: thirty ways of
            # asking for a passport number left a chat without the number (a recheck).
            about_talk = about_the_conversation(request.question)
            hits = await self._kept(request, hits, depth, partial(found, window),
                                    lambda memory: _tells(memory, request.question, about_talk))
            hits = _once(await self._relevant(request, asked, hits, window, found, own_past, to_come, state))
            # Of the user's own food, not a joke or trivia about some ("Tell me a joke about cheese", "What's
            # the most expensive coffee in the world?"): food words now include drinks, milk and cheese.
            if about_food(request.question) and not impersonal_request(request.question) and not own_past \
                    and (in_first_person(request.question) or asks_for_something(request.question)):
                hits = await self._with_diet(request, index, asked, hits, about_talk)
        else:
            # Of the user's own past, what was done then, as a chat takes it: a plan said that day
            # for the next was given as what was done (a recheck).
            keep = self._telling(request)
            said_then = hits
            if window is not None and own_past:
                about_talk, within = about_the_conversation(request.question), window
                said_then = [h for h in hits if _said_within(h, within) and (keep is None or keep(h))] \
                    if asks_what_happened(request.question) else []
                keep = _both(keep, lambda memory: _done_then(memory, within, about_talk, now.timestamp()))
            # With nothing done then, what was said then, of other days too (see _said_within).
            hits = await self._kept(request, hits, depth, partial(found, window), keep) or said_then
        return QueryReply(results=[to_hit(h) for h in hits[: request.n_results]], time_window=window,
                          # A chat's gate takes all time's answers too, unless asked of the user's past.
                          window_only=window is not None
                          and (not request.relevant_only or own_past) and not state)

    @staticmethod
    def _telling(request: QueryRequest) -> "Keep | None":
        """With an answer, what tells: an answer from the user's own questions ("What did I watch
        last night?" asked before) left out the memory that answers it."""
        if not request.telling_only:
            return None
        about_talk = about_the_conversation(request.question)
        return lambda memory: _tells(memory, request.question, about_talk)

    @staticmethod
    async def _kept(request: QueryRequest, hits: list[StoredMemory], searched: int,
                    deeper: Callable[[int], Awaitable[list[StoredMemory]]], keep: "Keep | None") -> list[StoredMemory]:
        if keep is None:
            return hits
        kept = [h for h in hits if keep(h)]
        if len(kept) < request.n_results and len(hits) >= searched:
            # What was left out took the places (a black-box pass: 22 "What did I do this week?"
            # asked left `/query` with an answer from nothing): the rest is looked for further down.
            kept = [h for h in await deeper(max(OWN_PAST_DEPTH, 2 * searched)) if keep(h)]
        return kept

    async def _relevant(self, request: QueryRequest, asked: "Asked", hits: list[StoredMemory],
                        window: tuple[float, float] | None, found: "Finder", own_past: bool, to_come: bool = False,
                        state: bool = False) -> list[StoredMemory]:
        """What a chat's model gets: memories above the relevance threshold that tell something.
        A question about what the user did or said at a time ("What did I do last week?", "Vad
        köpte jag igår?") gets that time's memories whatever their similarity (its words are
        mostly the time, and they scored 0.71-0.81 against what was done then) and nothing from
        other times, which scored higher in Swedish. Any other time boosts without hiding: "Does
        Bosse need his medicine today?" also gets the older fact that answers it, and "How long
        should I boil an egg today?" none of today's unrelated memories. A time to come (`to_come`)
        holds only what was told of it before ("On Friday I have a dentist appointment"): the answer
        to "What am I doing on Friday?", first. What was so at a time over (`state`) was told then or
        before."""
        question = request.question
        if small_talk(question):  # "Hello", "How are you?": any memory found is one e5 put near everything
            return []
        about_talk = about_the_conversation(question)

        def tells(memory: StoredMemory) -> bool:
            return _tells(memory, question, about_talk)

        def relevant(memory: StoredMemory) -> bool:
            return (memory.score or 0.0) >= self.min_score and tells(memory)

        def near(memory: StoredMemory) -> bool:
            return (memory.score or 0.0) >= self.min_score - NAMED_MARGIN and tells(memory)

        known: dict[str, Names] = {}

        def names(memory: StoredMemory) -> Names:  # each memory's once: updates compare them pairwise
            if memory.id not in known:
                known[memory.id] = names_of(context.words(memory))
            return known[memory.id]

        its_names, theirs = names_of(question), whom_asked_of(question)

        def naming(memory: StoredMemory) -> bool:
            """Near, and names whom the question names: by name, or as the user's own ("my wife")."""
            return near(memory) and (share_a_name(its_names, names(memory))
                                     or bool(theirs and theirs & relations_of(context.words(memory))))

        asks_of_oneself = of_oneself(question)
        # "How do I remove a red wine stain?" asks how it is done, not of the user (a black-box pass: it got the
        # dog's sore paw, 0.816).
        how_to = _HOW_TO.match(question) is not None

        def own(memory: StoredMemory) -> bool:
            """Said by the user of themselves (not a document, nor a dialogue's other speaker)."""
            # Asked of the user's ones ("What's my dog's name?"), only what names one of them: "Bought an Oura ring"
            # (0.822) and "Emma called, she's pregnant!" were given to a user who never told of a dog (a black-box
            # pass); what names them is looked up (_of_their_own).
            return (asks_of_oneself and not how_to and (memory.score or 0.0) >= self.min_score - OWN_MARGIN
                    and tells(memory)
                    and (not theirs or bool(theirs & relations_of(context.words(memory))))
                    and context.in_context(memory.metadata) and not context.speaker_of(memory)
                    and of_oneself(memory.content))

        if impersonal_request(question):  # "Skriv en dikt om hösten": only what it names ("…om Bamse")
            return [h for h in hits if naming(h)]
        if window is None:
            chosen = [h for h in hits if relevant(h) or naming(h)] or _best(hits, own, OWN_TIE)
            chosen += await self._of_their_own(request, asked, theirs, chosen, tells)
            if theirs:
                # Asked of the user's ones, those it names first, best first: "Tell me about my family" got the
                # brother, the sister, the wife, a car and a nephew, and the cut to five left out both parents
                # and both children (a black-box pass). "Pappas HbA1c … höjde metformin till 1000 mg" names dad
                # too: left out as nobody's, it was cut from "How much metformin does dad take now?" (a later one).
                chosen.sort(key=lambda h: not relations_of(context.words(h)) & theirs)
            return await self._with_updates(request, asked, chosen, hits, near, names)
        if state:
            # What was so then, told then or before: "Where was I living in March?" got March's concert and
            # run, and not "I live in an apartment in Majorna.", told in December (a black-box pass). Nothing
            # told after it, its updates included. The best the chat has room for, the oldest of them first, so
            # the last given is what was so at its end.
            before = [h for h in await found(None) if _created_at(h) < window[1] and tells(h)]
            # With what is as close: "Where did I work in March?" got the home 0.809, the job 0.805.
            chosen = [h for h in before if relevant(h) or naming(h)] or _best(before, near, STATE_TIE)
            chosen = sorted(chosen, key=lambda h: -(h.score or 0.0))[: request.n_results]
            # "Who was I dating in March?" got the friend whose birthday is in March, not the boyfriend (a
            # black-box pass): the user's own ones, home or job asked of, told before then, as of now.
            chosen = sorted(chosen + await self._of_their_own(request, asked, theirs, chosen, tells, until=window[1]),
                            key=_created_at)
            return await self._with_updates(request, asked, chosen, before, near, names, until=window[1])
        if own_past:
            within, now = window, self._clock()

            def done_then(memory: StoredMemory) -> bool:
                return _done_then(memory, within, about_talk, now)

            told = [h for h in hits if tells(h) and done_then(h)]
            if len(told) < len(hits):
                # Questions asked that day took places ("What did I do today?" asked again and
                # again filled them all): what was told then is looked for further down.
                deeper = await found(window, OWN_PAST_DEPTH)
                told = [h for h in deeper if tells(h) and done_then(h)] \
                    or [h for h in deeper if tells(h) and _said_within(h, window) and asks_what_happened(question)]
            # A plan of then called off, whenever ("Booked a weekend in Edinburgh, 21-22 November", then "we've
            # cancelled the Edinburgh trip"), comes with its end: asked what was done that weekend, the booking alone
            # told of a trip never made (a black-box pass).
            return _in_place(told, await self._ends(request, asked, told, names, None))
        if to_come:
            planned = await self._planned(hits, window, found, tells, relevant, naming, self._clock(),
                                          _asks_for_the_plans(question), self.zone)
            gone = await self._given_up(request, [h for h in planned if habit_days(h.content)])
            return await self._with_updates(request, asked, [h for h in planned if h.id not in gone], hits, near, names)
        # Of that time, a memory that names what the question names is one too, however its similarity
        # fares with the time's words in the question ("What happened at the Louvre last week?": 0.816),
        # and so is one near it: the time asked of is the one it tells of ("How did the race go in May?"
        # scored May's only memory, the half marathon, 0.788; without "in May", 0.829: a black-box pass).
        # Not a season: "Hur kallt är Medelhavet på vintern?" asks of every winter (bench/gate.py).
        of_then = window[1] - window[0] <= TOLD_OF_A_MONTH
        chosen = [h for h in hits if relevant(h) or naming(h) or (of_then and near(h) and _within(h, window))]
        ids = {h.id for h in chosen}
        chosen += [h for h in await found(None) if h.id not in ids and (relevant(h) or naming(h))]
        chosen = chosen or _best(hits, own, OWN_TIE)
        # The closest first: a day's many memories must not crowd out the older one that answers. Of a time
        # over, what was of it first: "Hur gick padelturneringen i maj?" got October's tournament first
        # (0.861) and May's after it (a black-box pass).
        over = window[1] <= self._clock()
        chosen.sort(key=lambda h: (over and not _within(h, window), -(h.score or 0.0)))
        # What says it was of another day ("Ikväll åt vi pizza", said yesterday) after what answers; not a plan said
        # then, which is what was said then ("Sjukgymnasten sa att jag behöver komma tillbaka den 9 december", for
        # "Vad sa sjukgymnasten förra månaden?": a black-box pass found it cut).
        chosen.sort(key=lambda h: _of_another_day(h, window) and not (_a_plan(h) and _said_within(h, window)))
        return await self._with_updates(request, asked, chosen, hits, near, names)

    async def _of_their_own(self, request: QueryRequest, asked: "Asked", theirs: set[str], chosen: list[StoredMemory],
                            tells: "Keep", until: float | None = None) -> list[StoredMemory]:
        """Asked of the user's own ones, or of their home or job, what was told of them (before `until`) however far
        its words, when nothing `chosen` tells of them: "Är jag gift?" scored "My partner Sarah works as a nurse"
        under the gate, and "Am I seeing anyone?" missed it in a brain of 80; "What's my job?" scored "I work as a
        product manager at Klarna." as "Jag gillar kaffe." (black-box passes). What tells of them is followed by
        its updates (_with_updates), and one looked up beside it would be followed too, less strictly."""
        def of_theirs(memory: StoredMemory) -> bool:
            return bool(theirs & relations_of(context.words(memory)))

        def of_topics(memory: StoredMemory) -> bool:
            return not context.speaker_of(memory) and tells_of_topic(context.words(memory), topics)

        added: list[StoredMemory] = []
        if theirs and not any(of_theirs(h) for h in chosen):
            added += await self._looked_up(request, asked, words_naming(theirs), of_theirs, chosen, tells, until)
        if (topics := own_topics(request.question)) and not any(of_topics(h) for h in chosen):
            added += await self._looked_up(request, asked, topic_words(topics), of_topics, chosen, tells, until)
        return added

    async def _looked_up(self, request: QueryRequest, asked: "Asked", words: str, admits: "Keep",
                         chosen: list[StoredMemory], tells: "Keep", until: float | None = None) -> list[StoredMemory]:
        """The newest few memories holding `words` (told before `until`) that `admits` and tell, however far their
        meaning, scored as the search scores: what was told of the user's own ones or of their home or job
        (`_relevant`), looked up as the diets are."""
        index = self.keywords.get(request.brain)
        if index is None:
            return []
        ids = {h.id for h in chosen}
        found = [memory_id for memory_id, _ in index.search(words, LOOKED_UP_DEPTH)
                 if memory_id not in ids and (until is None or index.said_at.get(memory_id, 0.0) < until)]
        told = await self._read(request, asked, found,
                                lambda m: context.in_context(m.metadata) and tells(m) and admits(m))
        return sorted(told, key=lambda m: -_created_at(m))[:LOOKED_UP_MOST]

    async def _read(self, request: QueryRequest, asked: "Asked", ids: Iterable[str],
                    admits: "Keep") -> list[StoredMemory]:
        """The memories of `ids` that `admits`, read at once with their vectors and scored as the search scores:
        what a chat looks up beside what it found (diets, ends, the user's ones)."""
        wanted = sorted(ids)
        read = [m for m in await self.store.get(request.brain, ids=wanted, where=request.where or None,
                                                with_vectors=True) if admits(m)] if wanted else []
        self._score(asked, read)
        return read

    async def _given_up(self, request: QueryRequest, habits: list[StoredMemory]) -> set[str]:
        """The habits a newer memory tells were given up, naming what they do: "I play padel every
        Wednesday", then "I stopped playing padel after the move", was still given for "What am I doing
        next week?" (a black-box pass). Looked for by the habit's words, however far from the question."""
        index = self.keywords.get(request.brain)
        gone: set[str] = set()
        if index is None:
            return gone
        # What the habit does, not who else is at it nor when: "Bridge med Sven på onsdagar" was given up by "Sven
        # slutar med golfen", "Moved my gym sessions to Tuesdays and Thursdays" by "no more Thursday pickups" (a
        # recheck).
        words = {habit.id: {w for w in tokens(habit.content) if w not in _HABIT_WORDS and w not in _NOT_WHAT
                            and len(w) > 3} - names_of(context.words(habit))[1] for habit in habits}
        # In any form the brain holds: "Varje onsdag går jag på svenskakurs", then "Jag har slutat med
        # svenskakursen" (a recheck: still given as a plan).
        near = {memory_id for habit in habits for memory_id, _ in index.search(
            " ".join(form for word in words[habit.id] for form in word_forms.held_forms(word, index.postings)),
            GIVEN_UP_DEPTH)} - set(words)
        # One read for all the habits' candidates, only those telling of a habit given up kept.
        giving_up = [m for m in (await self.store.get(request.brain, ids=sorted(near), where=request.where or None)
                                 if near else [])
                     if gives_up_a_habit(m.content) or tells_an_end(context.words(m))]
        for habit in habits:
            if any(_created_at(m) > _created_at(habit) and _shares_a_word(words[habit.id], m.content)
                   for m in giving_up):
                gone.add(habit.id)
        return gone

    async def _with_updates(self, request: QueryRequest, asked: "Asked", chosen: list[StoredMemory],
                            hits: list[StoredMemory], near: Callable[[StoredMemory], bool],
                            names: Callable[[StoredMemory], "Names"], until: float | None = None
                            ) -> list[StoredMemory]:
        """`_with_updates`, the memories it weighs compared by their own words' vectors: a stored vector
        holds a turn's neighbours too, and "Big news: we moved to Umeå last week" was more like the turn
        after it than like "I live in Göteborg" (a black-box pass). Embedded once and kept (`Pieces`)."""
        changes = [h for h in hits if near(h) and tells_a_change(context.words(h))] if chosen else []
        # What was given, what tells of a change, and the best found besides: enough for "most alike" to
        # mean something, few enough to embed at a chat's first question (all hits, 20-40, took a chat's
        # p95 from 43 to 156 ms in bench/retrieval.py --chat at 10,000 memories).
        best = sorted(hits, key=lambda h: h.score or 0.0, reverse=True)[:UPDATE_POOL]
        weighed = [h for h in {m.id: m for m in (*chosen, *changes, *best)}.values()
                   if not cut_in_pieces(h) and context.in_context(h.metadata)] if changes else []
        # Kept with each memory since it was stored (context.keep_own). One stored before that is embedded
        # here: at most UPDATE_EMBEDS a question, what was given first (kept: later questions embed the
        # rest); until all are known, the memories are compared as stored.
        own = {m.id: vector for m in weighed if (vector := context.own_vector(m, self.embedder.name)) is not None}
        unknown = [m for m in weighed if m.id not in own]
        known = await self.pieces.of(request.brain, unknown, budget=UPDATE_EMBEDS, wait=self.pieces_wait) \
            if unknown else []
        own |= {m.id: vectors[0] for m, cut in zip(unknown, known, strict=True) if cut is not None
                for _, vectors in (cut,)}
        # Compared all alike or not at all: a cosine of own words is not one of stored vectors.
        given = _with_updates(chosen, hits, near, names, own if len(own) == len(weighed) else None)
        linked = await self._ends(request, asked, given, names, until)
        # So does a newer memory naming what one given names that tells its value was replaced: "Levaxin-dosen ska
        # höjas till 100 mikrogram" after "Jag tar Levaxin 75 mikrogram" (a black-box pass: four blood pressure
        # memories took the places before it, and the chat was told the old dose). Not any change ("just nu en
        # islandströja till Oskar" moved before what answered: bench/gate.py). One given for its own score moves
        # there too, when later than it.
        for at, update in enumerate(given):
            if tells_a_new_value(context.words(update)):
                older = next((c for c in given[:at] if _created_at(c) < _created_at(update)
                              and share_a_name(names(c), names(update))), None)
                if older is not None:
                    linked.setdefault(older.id, []).append(update)
        return _in_place(given, linked)

    async def _ends(self, request: QueryRequest, asked: "Asked", given: list[StoredMemory],
                    names: Callable[[StoredMemory], "Names"], until: float | None) -> dict[str, list[StoredMemory]]:
        """Of each memory given that names someone or something, the newest later memory naming it that
        tells it is over or corrects it, however far from the question: "Do I have any pets?" got "We have
        a cat called Misse." and not "Misse died yesterday" (0.76), nor "What car do I drive?" "Vi sålde
        Volvon"; and of one that corrects, the newest earlier one naming what it corrects: "What does Lina
        do?" got "Actually my sister is called Lina, not Lena." and not "My sister Lena is a teacher in
        Lund." (black-box passes). Looked up by the name in the keyword index, and read at once, only when
        one is named. Told before `until` only; each scored against the question as any memory found."""
        index = self.keywords.get(request.brain)
        if index is None:
            return {}
        # A plan is often named by no name ("Booked the dentist: appointment on 14 December", "julbord med jobbet
        # fredag 11 december"): by its rarest words, as its postponement or cancellation names it ("my dentist
        # appointment is moved to 17 December", "julbordet är inställt": black-box passes). So is a habit ("Elsa
        # har simning varje tisdag", then "Elsas simning är flyttad till onsdagar").
        plan_words = {m.id: {form for word in words for form in word_forms.held_forms(word, index.postings)}
                      for m in given if context.in_context(m.metadata) and (_a_plan(m) or habit_days(m.content))
                      and (words := _rarest(index, context.words(m)))}
        named = {m.id: names(m)[0] | plan_words.get(m.id, set()) for m in given
                 if context.in_context(m.metadata) and (names(m)[0] or m.id in plan_words)}
        if not named:
            return {}
        ids = {m.id for m in given}
        # Of the whole text: "Correction: Oskar is a baker, not a chef." opens as a speaker's turn does.
        corrects = {m.id for m in given if m.id in named and tells_a_correction(m.content)}
        # Only what may be one, read: an end or a correction said after the earliest memory named (the
        # index knows which they are), or anything said before one that corrects; all before `until`.
        after = min((_created_at(m) for m in given if m.id in named and m.id not in corrects), default=float("inf"))
        before = max((_created_at(m) for m in given if m.id in corrects), default=float("-inf"))
        at = index.said_at
        # In any form the brain holds: "Viktors tid är flyttad" names Viktor.
        queries = {" ".join(sorted({form for word in within for form in word_forms.held_forms(word, index.postings)}
                                   | within)) for within in named.values()}
        # The ends among the ends alone: "Viktors tid är flyttad till den 15 december" was not among the twenty
        # memories naming Viktor best, of a brain holding many (a black-box pass).
        looked = {memory_id for query in queries for memory_id, _ in index.search(query, ENDS_DEPTH, among=index.ends)
                  if at.get(memory_id, 0.0) > after} \
            | {memory_id for query in queries if corrects for memory_id, _ in index.search(query, ENDS_DEPTH)
               if at.get(memory_id, float("inf")) < before}
        looked = {memory_id for memory_id in looked
                  if memory_id not in ids and (until is None or at.get(memory_id, 0.0) < until)}
        about_talk = about_the_conversation(request.question)
        found = await self._read(request, asked, looked, lambda m: context.in_context(m.metadata) and bool(m.vector)
                                 and _tells(m, request.question, about_talk))
        linked: dict[str, list[StoredMemory]] = {}
        placed: set[str] = set()
        words_of: dict[str, set[str]] = {}

        def shared(one: StoredMemory, other: StoredMemory) -> int:
            """Words in any of their forms: "golfen" is "golf" (a recheck)."""
            for m in (one, other):
                if m.id not in words_of:
                    words_of[m.id] = set(tokens(context.words(m)))
            return sum(any(word_forms.same_word(word, term) for term in words_of[other.id])
                       for word in words_of[one.id])

        for memory in (m for m in given if m.id in named and m.id not in placed):
            # Read, or given already (then moved): not one placed, nor one with its own placed after it.
            pool = [*(m for m in found if m.id not in placed),
                    *(m for m in given if m.id != memory.id and m.id not in placed and m.id not in linked)]
            sharing = [m for m in pool if share_a_name(names(memory), names(m))
                       or (memory.id in plan_words and _shares_a_word(plan_words[memory.id], context.words(m)))]
            later = [m for m in sharing if _created_at(m) > _created_at(memory) and m.id in index.ends]
            earlier = [m for m in sharing if _created_at(m) < _created_at(memory)] if memory.id in corrects else []
            # The one sharing most words with it, then the newest; and not one another given memory shares more
            # words with: a name alone is weak ("Oskar slutar med fotboll" ends "Oskar tränar fotboll", not "Vi har
            # bestämt att Oskar får 200 kr i veckopeng": a recheck found it placed there, and cut).
            for group in (later, earlier):
                if group:
                    one = max(group, key=lambda m: (shared(memory, m), _created_at(m)))
                    if any(shared(other, one) > shared(memory, one) for other in given
                           if other.id not in (memory.id, one.id)
                           and (_created_at(other) < _created_at(one)) == (group is later)):
                        continue
                    linked.setdefault(memory.id, []).append(one)
                    placed.add(one.id)
        return linked

    def _score(self, asked: "Asked", looked_up: list[StoredMemory]) -> None:
        """Memories read by id, not found by the search, scored as it scores: the user sees each score
        (a chat's reply with none could not be read: a black-box pass)."""
        if looked_up:
            scores, _ = asked.scores(np.asarray([m.vector for m in looked_up], dtype=np.float32),
                                     [self._language(m.content) for m in looked_up] if asked.moved else [])
            for memory, score in zip(looked_up, scores.tolist(), strict=True):
                memory.score = round(score, 4)  # the vector stays: an update is found by its likeness (_with_updates)

    async def _with_diet(self, request: QueryRequest, index: KeywordIndex, asked: "Asked", chosen: list[StoredMemory],
                         about_talk: bool) -> list[StoredMemory]:
        """A chat about food, with what was told of the diet or allergies of the user and theirs first,
        however far its words: "Föreslå en middag till oss ikväll" got no celiac disease, nut or
        shrimp allergy (a black-box pass), and the model must not suggest what someone cannot eat."""
        # By a diet's words, and the newest told without one ("Viktor äter inte fisk").
        diet = {memory_id for memory_id, _ in index.search(DIET_WORDS, DIET_MOST * 4)} \
            | set(index.newest(index.diets)[: DIET_MOST * 4])
        if not diet:
            return chosen
        # Of someone of the user's alone, theirs: "Does my mom drink coffee?" got "My wife is allergic to
        # shellfish." (a recheck), "Is it ok to give my son chocolate?" needs the son's nut allergy.
        whose = whose_food(request.question)
        told = await self._read(request, asked, diet - {h.id for h in chosen},
                                lambda m: _tells(m, request.question, about_talk)
                                and (not whose or bool(whose & relations_of(context.words(m)))))
        told += [h for h in chosen if h.id in diet]
        told.sort(key=lambda m: -_created_at(m))  # the newest first: "nu är jag vegan" over "vegetarian"
        # Allergies besides the newest diets, however old: four changes of diet since "I'm severely allergic
        # to peanuts." left it out of "Can I eat satay sauce?" (a black-box pass).
        allergies = [m for m in told if tells_an_allergy(context.words(m))][:DIET_MOST]
        given = allergies + [m for m in told if m not in allergies][:DIET_MOST]
        first = {m.id for m in given}
        return given + [h for h in chosen if h.id not in first]

    @staticmethod
    async def _planned(hits: list[StoredMemory], window: tuple[float, float], found: "Finder",
                       tells: "Keep", relevant: "Keep", naming: "Keep", now: float,
                       asks_for_the_plans: bool, zone: tzinfo = UTC) -> list[StoredMemory]:
        """What a chat asking of a time to come gets: the plans told of it that are relevant, then what
        else is, then the other plans told of just that time, however far their words ("On Saturday
        I am visiting grandma" scored under the threshold against "What am I doing tomorrow?"), so
        that the plans do not push out what answers ("Is my India visa sorted for next week?": a
        review). Asked for the plans themselves ("What am I doing today?", "Vad ska jag göra i
        helgen?"), the plans of just that time come first too, and those of a wider one last ("Next
        month we're moving" is no answer to "Vem ska passa Bosse i helgen?": a recheck). Less the
        plans of a time begun that is not this one: yesterday's "Tomorrow I need to renew my passport"
        is today's, and was given as tomorrow's (a black-box pass); one of a time to come stays, as it
        answers "Is my dentist appointment tomorrow?" (a review). A habit of a weekday in that time is
        one of its plans ("Every Tuesday I play padel"). Asked for the plans, what tells of another
        day is none of them ("First day at Spotify today!", said on Monday, was given for "What am I
        doing today?" on Saturday: a black-box pass)."""
        def by_score(memories: Iterable[StoredMemory]) -> list[StoredMemory]:
            return sorted(memories, key=lambda h: h.score or 0.0, reverse=True)

        habit_then = {h.id for h in hits if _habit_then(h, window, zone)}
        # Told of a time over when it was said is done, no plan: "Igår bakade jag bullar" for "Vad har jag planerat i
        # maj?" asked on 28 May (a black-box pass).
        plans = by_score(h for h in hits if tells(h) and ((_told_then(h, window) and _a_plan(h)) or h.id in habit_then))
        ids = {h.id for h in plans}
        # A plan of another time begun is left out only when the plans themselves are asked for: "Har jag en
        # frisörtid på torsdag?" asked after Thursday's booking is answered by it (a black-box pass: it got Christmas).
        others = by_score(h for h in await found(None) if h.id not in ids and (relevant(h) or naming(h))
                          and not (asks_for_the_plans and (_plan_of_another_begun_time(h, window, now)
                                                           or _of_another_day(h, window)
                                                           # Not a routine moved from these days: "Bytte pass på ICA,
                                                           # nu är det fredagar istället för söndagar" answers what the
                                                           # weekend holds (a recheck).
                                                           or (_habit_of_other_days(h, window, zone)
                                                               and not tells_a_new_value(context.words(h)))
                                                           # "Jag köpte en ny cykel", said yesterday: done, no plan
                                                           # (told of a day, it is that day's: "I took Friday off")
                                                           or (tells_of_the_done(context.words(h))
                                                               and _told_of(h) is None)
                                                           or (_told_of(h) is not None and not _a_plan(h)))))
        just_then = {h.id for h in plans if _told_then(h, window, 0.0) or h.id in habit_then}
        first = [h for h in plans if relevant(h) or naming(h) or (asks_for_the_plans and h.id in just_then)]
        # A week's habits after what is planned for its days: five of them took every place for "Vad ska
        # jag göra nästa vecka?", and the vet on Thursday was left out (a black-box pass).
        first.sort(key=lambda h: h.id in habit_then and _told_of(h) is None)
        rest = [h for h in plans if h not in first and (asks_for_the_plans or h.id in just_then)]
        return first + others + rest

    async def _search(self, request: QueryRequest, index: KeywordIndex, asked: "Asked",
                      depth: int, window: tuple[float, float] | None,
                      favour: tuple[float, float] | None = None, habits: bool = False) -> list[StoredMemory]:
        """Found with `search` (the question less the brain's common direction) and ranked by it;
        each memory's `score` stays its similarity to the question itself, what the relevance
        threshold is calibrated on. Within `window` only (with `habits`, also a habit of its
        weekdays); those of `favour` nudged up (WINDOW_WEIGHT)."""
        where = _combine(request.where, window)
        # "Today" in a memory said on another day is that day: the word shared says nothing ("Föreslå en
        # middag till oss ikväll" got yesterday's "Ikväll åt vi pizza" first: a black-box pass).
        keyword = dict(index.search(_DEICTIC_DAY.sub(" ", request.question), depth))
        # A habit of the weekdays of a time to come is a plan of it ("On Sundays I call my mom" for
        # "What am I doing tomorrow?", asked on a Saturday), however far its words are.
        weekdays = _weekday_words(window if habits else favour, self.zone)
        named_days = [memory_id for memory_id, _ in index.search(weekdays, depth) if memory_id not in keyword]
        days_habits: list[StoredMemory] = []
        if habits and window is not None and named_days:  # the window's filter would leave them out
            days_habits = [m for m in await self.store.get(request.brain, ids=named_days, where=request.where or None,
                                                           with_vectors=True) if _habit_then(m, window, self.zone)]
            named_days = []
        looked_up = list(keyword) + named_days
        # The reads at once: most keyword matches are not among the vector hits, nor most of a favoured
        # time's among all time's. The filter applies to all, so a filter matching every memory ranks
        # them as no filter does.
        search = asked.search.tolist()
        by_vector, by_keyword, of_then = await asyncio.gather(
            self.store.search(request.brain, search, depth, where, with_vectors=True),
            self.store.get(request.brain, ids=looked_up, where=where, with_vectors=True) if looked_up else _nothing(),
            self.store.search(request.brain, search, depth, _combine(where, favour), with_vectors=True)
            if favour is not None else _nothing(),
        )
        found = {m.id: m for m in by_vector}
        for memory in (*by_keyword, *of_then, *days_habits):
            found.setdefault(memory.id, memory)
        if not found:
            return []
        matrix = np.asarray([m.vector for m in found.values()], dtype=np.float32)
        # The index scores by inner product: the mean cosine of a memory's parts (shared/memory/context.py).
        languages = [self._language(m.content) for m in found.values()] if asked.moved else []
        raw, less_common = asked.scores(matrix, languages)
        less_common = self._with_best_part(list(found.values()), less_common, asked, languages)
        long = [(i, m) for i, m in enumerate(found.values()) if cut_in_pieces(m)]
        long.sort(key=lambda pair: -less_common[pair[0]])  # the best-ranked first, should the budget run out
        cut = await self.pieces.of(request.brain, [m for _, m in long], wait=self.pieces_wait)
        for (i, memory), known in zip(long, cut, strict=True):
            # A document's chunk scored by its sentences is given whole: no excerpt, as any memory of its size.
            whole = len(memory.content) <= LONG_CHARS
            if known is None:  # scored whole this time
                memory.excerpt = None if whole else piece_by_words(memory.content, request.question)
                continue
            pieces, vectors = known
            by_piece, piece_rank = asked.scores(vectors, [languages[i]] * len(pieces) if languages else [])
            best = int(by_piece.argmax())
            memory.excerpt = None if whole else pieces[best]
            raw[i], less_common[i] = max(raw[i], by_piece[best]), max(less_common[i], float(piece_rank.max()))
        beyond: dict[str, float] = {}
        for memory, score, rank_score in zip(found.values(), raw.tolist(), less_common.tolist(), strict=True):
            memory.score = round(score, 4)  # the vector stays: an update is found by its likeness (_with_updates)
            beyond[memory.id] = rank_score
        times = {memory_id: _created_at(memory) for memory_id, memory in found.items()}
        oldest, newest = min(times.values()), max(times.values())
        span = newest - oldest or 1.0
        named = {form for word in _WORD.findall(request.question) for form in _forms(word)}
        now = self._clock()

        def rank(memory: StoredMemory) -> float:
            return (beyond[memory.id] + KEYWORD_WEIGHT * keyword.get(memory.id, 0.0)
                    + RECENCY_WEIGHT * (times[memory.id] - oldest) / span
                    + SPEAKER_WEIGHT * bool(named & context.speaker_of(memory))
                    - self._asks(memory)
                    + WINDOW_WEIGHT * (favour is not None and _within(memory, favour))
                    # Yesterday's "Tomorrow I need to renew my passport" is today's: not tomorrow's (a
                    # black-box pass found it first for "Vad ska jag göra i morgon?").
                    - WINDOW_WEIGHT * (favour is not None and _plan_of_another_begun_time(memory, favour, now)))

        return sorted(found.values(), key=rank, reverse=True)

    def _with_best_part(self, memories: list[StoredMemory], ranks: np.ndarray, asked: "Asked",
                        languages: Sequence[str | None]) -> np.ndarray:
        """Each turn's rank, half the mean of its parts (its stored vector: its own words, the pair
        and run of three it ends, the pair it starts) and half the best of them. The mean alone
        lets the context blur a turn that tells: "A roadrunner, apparently." is found by the run
        that holds the question before it, and so is the small talk around both.
        bench/recall_written.py 0.791 -> 0.802 (single 0.883 -> 0.900, open 0.563 -> 0.606,
        multi-hop 0.634 -> 0.619); a quarter or three quarters of the best gave 0.793 and 0.798.
        Of a memory stored before its parts were kept, the best known: its own words or its mean
        (else a brain's whole past would rank below what was said since, until `lumia reindex`)."""
        known: list[tuple[int, np.ndarray]] = []
        for at, memory in enumerate(memories):
            if context.parts(memory.metadata) > 1:
                found = context.each_part(memory, self.embedder.name)
                if found is None and (own := context.own_vector(memory, self.embedder.name)) is not None:
                    found = own[np.newaxis]
                if found is not None:
                    known.append((at, found))
        if not known:
            return ranks
        stacked = np.vstack([found for _, found in known])
        _, by_part = asked.scores(stacked, [languages[at] for at, found in known for _ in found] if languages else [])
        best = np.maximum.reduceat(by_part, np.cumsum([0] + [len(found) for _, found in known[:-1]]))
        mixed = ranks.copy()
        for (at, _), top in zip(known, best.tolist(), strict=True):
            mixed[at] = BEST_PART_SHARE * max(top, ranks[at]) + (1 - BEST_PART_SHARE) * ranks[at]
        return mixed


async def _nothing() -> list[StoredMemory]:
    return []


_WORD = re.compile(r"\w+(?:'s)?")
_YEAR_NAMED = re.compile(r"\b(?:19|20)\d{2}\b")


def _forms(word: str) -> set[str]:
    """A word of a question as the memories may hold it: "Jolene's" and, Swedish genitives
    taking the s without an apostrophe, "Astrids" both mean the name."""
    term = word.lower().removesuffix("'s")
    return {t for t in (term, term.removesuffix("s")) if len(t) > 1}


def _said_alike(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


Names = tuple[set[str], set[str]]
"""A text's names written in the middle of a sentence, and all of them (`name_forms`)."""


def names_of(text: str) -> Names:
    return name_forms(text, openers=False), name_forms(text)


def share_a_name(one: Names, other: Names) -> bool:
    """Whether two texts name the same one, written as a name in the middle of a sentence in at least
    one of them: a sentence's first word is capitalised whatever it is ("Gick till gymmet.")."""
    (one_within, one_all), (other_within, other_all) = one, other
    return bool(one_within & other_all or one_all & other_within)


def _with_updates(chosen: list[StoredMemory], hits: list[StoredMemory], near: Callable[[StoredMemory], bool],
                  names: Callable[[StoredMemory], Names],
                  own: dict[str, np.ndarray] | None = None) -> list[StoredMemory]:
    """`chosen`, then the newer memories among `hits` that are `near` the question and may have changed
    what one of them says: those that share a name with it (`share_a_name`: "Volvon" names the Volvo;
    "I quit Spotify, I now work at Klarna.", "Vi sålde Volvon."), and of those that tell of a change,
    the one most like it ("I live in Malmö." then "I have moved to Umeå.", "My girlfriend is called
    Sara." then "My new girlfriend is Emma.": a black-box pass got only the old fact, the update
    scoring 0.80 under the threshold). After all of `chosen`, so that a cut to the number of results
    asked for drops these first. A document's chunk is neither: a newer upload replaces its document,
    and chunks repeating its heading ("# Our house in Umeå") were each taken for the others' update.
    `own`: memories' vectors of their own words, where known, to compare them by."""
    updates, ids = [], {h.id for h in chosen}
    documents = {h.id for h in (*chosen, *hits) if not context.in_context(h.metadata)}
    pool = [h for h in hits if h.id not in documents and (own is None or h.id in own)]
    closest = _closest(pool, own)
    # An update's own update too: "Jag har flyttat till Teg", then "Nu har jag flyttat igen, till Holmsund"
    # (a black-box pass: "Var bor jag?" got Ålidhem and Teg, and not where the user lives now). A chained
    # step is only one that tells of a change, each the other's most alike of all found and no farther
    # from the question: "I have become vegan" is 0.856 like "I changed jobs, I am a nurse now" and among
    # its two most alike, and "I got a new phone, a Pixel." the most alike of "We bought a new car, a
    # Tesla.": each was taken for an update's update. A name shared links only to what was chosen.
    weighed, chained = list(chosen), set()
    for memory in weighed:
        if memory.id in documents:
            continue
        newer = [h for h in hits if h.id not in ids and h.id not in documents
                 and _created_at(h) > _created_at(memory) and near(h)]
        if memory.id not in chained:
            for update in newer:
                if share_a_name(names(memory), names(update)):
                    updates.append(update)
                    ids.add(update.id)
        among = 1 if memory.id in chained else UPDATE_AMONG
        changes = [(likeness, h) for h in newer if h.id not in ids and tells_a_change(context.words(h))
                   and (likeness := _likeness(memory, h, own)) >= UPDATE_LIKENESS
                   and h.id in closest(memory)[:among] and memory.id in closest(h)[:among]
                   and (memory.id not in chained or (h.score or 0.0) >= (memory.score or 0.0))]
        if changes:
            # Most like the memory and the question both: "We bought a new car, a Tesla" is as like
            # "I drive a red Volvo" as "I have become vegan" is, and far more like "What car do I have?".
            update = max(changes, key=lambda pair: pair[0] + (pair[1].score or 0.0))[1]
            updates.append(update)
            weighed.append(update)
            chained.add(update.id)
            ids.add(update.id)
    return chosen + updates


def _in_place(given: list[StoredMemory], linked: dict[str, list[StoredMemory]]) -> list[StoredMemory]:
    """`given`, each memory `linked` to one right after it: after all given, a chat's cut to its few results
    dropped an end or a correction; one given for its own score moves there too ("I sold the Volvo" came third,
    after a job)."""
    placed = {one.id for ones in linked.values() for one in ones}
    ordered: dict[str, StoredMemory] = {}

    def place(memory: StoredMemory) -> None:
        if memory.id not in ordered:
            ordered[memory.id] = memory
            for one in linked.get(memory.id, ()):
                place(one)

    for memory in given:
        if memory.id not in placed:
            place(memory)
    for memory in given:  # what only an end placed elsewhere links to: never dropped
        place(memory)
    return list(ordered.values())


def _closest(pool: list[StoredMemory], own: dict[str, np.ndarray] | None) -> Callable[[StoredMemory], list[str]]:
    """A memory's UPDATE_AMONG most alike of `pool` (what was found), most alike first, each memory's
    sorted once. An update and its memory must be among each other's: likeness alone is not enough, e5
    puts most of one's own memories 0.85 apart in Swedish, and some memory near all ("Vi har flyttat in i
    radhuset i Älvsjö") was taken for the update of every other."""
    known: dict[str, list[str]] = {}

    def closest(memory: StoredMemory) -> list[str]:
        if memory.id not in known:
            alike = sorted((h for h in pool if h.id != memory.id), key=lambda h: _likeness(memory, h, own),
                           reverse=True)
            known[memory.id] = [h.id for h in alike[:UPDATE_AMONG]]
        return known[memory.id]

    return closest


def _likeness(one: StoredMemory, other: StoredMemory, own: dict[str, np.ndarray] | None = None) -> float:
    """The cosine of two memories' vectors: of their own words where `own` has both, else as stored (a
    turn's is a mean of its parts', its neighbours' words in them, shorter than 1)."""
    if own is not None and one.id in own and other.id in own:
        a, b = own[one.id], own[other.id]
    elif one.vector is None or other.vector is None:
        return 0.0
    else:
        a, b = np.asarray(one.vector, dtype=np.float32), np.asarray(other.vector, dtype=np.float32)
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b) / norms if norms else 0.0


def _tells(memory: StoredMemory, question: str, about_talk: bool) -> bool:
    """Whether a memory tells the chat something: the same question asked before (every chat
    message is remembered) tells nothing the message does not and would take the place of a
    memory that answers it; nor does a message that only asked or greeted (shared/memory/asking.py),
    unless the question is about the conversation ("What did I ask you yesterday?"), and then not
    one that itself asked about the conversation. A document's "What is the notice period? Three
    months." tells."""
    said = context.words(memory)
    if _said_alike(said) == _said_alike(question):
        return False
    if wordless(said) and memory.metadata.get(context.KIND) != "turn":
        # A note of digits or signs alone ("12345") means nothing to e5, and 0.84 for "Tell me about
        # my dog." A chat's "4711" answers the message before it, which its vector holds.
        return bool(said.split()) and all(part in question for part in said.split())
    if not context.in_context(memory.metadata) or not tells_nothing(said):
        return True
    # "What did I ask you yesterday?" is answered by questions; "Vad sa jag idag?" by what was told
    # (a recheck: the day's questions took every place).
    return about_talk and asks_of_asking(question) and not about_the_conversation(said)


def focus(question: str, head: int = FOCUS_HEAD, tail: int = FOCUS_TAIL) -> str:
    """What of a long message is embedded as the question: its start and its end, where what is asked
    usually is ("<a letter pasted> What should I answer?"), cut between words. Embedded whole, 8,500
    characters held the query thread 0.75 s (20,000: 1.8 s, three times that while long turns were
    being stored), and every user's chats behind it gave up on memory (LUMIA_BRAIN_TIMEOUT)."""
    question = question.strip()
    if len(question) <= head + tail:
        return question
    start, end = question[:head].rsplit(maxsplit=1), question[-tail:].split(maxsplit=1)
    return f"{start[0]} … {end[-1]}"  # each without the word the cut may have gone through (stripped: one is left)


def without_common_words(question: str, index: KeywordIndex) -> str:
    """The question as embedded: without words that are in a large share of the brain's memories.
    In a dialogue each speaker's name starts half the turns; left in, it pulls the question
    towards any turn of that speaker (small talk included) more than towards the one that
    answers it: recall@10 0.675 -> 0.719 on bench/recall_dialogues.py (0.830 -> 0.832 on
    bench/recall.py). The keyword score still sees the whole question."""
    if len(index) < COMMON_FROM:
        return question

    def common(word: str) -> bool:
        return any(index.common(form, COMMON_SHARE) for form in _forms(word))

    kept = _WORD.sub(lambda found: "" if common(found.group()) else found.group(), question)
    kept = " ".join(kept.split())
    return kept if _WORD.search(kept) else question


def _best(hits: list[StoredMemory], admits: Callable[[StoredMemory], bool], alike: float = 0.0) -> list[StoredMemory]:
    """The most similar of the hits `admits`, if any, with those within `alike` of it."""
    admitted = sorted((h for h in hits if admits(h)), key=lambda h: h.score or 0.0, reverse=True)
    return [h for h in admitted if (h.score or 0.0) >= (admitted[0].score or 0.0) - alike]


def _created_at(memory: StoredMemory) -> float:
    return float(memory.metadata.get(CREATED_AT, 0.0))


Keep = Callable[[StoredMemory], bool]


def _once(memories: list[StoredMemory]) -> list[StoredMemory]:
    """The first of memories of the same words: each chat turn that tells is a memory of its own, and
    "I work as a carpenter in Kiruna." said twice gave a chat's model the line twice."""
    seen: set[str] = set()
    kept = []
    for memory in memories:
        words = " ".join(context.words(memory).lower().split())
        if words not in seen:
            seen.add(words)
            kept.append(memory)
    return kept


def _both(first: Keep | None, second: Keep) -> Keep:
    return second if first is None else lambda memory: first(memory) and second(memory)


def _done_then(memory: StoredMemory, window: tuple[float, float], about_talk: bool, now: float) -> bool:
    """Whether a memory of a time's is what the user did then: not one said then of another day
    ("Yesterday I bought a bike", "Tomorrow I have a job interview", said today) nor a plan said
    then ("I'll call mom tonight", "Jag ska jobba i helgen"): no answer to "What did I do today?"
    (black-box passes). Both are answers to "What did I say today?". Nor a document's chunk: uploaded today, a
    house guide's sections were given for "What did I do today?" (a regression pass)."""
    if not context.in_context(memory.metadata):
        return False
    if about_talk:
        return True
    words = context.words(memory)
    if (told := _told_of(memory)) is not None:
        # A plan of a time not begun is nothing done yet ("On Monday I start at Ericsson" is no
        # answer to "What did I do this week?": a black-box pass); arranging it is, the day it was said.
        # So is what else it tells was done then: "Ringde doktor Karlsson … jag ska ta Losartan från och med måndag"
        # is what was done the day it was said (a black-box pass: no answer to "Vad gjorde jag igår?").
        return (_told_then(memory, window, 0.0) and told[0] <= now) \
            or (told[0] >= _created_at(memory) and _said_within(memory, window)
                and (arranges(words) or tells_a_deed(words)))
    return not plans(words) or tells_a_deed(words)


# What a question asking for the plans of a time says besides: "What am I doing today?", "Vad
# händer nästa vecka?", "What have I got on Friday 18 December?".
_SCHEDULE_WORDS = frozenset({*MONTHS, *_WEEKDAY_WORDS, "doing", "plans",
                             "plan", "planned", "planerat", "planer", "whats", "happening", "händer", "nästa",
                             "vecka", "veckan", "tomorrow", "morgon", "imorgon", "övermorgon", "helgen", "helg",
                             "weekend", "tonight", "kväll", "ikväll", "morning", "afternoon", "evening", "coming",
                             "denna", "månad", "månaden", "month", "year", "år", "christmas", "jul", "julafton",
                             "nyårsafton", "eve", "schedule", "schema", "agenda", "calendar", "kalender", "idag",
                             "förmiddag", "eftermiddag", "after", "weeks", "veckor", "två", "two",
                             # "Is anything planned for tomorrow?", "Har jag något inplanerat imorgon?", "Am I busy
                             # tomorrow?" (a black-box pass: yesterday's purchase was given for them).
                             "anything", "something", "busy", "free", "booked", "inbokat", "inplanerat", "något",
                             "några", "upptagen", "ledig", "gång"})


def _asks_for_the_plans(question: str) -> bool:
    return all(word in _SCHEDULE_WORDS or word.isdigit() or word.rstrip("stndrh").isdigit()
               for word in tokens(question))


def _plan_of_another_begun_time(memory: StoredMemory, window: tuple[float, float], now: float) -> bool:
    told = _told_of(memory)
    return told is not None and told[1] > _created_at(memory) and told[0] <= now and not _overlap(told, window)


WEEK = 7 * 86_400 + 3600  # an hour's slack for a change of clocks
# How a thing is done, not what the user should do: "Hur ska jag lägga upp träningen inför loppet?" asks of them
# (bench/gate.py), "How should I celebrate my birthday?" too (a review).
_HOW_TO = re.compile(r"\W*(?:how (?:do|does) (?:i|you|one)|hur (?:gör|tar|får) (?:jag|man|du))\b"
                     r"(?!.*\b(?:my|our|min|mitt|mina|vår|vårt|våra)\b)", re.IGNORECASE)


def _days_of(window: tuple[float, float] | None, zone: tzinfo) -> set[int]:
    """The weekdays (Monday 0) a window of a week at most holds, in the user's zone."""
    if window is None or window[1] - window[0] > WEEK:
        return set()
    days: set[int] = set()
    day = datetime.fromtimestamp(window[0], zone)
    while day.timestamp() < window[1] and len(days) < 7:
        if (day.month, day.day) not in HOLIDAYS:
            days.add(day.weekday())
        day += timedelta(days=1)
    return days


# Days no weekly club runs (a black-box pass: "what's the plan for julafton?" got the Thursday clubs, julafton 2026
# being a Thursday); the other days of a week holding them keep their habits (a review).
HOLIDAYS = frozenset({(12, 24), (12, 25), (1, 1)})


def _weekday_words(window: tuple[float, float] | None, zone: tzinfo) -> str:
    """The names a habit gives the weekdays of `window` ("sundays", "söndagar"), for the keyword search."""
    days = _days_of(window, zone)
    said = [name.removesuffix("s") for name, number in WEEKDAYS.items() if number in days]
    return " ".join(f"{day} {day}ar {day}arna" if day.endswith("dag") else f"{day} {day}s" for day in said)


def _habit_then(memory: StoredMemory, window: tuple[float, float], zone: tzinfo) -> bool:
    return bool(habit_days(memory.content) & _days_of(window, zone))


def _habit_of_other_days(memory: StoredMemory, window: tuple[float, float], zone: tzinfo) -> bool:
    """A habit of weekdays none of a week's time to come holds: "Every Tuesday I play padel" is no plan for
    a Saturday (a black-box pass found it given for "What am I doing tomorrow?"), though it answers "Do I
    have padel tomorrow?"."""
    days, habit = _days_of(window, zone), habit_days(memory.content)
    return bool(days) and bool(habit) and not habit & days


# A day said as the day it was said: "First day at Spotify today!", "Igår var jag sjuk".
_DEICTIC_DAY = re.compile(r"\b(?:today|tonight|this morning|yesterday|tomorrow|idag|i dag|ikväll|i kväll|i morse"
                          r"|igår|i går|imorgon|i morgon)\b", re.IGNORECASE)


def _of_another_day(memory: StoredMemory, window: tuple[float, float]) -> bool:
    """Whether a memory tells of a day other than the window's: by the time it names, or said on
    another day of its own day ("today")."""
    if (told := _told_of(memory)) is not None:
        return not _overlap(told, window)
    said = _created_at(memory)
    return _DEICTIC_DAY.search(memory.content) is not None and not window[0] <= said < window[1]


def _told_then(memory: StoredMemory, window: tuple[float, float], widest: float = TOLD_OF_A_MONTH) -> bool:
    """Whether a memory tells of a time in `window`, no wider than it (an hour's slack for a change
    of clocks) or `widest`: "Last summer I sailed around Gotland" answers what was done last summer,
    not on the 5th of July; a plan told of today is no answer to "What did I do this morning?" (a
    black-box pass)."""
    told = _told_of(memory)
    return told is not None and _overlap(told, window) \
        and told[1] - told[0] <= max(window[1] - window[0] + 3600, widest)


def _told_of(memory: StoredMemory) -> tuple[float, float] | None:
    """The time a memory tells of, when it names one ("Yesterday I bought a bike")."""
    told_from, told_to = memory.metadata.get(ABOUT_FROM), memory.metadata.get(ABOUT_TO)
    if isinstance(told_from, float | int) and isinstance(told_to, float | int):
        return float(told_from), float(told_to)
    return None


def _overlap(one: tuple[float, float], other: tuple[float, float]) -> bool:
    return one[0] < other[1] and one[1] > other[0]


PLAN_WORDS = 3  # a plan's rarest words, by which its change is looked up
PLAN_WORD_MOST = 0.02  # of the brain's memories at most, and 3 whatever its size: a word said of many is no plan's
_TIME_WORDS = frozenset({*TIME_NAMES, "tomorrow", "morgon", "imorgon", "tonight", "ikväll", "kväll", "helgen", "helg",
                         "weekend", "vecka", "veckan", "week", "month", "månad"})


def _a_plan(memory: StoredMemory) -> bool:
    """Whether a memory tells of a time after it was said: a plan, a booking, a deadline."""
    told = _told_of(memory)
    return told is not None and told[1] > _created_at(memory)


def _rarest(index: KeywordIndex, text: str) -> set[str]:
    """A text's words the fewest of the brain's memories hold, time words left out (many plans share them)."""
    most = max(3, PLAN_WORD_MOST * len(index))
    held = [(len(index.postings.get(term, ())), term) for term in set(tokens(text))
            if term not in _TIME_WORDS and not term.isdigit() and len(term) > 2]
    return {term for count, term in sorted(held)[:PLAN_WORDS] if 0 < count <= most}


def _shares_a_word(words: set[str], text: str) -> bool:
    """In any of its forms: "julbord" and "julbordet" (brain_worker/word_forms.py)."""
    return any(word_forms.same_word(word, term) for term in set(tokens(text)) for word in words)


def _said_within(memory: StoredMemory, window: tuple[float, float]) -> bool:
    """Said then: asked what happened at a time when nothing told was done then, what was said then is what the
    user's assistant knows of it, plans of other days too (a black-box pass: "What happened on 2 December?" got
    nothing, though that day's "Oskar wants a draft by Friday 4 December" was kept; each memory reaches the
    model with its date). Not for what the user did: "Den 6 juni har Maja dansuppvisning", said last weekend,
    is nothing done then (an earlier pass)."""
    return window[0] <= _created_at(memory) < window[1]


def _within(memory: StoredMemory, window: tuple[float, float]) -> bool:
    """Said then, or said later of then: what _combine's filter lets through."""
    told = _told_of(memory)
    return window[0] <= _created_at(memory) < window[1] or (told is not None and _overlap(told, window))


def _combine(where: dict[str, Any] | None, window: tuple[float, float] | None) -> dict[str, Any] | None:
    clauses = [where] if where else []
    if window is not None:
        # Said then, or said later of then ("Yesterday I bought a bike", shared/memory/timewindow.py).
        said_then = {"$and": [{CREATED_AT: {"$gte": window[0]}}, {CREATED_AT: {"$lt": window[1]}}]}
        told_of_then = {"$and": [{ABOUT_FROM: {"$lt": window[1]}}, {ABOUT_TO: {"$gt": window[0]}}]}
        clauses.append({"$or": [said_then, told_of_then]})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
