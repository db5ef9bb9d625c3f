"""What a follow-up in a thread is searched for with: the message before it, and the time it asks of.

"Och vem rapporterar hen till?" alone finds nothing of the manager the message before named; "och
igår?" after "vad hände i förrgår?" asks what happened yesterday, not the day before yesterday; "And
the next day?" after "What did I do on 26 November?" asks of 27 November (black-box passes: each got
the earlier message's answers again, or nothing).
"""

import re
from datetime import datetime, timedelta

from shared.memory.asking import FOLLOW_UP_MOST_WORDS, NOT_NAMES, TIME_NAMES, follows_up, name_forms
from shared.memory.timewindow import MONTHS, parse_time_window

# A day from the one asked of before: "the next day", "dagen efter", "the day before", "dagen innan".
_DAY_AFTER = re.compile(r"\b(?:the (?:next|following) day|the day after|next day|dagen (?:efter|därpå)|nästa dag)\b",
                        re.IGNORECASE)
_DAY_BEFORE = re.compile(r"\b(?:the (?:day|evening) before|the previous day|dagen (?:innan|före|dessförinnan))\b",
                         re.IGNORECASE)
_TIME_WORDS = frozenset({*TIME_NAMES, *"""
    yesterday today tonight tomorrow last next this ago day days week weeks weekend month months year years
    morning evening night on in at the of
    igår går idag ikväll imorgon förrgår övermorgon morse förra nästa denna detta sedan dag dagar vecka veckan
    veckor helg helgen månad månaden år året kväll natt i på den
""".split()})
# A follow-up asking of now and nothing else: "Och nu?", "And now?", "What about currently?", "Hur är det nu då?". Not
# "Och vad hette hon nu igen?", where "nu" is a filler (a review).
_NOW = re.compile(r"^\W*(?:(?:and|och|but|men|so|så)\s+)?(?:(?:what|how) about\s+|hur är det\s+|hur ser det ut\s+)?"
                  r"(?:right now|now|nowadays|currently|these days|at the moment|at present|today|just nu|nu|numera"
                  r"|nuförtiden|för närvarande|för tillfället|i dagsläget|idag)(?:\s+(?:då|then))?\W*$", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_][\w'’]*|\d+(?:st|nd|rd|th|:e|:a)?", re.UNICODE)
# A week from the one asked of before.
_WEEK_BEFORE = re.compile(r"\b(?:the (?:week|weekend|one) before|the previous (?:week|weekend)"
                          r"|(?:veckan|helgen) (?:innan|före|dessförinnan))", re.IGNORECASE)
_WEEK_AFTER = re.compile(r"\b(?:the (?:week|weekend) after|the following (?:week|weekend)"
                         r"|(?:veckan|helgen) (?:efter|därpå))", re.IGNORECASE)
_WEEKS = re.compile(r"\b(?:the week before last|this week|last week|next week|förrförra veckan|förra veckan"
                    r"|den här veckan|i veckan|nästa vecka|the weekend before last|this weekend|last weekend"
                    r"|next weekend|förrförra helgen|förra helgen|i helgen|nästa helg)\b", re.IGNORECASE)
_WEEKS_ON = {
    -1: {"this week": "last week", "last week": "the week before last", "next week": "this week",
         "the week before last": "three weeks ago", "förrförra veckan": "för tre veckor sedan",
         "den här veckan": "förra veckan", "i veckan": "förra veckan", "förra veckan": "förrförra veckan",
         "nästa vecka": "den här veckan",
         # "and the weekend before?" (a black-box pass: the same weekend's memories again)
         "this weekend": "last weekend", "last weekend": "the weekend before last", "i helgen": "förra helgen",
         "förra helgen": "förrförra helgen", "next weekend": "this weekend", "nästa helg": "i helgen"},
    1: {"the week before last": "last week", "last week": "this week", "this week": "next week",
        "förrförra veckan": "förra veckan", "förra veckan": "den här veckan", "den här veckan": "nästa vecka",
        "i veckan": "nästa vecka", "the weekend before last": "last weekend", "last weekend": "this weekend",
        "this weekend": "next weekend", "förrförra helgen": "förra helgen", "förra helgen": "i helgen",
        "i helgen": "nästa helg"},
}
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
               "November", "December")


