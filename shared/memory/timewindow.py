"""Time in a question ("igår", "last week", "i mars", "on 25 November", "i juli 2025") as a [start, end)
window in Unix seconds; and the earlier time a memory tells of ("Yesterday I bought a bike")."""

import re
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

# Short forms, less "jan", "mar" and "jul" (a name, and Swedish words: "jul" is Christmas).
# "jan", "mar" too (not "jul": Christmas, a review), with a day (a black-box pass: "thermo exam is on 11th jan" told
# of no day): guarded, as all.
SHORT_MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
                "okt": 10, "nov": 11, "dec": 12}
MONTHS = {
    **{m: i for i, m in enumerate(["january", "february", "march", "april", "may", "june", "july", "august",
                                   "september", "october", "november", "december"], 1)},
    **{m: i for i, m in enumerate(["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
                                   "september", "oktober", "november", "december"], 1)},
    **SHORT_MONTHS,
}
WEEKDAYS = {
    **{d: i for i, d in enumerate(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"])},
    **{d: i for i, d in enumerate(["måndags", "tisdags", "onsdags", "torsdags", "fredags", "lördags", "söndags"])},
}
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
           "ten": 10, "a": 1, "an": 1, "en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6,
           "sju": 7, "åtta": 8, "nio": 9, "tio": 10, "a couple of": 2, "ett par": 2, "några": 3, "a few": 3}
UNIT_DAYS = {"day": 1, "days": 1, "dag": 1, "dagar": 1, "dagarna": 1, "week": 7, "weeks": 7, "vecka": 7, "veckor": 7,
             "veckorna": 7, "month": 30, "months": 30, "månad": 30, "månader": 30, "månaderna": 30,
             "year": 365, "years": 365, "år": 365}

_NUM = r"(\d+|" + "|".join(sorted(map(re.escape, NUMBERS), key=len, reverse=True)) + r")"
_AGO_EN = re.compile(_NUM + r"\s+(days?|weeks?|months?|years?)\s+ago")
_AGO_SV = re.compile(r"för\s+" + _NUM + r"\s+(dagar|dag|veckor|vecka|månader|månad|år)\s+(?:sedan|sen)\b")
# "in the last three days", "de senaste två veckorna": up to and including today.
_PAST_SPAN = re.compile(r"\b(?:last|past)\s+" + _NUM + r"\s+(days?|weeks?|months?)\b"
                        r"|\bsenaste\s+" + _NUM + r"\s+(dagarna|dagar|veckorna|veckor|månaderna|månader)\b")
# A whole word: "simmar" holds no "mar" (a recheck: "Simmar jag på fredag?" was no question of Friday).
_MONTH_NAME = r"\b(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\b"
_YEAR = r"((?:19|20)\d{2})\b"
# A bare month needs a preposition; lowercased, English "I may"/"I march" reads as Swedish "i" plus a month.
# "in early October", "i slutet av mars": the whole month.
_PART_OF = r"(?:(?:early|late|mid-?|the (?:start|beginning|middle|end) of|början av|mitten av|slutet av)\s*)?"
_MONTH = re.compile(r"\b(?:in|during|under|i(?!\s+(?:may|march)\b))\s+" + _PART_OF + _MONTH_NAME
                    + r"(?:,?\s+(?:of\s+)?" + _YEAR + ")?")
_MONTH_FOR = re.compile(r"\bfor\s+" + _MONTH_NAME + r"()(?=\s*[?.!,]|\s*$)")
_THIS_WEEK_NAMED = "this week|den här veckan|denna vecka"  # the week it is, by its name
# "last March", "förra mars": the most recent one before this month.
_LAST_MONTH_NAMED = re.compile(r"\b(?:last|förra)\s+" + _MONTH_NAME)
# "July 2025" says which month even without a preposition.
_MONTH_YEAR = re.compile(r"\b" + _MONTH_NAME + r",?\s+(?:of\s+)?" + _YEAR)
_ORDINAL = r"(st|nd|rd|th|:e|:a)?"
# "25 November", "the 25th of November", "den 25:e november"; the lookbehind keeps "10.25 may" and "1,25" out.
_DAY_MONTH = re.compile(r"(?<![\d.,:/-])\b(\d{1,2})" + _ORDINAL + r"\.?\s+(?:of\s+)?" + _MONTH_NAME
                        + r"(?:,?\s+" + _YEAR + ")?")
# "November 25", "November 25th, 2025"; a following digit or time ("May 2.5", "May 25:00") is no day.
_MONTH_DAY = re.compile(r"\b" + _MONTH_NAME + r"\s+(?:the\s+)?(\d{1,2})" + _ORDINAL + r"(?![\d.:]\d)\b"
                        + r"(?:,?\s+" + _YEAR + ")?")
_ISO_DATE = re.compile(r"\b" + _YEAR + r"-(\d{2})-(\d{2})\b")
# "in 2000 meters" is a distance, not a year.
_NOT_A_YEAR = (r"(?![.,:]\d)(?!\s*(?:k?m|meters?|metres?|meter|miles?|mil|seconds?|sekunder|minutes?|minuter"
               r"|hours?|timmar|steps?|steg|kr|kronor|sek|dollars?|euros?|people|personer)\b)")
# "in 2024", "i slutet av 2024", "mid-2025", "early 2025": that year.
_IN_YEAR = re.compile(r"\b(?:(?:in|during|under|throughout|år|i)\s+(?:the\s+year\s+|året\s+)?" + _PART_OF
                      + r"|(?:early|late|mid)-?\s*|at the (?:start|beginning|middle|end) of\s+)" + _YEAR + _NOT_A_YEAR)
# Words that put a month or date next to a number in "on 3 May", "since March 10".
_DATE_PREPOSITIONS = {"on", "by", "since", "from", "until", "till", "before", "after", "of", "in", "during", "den",
                      "om", "på", "sedan", "från", "före", "efter"}
# English months that are also common verbs, which a number may follow ("may 2 of us join", "march 10 miles").
_VERB_MONTHS = {"may", "march"}
_GUARDED_MONTHS = _VERB_MONTHS | set(SHORT_MONTHS)  # a number next to them is no date unless something says so
MAX_DAYS_BACK = 3660  # "2000 years ago" is history, not a memory (and no date can hold it)
_EN_DAYS, _SV_DAYS = "|".join(list(WEEKDAYS)[:7]), "|".join(list(WEEKDAYS)[7:])
# "måndagen": "förra fredagen" is the most recent Friday, as "i fredags"; "onsdagen förra veckan" last week's.
_SV_DEFINITE = "|".join(day.removesuffix("s") + "en" for day in list(WEEKDAYS)[7:])
_WEEKDAY_EN = re.compile(r"\blast\s+(" + _EN_DAYS + r")\b")
_WEEKDAY_SV = re.compile(r"\bi\s+(" + _SV_DAYS + r")\b|\bförra\s+(" + _SV_DEFINITE + r")\b")
# "on Wednesday last week", "last week on Wednesday", "onsdagen förra veckan", "i förra veckan på onsdagen".
_DAY_OF_LAST_WEEK = re.compile(
    r"\b(" + _EN_DAYS + r")\s+(?:of\s+)?last week\b|\blast week\s+on\s+(" + _EN_DAYS + r")\b"
    r"|\b(" + _SV_DEFINITE + "|" + _SV_DAYS + r")\s+(?:i\s+)?förra veckan\b"
    r"|\bförra veckan\s+(?:på|i)\s+(" + _SV_DEFINITE + "|" + _SV_DAYS + r")\b")
# "on 25/11", "den 25/11 2026": a day and month, when the numbers can only be read one way
# (25/11, 11/25); "on 3/4" is April or March by who writes it, and names no day. Swedish "den 1/6" is
# 1 June: Swedes write the day first ("Var bodde jag den 1/6?" got nothing, a black-box pass).
# After a Swedish weekday too, and before a clock: "tandläkare fre 11/12 kl 9" (a black-box pass: no day).
_SV_BEFORE_DATE = "den|på|mån|tis|ons|tors|fre|lör|sön|måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag"
_NUMERIC_DATE = re.compile(r"\b(on|" + _SV_BEFORE_DATE + r")\s+(\d{1,2})/(\d{1,2})"
                           r"(?:[/ ]((?:19|20)\d{2}))?(?![/\d])" + r"(?!\s+(?!kl\b|klockan\b|at\b)[a-zåäö])(?!/7\b)")
# "on the 25th", "den 25:e": the most recent 25th (with a month, _DAY_MONTH has it first).
# Only at a sentence's end or before a time of day: "on the 3rd floor", "on the 2nd try", "den 2:a
# dagen" are ordinals of things (a review), and "by the 25th" is a deadline ahead.
_DAY_END = r"(?=\s*(?:$|[?.!,;]|at\b|kl\b|in the (?:morning|evening|afternoon)))"
_DAY_OF_MONTH = re.compile(r"\b(?:on|" + _EN_DAYS + r"),?\s+the\s+(\d{1,2})(?:st|nd|rd|th)\b" + _DAY_END
                           + r"|\bden\s+(\d{1,2})(?::e|:a)(?!\w)" + _DAY_END)
# "What did I do on Friday?", "Vad åt jag på fredag?": the most recent one before today, as "last
# Friday" (in Swedish only beside a past form: "på fredag" is the coming one).
_ON_WEEKDAY = re.compile(r"\bon\s+(" + "|".join(list(WEEKDAYS)[:7]) + r")\b")
_PA_WEEKDAY = re.compile(r"\bpå\s+((?:" + "|".join(day.removesuffix("s") for day in list(WEEKDAYS)[7:])
                         + r")(?:en)?)\b")
_SV_PAST_VERB = (r"(?:gjorde|hade|gick|fick|sprang|drack|såg|kom|tog|skrev|låg|satt|stod|vann|sov|blev|gav|föll"
                 r"|slog|sjöng|flög|åt|var|\w+(?:ade|dde|de|te))")
# "Vad åt jag på fredag?" (a review: "Vad sa jag att jag skulle göra på fredag?", "Vad hade jag för
# planer på fredag?" ask of the coming one, and "Mette" is no verb).
_SV_PAST = re.compile(r"\b" + _SV_PAST_VERB + r" (?:jag|vi|han|hon|de|du|ni)\b"
                      r"|\b(?:jag|vi|han|hon|de|du|ni) " + _SV_PAST_VERB + r"\b"
                      r"|\b\w+dag(?:en)? (?:var|blev)\b")  # "Festen på lördag var jättekul"
_SV_PLAN = re.compile(r"\b(?:ska|skall|skulle|planer(?:na)?|planerat?|kommer att|tänker)\b")
_TODAY = re.compile(r"\btoday\b|\bidag\b|\bi dag\b|\bthis (?:morning|afternoon|evening)\b|\btonight\b"
                    r"|\bi (?:morse|förmiddags|eftermiddag|kväll)\b|\bikväll\b")
# The evening and the night before today: said then, or this morning of then ("Last night we saw
# Dune" is told of last night). "i natt" is also tonight in a plan, which then only boosts.
_LAST_NIGHT = re.compile(r"\blast (?:night|evening)\b|\byesterday (?:evening|night)\b|\bi ?natt\b"
                         r"|\bi ?går ?(?:kväll|natt)\b")
EVENING, MORNING = 17, 6  # the hours last night is between
# Asked of what was done then ("Vad åt jag i morse?"), a part of today is those hours: the prompt
# gives the model days, not hours, and a 21:00 football match was given as "this morning" (a
# black-box pass). Asked of a plan ("What am I doing tonight?"), it is the day, as before.
_DAY_PART = re.compile(r"\b(?P<morning>this morning|i morse|i förmiddags)\b"
                       r"|\b(?P<afternoon>this afternoon|i eftermiddags?)\b"
                       r"|\b(?P<evening>this evening|tonight|i ?kväll)\b")
DAY_PARTS = {"morning": (MORNING, 12), "afternoon": (12, 18), "evening": (EVENING, 24)}
_YESTERDAY_PART = re.compile(r"\b(?:yesterday|i ?går) (?:(?P<morning>morning|morse|morgon|förmiddags?)"
                             r"|(?P<afternoon>afternoon|eftermiddags?))\b")
_LAST_WEEKEND = re.compile(r"\blast weekend\b|\bförra helgen\b")
_NEXT_WEEKEND = re.compile(r"\bnext weekend\b|\bnästa helg(?:en)?\b|\bweekend after this\b"
                           r"|\bhelgen efter (?:denna|den här)\b")
# "the weekend" alone only at a clause's end: "What did I buy for the weekend trip?" names no time.
_WEEKEND = re.compile(r"\b(?:this|over the|during the) weekend\b|\bthe weekend(?=\s*(?:$|[?.!,;]))"
                      r"|\bi helgen\b|\bunder helgen\b")
_CHRISTMAS = re.compile(r"\b(?:at|over|last|during|around|this|spend|spending|celebrate|celebrating) christmas\b"
                        r"|\bfira(?:r|de|t)? jul(?:en)?\b|\bi julas\b|\bi jul\b|\bunder jul(?:en)?\b"
                        r"|\bförra julen\b|\b(?:runt|kring|över) jul(?:en)?\b|\bpå julafton\b"
                        r"|\bchristmas (?:eve|day)\b|\bjulafton(?:en)?\b|\bjuldag(?:en)?\b")
_NEW_YEAR = re.compile(r"\bnew year'?s? eve\b|\bat new year\b|\bnyårsafton\b|\b(?:på|i|under|till|över) nyår\b")
# Seasons as in Sweden: spring March-May, summer June-August, autumn September-November,
# winter December-February. "i somras", "last summer": the most recent one that has ended;
# "i sommar", "this summer", "in the summer": the most recent one that has begun (but "in the
# summer" in its first month: the one before; "i vår" is also "in our": not a season); "summer
# 2025", "sommaren 2025": that year's.
SEASONS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12,
           "våras": 3, "somras": 6, "höstas": 9, "vintras": 12, "vår": 3, "sommar": 6, "höst": 9, "vinter": 12,
           "våren": 3, "sommaren": 6, "hösten": 9, "vintern": 12}
