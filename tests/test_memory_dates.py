"""How a memory's `metadata.timestamp` is read (gateway/dates.py): every form the README names, and
a clear refusal, saying what is wrong, for a date that names no day."""

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from gateway.dates import DateProblem, read_time

STOCKHOLM = ZoneInfo("Europe/Stockholm")
SATURDAY = datetime(2026, 3, 14, tzinfo=STOCKHOLM)  # 14 March 2026 is a Saturday


@pytest.mark.parametrize(("written", "expected"), [
    ("1773446400", datetime(2026, 3, 14, tzinfo=UTC)),
    ("20260314", SATURDAY),
    ("2026-03-14T09:30:00+00:00", datetime(2026, 3, 14, 9, 30, tzinfo=UTC)),
    ("14 March 2026", SATURDAY),
    ("14 mars 2026", SATURDAY),
    ("14 okt 2026", datetime(2026, 10, 14, tzinfo=STOCKHOLM)),
    ("14 okt. 2026", datetime(2026, 10, 14, tzinfo=STOCKHOLM)),
    ("14 Oct. 2026", datetime(2026, 10, 14, tzinfo=STOCKHOLM)),
    ("3 sept. 2026", datetime(2026, 9, 3, tzinfo=STOCKHOLM)),
    ("14 mars 2026 kl. 9.30", SATURDAY.replace(hour=9, minute=30)),
    ("9:30 am on 14 March, 2026", SATURDAY.replace(hour=9, minute=30)),
    # Found by a black-box pass: each of these was a 422.
    ("den 14 mars 2026", SATURDAY),
    ("lördag 14 mars 2026", SATURDAY),
    ("lör den 14 mars 2026", SATURDAY),
    ("Saturday, 14th March 2026", SATURDAY),
    ("14th March 2026", SATURDAY),
    ("March 14th, 2026", SATURDAY),
    ("den 1:a mars 2026", datetime(2026, 3, 1, tzinfo=STOCKHOLM)),
    ("Sat, 14 Mar 2026 09:30:00 +0100", datetime(2026, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1)))),
])
def test_a_written_date_is_read_in_the_users_zone_unless_it_names_one(written: str, expected: datetime) -> None:
    assert read_time(written, STOCKHOLM) == expected.timestamp()


@pytest.mark.parametrize(("written", "problem"), [
    ("2026-02-29", "February 2026 has no day 29: it has 28 days"),
    ("20260229", "February 2026 has no day 29: it has 28 days"),  # a black-box pass: the general message
    ("31 April 2026", "April 2026 has no day 31: it has 30 days"),
    ("30 februari 2026", "February 2026 has no day 30: it has 28 days"),
    ("2026-13-01", "there is no month 13: months are 1-12"),
    ("tisdag 14 mars 2026", "14 March 2026 is a Saturday, not a Tuesday"),
    ("Tue, 14 Mar 2026 09:30:00 +0100", "14 March 2026 is a Saturday, not a Tuesday"),
])
def test_a_date_that_names_no_day_says_what_is_wrong(written: str, problem: str) -> None:
    with pytest.raises(DateProblem) as refused:
        read_time(written, STOCKHOLM)
    assert str(refused.value) == problem


@pytest.mark.parametrize("written", ["2026", "86400", "hello", "Mon", "1 2 3", "2026-03-14T25:00", "14 Smarch 2026"])
def test_what_is_no_date_is_not_read_as_one(written: str) -> None:
    assert read_time(written, STOCKHOLM) is None


def test_a_leap_day_is_a_day() -> None:
    assert read_time("2028-02-29", UTC) == datetime(2028, 2, 29, tzinfo=UTC).timestamp()
