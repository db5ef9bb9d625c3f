"""What a thread's follow-up is searched for in memory as (shared/memory/follow_ups.py)."""

from datetime import UTC, datetime

import pytest

from shared.memory.follow_ups import searched_as
from shared.memory.timewindow import parse_time_window

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)  # a Saturday


@pytest.mark.parametrize(("before", "message", "day"), [
    ("What did I do on 26 November?", "And the next day?", 27),
    ("What did I do on Friday 27 November?", "And the day after?", 28),
    ("What did I do on 27 November?", "And the day before?", 26),
    ("vad hände i förrgår?", "och igår?", 4),
    ("vad hände i förrgår?", "dagen efter?", 4),
    ("Vad gjorde jag den 1 december?", "Och dagen innan?", 30),
])
def test_a_follow_up_of_another_day_asks_of_that_day(before: str, message: str, day: int) -> None:
    """Found by black-box passes: "och igår?" after "vad hände i förrgår?" and "And the next day?" after a date got
    the day asked of before again."""
    searched = searched_as(before, message, NOW)
    window = parse_time_window(searched, NOW)
    assert window is not None and datetime.fromtimestamp(window[0], UTC).day == day, searched
    assert (" I " in searched) == (" I " in before)  # English "I" is no Swedish "i" to leave out


def test_a_follow_up_is_searched_for_with_the_message_before_it_and_anything_else_alone() -> None:
    assert searched_as("Vem är min chef nu?", "Och vem rapporterar hen till?", NOW) == \
        "Vem är min chef nu? och vem rapporterar hen till?"
    assert searched_as("Where do I live?", "What is my dog called?", NOW) == "What is my dog called?"
    assert searched_as(None, "And before that?", NOW) == "And before that?"


def test_a_follow_up_of_a_follow_up_keeps_the_subject_and_the_day() -> None:
    """Found by a recheck: "Where do we live?", "Since when?", "And before that?" got nothing; a second "And the
    day after?" got today's memories."""
    searched = None
    for message in ("What happened on 2 December?", "And the next day?", "And the day after?"):
        searched = searched_as(searched, message, NOW)
    window = parse_time_window(searched, NOW)
    assert window is not None and datetime.fromtimestamp(window[0], UTC).day == 4
    searched = None
    for message in ("Where do we live?", "Since when?", "And before that?"):
        searched = searched_as(searched, message, NOW)
    assert searched.startswith("Where do we live?")


def test_a_long_message_naming_the_day_before_is_no_follow_up_and_a_month_may_be_a_name() -> None:
    """Found by a review: a whole message was replaced by the day after the one asked of before, and "May" (a
    name) was left out as a month."""
    long = "My sister's wedding is on Saturday and I need to pack the day before. What should I bring?"
    assert searched_as("What did I do yesterday?", long, NOW) == long
    assert searched_as("What did May tell me on 26 November?", "And the next day?", NOW).startswith("What did May")


@pytest.mark.parametrize(("before", "message"), [
    ("Vad vägde jag i slutet av november?", "Och nu?"), ("Where did I live in 2024?", "And now?"),
    ("Who was my manager last spring?", "What about currently?"),
])
def test_a_follow_up_asking_of_now_asks_of_no_time_before(before: str, message: str) -> None:
    """Found by a black-box pass: "Och nu?" after "Vad vägde jag i slutet av november?" got November's weight again,
    not the newest."""
    searched = searched_as(before, message, NOW)
    assert parse_time_window(searched, NOW) is None, searched
    assert message.lower().rstrip("?") in searched.lower()



def test_now_as_a_filler_keeps_the_time_asked_of_before() -> None:
    """Found by a review: "Och vad hette hon nu igen?" after "Vem träffade jag i tisdags?" lost the Tuesday."""
    searched = searched_as("Vem träffade jag i tisdags?", "Och vad hette hon nu igen?", NOW)
    assert parse_time_window(searched, NOW) == parse_time_window("Vem träffade jag i tisdags?", NOW)


def test_a_follow_up_of_another_week_asks_of_that_week() -> None:
    """Found by a black-box pass: "And the week before?" and "Och veckan innan dess?" after "What did I do last
    week?" got last week's memories again."""
    searched, weeks = None, []
    for message in ("What did I do last week?", "And the week before?", "Och veckan innan dess?"):
        searched = searched_as(searched, message, NOW)
        window = parse_time_window(searched, NOW)
        assert window is not None, searched
        weeks.append(datetime.fromtimestamp(window[0], UTC).date().isoformat())
    assert weeks[:2] == ["2026-11-23", "2026-11-16"]  # NOW is Saturday 5 December
    assert weeks[2] < weeks[1]
    assert searched_as("Vad gjorde jag förra veckan?", "Och veckan efter?", NOW) == "Vad gjorde jag den här veckan?"


@pytest.mark.parametrize(("before", "message", "searched"), [
    ("What does Erik do?", "What about Ahmed?", "What does Ahmed do?"),
    ("Vad gör Erik?", "Och Petra?", "Vad gör Petra?"),
    ("When is Erik's birthday?", "And Lisa?", "When is Lisa's birthday?"),
    ("Where does Anna live?", "Hur är det med Lisa?", "Where does Lisa live?"),
])
def test_a_follow_up_naming_another_asks_the_question_before_of_them(before: str, message: str, searched: str) -> None:
    """Found by a black-box pass: "What about Ahmed?" after "What does Erik do?" was searched with Erik's question,
    and got Erik's memories."""
    assert searched_as(before, message, NOW) == searched


def test_a_follow_up_of_another_weekend_asks_of_that_weekend() -> None:
    """Found by a black-box pass: "and the weekend before?" after "what did i do last weekend?" got last weekend's
    memories again."""
    searched = searched_as("what did i do last weekend?", "and the weekend before?", NOW)
    assert searched == "what did i do the weekend before last?"
    window = parse_time_window(searched, NOW)
    assert window is not None and datetime.fromtimestamp(window[0], UTC).date().isoformat() == "2026-11-21"
    assert searched_as("Vad gjorde jag förra helgen?", "Och helgen innan?", NOW) == "Vad gjorde jag förrförra helgen?"


@pytest.mark.parametrize(("before", "message"), [
    ("What did Erik say about the trip?", "Really?"), ("When did Erik move to Oslo?", "What about Stockholm?"),
    ("What did Erik and Lisa buy at IKEA?", "And Ahmed?"),
])
def test_a_follow_up_naming_no_one_else_or_of_a_question_naming_several_keeps_the_question(
        before: str, message: str) -> None:
    """A review: "Really?" took Erik's place, and a second name of the question before was deleted."""
    assert searched_as(before, message, NOW).startswith(before)
