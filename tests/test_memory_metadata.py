"""What a memory's metadata may hold, checked where the gateway and the bus read it (shared/memory/messages.py)."""

import pytest
from pydantic import ValidationError

from shared.memory.messages import MemoryItem


@pytest.mark.parametrize(("value", "kind"), [({"a": 1}, "an object"), ([1, 2], "a list"), (None, "null")])
def test_a_value_that_is_not_flat_is_one_error_naming_its_key(value: object, kind: str) -> None:
    """Found by a black-box pass: a nested object got four errors (not a string, an integer, a number,
    a boolean) for one mistake."""
    with pytest.raises(ValidationError) as refused:
        MemoryItem.model_validate({"id": "memory-1", "brain": "b", "content": "hi", "created_at": 1.0e9,
                                 "metadata": {"place": value}})
    [error] = refused.value.errors()
    assert error["loc"] == ("metadata",)
    assert error["msg"].endswith(f"key 'place' holds {kind}: values are strings, numbers or booleans (flat)")


@pytest.mark.parametrize("speaker", [5, 1.5, True])
def test_a_speaker_is_a_name(speaker: object) -> None:
    """Found by a black-box pass: `speaker: 5` was stored, and then read as no one everywhere."""
    with pytest.raises(ValidationError) as refused:
        MemoryItem.model_validate({"id": "memory-1", "brain": "b", "content": "hi", "created_at": 1.0e9,
                                   "metadata": {"speaker": speaker}})
    [error] = refused.value.errors()
    assert error["loc"] == ("metadata",) and "'speaker' names who said it" in error["msg"]
    named = MemoryItem(id="memory-1", brain="b", content="hi", created_at=1.0e9, metadata={"speaker": "Maria"})
    assert named.metadata == {"speaker": "Maria"}


def test_flat_values_of_every_kind_are_kept() -> None:
    metadata = {"topic": "work", "count": 3, "weight": 0.5, "done": True}
    assert MemoryItem(id="memory-1", brain="b", content="hi", created_at=1.0e9, metadata=metadata).metadata == metadata


@pytest.mark.parametrize(("brain", "problem"), [
    ("usr_x/", "after 'usr_x/' must contain text"),
    ("usr_x/a/b", "after 'usr_x/' must not contain '/'"),
    ("usr_x/a\\b", "must not contain '/' or '\\'"),
    ("usr_x/..", "must not be only dots"),
    ("usr_x/clear", "'clear' and 'stats' are reserved"),
    ("usr_x/" + "é" * 129, "at most 128 characters"),
    ("/work", "the user id before '/'"),
    ("stats", "reserved"),
    ("\u200b\u200b", "not only whitespace or invisible characters"),
    ("usr_x/rtl\u202eevil", "direction marks"),
    ("\ufeffbom", "byte order mark"),
    # A black-box pass: an id pasted with a zero-width character made a second brain that shows as "crm".
    ("crm\u200b", "zero-width"), ("c\u200drm", "zero-width"), ("crm\u2060", "zero-width"), ("crm\u00ad", "soft-hyphen"),
])
def test_a_bus_brain_is_one_its_user_can_name_over_http(brain: str, problem: str) -> None:
    """Found by a black-box pass: memories published on the bus to "usr_…/a/b", "usr_…/.." or "usr_…/"
    were stored and listed to their user, who could neither read nor forget them over HTTP."""
    with pytest.raises(ValidationError) as refused:
        MemoryItem.model_validate({"id": "memory-1", "brain": brain, "content": "hi", "created_at": 1.0e9})
    assert problem in str(refused.value)


@pytest.mark.parametrize("brain", ["usr_x/work", "usr_x/usr_x", "anna@home", "kökbok", "usr_x/min hjärna",
                                   "familj👨\u200d👩\u200d👧"])  # joined emoji: a zero-width joiner among letters
def test_bus_brains_as_the_gateway_names_them_pass(brain: str) -> None:
    assert MemoryItem.model_validate({"id": "memory-1", "brain": brain, "content": "hi", "created_at": 1.0e9}).brain \
        == brain
