"""Calling hours in a time zone: whether a moment is inside them, and when they next open.
Local wall-clock times go through zoneinfo, so daylight-saving changes are honoured (a window
starting in a skipped hour opens at the first valid moment after it)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

ALWAYS: dict[str, Any] = {"start": "00:00", "end": "24:00", "days": [1, 2, 3, 4, 5, 6, 7]}


def _clock(value: str) -> time:
    hours, minutes = (int(part) for part in value.split(":"))
    return time(23, 59, 59, 999999) if hours == 24 else time(hours, minutes)


def is_open(hours: dict[str, Any] | None, zone: str, now: datetime) -> bool:
    window = hours or ALWAYS
    local = now.astimezone(ZoneInfo(zone))
    if local.isoweekday() not in window["days"]:
        return False
    return _clock(window["start"]) <= local.time() < _clock(window["end"])


def _exists(moment: datetime) -> bool:
    return moment.astimezone(UTC).astimezone(moment.tzinfo).replace(tzinfo=None) == (
        moment.replace(tzinfo=None)
    )


def _local(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of a local wall-clock time. A time skipped by a daylight-saving change
    becomes the first moment after the gap (02:30 on a day that jumps from 02:00 to 03:00 is
    03:00)."""
    candidate = datetime.combine(day, at, tzinfo=zone)
    for _ in range(180):  # gaps are an hour, rarely two
        if _exists(candidate):
            break
        candidate = (candidate + timedelta(minutes=1)).replace(second=0, microsecond=0)
    return candidate.astimezone(UTC)


def next_opening(hours: dict[str, Any] | None, zone: str, now: datetime) -> datetime | None:
    """When calling hours next open after `now` (None when they are open now)."""
    if is_open(hours, zone, now):
        return None
    window = hours or ALWAYS
    tz = ZoneInfo(zone)
    today = now.astimezone(tz).date()
    start = _clock(window["start"])
    for offset in range(8):
        day = today + timedelta(days=offset)
        if day.isoweekday() not in window["days"]:
            continue
        opening = _local(day, start, tz)
        if opening > now:
            return opening
    return None
