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


def test_flat_values_of_every_kind_are_kept() -> None:
    metadata = {"topic": "work", "count": 3, "weight": 0.5, "done": True}
    assert MemoryItem(id="memory-1", brain="b", content="hi", created_at=1.0e9, metadata=metadata).metadata == metadata