def searched_as(before: str | None, message: str, now: datetime) -> str:
    """The text a thread's message is searched for in memory as: itself, unless it follows up `before`."""
    # Only a short message asks of the day after the one asked of before: "My sister's wedding is on Saturday and
    # I need to pack the day before. What should I bring?" asks of itself (a review).
    short = len(_WORD.findall(message)) <= FOLLOW_UP_MOST_WORDS
    weeks = (1 if _WEEK_AFTER.search(message) else -1 if _WEEK_BEFORE.search(message) else 0) if short else 0
    if before is not None and weeks and (week := _WEEKS.search(before)) is not None \
            and (other := _WEEKS_ON[weeks].get(week.group().lower())) is not None:
        # "And the week before?" after "What did I do last week?" (a black-box pass: the same week's memories again).
        return before[: week.start()] + other + before[week.end():]
    shift = (1 if _DAY_AFTER.search(message) else -1 if _DAY_BEFORE.search(message) else 0) if short else 0
    if before is None or not (follows_up(message) or shift):
        return message
    if (other_one := _another_named(before, message)) is not None:
        return other_one
    asked_then = parse_time_window(before, now)
    if shift and asked_then is not None:
        day = datetime.fromtimestamp(asked_then[0], now.tzinfo) + timedelta(days=shift)
        return f"{_without_times(before)} {day.day} {MONTH_NAMES[day.month - 1]} {day.year}"
    # One sentence, as said ("vad hände\noch igår?" read as two, "vad hände" asked of no time), its opener no
    # name in the middle of it ("Vad hände Och igår?" was asked of someone called Och).
    opener = message.split(maxsplit=1)[0]
    if opener.lower() in NOT_NAMES:
        message = opener.lower() + message[len(opener):]
    if asked_then is not None and (parse_time_window(message, now) is not None or _NOW.search(message)):
        # The time it names, not the one asked of before: "Och nu?" after "Vad vägde jag i slutet av november?"
        # asks of now (a black-box pass got November's weight again).
        return f"{_without_times(before)} {message}"
    return f"{before} {message}"


def _another_named(before: str, message: str) -> str | None:
    """The question before asked of the one a follow-up names instead: "What does Erik do?", then "What about
    Ahmed?" asks what Ahmed does (a black-box pass: searched with Erik's question, it got Erik's memories). Only
    when the question before names one, and the follow-up a name past its opener: not "Really?" (a review)."""
    named = name_forms(message, openers=False)
    rest = [w for w in _WORD.findall(message) if w.lower() not in named and w.lower() not in _ASKING_ON]
    words = _WORD.findall(before)
    theirs = [w for at, w in enumerate(words) if at and w[0].isupper() and w.lower() not in NOT_NAMES and w != "I"]
    if not named or rest or len({w.lower().removesuffix("s") for w in theirs}) != 1:
        return None
    name = next(w for w in _WORD.findall(message) if w.lower() in named)
    old = re.sub(r"['’]s$", "", theirs[0])  # "Erik's birthday": Lisa's
    # "Vad heter Eriks fru?" asked of Ahmed: "Ahmeds fru".
    genitive = old.endswith("s") and old[:-1].lower() in name_forms(before)
    return re.sub(r"\b" + re.escape(old) + r"\b", name + ("s" if genitive else ""), before, count=1)


# What asks on from a question besides the one it names: "What about Ahmed?", "Och Petra?", "Hur är det med Lisa?"
_ASKING_ON = frozenset("and och what about how hur är det med men but then then då".split())


def _without_times(text: str) -> str:
    """The text without its time words. English "I" as written: lowercased it is Swedish "i" (in), a word of time
    phrases ("i förrgår"); a month's name as a name ("What did May tell me…") unless a day is written next to it."""
    said = _WORD.findall(text)

    def of_time(at: int, word: str) -> bool:
        if word[0].isdigit():
            return True
        if word == "I" or word.lower() not in _TIME_WORDS:
            return False
        if word[0].isupper() and word.lower() in MONTHS and at > 0:
            return any(w[0].isdigit() for w in said[max(0, at - 1) : at + 2])
        return True

    return " ".join(w for at, w in enumerate(said) if not of_time(at, w))
