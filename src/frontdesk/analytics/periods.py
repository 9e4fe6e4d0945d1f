"""The period an analytics request covers: whole days in the workspace's time zone, as UTC
bounds for SQL, and the day buckets of its series (each day's own UTC bounds, so a day of a
daylight-saving change is 23 or 25 hours long, as it is on the wall clock)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from frontdesk.errors import ValidationFailed

MAX_DAYS = 120
DEFAULT_DAYS = 7
# Days a request may name: the arithmetic on a period (the one before it, the day after it,
# time zones) stays within what `date` and `datetime` hold.
EARLIEST = date(1970, 1, 1)
LATEST = date(9999, 1, 1)


@dataclass(frozen=True)
class Period:
    start: date  # first day, inclusive
    end: date  # last day, inclusive
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def instant(self, day: date) -> datetime:
        """When `day` begins in the workspace's zone, in UTC."""
        return datetime.combine(day, time(0), self.zone).astimezone(UTC)

    @property
    def since(self) -> datetime:
        return self.instant(self.start)

    @property
    def until(self) -> datetime:
        return self.instant(self.end + timedelta(days=1))

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def buckets(self, group_by: str = "day") -> list[tuple[date, datetime, datetime]]:
        """(label, UTC start, UTC end) per day, or per week (weeks begin on Monday; the first
        and last are cut to the period)."""
        if group_by == "week":
            labels: list[date] = []
            for day in self.days:
                monday = day - timedelta(days=day.weekday())
                if not labels or labels[-1] != monday:
                    labels.append(monday)
            out = []
            for monday in labels:
                first = max(monday, self.start)
                last = min(monday + timedelta(days=6), self.end)
                out.append((monday, self.instant(first), self.instant(last + timedelta(days=1))))
            return out
        return [(d, self.instant(d), self.instant(d + timedelta(days=1))) for d in self.days]

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        length = (self.end - self.start).days + 1
        return Period(
            self.start - timedelta(days=length), self.start - timedelta(days=1), self.timezone
        )


def period(
    start_date: date | None, end_date: date | None, timezone: str, today: date | None = None
) -> Period:
    """The requested days (default: the last 7 up to today), or 400 naming what is wrong."""
    for name, day in (("start_date", start_date), ("end_date", end_date)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ValidationFailed(
                f"{name} {day} is out of range",
                details={name: f"must be between {EARLIEST} and {LATEST}"},
            )
    zone = ZoneInfo(timezone)
    today = today or datetime.now(zone).date()
    end = end_date or today
    start = start_date or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationFailed(
            f"start_date {start} is after end_date {end}",
            details={"start_date": "must be on or before end_date"},
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            f"The range has {(end - start).days + 1} days; at most {MAX_DAYS}",
            details={"end_date": f"at most {MAX_DAYS} days after start_date"},
        )
    return Period(start, end, timezone)
