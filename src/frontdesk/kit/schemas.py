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
        too_deep, found = _inspect(value, MAX_DEPTH)
        if too_deep:
            raise PydanticCustomError(
                "too_deep",
                "must not nest objects and lists more than {depth} levels deep",
                {"depth": MAX_DEPTH},
            )
        if found is not None:
            where = f" (at {'.'.join(found)})" if found else ""
            raise PydanticCustomError(
                "unstorable_text",
                NOT_TEXT + "{where}",
                {"where": where},
            )
        return value


def _inspect(value: Any, limit: int) -> tuple[bool, tuple[str, ...] | None]:
    """In one walk (without recursion, so any depth the JSON parser accepted is measured):
    whether `value` nests objects and lists more than `limit` levels, and the path of the first
    string (or object key) that is not storable text."""
    found: tuple[str, ...] | None = None
    stack: list[tuple[Any, tuple[str, ...], int]] = [(value, (), 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            if found is None and _NOT_TEXT.search(item):
                found = path
            continue
        if isinstance(item, dict):
            if depth > limit:
                return True, found
            children: list[tuple[Any, tuple[str, ...], int]] = []
            for key, child in item.items():
                children.append((key, path, depth))  # a bad key is reported at its object
                children.append((child, (*path, str(key)), depth + 1))
            stack.extend(reversed(children))
        elif isinstance(item, list | tuple):
            if depth > limit:
                return True, found
            stack.extend(
                (child, (*path, str(i)), depth + 1) for i, child in reversed(list(enumerate(item)))
            )
    return False, found


def storable_text(value: str | None, field: str) -> str | None:
    """`value`, or a 400 naming `field` when it is not storable text (for the form fields and
    file names of uploads, which no `Input` reads)."""
    if value is not None and _NOT_TEXT.search(value):
        raise ValidationFailed(f"Invalid request: check {field}", details={field: NOT_TEXT})
    return value