_ENDED_SEASON = re.compile(r"\blast (spring|summer|autumn|fall|winter)\b|\bi (våras|somras|höstas|vintras)\b"
                           r"|\bförra (våren|sommaren|hösten|vintern)\b")
_BEGUN_SEASON = re.compile(r"\b(?:this|in the|in|during the|during|over the) (spring|summer|autumn|fall|winter)\b"
                           r"(?!\s+of\s+(?!(?:19|20)\d{2}\b))"  # "in the summer of my life" is no time
                           r"|\bi (sommar|höst|vinter)\b|\b(?:på|under|i) (våren|sommaren|hösten|vintern)\b"
                           r"|\b(våren|sommaren|hösten|vintern|spring|summer|autumn|winter)"
                           r"(?=,?\s+(?:of\s+)?(?:19|20)\d{2}\b" + _NOT_A_YEAR + ")")

_THIS_SEASON = re.compile(r"this |i (?:sommar|höst|vinter)\b")

Window = tuple[float, float]


def _days(start: datetime, days: int) -> Window:
    return start.timestamp(), (start + timedelta(days=days)).timestamp()


def _numbered_week(today: datetime, number: int, planned: bool, past: bool = False,
                   year: int | None = None) -> Window | None:
    """"vecka 50", "week 2": that ISO week, the next one so numbered when asked of plans, else the last one (a
    black-box pass: a bakery's orders of "vecka 50" were not found)."""
    def monday(year: int) -> datetime | None:
        try:
            day = datetime.fromisocalendar(year, number, 1)
        except ValueError:  # week 53 of a year of 52
            return None
        return today.replace(year=day.year, month=day.month, day=day.day)

    if year is not None:
        start = monday(year)
    else:
        weeks = [m for m in (monday(today.year - 1), monday(today.year), monday(today.year + 1)) if m is not None]
        if planned:  # the next one not over
            weeks = [m for m in weeks if m + timedelta(days=7) > today][:1]
        elif past:  # the last one begun
            weeks = [m for m in weeks if m <= today][-1:]
        # Else the nearest: "Vilka jobbar v.52?" in December is this one, "Vad gjorde vi vecka 40?" this year's.
        start = min(weeks, key=lambda m: abs((m + timedelta(days=3) - today).total_seconds()), default=None)
    return _days(start, 7) if start is not None else None


# Not "week 2 of chemo", "vecka 20 av graviditeten", "3 times a week 2 months ago" (a review).
_WEEK_NUMBER = re.compile(r"(?<!\ba )(?<!\bper )(?<!\bi )\b(?:vecka|v\.?|week|wk)\s?(\d{1,2})\b"
                          r"(?!\s*(?:of|av|in a row|i rad)\b)(?:,?\s+((?:19|20)\d{2})\b)?")
# "The other day", "häromdagen" (a black-box pass: read as no time).
_OTHER_DAY = re.compile(r"\bthe other (?:day|night|evening|week)\b|\bhärom(?:dagen|kvällen|natten|veckan)\b"
                        r"|\bhärom veckan\b|\bförleden\b")
OTHER_DAY_DAYS = 14  # a review: a week cut "the other day" told of nine days before


