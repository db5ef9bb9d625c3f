"""Relative time in a question ("igår", "last week", "i mars") as a [start, end) window in Unix seconds."""

import re
from datetime import UTC, datetime, timedelta

MONTHS = {
    **{m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                   "september", "october", "november", "december"], 1)},
    **{m: i for i, m in enumerate(["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
                                   "september", "oktober", "november", "december"], 1)},
}
WEEKDAYS = {
    **{d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])},
    **{d: i for i, d in enumerate(["måndags", "tisdags", "onsdags", "torsdags", "fredags", "lördags", "söndags"])},
}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "a": 1, "an": 1, "en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6,
           "sju": 7, "åtta": 8, "nio": 9, "tio": 10, "a couple of": 2, "ett par": 2, "några": 3, "a few": 3}
UNIT_DAYS = {"day": 1, "days": 1, "dag": 1, "dagar": 1, "week": 7, "weeks": 7, "vecka": 7, "veckor": 7,
             "month": 30, "months": 30, "månad": 30, "månader": 30}

_NUM = r"(\d+|" + "|".join(sorted(map(re.escape, NUMBERS), key=len, reverse=True)) + r")"
_AGO_EN = re.compile(_NUM + r"\s+(days?|weeks?|months?)\s+ago")
_AGO_SV = re.compile(r"för\s+" + _NUM + r"\s+(dagar|dag|veckor|vecka|månader|månad)\s+sedan")
_MONTH = re.compile(r"\b(?:in|i|during|under)\s+(" + "|".join(MONTHS) + r")\b")
_WEEKDAY_EN = re.compile(r"\blast\s+(" + "|".join(list(WEEKDAYS)[:7]) + r")\b")
_WEEKDAY_SV = re.compile(r"\bi\s+(" + "|".join(list(WEEKDAYS)[7:]) + r")\b")

Window = tuple[float, float]


def _days(start: datetime, days: int) -> Window:
    return start.timestamp(), (start + timedelta(days=days)).timestamp()


def parse_time_window(question: str, now: datetime) -> Window | None:
    """The window a question refers to, or None when it names no time. `now` must be timezone-aware."""
    text = question.lower()
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0) if now.tzinfo is None \
        else now.replace(hour=0, minute=0, second=0, microsecond=0)
    if re.search(r"\b(day before yesterday)\b|\bi\s?förrgår\b", text):
        return _days(today - timedelta(days=2), 1)
    if re.search(r"\byesterday\b|\bi\s?går\b|\bigår\b", text):
        return _days(today - timedelta(days=1), 1)
    if re.search(r"\btoday\b|\bidag\b|\bi dag\b", text):
        return _days(today, 1)
    week_start = today - timedelta(days=today.weekday())
    if re.search(r"\blast week\b|\bförra veckan\b", text):
        return _days(week_start - timedelta(days=7), 7)
    if re.search(r"\bthis week\b|\bden här veckan\b|\bdenna vecka\b|\bi veckan\b", text):
        return _days(week_start, 7)
    month_start = today.replace(day=1)
    if re.search(r"\blast month\b|\bförra månaden\b", text):
        previous = (month_start - timedelta(days=1)).replace(day=1)
        return previous.timestamp(), month_start.timestamp()
    if re.search(r"\bthis month\b|\bden här månaden\b|\bdenna månad\b|\bi månaden\b", text):
        following = (month_start + timedelta(days=32)).replace(day=1)
        return month_start.timestamp(), following.timestamp()
    if re.search(r"\blast year\b|\bförra året\b|\bi fjol\b", text):
        start = today.replace(year=today.year - 1, month=1, day=1)
        return start.timestamp(), today.replace(month=1, day=1).timestamp()
    for pattern in (_AGO_EN, _AGO_SV):
        found = pattern.search(text)
        if found:
            count = int(found.group(1)) if found.group(1).isdigit() else NUMBERS[found.group(1)]
            days = count * UNIT_DAYS[found.group(2)]
            # "three days ago" is fuzzy: a window around that day, wider for longer spans.
            slack = max(1, days // 4)
            return _days(today - timedelta(days=days + slack), 2 * slack + 1)
    for pattern in (_WEEKDAY_EN, _WEEKDAY_SV):
        found = pattern.search(text)
        if found:
            back = (today.weekday() - WEEKDAYS[found.group(1)]) % 7 or 7
            return _days(today - timedelta(days=back), 1)
    found = _MONTH.search(text)
    if found:
        month = MONTHS[found.group(1)]
        year = today.year if month <= today.month else today.year - 1
        start = today.replace(year=year, month=month, day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return start.timestamp(), end.timestamp()
    return None
