"""Partial updates of nested settings objects: a JSON merge patch (RFC 7396) applied to the stored
object, then the result validated as a whole against the same schema as at creation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from frontdesk.errors import ValidationFailed

SettingsModel = TypeVar("SettingsModel", bound=BaseModel)


def merge_patch(current: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """`current` with a JSON merge patch (RFC 7396) applied: a key set to null is removed, an
    object is merged key by key, any other value replaces."""
    merged = dict(current)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict):
            below = merged.get(key)
            merged[key] = merge_patch(below if isinstance(below, dict) else {}, value)
        else:
            merged[key] = value
    return merged


def patched(
    model: type[SettingsModel],
    field: str,
    current: Mapping[str, Any] | None,
    patch: Mapping[str, Any],
) -> SettingsModel:
    """A settings object (`field`, e.g. an agent's `llm`) with `patch` merged in, validated whole:
    a 400 names the key (`llm.temperature`) when the merged object is invalid. A removed key takes
    its default."""
    known = {k: v for k, v in (current or {}).items() if k in model.model_fields}
    try:
        return model.model_validate(merge_patch(known, patch))
    except ValidationError as exc:
        details: dict[str, str] = {}
        for error in exc.errors():
            details.setdefault(".".join([field, *map(str, error["loc"])]), error["msg"])
        raise ValidationFailed(
            f"Invalid request: check {', '.join(sorted(details))}", details=details
        ) from None
