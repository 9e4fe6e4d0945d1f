"""Base classes for request and response bodies."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """A response body, read from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class Input(BaseModel):
    """A request body: unknown fields are refused so a typo is a 400, not a silent no-op."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
