"""The built-in calendar of `real_time_booking` actions: free slots from the action's availability
rules in its time zone, and bookings that the database keeps from overlapping.

Slots lie on a grid: from each day's opening time, one every `duration_minutes`, in the
calendar's own time zone (zoneinfo: a day that changes to or from daylight saving time keeps its
wall-clock hours). A booking takes one slot; a unique index on (calendar, start) of confirmed
bookings refuses a second booking of the same slot, also when two conversations race for it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.actions.models import Action, Booking
from frontdesk.crm import contacts as contact_service
from frontdesk.crm import gdpr
from frontdesk.crm.models import Contact
from frontdesk.events import service as event_service

OFFERED = 5  # free slots offered at a time


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    days: tuple[int, ...]  # ISO weekdays, 1 = Monday
    opens: time
    closes: time
    duration: timedelta
    days_ahead: int

    @classmethod
    def of(cls, action: Action) -> Calendar:
        config = action.config
        availability = config.get("availability") or {}
        return cls(
            zone=ZoneInfo(config.get("timezone") or "UTC"),
            days=tuple(availability.get("days") or (1, 2, 3, 4, 5)),
            opens=time.fromisoformat(availability.get("start", "09:00")),
            closes=time.fromisoformat(availability.get("end", "17:00")),
            duration=timedelta(minutes=int(config.get("duration_minutes", 30))),
            days_ahead=int(config.get("days_ahead", 14)),
        )

    def day_slots(self, day: date) -> list[datetime]:
        """A day's slots as UTC moments (local wall-clock grid, skipped times left out)."""
        if day.isoweekday() not in self.days:
            return []
        slots = []
        local = datetime.combine(day, self.opens)
        end = datetime.combine(day, self.closes)
        while local + self.duration <= end:
            aware = local.replace(tzinfo=self.zone)
            moment = aware.astimezone(UTC)
            # A time that does not exist (the hour skipped by a DST change) is not a slot.
            if moment.astimezone(self.zone).replace(tzinfo=None) == local:
                slots.append(moment)
            local += self.duration
        return slots

    def slots(self, now: datetime, day: date | None = None) -> list[datetime]:
        today = now.astimezone(self.zone).date()
        days = (
            [day]
            if day is not None
            else [today + timedelta(days=n) for n in range(self.days_ahead)]
        )
        return [s for d in days for s in self.day_slots(d) if s > now]

    def local(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%A %Y-%m-%d %H:%M")


async def _taken(session: AsyncSession, action: Action, slots: list[datetime]) -> set[datetime]:
    if not slots:
        return set()
    rows = await session.scalars(
        select(Booking.starts_at).where(
            Booking.action_id == action.id,
            Booking.status == "confirmed",
            Booking.starts_at >= slots[0],
            Booking.starts_at <= slots[-1],
        )
    )
    return set(rows.all())


async def free_slots(
    session: AsyncSession, action: Action, now: datetime, day: date | None = None
) -> list[datetime]:
    calendar = Calendar.of(action)
    slots = calendar.slots(now, day)
    taken = await _taken(session, action, slots)
    return [s for s in slots if s not in taken][:OFFERED]


def parse_start(text: str, calendar: Calendar) -> datetime | None:
    """A moment named by the model or a person: ISO with an offset, or local 'YYYY-MM-DD HH:MM'."""
    try:
        parsed = datetime.fromisoformat(text.strip().replace(" ", "T", 1))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=calendar.zone)
    return parsed.astimezone(UTC)


@dataclass
class Outcome:
    ok: bool
    result: dict[str, Any]
    error: str | None = None


async def offer(session: AsyncSession, action: Action, now: datetime, day: date | None) -> Outcome:
    calendar = Calendar.of(action)
    slots = await free_slots(session, action, now, day)
    return Outcome(
        True,
        {
            "timezone": str(calendar.zone),
            "free_slots": [calendar.local(s) for s in slots],
            "duration_minutes": int(calendar.duration.total_seconds() // 60),
        },
    )


async def book(
    session: AsyncSession,
    action: Action,
    start_text: str,
    now: datetime,
    contact: Contact | None,
    conversation_id: uuid.UUID | None,
    title: str | None = None,
) -> Outcome:
    """Book the slot starting at `start_text`; a slot that is not free is refused with the
    free ones of that day."""
    calendar = Calendar.of(action)
    start = parse_start(start_text, calendar)
    if start is None:
        return Outcome(False, {}, f"'{start_text}' is not a date and time like 2026-03-02 10:30")
    day = start.astimezone(calendar.zone).date()
    if start not in calendar.day_slots(day) or start <= now:
        alternatives = await offer(session, action, now, day)
        return Outcome(False, alternatives.result, f"{calendar.local(start)} is not a free slot")
    booking = Booking(
        workspace_id=action.workspace_id,
        action_id=action.id,
        contact_id=contact.id if contact else None,
        conversation_id=conversation_id,
        starts_at=start,
        ends_at=start + calendar.duration,
        timezone=str(calendar.zone),
        title=title or action.name,
        status="confirmed",
    )
    try:
        async with session.begin_nested():
            session.add(booking)
            await session.flush()
    except IntegrityError:
        alternatives = await offer(session, action, now, day)
        return Outcome(
            False,
            alternatives.result,
            f"{calendar.local(start)} has just been booked by someone else",
        )
    await _announce(session, booking, contact)
    return Outcome(
        True,
        {
            "booking_id": str(booking.id),
            "starts_at": calendar.local(start),
            "timezone": str(calendar.zone),
            "duration_minutes": int(calendar.duration.total_seconds() // 60),
        },
    )


async def _announce(session: AsyncSession, booking: Booking, contact: Contact | None) -> None:
    """`meeting.booked`, through the contact's lead status when it changes to `booked`."""
    data = {
        "booking_id": str(booking.id),
        "action_id": str(booking.action_id),
        "starts_at": booking.starts_at.isoformat().replace("+00:00", "Z"),
        "ends_at": booking.ends_at.isoformat().replace("+00:00", "Z"),
        "timezone": booking.timezone,
        "contact_id": str(contact.id) if contact else None,
    }
    if contact is not None and contact.lead_status != "booked":
        previous, contact.lead_status = contact.lead_status, "booked"
        await session.flush()
        await event_service.emit(
            session,
            contact.workspace_id,
            "lead.status_changed",
            {**contact_service.event_data(contact), "previous_status": previous},
            contact_id=contact.id,
        )
    await event_service.emit(
        session,
        booking.workspace_id,
        "meeting.booked",
        {**data, "contact": contact_service.event_data(contact) if contact else None},
        contact_id=contact.id if contact else None,
    )


async def contact_exporter(session: AsyncSession, contact: Contact) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Booking).where(Booking.contact_id == contact.id).order_by(Booking.starts_at)
    )
    return [
        {
            "id": str(b.id),
            "action_id": str(b.action_id),
            "starts_at": b.starts_at.isoformat(),
            "ends_at": b.ends_at.isoformat(),
            "timezone": b.timezone,
            "title": b.title,
            "status": b.status,
        }
        for b in rows.all()
    ]


gdpr.register_contact_table("bookings")
gdpr.register_exporter("bookings", contact_exporter)
