"""A memory's time as people and their exports write it: Unix seconds, ISO 8601, a written date
in English or Swedish ("14 mars 2026 kl. 9.30", "Tuesday, 14th March 2026"), or an e-mail's
("Sat, 14 Mar 2026 09:30:00 +0100"). A date written without a zone is in the user's."""

import calendar
import re
from datetime import datetime, tzinfo
from email.utils import parsedate_to_datetime

# Dates as chat exports and conversation datasets write them (English month names).
WRITTEN_DATES = ("%I:%M %p on %d %B, %Y", "%I:%M %p on %d %b, %Y", "%d %B %Y", "%d %B, %Y", "%B %d, %Y",
                 "%d %b %Y", "%b %d, %Y", "%d %B %Y %H:%M", "%B %d, %Y %H:%M")
ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                  "October", "November", "December")
# Month names a written date may hold, as strptime's English ones: Swedish, and abbreviations.
WRITTEN_MONTHS = dict(zip(("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
                           "oktober", "november", "december"), ENGLISH_MONTHS, strict=True))
# Abbreviated, with or without a full stop, as either language writes them ("14 okt 2026", "3 sept.
# 2026", "14 Oct. 2026"): all but "okt"/"oct" are the same three letters in both.
WRITTEN_MONTHS |= {full[:3]: english for full, english in WRITTEN_MONTHS.items()} | {
    "sept": "September", "oct": "October"}
_WRITTEN_MONTH = re.compile(r"\b(" + "|".join(sorted(WRITTEN_MONTHS, key=len, reverse=True)) + r")\b\.?",
                            re.IGNORECASE)  # "14 mars 2026"
_KLOCKAN = re.compile(r"\s+kl\.?\s*(\d{1,2})[.:](\d{2})\b", re.IGNORECASE)  # "14 mars 2026 kl. 9.30"
WEEKDAYS = {name: day for day, names in enumerate((
    ("monday", "mon", "måndag", "mån"), ("tuesday", "tue", "tues", "tisdag", "tis"),
    ("wednesday", "wed", "onsdag", "ons"), ("thursday", "thu", "thur", "thurs", "torsdag", "tor", "tors"),
    ("friday", "fri", "fredag", "fre"), ("saturday", "sat", "lördag", "lör"), ("sunday", "sun", "söndag", "sön")))
    for name in names}
# What may stand before the day: "den 14 mars", "tisdag 14 mars", "Tuesday, 14 March", "tis den 14 mars".
_LEAD = re.compile(r"^(?:(" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")\.?,?\s+)?(?:den\s+)?",
                   re.IGNORECASE)
_ORDINAL = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|:e|:a)\b", re.IGNORECASE)  # "14th March", "den 1:a mars"
UNIX_DIGITS = re.compile(r"[+-]?\d{9,}(?:\.\d*)?")
_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})|(\d{4})(\d{2})(\d{2})$")  # also compact: 20260229
_MONTH = "(" + "|".join(ENGLISH_MONTHS) + ")"
_WRITTEN_DAY = (re.compile(r"(?P<day>\d{1,2}) " + _MONTH.replace("(", "(?P<month>", 1) + r",? (?P<year>\d{4})"),
                re.compile(_MONTH.replace("(", "(?P<month>", 1) + r" (?P<day>\d{1,2}),? (?P<year>\d{4})"))


class DateProblem(ValueError):
    """A value that is a date, but not a real one: what to fix, for the 422."""


def read_time(value: str, zone: tzinfo) -> float | None:
    """Unix seconds of a time written as a string, None when it is not one of the forms this reads;
    DateProblem when it is one, of a day that doesn't exist or with the wrong weekday."""
    digits = value.strip()
    # Digits are Unix seconds ("1773446400", as a form field sends it) from nine of them on: fewer
    # are a compact date ("20260314") or a year, which as seconds would date it in 1970.
    if UNIX_DIGITS.fullmatch(digits):
        return float(digits)
    try:
        return _in_zone(datetime.fromisoformat(digits.replace("Z", "+00:00")), zone)
    except (ValueError, OverflowError):
        pass
    written = " ".join(value.split())
    lead = _LEAD.match(written)
    weekday = lead.group(1) if lead else None
    written = written[lead.end():] if lead else written
    written = _ORDINAL.sub(r"\1", _WRITTEN_MONTH.sub(lambda m: WRITTEN_MONTHS[m.group(1).lower()], written))
    written = _KLOCKAN.sub(r" \1:\2", written)
    for form in WRITTEN_DATES:
        try:
            when = datetime.strptime(written, form)
        except (ValueError, OverflowError):
            continue
        return _in_zone(_on(weekday, when), zone)
    try:  # an e-mail's Date header (RFC 5322)
        when = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        pass
    else:
        return _in_zone(_on(weekday, when), zone)
    if (missing := _no_such_day(digits, written)) is not None:
        raise DateProblem(missing)
    return None


def _on(weekday: str | None, when: datetime) -> datetime:
    """The date, if it falls on the weekday written before it: a wrong one means one of them is."""
    named = WEEKDAYS[weekday.lower()] if weekday else when.weekday()
    if named != when.weekday():
        raise DateProblem(f"{when.day} {ENGLISH_MONTHS[when.month - 1]} {when.year} is a "
                          f"{calendar.day_name[when.weekday()]}, not a {calendar.day_name[named]}")
    return when


def _no_such_day(iso: str, written: str) -> str | None:
    """Why a value shaped like a date names none: "2026-02-29", "31 April 2026"."""
    if found := _ISO_DAY.match(iso):
        year, month, day = (int(part) for part in found.groups() if part is not None)
    elif found := next((m for pattern in _WRITTEN_DAY if (m := pattern.search(written))), None):
        year, month, day = int(found["year"]), ENGLISH_MONTHS.index(found["month"]) + 1, int(found["day"])
    else:
        return None
    if not 1 <= month <= 12:
        return f"there is no month {month}: months are 1-12"
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= days:
        return f"{ENGLISH_MONTHS[month - 1]} {year} has no day {day}: it has {days} days"
    return None


def _in_zone(when: datetime, zone: tzinfo) -> float:
    return (when if when.tzinfo is not None else when.replace(tzinfo=zone)).timestamp()