def parse_time_window(question: str, now: datetime, planned: bool | None = None) -> Window | None:
    """The window a question refers to, or None when it names no time. `now` must be timezone-aware.
    `planned`: whether a date is the next one (a plan's) or the last; by default, as the question asks."""
    text = question.lower()
    if planned is None and _STILL.search(text):
        # "Is my dentist appointment still on the 14th?" / "…still on 12 November?": the nearer of the next and the
        # last such day (a recheck: 12 November asked in December was next year's).
        next_one, last_one = parse_time_window(question, now, True), parse_time_window(question, now, False)
        if next_one is None or last_one is None:
            return next_one or last_one
        return min((next_one, last_one), key=lambda window: abs(window[0] - now.timestamp()))
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0) if now.tzinfo is None \
        else now.replace(hour=0, minute=0, second=0, microsecond=0)
    if re.search(r"\b(day before yesterday)\b|\bi\s?förrgår\b", text):
        return _days(today - timedelta(days=2), 1)
    if _OTHER_DAY.search(text):  # a few days ago, not today: the week before it
        return _days(today - timedelta(days=OTHER_DAY_DAYS), OTHER_DAY_DAYS)
    if _LAST_NIGHT.search(text):  # said late yesterday or after midnight, not at yesterday's lunch
        return ((today - timedelta(days=1)).replace(hour=EVENING).timestamp(), today.replace(hour=MORNING).timestamp())
    if (part := _YESTERDAY_PART.search(text)) is not None:
        return _part_of(today - timedelta(days=1), part)
    if re.search(r"\byesterday\b|\bi\s?går\b|\bigår\b", text):
        return _days(today - timedelta(days=1), 1)
    # Only once it has begun: "Am I still going to the gym this evening?" asked at three is of the day.
    if (part := _DAY_PART.search(text)) is not None and _PAST_FORM.search(text) \
            and (hours := _part_of(today, part))[0] <= now.timestamp():
        return hours
    if _TODAY.search(text):
        return _days(today, 1)
    if (weekend := _weekend(text, today, now)) is not None:
        return weekend
    planned = of_a_time_to_come(text) if planned is None else planned
    if (season := _season(text, today, planned)) is not None:
        return season
    # The most recent Christmas that has begun (Eve, Day and Boxing Day), in a plan the next one not
    # over ("What am I doing on Christmas Eve?"); New Year's Eve and the day after.
    if (holiday := _holiday(text, today, planned)) is not None:
        return holiday
    week_start = today - timedelta(days=today.weekday())
    if (numbered := _WEEK_NUMBER.search(text)) is not None:
        named_year = int(numbered.group(2)) if numbered.group(2) else (
            today.year - 1 if re.search(r"\blast year\b|\bförra året\b|\bi fjol\b", text) else
            today.year + 1 if re.search(r"\bnext year\b|\bnästa år\b", text) else None)
        week = _numbered_week(today, int(numbered.group(1)), planned, bool(_PAST_FORM.search(text)), named_year)
        if week is not None:
            return week
    if re.search(r"\bweek before last\b|\bförrförra veckan\b", text):
        return _days(week_start - timedelta(days=14), 7)
    if (span := _PAST_SPAN.search(text)) is not None:
        count, unit = (span.group(1), span.group(2)) if span.group(1) else (span.group(3), span.group(4))
        days = _count(count) * UNIT_DAYS[unit]
        if 0 < days <= MAX_DAYS_BACK:
            return _days(today - timedelta(days=days - 1), days)
    if (named := _LAST_MONTH_NAMED.search(text)) is not None:
        month = MONTHS[named.group(1)]
        return _month_window(today, today.year if month < today.month else today.year - 1, month)
    if (day_of := _DAY_OF_LAST_WEEK.search(text)) is not None:
        said = next(g for g in day_of.groups() if g)
        return _days(week_start - timedelta(days=7 - _weekday(said)), 1)
    if re.search(r"\blast week\b|\bförra veckan\b", text):
        return _days(week_start - timedelta(days=7), 7)
    if re.search(r"\b(?:" + _THIS_WEEK_NAMED + r"|i veckan)\b", text):
        return _days(week_start, 7)
    if re.search(r"\blast month\b|\bförra månaden\b", text):
        previous = today.replace(day=1) - timedelta(days=1)
        return _month_window(today, previous.year, previous.month)
    if re.search(r"\bthis month\b|\bden här månaden\b|\bdenna månad\b|\bi månaden\b", text):
        return _month_window(today, today.year, today.month)
    if re.search(r"\blast year\b|\bförra året\b|\bi fjol\b", text):
        # "in March last year" and "25 november i fjol" narrow the year to that month or day.
        return _calendar(question, text, today, today.year - 1) or _year_window(today, today.year - 1)
    for pattern in (_AGO_EN, _AGO_SV):
        found = pattern.search(text)
        if found:
            days = _count(found.group(1)) * UNIT_DAYS[found.group(2)]
            if days > MAX_DAYS_BACK:
                continue
            # "three days ago" is fuzzy: a window around that day, wider for longer spans.
            slack = max(1, days // 4)
            return _days(today - timedelta(days=days + slack), 2 * slack + 1)
    # A time to come, when no past one is named: what is planned ("What do I have tomorrow?", "What
    # am I doing on Friday?"), found by what was said of it before (told_of).
    if (ahead := _TOLD_AHEAD.search(text)) is not None:
        return _ahead(ahead, today)
    if (coming := _coming_day(text, today)) is not None:
        return coming
    last_weekday = None
    for pattern in (_WEEKDAY_EN, _WEEKDAY_SV, _ON_WEEKDAY, _PA_WEEKDAY):
        found = pattern.search(text)
        if found and (pattern is not _PA_WEEKDAY or (_SV_PAST.search(text) and not _SV_PLAN.search(text))):
            back = (today.weekday() - _weekday(next(g for g in found.groups() if g))) % 7 or 7
            last_weekday = _days(today - timedelta(days=back), 1)
            # "on Friday 18 December", "Friday the 27th": the date says which Friday.
            if not _DATE_AFTER.match(text, found.end()):
                return last_weekday
            break
    # Checked last: "this year" named no window before, so it must not outrank "last monday".
    this_year = re.search(r"\bthis year\b|\bi år\b|\bdet här året\b|\bdetta år\b", text) is not None
    # A plan asked of a date is of the next one: "What am I doing on 18 December?" asked on the 4th.
    window = _calendar(question, text, today, today.year if this_year else None, planned)
    if window is not None:
        return window
    if (numeric := _numeric_date(text, today, planned)) is not None:
        return numeric
    if (day_of_month := _DAY_OF_MONTH.search(text)) is not None \
            and (date := _nearest_day(today, int(day_of_month.group(1) or day_of_month.group(2)), planned)) is not None:
        return _days(date, 1)
    if last_weekday is not None:
        return last_weekday
    if this_year:
        return _year_window(today, today.year)
    found = _IN_YEAR.search(text)
    if found:
        return _year_window(today, int(found.group(1)))
    return None


# "for Christmas" is a plan's time, but of the past a gift's: "What did Marcus give Eli for Christmas
# 2022?" read as that Christmas missed the thanks told in January (bench/recall_written.py).
_FOR_CHRISTMAS = re.compile(r"\bfor christmas\b")


HOLIDAY_AHEAD_DAYS = 31
# Of another than the one coming: "på julafton förra året", "jul 2025", "What do we usually eat on Christmas Eve?" (a
# review).
_NOT_THIS_ONE = re.compile(r"\blast year\b|\bförra året\b|\bi fjol\b|\b(?:19|20)\d{2}\b|\busually\b|\bbrukar\b"
                           r"|\balways\b|\balltid\b|\bevery year\b|\bvarje år\b")


def _holiday(text: str, today: datetime, planned: bool) -> Window | None:
    for holiday, eve, days in ((_CHRISTMAS, 24, 3), (_NEW_YEAR, 31, 2)):
        named = holiday.search(text) or (planned and holiday is _CHRISTMAS and _FOR_CHRISTMAS.search(text))
        if named and (date := _most_recent(today, 12, eve)) is not None:
            if planned and date + timedelta(days=days) <= today:
                date = date.replace(year=date.year + 1)
            # Asked in the present in the weeks before it, this one: "Vem jobbar i jul?" on 5 December (a black-box
            # pass got last year's staffing).
            coming = date.replace(year=date.year + 1)
            if not planned and coming - today <= timedelta(days=HOLIDAY_AHEAD_DAYS) and not _PAST_FORM.search(text) \
                    and not _NOT_THIS_ONE.search(text):
                date = coming
            return _days(date, days)
    return None


def _part_of(day: datetime, found: re.Match[str]) -> Window:
    start, end = DAY_PARTS[next(name for name, said in found.groupdict().items() if said)]
    until = day + timedelta(days=1) if end == 24 else day.replace(hour=end)
    return day.replace(hour=start).timestamp(), until.timestamp()


WEEKEND_BEGUN_HOUR = 12  # before noon on a Saturday, what was done "this weekend" was done the last one


def _weekend(text: str, today: datetime, now: datetime | None = None) -> Window | None:
    """Saturday and Sunday: "i helgen", "this weekend" the most recent that has begun, or in a plan
    ("What am I doing this weekend?", "Vad ska jag göra i helgen?") this week's; "last weekend",
    "förra helgen" the one before that when it is the weekend now; "next weekend", "nästa helg"
    next week's, as "next week" is."""
    this_weeks = today - timedelta(days=today.weekday()) + timedelta(days=5)
    if _NEXT_WEEKEND.search(text):
        return _days(this_weeks + timedelta(days=7), 2)
    if re.search(r"\bweekend before last\b|\bförrförra helgen\b", text):
        return _days(this_weeks - timedelta(days=14), 2)
    last = _LAST_WEEKEND.search(text) is not None
    if not last and _WEEKEND.search(text) is None:
        return None
    if not last and of_a_time_to_come(text):
        return _days(this_weeks, 2)
    saturday = today - timedelta(days=(today.weekday() - 5) % 7)
    # Of what was done, a weekend begun this morning is the one before: "Vad gjorde jag i helgen?"
    # at 04:20 on a Saturday read the hours since midnight and found nothing (a black-box pass).
    just_begun = now is not None and today.weekday() == 5 and now.hour < WEEKEND_BEGUN_HOUR \
        and _PAST_FORM.search(text) is not None
    if (last and today.weekday() >= 5) or just_begun:
        saturday -= timedelta(days=7)
    return _days(saturday, 2)


def _season(text: str, today: datetime, ahead: bool = False) -> Window | None:
    """The season named; `ahead` (asked of a plan: "What am I doing this summer?") the one begun and
    not over, or the next."""
    ended = _ENDED_SEASON.search(text)
    found = ended or _BEGUN_SEASON.search(text)
    if found is None:
        return None
    first = SEASONS[next(g for g in found.groups() if g)]
    start = today.replace(month=first, day=1)
    if (year := re.match(r",?\s+(?:of\s+)?" + _YEAR, text[found.end():])) is not None:
        start = start.replace(year=int(year.group(1)))
    elif ahead and not ended:
        if start > today:
            start = start.replace(year=start.year - 1)
        if _three_months_on(start) <= today:
            start = start.replace(year=start.year + 1)
    else:
        if start > today:
            start = start.replace(year=today.year - 1)
        # That season now: the one before. So too "in the winter" asked in its first month, when
        # there is little of it yet to ask about ("Where did I go skiing in the winter?" on 4 December
        # got only those four days' memories); "this winter", "i vinter" are still the one begun.
        begun_lately = not ended and not _THIS_SEASON.match(found.group()) and today - start < timedelta(days=31)
        # Swedish "i somras" is this summer once it is in its last month ("I somras var vi på Öland … i juli", said
        # in August, was read as last year's: a black-box pass); "last summer" the one before this one.
        last_month = (start + timedelta(days=62)).replace(day=1)
        over = last_month <= today if found.group().endswith("as") else _three_months_on(start) <= today
        if (ended and not over) or begun_lately:
            start = start.replace(year=start.year - 1)
    return start.timestamp(), _three_months_on(start).timestamp()


def _three_months_on(start: datetime) -> datetime:
    return (start + timedelta(days=92)).replace(day=1)


def _count(said: str) -> int:
    """"3", "three", "tre", "a couple of" as a number."""
    return int(said) if said.isdigit() else NUMBERS[said]


def _year_window(today: datetime, year: int) -> Window:
    start = today.replace(year=year, month=1, day=1)
    return start.timestamp(), start.replace(year=year + 1).timestamp()


def _month_window(today: datetime, year: int, month: int) -> Window:
    start = today.replace(year=year, month=month, day=1)
    return start.timestamp(), (start + timedelta(days=32)).replace(day=1).timestamp()


def _calendar(question: str, text: str, today: datetime, year: int | None, ahead: bool = False) -> Window | None:
    """A named day or month. Without a year of its own it is the one in `year`, or else the most
    recent one not after today, as a question asks about what has happened; asked `ahead` (of a
    plan), the next one from today."""
    for iso in _ISO_DATE.finditer(text):
        named = _date(today, int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        if named is not None:
            return _days(named, 1)
    dates = [(m, m.group(1), m.group(2), m.group(3), m.group(4)) for m in _DAY_MONTH.finditer(text)]
    dates += [(m, m.group(2), m.group(3), m.group(1), m.group(4)) for m in _MONTH_DAY.finditer(text)]
    for found, day_text, ordinal, name, year_text in sorted(dates, key=lambda d: d[0].start()):
        if not _is_month(question, text, found, name, bool(ordinal or year_text)):
            continue
        month, day = MONTHS[name], int(day_text)
        if year_text:
            date = _date(today, int(year_text), month, day)
        elif year is not None:
            date = _date(today, year, month, day)
        elif ahead:
            date = _next(today, month, day)
        else:
            date = _most_recent(today, month, day)
        if date is not None:
            return _days(date, 1)
    # "for December" only of a plan: "What have I planned for December?"; "What did I buy for June?" names June (a
    # review).
    month_found = _MONTH.search(text) or _MONTH_YEAR.search(text) or (_MONTH_FOR.search(text) if ahead else None)
    if month_found:
        month, year_text = MONTHS[month_found.group(1)], month_found.group(2)
        if year_text:
            return _month_window(today, int(year_text), month)
        if year is not None:
            return _month_window(today, year, month)
        if ahead:
            return _month_window(today, today.year if month >= today.month else today.year + 1, month)
        return _month_window(today, today.year if month <= today.month else today.year - 1, month)
    return None


WEEKDAY_NAMES = frozenset({*WEEKDAYS, *(day.removesuffix("s") for day in list(WEEKDAYS)[7:])})
_TIME_AFTER = re.compile(r",?\s+(?:kl\.?|klockan|at)\s*\d")


def _is_month(question: str, text: str, found: re.Match[str], name: str, dated: bool) -> bool:
    """Whether "may"/"march" next to a number is the month: an ordinal or a year, a preposition
    before it, a capital mid-sentence, or nothing after it but punctuation says so."""
    if name not in _GUARDED_MONTHS or dated:
        return True
    before = text[: found.start()].split()
    if before and before[-1] in _DATE_PREPOSITIONS:
        return True
    # A weekday before it or a time after it: "tandläkare torsdag 10 dec kl 8.15" (a black-box pass).
    if (before and before[-1].strip(",") in WEEKDAY_NAMES) or _TIME_AFTER.match(text, found.end()):
        return True
    if name in SHORT_MONTHS:  # "dec 10 to binary", "an APR 20": a capital or an end says nothing here
        return False
    at = text.find(name, found.start())
    # Positions in `text` are the question's unless lowercasing changed its length ("İ").
    capital = len(text) == len(question) and question[at].isupper()
    if capital and before and not before[-1].endswith((".", "!", "?")):
        return True
    return re.match(r"\s*(?:[.,;!?)]|$)", text[found.end():]) is not None


def _date(today: datetime, year: int, month: int, day: int) -> datetime | None:
    try:
        return today.replace(year=year, month=month, day=day)
    except ValueError:
        return None


def _weekday(said: str) -> int:
    """"friday", "fredags", "fredagen" as Monday 0 to Sunday 6."""
    return WEEKDAYS.get(said, WEEKDAYS.get(said.removesuffix("en") + "s", 0))


def _numeric_date(text: str, today: datetime, ahead: bool = False) -> Window | None:
    for found in _NUMERIC_DATE.finditer(text):
        first, second = int(found.group(2)), int(found.group(3))
        if first > 12 >= second or (found.group(1).lower() != "on" and second <= 12):  # Swedish: the day first
            day, month = first, second
        elif second > 12 >= first:
            month, day = first, second
        else:
            continue
        if found.group(4):
            date = _date(today, int(found.group(4)), month, day)
        else:
            date = _next(today, month, day) if ahead else _most_recent(today, month, day)
        if date is not None:
            return _days(date, 1)
    return None


def _nearest_day(today: datetime, day: int, ahead: bool = False) -> datetime | None:
    """The most recent day of the month numbered `day`, not after today, or `ahead` the next one
    from today: "the 31st" skips short months."""
    month, year = today.month, today.year
    step = 1 if ahead else -1
    for _ in range(13):
        date = _date(today, year, month, day)
        if date is not None and (date >= today if ahead else date <= today):
            return date
        month += step
        year, month = (year + 1, 1) if month > 12 else (year - 1, 12) if month < 1 else (year, month)
    return None


def _next(today: datetime, month: int, day: int) -> datetime | None:
    """The next `month` `day` from today (29 February: the next leap year's)."""
    year = today.year if (month, day) >= (today.month, today.day) else today.year + 1
    for on in range(8):
        date = _date(today, year + on, month, day)
        if date is not None:
            return date
    return None


def _most_recent(today: datetime, month: int, day: int) -> datetime | None:
    year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
    # 29 February reaches back to the last leap year; 31 April is no date at all.
    for back in range(8):
        date = _date(today, year - back, month, day)
        if date is not None:
            return date
    return None


# What a memory tells of a time before it was said ("Yesterday I bought a new bike", "I tisdags
# var vi på bio"), stored beside when it was said: a question about that time finds it too. Only
# what is plainly past: "in June" or "on Friday" is as often a plan.
ABOUT_FROM, ABOUT_TO = "lumia_about_from", "lumia_about_to"
_TOLD_PAST = re.compile("|".join((
    r"\b(?:yesterday|igår|i går|i förrgår|day before yesterday|the other (?:day|night|week)|häromdagen|häromkvällen"
    r"|häromveckan|förleden"
    r"|last (?:night|week|weekend|month)"
    r"|förra (?:veckan|helgen|månaden))\b",
    *(pattern.pattern for pattern in (_WEEKDAY_EN, _WEEKDAY_SV, _AGO_EN, _AGO_SV)))))


_TOLD_LAST_NIGHT = re.compile(r"\blast night\b", re.IGNORECASE)
MAX_TOLD_DAYS = 31  # "two years ago" names no time a question about a day or week should take in


_TOLD_AHEAD = re.compile(r"\b(?:(?P<two>day after tomorrow|i\s?övermorgon)|(?P<one>tomorrow|tmrw|tmr|tomoz|i\s?morgon)"
                         r"|(?P<week>next week|nästa vecka)|(?P<month>next month|nästa månad))\b")


# What was done when it was said: "Today I booked the flights for next week", "Jag bokade en tid i
# morgon", "I watched Tomorrow Never Dies tonight" tell of the day they were said (a review).
_DONE_THEN = re.compile(r"\b(?:today|idag|i dag|tonight|ikväll|i kväll|this morning|i morse|just|nyss)\b"
                        r"|\b(?:i|we|jag|vi)(?:'ve|’ve| have| har)?(?: just| nyss)? (?!måste\b|inte\b)"
                        r"[^\W\d_]+(?:(?<!e)ed|de|te)\b")
# Whose time a later phrase names: "a cake for tomorrow", "till nästa vecka".
_FOR_THEN = re.compile(r"\b(?:for|för|till|until|by|before|inför|före|from|från)\s*$")


# A weekday to come: "this Friday", "next Friday", "på fredag" (the past is "i fredags"); "on Friday"
# only in a plan or a schedule ("On Friday I have a haircut", "What am I doing on Friday?"), since
# "On Friday we went to the zoo" tells of the last one.
# A deadline is one to come, also of something to be done ("He wants the interviews done by Friday", a
# black-box pass): "by Friday", "senast fredag".
_COMING_DAY = re.compile(r"\b(?:(?P<sure>this|next|coming)|(?P<deadline>by|no later than)|on|for|the)\s+"
                         r"(?P<day>" + _EN_DAYS + r")\b"
                         r"|\b(?P<sure_sv>på|nu på|nästa|till|senast(?: på)?)\s+(?P<dag>"
                         + "|".join(day.removesuffix("s") for day in list(WEEKDAYS)[7:]) + r")\b")
# A plan said ("I'll…", "I'm seeing…", "going to", "I have…") or a schedule asked of ("What's on…",
# "When is…"): the words both readings of a time to come share.
_PLAN_SAID = (r"\b(?:i|we)(?:'ll|’ll| will| shall)\b|\b(?:i|we)(?:'m|’m| am|'re|’re| are) \w+ing\b"
              # "I also need to pick up dad's Eliquis on Monday" (a black-box pass: no plan of Monday's).
              r"|\bgo(?:ing to|nna)\b|\b(?:i|we)(?: also| still)?(?: have|'ve got|’ve got| need to"
              r"| must| have to)\b(?! say| admit| tell)")
_SCHEDULE_ASKED = (r"\bwhat(?:'s|’s|s| is) on\b|\bwhats happening\b|\bplan(?:s|ned)?\b|\bwhen(?:'s|’s| is| are)\b"
                   r"|\bwhat time(?:'s|’s| is| are)\b"
                   r"|\bhappening\b")
_SCHEDULED = re.compile(_PLAN_SAID + "|" + _SCHEDULE_ASKED + r"|\b(?:do|will|am|are|shall|have) (?:i|we)\b"
                        r"|\b(?:where|who)(?:'s|’s| is| are)\b|^\s*(?:is|are)\b")
# Swedish: "Vad ska jag göra i helgen?", "Vi kommer att flytta", "Vilka planer har jag?"
_SCHEDULED_SV = re.compile(r"\b(?:ska|skall|kommer att|tänker|planerar|planer(?:na)?|blir det|när är|gör (?:jag|vi)"
                           r"|händer|hända|planerat|inplanerat|bokat|på gång|har)\b"
                           # The present for what is coming, verb first: "Jobbar jag i helgen?", "I
                           # januari åker vi till Thailand".
                           r"|\b(?!var\b)\w{2,}(?:ar|er) (?:jag|vi)\b"
                           # and subject first, of verbs that plan: "Vi åker till Thailand i februari".
                           r"|\b(?:jag|vi|de|han|hon) (?:åker|flyger|flyttar|reser|jobbar|arbetar|slutar|besöker)\b"
                           r"|\bbörjar\b")
# Told of the past, the weekday is the last one: "I'm still mad about what happened on Friday", "På
# fredag åt vi tacos", "Jag sprang loppet på söndag". Read widely: a plan missed loses only a nudge,
# a past day read as one to come is told as a plan.
# "called"/"named" that names, the name followed by what is said of its bearer ("a rescue cat called Biscuit,
# picking her up on Saturday", "our friend called Anna is visiting on 12 December": a black-box pass read both as
# past), not "Called Karin on Friday", "Mum called me", "My sister called Anna on 19 May" (a review).
_NAMING = (r"(?!(?<!\bi )(?<!\bwe )(?<!\bhe )(?<!\bshe )(?<!\bthey )(?<!\byou )(?:call|nam)ed\s+[\w'-]+"
           r"(?:\s+[\w'-]+)?\s*(?:,|\b(?:is|are|was|will|who|that|arrives|comes|joins|has)\b))")
_PAST_FORM = re.compile(
    r"\b(?:had|was|were|went|did|saw|won|ran|met|said|told|took|came|made|ate|drank|bought|gave|found|left"
    r"|felt|thought|heard|lost|sang|swam|wrote|drove|flew|slept|spent|sat|stood|wore|woke|began|broke|brought"
    r"|caught|chose|fell|forgot|knew|paid|sent|taught|threw|spoke|been|still|since|ago|remember"
    r"|seen|eaten|done|gone|taken|written|given|known|driven|flown|spoken|forgotten|gotten|ridden|drunk|sung"
    r"|begun|chosen|fallen|broken|worn|stolen|shown|grown|thrown|drawn|hidden"
    r"|varit|gjort|haft|ätit|sett|fått|gått|kommit|tagit|skrivit|druckit|sovit|blivit|åkt|träffat|köpt|bott|läst"
    r"|hört|jobbat|pratat|hunnit|missat|avbokat|ställt in"
    # The Swedish perfect: "Jag har tvättat bilen", "Vi har redan skrivit".
    r"|\bhar (?:\w+ )?(?:(?:inte|redan|just|nyss|äntligen) )*\w+(?:at|it)\b"
    r"|\b(?:hänt|ringt|sagt|sålt|bytt|fyllt|gift|lärt|kört|lagt|valt|glömt|hyrt|byggt|sökt|tänkt|mött|stängt|gett)\b"
    # The English perfect of verbs whose past is their present: "We've sold the house", "I've run 10 km".
    r"|\b(?:sold|built|kept|held|lent|hung|led|fed)\b"
    r"|\b(?:have|has|'ve|’ve) (?:\w+ )?(?:run|quit|put|set|become|cut|hurt|shut|lit|read)\b"
    r"|(?!(?:plann|schedul|book|arrang|invit)ed\b)" + _NAMING + r"\w{3,}ed)\b"
    r"|(?<!'ve )(?<!’ve )(?<!have )(?<!have i )(?<!have we )\bgot\b"
    r"|\b(?:gjorde|hade|gick|fick|sprang|drack|såg|kom|tog|sa|sade|skrev|låg|satt|stod|vann|sov|blev|gav|föll"
    r"|slog|sjöng|flög|fortfarande|efter|sedan|minns)\b|\b\w+(?:ade|dde|tte)\b"
    r"|\b(?:jag|vi|han|hon|de|du|ni|det) (?:\w+(?:de|te)|åt|var)\b"
    r"|\b(?:\w+(?:de|te)|åt|var) (?:jag|vi|han|hon|de|du|ni|det)\b"
    r"|\b(?:måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag|helgen)(?:en)? (?:var|blev)\b")
# A date named beside the weekday ("on Friday 18 December", "Monday the 14th") is that date's.
# Not a clock or hours: "this sunday 10-4", "on Sunday 10am" (a black-box pass: no plan of Sunday).
# "fredag 18.12" is a date (a review).
_DATE_AFTER = re.compile(r"\s*,?\s*(?:the\s+|den\s+)?\d(?!\d?\s*(?:[-–:]|am\b|pm\b|a\.m|p\.m))")
_DATED = re.compile(_DATE_AFTER.pattern + r"|.*\bom två veckor\b")
_AFTER_NEXT = re.compile(r"\s+after next\b")


# A plan plain enough to put a date, a month or a weekend ahead: not "do I" or "have I" alone
# ("What do I know about 3 December?", "Which films have I seen in November?": a review).
# Verbs whose present tells a plan: "In January I start my new job", "Do I work on 18 June?", "The
# course begins in March".
_SCHEDULE_VERBS = r"start|begin|fly|leave|move|travel|go|return|work|arrive|finish|graduate|visit"
_AHEAD = re.compile(_PLAN_SAID + "|" + _SCHEDULE_ASKED
                    + r"|\b(?:(?:do|does) \w+|i|we|they) (?:" + _SCHEDULE_VERBS + r")\b"
                    r"|\b(?:starts|begins|leaves|departs|arrives|opens|finishes)\b"
                    + r"|\b(?:do|will) (?:i|we) (?:have|need|get)\b|\bhave (?:i|we) got\b"
                    r"|\b(?:am|are|will|shall) (?:i|we)\b"
                    r"|\bhappening\b|\bshould (?:i|we)\b|\bwill\b|\b(?:free|busy)\b"
                    r"|\b(?:is|are|'s|’s) (?:on|in|this|next|coming)\b|\bhas (?:a|an|got|plans?)\b")


_STILL = re.compile(r"\b(?:still|fortfarande)\b")
_STILL_ON = re.compile(r"\bstill (?:on|happening|going ahead|planned|booked|scheduled)\b"
                       r"|\bfortfarande (?:på|av|planerad|planerat|bokad|bokat)\b")


# A perfect that asks for plans: "Vad har jag planerat i december?", "What have I booked for next week?" (a
# black-box pass read the first as what was done in December).
# Booked, only for a time: "Which flights have I booked this month?" asks what was done.
_ASKED_PLANNED = re.compile(r"\b(?:have|har) (?:i|we|jag|vi)(?: got)? (?:\w+ )?(?:(?:planned|scheduled|lined up"
                            r"|planerat|inplanerat|schemalagt)\b"
                            r"|(?:booked|arranged|bokat|ordnat)(?: \w+)? (?:for|till|inför)\b)")


def asks_ahead(question: str) -> bool:
    """Whether a question asks of a plan or a schedule ("What am I doing today?", "Vad ska jag göra
    den här veckan?"), in no past form."""
    text = question.lower()
    if _ASKED_PLANNED.search(text):
        return True
    # "Is my dentist appointment still on the 14th?" asks of a plan (a black-box pass: read as last month's 14th).
    return (_AHEAD.search(text) or _SCHEDULED_SV.search(text) or _STILL_ON.search(text)) is not None \
        and not _PAST_FORM.search(_STILL_ON.sub(" ", text))


def of_a_time_to_come(text: str) -> bool:
    """Whether a question or a statement is of a plan or a schedule, in no past form, of nothing done
    when it was said nor of a time since which."""
    return asks_ahead(text) and (_ASKED_PLANNED.search(text.lower()) is not None
                                 or (not _DONE_THEN.search(text) and not _SINCE.search(text)))


_WANTED = re.compile(r"\b(?:wants?|needs?|must|has to|have to|should|due|ska|skall|måste|vill|behöver)\b")


def _coming_day(text: str, today: datetime) -> Window | None:
    """The day a plan or a question about one names by its weekday: the next one after today
    ("this Friday" asked on a Friday is today; "nästa fredag" is next week's)."""
    if (moved := _MOVED_TO_WEEKDAY.search(text)) is not None:  # the day a plan was moved to is one to come
        day = _weekday(moved.group("day"))
        return _days(today + timedelta(days=(day - today.weekday()) % 7 or 7), 1)
    found = _COMING_DAY.search(text)
    agreed = found is not None and _agreed(text, found.start())
    if found is None or (_DONE_THEN.search(text) and not agreed) or _DATED.match(text, found.end()) \
            or re.search(_MONTH_NAME, text):
        return None
    # A deadline of something wanted done ("He wants the slides done by Friday"), not one met ("I was home by
    # Friday", "Jag var klar senast fredag": a review).
    deadline = bool(found.group("deadline") or (found.group("sure_sv") or "").startswith("senast")) \
        and (not _PAST_FORM.search(text) or _WANTED.search(text) is not None)
    if _PAST_FORM.search(text) and not deadline and not agreed:
        return None
    after_next = _AFTER_NEXT.match(text, found.end()) is not None  # "the Friday after next"
    if text.startswith("the", found.start()) and not after_next:  # "the Monday meeting"
        return None
    if not (found.group("sure") or found.group("sure_sv") or deadline or agreed or after_next
            or _SCHEDULED.search(text)):
        return None
    day = WEEKDAYS[found.group("day")] if found.group("day") else WEEKDAYS[found.group("dag") + "s"]
    if found.group("sure_sv") == "nästa":
        return _days(today + timedelta(days=7 - today.weekday() + day), 1)
    ahead = (day - today.weekday()) % 7 or (0 if found.group("sure") == "this" else 7)
    return _days(today + timedelta(days=ahead + 7 * after_next), 1)


def _ahead(found: re.Match[str], today: datetime) -> Window:
    """The window of a _TOLD_AHEAD phrase."""
    if found.group("two"):
        return _days(today + timedelta(days=2), 1)
    if found.group("one"):
        return _days(today + timedelta(days=1), 1)
    if found.group("week"):
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        # Its days named in the same sentence: "Next week I'm in Stockholm on Tuesday and Wednesday" (a black-box
        # pass: all of next week, it came first for what is on its Friday).
        sentence = re.split(r"[.!?;]", found.string[found.start():], maxsplit=1)[0] \
            + re.split(r"[.!?;]", found.string[: found.start()])[-1]
        named = sorted({_weekday(day) for day in re.findall(r"\b(" + _EN_DAYS + "|" + "|".join(_SV_DAY_STEMS)
                                                                 + r")\b", sentence)
                        if not re.search(r"\b" + day + r"s\b", sentence)})
        if named:
            return _days(monday + timedelta(days=named[0]), named[-1] - named[0] + 1)
        return _days(monday, 7)
    start = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return start.timestamp(), (start + timedelta(days=32)).replace(day=1).timestamp()


def _told_ahead(text: str, today: datetime) -> Window | None:
    """The later window a memory plainly tells of: "Tomorrow I have a job interview" said today is
    no answer to "What did I do today?" (a black-box pass), and is one to "What did I do on Friday?"
    asked after that Friday. "In June", "on Friday", "this weekend" or "on 18 December" are as often
    the past: read only in a plan ("On 18 December I have my exam", "I'm going to Rome in March");
    nor is a later time of something done when it was said ("I ordered a cake for tomorrow")."""
    found = _TOLD_AHEAD.search(text)
    if found is None:
        return _coming_day(text, today) or _planned(text, today)
    # What was done then, in the clause that names the later time ("I can't sleep tonight, tomorrow
    # I have my driving test" plans for tomorrow).
    start = max(text.rfind(mark, 0, found.start()) for mark in ".!?;,") + 1
    ends = [at for mark in ".!?;," if (at := text.find(mark, found.end())) >= 0]
    clause = text[start:min(ends, default=len(text))]
    if _FOR_THEN.search(text, 0, found.start()):
        return None
    # The nearer verb governs the time: "I promised mom I'll call her tomorrow" and "Tomorrow I'll
    # return the book I borrowed" plan; "I have just booked flights for next week" was done then.
    done = [_distance(m, found, start) for m in _DONE_THEN.finditer(clause)]
    plans = [_distance(m, found, start) for m in _PLAN_MARK.finditer(clause)]
    if done and (not plans or min(plans) > min(done)):
        return None
    return _ahead(found, today)


# A plan's own verb, told in a sentence that may also tell what was done: "I promised I'd call",
# "Jag lovade att jag ska ringa".
_PLAN_MARK = re.compile(_PLAN_SAID + r"|\b(?:i|we|he|she|they)(?:'d|’d| would)\b|\b(?:ska|skall|kommer att)\b"
                        # A deadline: "I just remembered my lab report is due tomorrow" (a black-box pass: no plan).
                        r"|(?<!that is )(?<!that was )(?<!which is )(?<!som är )\b(?:due|deadline)\b")


def _distance(near: re.Match[str], phrase: re.Match[str], offset: int) -> int:
    """How many characters lie between a match in a clause starting at `offset` and a phrase in the text."""
    return max(phrase.start() - offset - near.end(), near.start() + offset - phrase.end(), 0)


# "I have a photo from 18 December" has it from a day before.
_SINCE = re.compile(r"\b(?:from|since|från|sedan)\s+(?:the\s+|den\s+)?(?:\d|" + _MONTH_NAME + ")")


# A date booked or decided is one to come: "I bought tickets for the concert on 20 December", "Booked
# my next dentist appointment for 14 January", "Sara and I decided we'll spend New Year's Eve…".
_BOOKING_WORDS = (r"booked|rebooked|book|bokade|bokat|tickets?|biljett\w*|reserved|ordered|beställde|anmälde|invited|"
                  # "I got a new job! … starting 1 December" (a recheck: it was a plan of every day after)
                  r"deadline|due|starting|beginning|börjar|startar")
# A date something was moved to is one to come: "My dentist appointment has been moved to 17 December" was read as
# last 17 December (a black-box pass).
# "extended to", "moved again, now 16th jan" too (a black-box pass: a student's deadline and exam).
_MOVED = (r"(?:moved?(?! on)|postpon\w*|reschedul\w*|rebook\w*|pushed back|put off|delayed|brought forward|extended|"
          r"flyttad|flyttat|flyttas|uppskjuten|uppskjutet|framflyttad|framflyttat|ombokad|ombokat|förlängd|förlängt)"
          r"(?: [\w'’]+){0,3}(?: (?:to|till)|,? (?:now|nu))")
# Something agreed to be done, its day one to come: "Tom asked me to cover his shift on Sunday and I said yes", "I
# promised to help Anna move on Saturday", "Lisa bad mig att jobba på söndag" (a black-box pass: last Sunday).
AGREED = (r"(?:asked (?:me|us) to|asked if (?:I|we) could|agreed to|promised (?:to|I'd|I would|we'd|we would)|"
          r"offered to|invited (?:me|us)|told \w+ (?:I'd|I would|we'd|we would)|decided to|"
          r"bad (?:mig|oss)(?: att)?|lovade(?: att)?|gick med på att|erbjöd (?:mig|oss) att|"
          r"frågade om (?:jag|vi) kunde|bjöd in (?:mig|oss)|bestämde (?:att|oss för)|"
          # A booking for a day: "I booked a table at Sushi Bar for Friday", "Jag bokade tid hos frisören på tisdag"
          # (a recheck: both were read as last week's).
          r"booked|bokade|har bokat|bought tickets|köpte biljetter|reserved)")
_AGREED = re.compile(r"\b" + AGREED + r"\b", re.IGNORECASE)
_SAID_YES = re.compile(r"\b(?:(?:said|sa) (?:yes|ja|ok|okay|sure)|accepted|agreed|tackade ja|gick med på)\b")


def _agreed(text: str, before: int) -> bool:
    """Whether something is agreed before `before` in `text` and nothing after the agreement is told as over: not
    "Anna invited us to dinner on Friday and it was lovely", "Anna asked me to be her bridesmaid when we had dinner
    on Friday" (a review)."""
    return any(not _PAST_FORM.search(_SAID_YES.sub(" ", text[found.end():]))
               for found in _AGREED.finditer(text, 0, before))
# A time, not a place: "We moved to Umeå on 3 November" is the past.
# A number or a weekday, not a floor or a size: "We moved to the 3rd floor in 2019", "Moved the couch to the 2nd floor",
# "I moved to Sunday school as a kid" (a review).
_NOT_A_DAY_AFTER = r"(?!\s*(?:floor|storey|chapter|inch|grade|level|place|våning|kapitel|tum|school|skola))"
_MOVED_TO = (_MOVED + r" (?:the |den |next |nästa |on |på )?(?:\d+(?:st|nd|rd|th|:e|:a)?\b" + _NOT_A_DAY_AFTER
             + r"|\w+day\b" + _NOT_A_DAY_AFTER + r"|\w+dag(?:en)?\b|" + _MONTH_NAME + ")")
# "Moved Bosse's vet visit to Wednesday", "Dinner moved to the 19th" (a black-box pass: no plan of either day).
_MOVED_TO_WEEKDAY = re.compile(r"\b" + _MOVED + r" (?:on |på |next |nästa )?(?P<day>" + _EN_DAYS + "|"
                               + "|".join(day.removesuffix("s") for day in list(WEEKDAYS)[7:])
                               + r")\b(?!,? (?:the |den )?\d)" + _NOT_A_DAY_AFTER)
_MOVED_TO_DAY_OF_MONTH = re.compile(r"\b" + _MOVED + r" (?:\w+day,? |\w+dag(?:en)?,? )?(?:the |den )?(\d{1,2})"
                                    r"(?:st|nd|rd|th|:e|:a)?\b" + _NOT_A_DAY_AFTER + r"(?!\s*\w*\s*"
                                    + _MONTH_NAME + ")")
_BOOKING = re.compile(r"\b(?:" + _BOOKING_WORDS + r"|appointment|decided|bestämde|" + _MOVED_TO + r")\b"
)
# A deadline: "He wants the interviews done by Wednesday 9 December" (a black-box pass); with a past form, one wanted
# (not "By Friday 4 December we had packed everything": a review).
_DEADLINE = re.compile(r"\b(?:by|no later than|senast)\s+(?:\w+day,?\s+|\w+dag(?:en)?\s+)?(?:the\s+|den\s+)?\d")


# Two dates, the days from one to the other: "from 27 December to 2 January", "från 20 till 27
# december" (the month said once).
_DAY_NAMED = (r"(?:\d{1,2}(?:st|nd|rd|th|:e|:a)?\.?\s+(?:of\s+)?" + _MONTH_NAME
              + r"|" + _MONTH_NAME + r"\s+\d{1,2}(?:st|nd|rd|th)?\b)")
_DATE_RANGE = re.compile(r"(?:\b(?:from|från|mellan|between)\s+(?:the\s+|den\s+)?)?(?P<first>" + _DAY_NAMED
                         + r"|\b\d{1,2}(?:st|nd|rd|th|:e|:a)?)\s*(?:-|–|—|to|till|until|and|och)\s*(?:the\s+|den\s+)?"
                         r"(?P<last>" + _DAY_NAMED + ")")
MAX_RANGE_DAYS = 62  # longer is no trip or stay a time asked of should take in


def _date_range(text: str, today: datetime, ahead: bool) -> Window | None:
    """The days of a range of two dates the text names, the next such (`ahead`) or the last."""
    found = _DATE_RANGE.search(text)
    if found is None:
        return None
    said = found.group("first")
    if said.rstrip(".").isdigit() or said[-2:] in ("st", "nd", "rd", "th", ":e", ":a"):  # "20–27 december"
        month = next(name for name in re.findall(r"[^\W\d_]+", found.group("last")) if name in MONTHS)
        said = f"{said} {month}"
    first = _calendar(said, said, today, None, ahead)
    if first is None:
        return None
    start = datetime.fromtimestamp(first[0], today.tzinfo)
    last = _calendar(found.group("last"), found.group("last"), start, None, ahead=True)  # on or after the first
    if last is None or not 0 < last[1] - first[0] <= MAX_RANGE_DAYS * 86_400 + 3600:
        return None
    return first[0], last[1]


def _planned(text: str, today: datetime) -> Window | None:
    """A weekend, a season or a date to come that a plan names; a date or a holiday booked, or named
    in no past form ("Bosse has a vet appointment on 9 December", "Vi firar jul hos svärföräldrarna");
    the days from one date to another ("We booked a trip to Lisbon from 27 December to 2 January")."""
    if _HABIT.search(text):
        return None
    # What someone said is to be done is a plan: "Malin sa att jag behöver komma tillbaka en gång till, den 9
    # december" (a black-box pass: read as last year's 9 December for the "sa").
    if (reported := _reported_plan(text)) is not None:
        text = text[reported:]
    booked = _BOOKING.search(text) is not None or (
        _DEADLINE.search(text) is not None and (not _PAST_FORM.search(text) or _WANTED.search(text) is not None))
    if (of_a_time_to_come(text) or booked or not _PAST_FORM.search(text)) \
            and (days := _date_range(text, today, ahead=True)) is not None and days[0] >= today.timestamp():
        return days
    if _SINCE.search(text):
        return None
    if of_a_time_to_come(text) or _NEXT_WEEKEND.search(text):
        window = _weekend(text, today) or _holiday(text, today, True) or _season(text, today, True) \
            or _calendar(text, text, today, None, ahead=True) or _numeric_date(text, today, ahead=True)
    elif booked or not _PAST_FORM.search(text):
        window = _holiday(text, today, True) or _dated(text, today)
        if window is None and (moved := _MOVED_TO_DAY_OF_MONTH.search(text)) is not None \
                and (date := _nearest_day(today, int(moved.group(1)), ahead=True)) is not None:
            window = _days(date, 1)  # "Dinner with the Johanssons moved to the 19th"
    else:
        window = None
    return window if window is not None and window[0] >= today.timestamp() else None


_REPORTED = re.compile(r"\b(?:said|says|told (?:me|us)|wrote|sa|sade|säger|berättade|skrev|meddelade)(?: (?:that|att))?"
                       r"(?=\s)|:(?=\s)")  # not a clock's "10:15" (a review)


def _reported_plan(text: str) -> int | None:
    """Where what someone said begins, when the past form of a text is only theirs of saying it and what they said
    is to be done."""
    reported = _REPORTED.search(text)
    if reported is None or _WANTED.search(text, reported.end()) is None or _PAST_FORM.search(text, reported.end()):
        return None
    return reported.end()


JUST_GONE = 300 * 86_400  # a date whose next one is further ahead than this went by in the last two months


def _dated(text: str, today: datetime) -> Window | None:
    """A day and month named (not a month alone: "I love skiing in March" plans nothing), the next one."""
    if not (_DAY_MONTH.search(text) or _MONTH_DAY.search(text) or _ISO_DATE.search(text)):
        return _numeric_date(text, today, ahead=True)  # "tandläkare fre 11/12 kl 9", "vi flyttar den 19/12"
    window = _calendar(text, text, today, None, ahead=True)
    # A day just gone by, named with no word of a plan, is told of ("Lunch with Sara, 3 December"):
    # not next year's (a review).
    if window is None or window[1] - window[0] > 86_400 + 3600 or window[0] - today.timestamp() > JUST_GONE:
        return None
    return window


# A time opening a clause of the past: "In March we went skiing", "On 3 May we got married", "I helgen
# var vi i stugan", "On Saturday we went to the zoo", "In 2015 I lived in Berlin". At a clause's end it
# is as often a plan's ("I bought tickets for the concert on 20 December": a review).
_TIME_WORDS = "|".join((*MONTHS, *WEEKDAYS, *(d.removesuffix("s") for d in list(WEEKDAYS)[7:]), *SEASONS,
                        "weekend", "helgen", "christmas", "julas", "jul", "julafton", "nyårsafton",
                        r"\d{1,2}(?:st|nd|rd|th|:e|:a)?\b",
                        r"(?:19|20)\d{2}"))
_OPENING_TIME = re.compile(r"(?:^|[.!?;]\s+|,\s+)(?:(?:in|i|on|på|den|during|under|at|over|last|förra|this)\s+)?"
                           r"(?:the\s+)?(?:" + _TIME_WORDS + r")\b")
# Lifelong or habitual: "I was born in March", "When I was a kid, in the summer we went sailing".
_HABIT = re.compile(r"\b(?:born|föddes|född|when i was|as a kid|used to|every|always|usually|när jag var"
                    r"|som barn|varje|alltid|brukade)\b")
_PLAINLY_PAST = re.compile(r"\blast christmas\b|\bi julas\b|\bförra julen\b")


# A plan's date in a sentence of the past: "I bought tickets for the concert on 20 December", "Jag
# bokade en resa till Rom i mars" (a review).
_BOOKED = re.compile(r"\b(?:" + _BOOKING_WORDS + r"|for|till|inför|until|by|before|paid|bjöd|starts?|begins?|börjar|"
                     + _MOVED_TO + r")\b")
_PLANS_SV = re.compile(r"\b(?:ska|skall|kommer att|tänker|planerar)\b")


def _told_before(text: str, now: datetime) -> Window | None:
    """A time a sentence of a memory tells in a past form: a month, date, weekday, weekend, year,
    holiday or season ("In March we went skiing", "Vi var i stugan i helgen", "I saw Anna on
    Saturday"), at a clause's end only with no plan's word near ("I bought tickets for the concert
    on 20 December"); "last summer", "i somras", "last Christmas" anywhere (black-box passes: said
    later, none was an answer to a chat asking of that time)."""
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for sentence in re.split(r"(?<=[.!?;])\s+", text):
        if not _PAST_FORM.search(sentence) or _SCHEDULED.search(sentence) or _PLANS_SV.search(sentence) \
                or _SINCE.search(sentence) or _HABIT.search(sentence) or _AGO_EN.search(sentence) \
                or _AGO_SV.search(sentence) or _reported_plan(sentence) is not None:  # "two years ago": no day
            continue
        try:
            if _ENDED_SEASON.search(sentence) or _PLAINLY_PAST.search(sentence):
                return _season(sentence, today) or _holiday(sentence, today, False)
            for found in _OPENING_TIME.finditer(sentence):
                clause = re.split(r"[.!?;,]", sentence[found.start():].lstrip(".!?;, "), maxsplit=1)[0]
                if clause.split(" ", 1)[0] in WEEKDAYS:  # "Saturday we went bowling"
                    clause = "on " + clause
                if (window := parse_time_window(clause, now)) is not None:
                    return window
            if not _BOOKED.search(sentence) and not _agreed(sentence, len(sentence)) \
                    and (window := parse_time_window(sentence, now)) is not None:
                return window
        except (ValueError, OverflowError, OSError):
            return None
    return None


# Another week, or every week: "Hela veckan efter midsommar", "I usually work days all week" (a review).
_WEEK_OF_ANOTHER = re.compile(r"\b(?:usually|brukar|after|efter|before|innan|every|varje|next|nästa|last|förra)\b")
_PER_WEEK = re.compile(r"\b(?:gång|gånger|timmar|timme|pass|dagar|kvällar|times|hours|days|nights)\s+(?:\w+\s+)?$")
_THIS_WEEK_SAID = re.compile(r"\b(?:" + _THIS_WEEK_NAMED + r"|all week|the whole week|hela veckan|i veckan)\b")


def told_of(text: str, said_at: float, zone: tzinfo) -> Window | None:
    """The other window a memory said at `said_at` (Unix seconds) tells of, if any, with days in
    the user's `zone`. The plainly past phrase first: "Last week I booked a trip for this summer."
    tells of last week, not of the summer its other phrase names; else a plainly later one
    ("tomorrow", "nästa vecka")."""
    try:
        now = datetime.fromtimestamp(said_at, zone)
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        said_on = day.timestamp()
    except (ValueError, OverflowError, OSError):  # a time at the ends of what a date can hold
        return None
    # "Last night we went to a jazz concert", told this morning: the night, as a question of it asks
    # (a black-box pass: told as all of yesterday, it was wider than the night asked of, and left out).
    # A habit's weekday is no day it tells of: "on Tuesday evenings" is every Tuesday.
    lowered = _HABIT_DAY.sub(lambda found: found.group() if _coming(found) else " ", text.lower())
    if (night := _LAST_NIGHT.search(lowered)) is not None and not night.group().endswith("natt") \
            and (window := parse_time_window(night.group(), now)) is not None and window[1] <= said_at:
        return window
    # "Yesterday morning I fixed the sink" likewise: the morning (told as all of yesterday, it was wider
    # than "What did I do yesterday morning?" asks of, and left out: a black-box pass).
    if (part := _YESTERDAY_PART.search(lowered)) is not None \
            and (window := parse_time_window(part.group(), now)) is not None and window[1] <= said_at:
        return window
    for phrase in _TOLD_PAST.finditer(lowered):
        # Told, "last night" is yesterday evening (asked, it also reaches into today).
        try:
            window = parse_time_window(_TOLD_LAST_NIGHT.sub("yesterday", phrase.group()), now)
        except (ValueError, OverflowError, OSError):
            continue
        # In calendar days: October in Stockholm is 31 days and an hour.
        if window is not None and window[1] <= said_on and window[1] - window[0] <= MAX_TOLD_DAYS * 86_400 + 3600:
            return window
    if (told := _told_before(lowered, now)) is not None and told[1] <= said_on:
        return told
    # "This morning I walked the dog", told in the afternoon; "Tonight I'm going to the cinema", told
    # in the morning (a black-box pass: "Vad gjorde jag i kväll?" found neither).
    part = _DAY_PART.search(lowered)
    hours = _part_of(day, part) if part else None
    if hours is not None and _PAST_FORM.search(lowered) and hours[1] <= said_at:
        return hours
    try:
        ahead = _told_ahead(lowered, day)
    except (ValueError, OverflowError, OSError):
        return None
    # A later day first: "I can't sleep tonight, tomorrow I have my driving test" (a review), "Dentist this
    # morning, next appointment on 9 June" (another).
    if ahead is None and hours is not None and said_at < hours[0] and not _PAST_FORM.search(lowered) \
            and (_SCHEDULED.search(lowered) or _SCHEDULED_SV.search(lowered)):
        return hours
    # Else a part of the day over when it was said is told of, however said: "Parkrun this morning in 26:58, a new
    # PB!", said at noon (a black-box pass: no verb, no past form).
    if ahead is None and hours is not None and hours[1] <= said_at:
        return hours
    # "jobbar dag hela veckan", "I work days all week": this week, not every week (a black-box pass: a note of two
    # months ago was given for this Saturday).
    if ahead is None and (week := _THIS_WEEK_SAID.search(lowered)) is not None \
            and not _WEEK_OF_ANOTHER.search(lowered) and not re.search(_MONTH_NAME, lowered) \
            and not (week.group() == "i veckan" and _PER_WEEK.search(lowered, 0, week.start())):
        # "tre gånger i veckan" is every week. Said at the weekend of what is to come, the week that begins: "Jobbar
        # natt hela veckan" on a Sunday evening (a review); of what was, or "this week" itself, the week ending
        # ("I've been ill all week": a recheck).
        coming = day.weekday() >= 5 and not _PAST_FORM.search(lowered) \
            and not re.search(r"\b(?:" + _THIS_WEEK_NAMED + r")\b", lowered)
        monday = day - timedelta(days=day.weekday()) + timedelta(days=7 if coming else 0)
        return _days(monday, 7)
    return ahead


# A weekday of a habit: "Every Tuesday I play padel", "On Sundays I usually call my mom", "Varje
# tisdag spelar jag padel", "På söndagar ringer jag mamma" (not "used to": a habit that was).
_SV_DAY_STEMS = [day.removesuffix("s") for day in list(WEEKDAYS)[7:]]
# A week's days are no habit: "Working late Monday and Tuesday evenings this week" (a review).
_THIS_WEEK = r"(?!\s+(?:this|next|last) week|\s+(?:den här|nästa|förra) veckan)"
_HABIT_DAY = re.compile(r"\b(?:every|each)(?:\s+(?:other|second))?\s+(?P<day>" + _EN_DAYS + r")\b"
                        r"|\b(?:on|every)\s+(?P<days>" + _EN_DAYS + r")s\b"
                        # "on Tuesday evenings", "på tisdagskvällarna" (a black-box pass: "I started a pottery
                        # course on Tuesday evenings", said on a Tuesday, was told of the Tuesday before).
                        r"|\bon\s+(?P<parts>" + _EN_DAYS + r")\s+(?:mornings|afternoons|evenings|nights)\b"
                        + _THIS_WEEK +
                        r"|\b(?:på\s+)?(?P<dagdelar>" + "|".join(_SV_DAY_STEMS) + r")s(?:kvällar|morgnar|förmiddagar|"
                        r"eftermiddagar|nätter)(?:na)?\b"
                        r"|\b(?:varje|varannan|alla|på)\s+(?P<dag>" + "|".join(_SV_DAY_STEMS) + r")(?:ar(?:na)?)?\b"
                        # Moved to another weekday: "Elsas simning är flyttad till onsdagar", "Padel is moved to
                        # Thursdays" (a black-box pass: no answer to "Har Elsa simning på onsdag?").
                        r"|\b(?:moved|moving|switched|changed|flyttad|flyttat|flyttas|flyttade|bytte|bytt|ändrade|ändrat)\b"
                        r"(?:\s+[\w'’]+){0,4}?\s+"
                        r"(?:to|till)\s+(?:(?P<to_days>" + _EN_DAYS + r")s|(?P<till_dagar>"
                        + "|".join(_SV_DAY_STEMS) + r")ar(?:na)?)\b"
                        # Or now on them: "Switched my Costa shifts, now it's Fridays instead of Sundays" (a recheck).
                        r"|\bnow(?: it's| it is| they're| they are| on)?\s+(?P<now_days>" + _EN_DAYS + r")s\b"
                        r"|\bnu (?:är det |blir det |på )?(?P<nu_dagar>" + "|".join(_SV_DAY_STEMS) + r")ar(?:na)?\b"
                        # A Swedish weekday's plural alone is every one: "alva gympa måndagar 18-19" (a black-box pass).
                        r"|\b(?P<bara_dagar>" + "|".join(_SV_DAY_STEMS) + r")ar\b")
_HABIT_GONE = re.compile(r"\b(?:used to|brukade|no longer|not anymore|inte längre|slutat|stopped|quit|quits|"
                         r"slutar med|slutade med|done with it)\b")
_SV_STEMS = "|".join(_SV_DAY_STEMS)
_AND = r"(?:\s*,\s*(?:and\s+|or\s+|och\s+|eller\s+)?|\s*/\s*|\s*&\s*|\s+(?:and|or|och|o|eller|plus|samt)\s+)"
# The other weekdays of the same habit: "every Tuesday and Friday", "on Mondays, Wednesdays and Fridays", "varje
# tisdag och fredag" (a black-box pass: only the first was a day of the habit). "on"/"på" again only before every
# one of them ("… and on Fridays"): "every Tuesday, and on Friday I'm off" tells of one Friday.
_MORE_DAYS = re.compile(_AND + r"(?:(?:on\s+)?(?P<days>" + _EN_DAYS + r")s|(?P<day>" + _EN_DAYS + r")"
                        r"|(?:på\s+)?(?P<dagar>" + _SV_STEMS + r")ar(?:na)?|(?P<dag>" + _SV_STEMS + r"))\b")
# Weekdays listed before a part of the day they share: "my runs are now Monday and Saturday mornings".
_LISTED_PARTS = re.compile(r"\b(?P<day>" + _EN_DAYS + r")(?=(?:" + _AND + r"(?:" + _EN_DAYS + r"))+\s+"
                           r"(?:mornings|afternoons|evenings|nights)\b" + _THIS_WEEK + ")"
                           # Plural weekdays listed: "I run Tuesdays and Thursdays", "Måndagar och torsdagar har jag
                           # kör".
                           r"|\b(?P<days>" + _EN_DAYS + r")s(?=" + _AND + r"(?:" + _EN_DAYS + r")s\b)"
                           r"|\b(?P<dag>" + _SV_STEMS + r")ar(?=" + _AND + r"(?:" + _SV_STEMS + r")ar\b)")


def gives_up_a_habit(text: str) -> bool:
    """Whether a memory tells of a habit given up: "I stopped playing padel after the move"."""
    return _HABIT_GONE.search(text.lower()) is not None


def _coming(found: re.Match[str]) -> bool:
    """A match of _HABIT_DAY that is no habit: "på fredag" is the coming one ("på fredagar" every one)."""
    said = found.group()
    return bool(found.groupdict().get("dag")) and said.startswith("på") and not said.endswith(("ar", "arna"))


HABITS_KEPT = 65_536  # memories' habit days remembered by their text: a query reads each several times (a few MB)


@lru_cache(maxsize=HABITS_KEPT)
def habit_days(text: str) -> frozenset[int]:
    """The weekdays (Monday 0) a memory tells of a habit on, none of a clause telling it was given up: "Oskar slutar
    med scouter, han vill börja med innebandy på onsdagar istället" is a habit of Wednesdays."""
    days: set[int] = set()
    for sentence in re.findall(r"[^.!?]+[.!?]*", text.lower()):
        # "När öppnar vi på lördagar?" asks (a black-box pass: a habit in /query); "Jag tränar varje måndag, kan du
        # påminna mig?" tells one (a review).
        if sentence.rstrip().endswith("?") and sentence.split(maxsplit=1)[:1] \
                and sentence.split(maxsplit=1)[0].strip("¿¡\"'(") in _ASKS_FIRST:
            continue
        for clause in _CLAUSE.split(sentence):
            if not _HABIT_GONE.search(clause):
                days |= _days_of_habit(clause)
    return frozenset(days)


_ASKS_FIRST = frozenset("""when what where who which how why do does did is are can could will would
    när vad var vem vilka vilken hur varför har är kan ska får finns brukar""".split())
MOVED_FROM_GAP = 12  # characters between a day and the move that follows it, for the day to be the one moved from
_COUNTED = re.compile(r"\b(?:två|tre|fyra|fem|sex|sju|åtta|nio|tio|några|flera|lediga|inte|hatar|gillar|älskar"
                      r"|istället för|i stället för|från|\d+)\s+(?:\w+\s+)?$")


# The groups of _HABIT_DAY, _LISTED_PARTS and _MORE_DAYS that name a weekday: Swedish stems, English names.
_SV_GROUPS = ("dag", "dagar", "dagdelar", "till_dagar", "nu_dagar", "bara_dagar")
_EN_GROUPS = ("day", "days", "parts", "to_days", "now_days")
_MOVED_GROUPS = ("to_days", "till_dagar", "now_days", "nu_dagar")
_PLURAL_GROUPS = ("days", "to_days", "till_dagar", "now_days", "nu_dagar", "bara_dagar")


def _moves(found: re.Match[str]) -> bool:
    return any(found.groupdict().get(name) for name in _MOVED_GROUPS)


def _weekday_of(found: re.Match[str]) -> int:
    """The weekday (Monday 0) a match of a habit's day names."""
    groups = found.groupdict()
    if swedish := next((groups[name] for name in _SV_GROUPS if groups.get(name)), None):
        return WEEKDAYS[swedish + "s"]
    return WEEKDAYS[next(groups[name] for name in _EN_GROUPS if groups.get(name))]


# Where a new clause begins: a sentence's end, or a comma before its own subject.
_CLAUSE = re.compile(r"[.;!?]+\s*|,\s*(?=(?:han|hon|vi|jag|de|he|she|we|i|they|but|men|so|så)\b)")


def _days_of_habit(lowered: str) -> set[int]:
    days: set[int] = set()
    moved_to: set[int] = set()
    moved_from: set[int] = set()  # the days right before a move, or after "instead of"
    matches = sorted((*_HABIT_DAY.finditer(lowered), *_LISTED_PARTS.finditer(lowered)), key=lambda m: m.start())
    moves = [m.start() for m in matches if _moves(m)]
    for found in matches:
        if _coming(found):
            continue
        groups = found.groupdict()
        if groups.get("bara_dagar") and _COUNTED.search(lowered, max(0, found.start() - 24), found.start()):
            continue  # "två lediga lördagar kvar", "Jag hatar måndagar", "instead of Thursdays"
        # "simning på torsdagar flyttas till fredagar": Thursday is over.
        into = moved_to if _moves(found) else moved_from if any(
            0 <= at - found.end() <= MOVED_FROM_GAP and not re.search(r",| and | och ", lowered[found.end():at])
            for at in moves) else days
        into.add(_weekday_of(found))
        # Plural days go on as plural days: "yoga on Mondays, Friday is my deadline", "simning på tisdagar och fredag
        # ska hon till tandläkaren" tell of one Friday (a review).
        plural = any(groups.get(name) for name in _PLURAL_GROUPS) or found.group().endswith(("ar", "arna", "days"))
        end = found.end()
        while (more := _MORE_DAYS.match(lowered, end)) is not None \
                and not (plural and (more.group("day") or more.group("dag"))):
            into.add(_weekday_of(more))
            end = more.end()
    # Moved to other days, those days and not the ones moved from: "simning på torsdagar flyttas till fredagar" is a
    # Friday habit (a black-box pass); "Yoga on Mondays, and piano moved to Thursdays" one of both (a review).
    return days | moved_to
