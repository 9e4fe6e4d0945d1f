"""Times: ISO 8601 in and out; a time given without an offset is taken as UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator


def _as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


UTCTime = Annotated[datetime, AfterValidator(_as_utc)]
