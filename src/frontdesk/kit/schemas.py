"""Base classes for request and response bodies."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from frontdesk.errors import ValidationFailed

# Text the databases cannot store: NUL (PostgreSQL refuses it in text and JSON) and lone
# surrogates (not Unicode text at all, so no UTF-8 to store), both reachable through JSON escapes.
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
NOT_TEXT = "must be text without NUL characters or lone surrogates"
# Deeper JSON cannot be stored and read back (serialisers stop at a few hundred levels); no field
# needs more than a few.
MAX_DEPTH = 32


class Schema(BaseModel):
    """A response body, read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class Input(BaseModel):
    """A request body: unknown fields are refused so a typo is a 400, not a silent no-op.
    Strings, nested ones and object keys included, must be storable text."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        if _deeper_than(value, MAX_DEPTH):
            raise PydanticCustomError(
                "too_deep",
                "must not nest objects and lists more than {depth} levels deep",
                {"depth": MAX_DEPTH},
            )
        found = _unstorable(value, ())
        if found is not None:
            where = f" (at {'.'.join(found)})" if found else ""
            raise PydanticCustomError(
                "unstorable_text",
                NOT_TEXT + "{where}",
                {"where": where},
            )
        return value


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether `value` nests objects and lists more than `limit` levels (without recursion, so
    any depth the JSON parser accepted is measured)."""
    level: list[Any] = [value]
    for _ in range(limit + 1):
        nested: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                nested.extend(v for v in item.values() if isinstance(v, dict | list))
            elif isinstance(item, list | tuple):
                nested.extend(v for v in item if isinstance(v, dict | list))
        if not nested:
            return False
        level = nested
    return True


def _unstorable(value: Any, path: tuple[str, ...]) -> tuple[str, ...] | None:
    """The path in `value` of the first string (or object key) that is not storable text."""
    if isinstance(value, str):
        return path if _NOT_TEXT.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _NOT_TEXT.search(key):
                return path
            found = _unstorable(item, (*path, str(key)))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = _unstorable(item, (*path, str(index)))
            if found is not None:
                return found
    return None


def storable_text(value: str | None, field: str) -> str | None:
    """`value`, or a 400 naming `field` when it is not storable text (for the form fields and
    file names of uploads, which no `Input` reads)."""
    if value is not None and _NOT_TEXT.search(value):
        raise ValidationFailed(f"Invalid request: check {field}", details={field: NOT_TEXT})
    return value
