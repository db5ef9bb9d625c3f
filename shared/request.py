"""What every request Lumia takes has in common, over HTTP and on the bus."""

from functools import cache
from types import NoneType
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, model_validator


@cache
def _null_means_default(model: type[BaseModel]) -> frozenset[str]:
    """The fields with a default that do not take null themselves (`n_results`, `answer`, `tools`)."""
    return frozenset(name for name, field in model.model_fields.items()
                     if not field.is_required() and NoneType not in (field.annotation, *get_args(field.annotation)))


def _nullable_in_schema(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """The JSON schema (OpenAPI, AsyncAPI) says what validation takes: null for those fields too."""
    properties = schema.get("properties", {})
    for name in _null_means_default(model) & properties.keys():
        field = properties[name]
        kept = {key: field.pop(key) for key in ("title", "description", "default") if key in field}
        properties[name] = {"anyOf": [field, {"type": "null"}], **kept}


class Request(BaseModel):
    """A field the request does not know is refused, naming it: a misspelt `wher` was dropped, and
    the answer was about something other than what was asked. Null is a field left out, its default:
    `"n_results": null` was a 422 where `"where": null` was taken (a black-box pass), and a client
    writes null for "not set"."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_nullable_in_schema)

    @model_validator(mode="before")
    @classmethod
    def _null_is_left_out(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        defaulted = _null_means_default(cls)
        return {key: value for key, value in data.items() if value is not None or key not in defaulted}
