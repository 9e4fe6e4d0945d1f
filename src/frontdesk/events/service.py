"""Domain events: `emit` writes the event and its fan-out job in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.events.models import Event
from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import get_clock

FANOUT_JOB = "events.fanout"
# Set while a workflow's node runs: the events it causes carry its depth, so a workflow whose
# own change fires its trigger again is stopped after a few rounds.
DEPTH: ContextVar[int] = ContextVar("frontdesk_event_depth", default=0)

# Every event type a webhook can subscribe to (`*` subscribes to all).
EVENT_TYPES = (
    "conversation.started",
    "conversation.pending",
    "conversation.updated",
    "message.received",
    "message.sent",
    "message.updated",
    "conversation.ended",
    "call.started",
    "call.ended",
    "call.analyzed",
    "lead.created",
    "lead.status_changed",
    "lead.qualified",
    "meeting.booked",
    "contact.created",
    "deal.stage_changed",
    "campaign.completed",
    "knowledge_source.processed",
    "action.executed",
)

# A subscriber runs inside the fan-out transaction and returns live messages to publish after
# it commits. Notifications register one here; workflows will too.
LiveMessage = dict[str, Any]
Subscriber = Callable[[AsyncSession, Event], Awaitable[list[LiveMessage]]]
_SUBSCRIBERS: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    _SUBSCRIBERS.append(subscriber)
    return subscriber


def subscribers() -> list[Subscriber]:
    return list(_SUBSCRIBERS)


async def emit(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    type: str,
    data: dict[str, Any],
    contact_id: uuid.UUID | None = None,
) -> Event:
    """Record `type` with its data; webhooks, workflows, notifications and the live stream
    receive it once the caller's transaction commits."""
    now = get_clock().now()
    event = Event(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        type=type,
        contact_id=contact_id,
        data=jsonable_encoder(data),
        depth=DEPTH.get(),
        created_at=now,
        updated_at=now,
    )
    session.add(event)
    await session.flush()
    await job_service.enqueue(
        session, FANOUT_JOB, {"event_id": str(event.id)}, workspace_id=workspace_id
    )
    return event


async def emit_many(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    items: list[tuple[str, dict[str, Any], uuid.UUID | None]],
) -> int:
    """`emit` for many events at once (bulk imports): one insert for the events, one for their
    fan-out jobs. Items are (type, data, contact_id)."""
    if not items:
        return 0
    now = get_clock().now()
    events = [
        {
            "id": uuid.uuid4(),
            "workspace_id": workspace_id,
            "type": type_,
            "contact_id": contact_id,
            "data": jsonable_encoder(data),
            "depth": DEPTH.get(),
            "created_at": now,
            "updated_at": now,
        }
        for type_, data, contact_id in items
    ]
    await session.execute(insert(Event), events)
    await job_service.enqueue_many(
        session,
        FANOUT_JOB,
        [{"event_id": str(e["id"])} for e in events],
        workspace_id=workspace_id,
    )
    return len(events)


def envelope(event: Event) -> dict[str, Any]:
    """The public shape of an event: webhook bodies and live messages."""
    return {
        "id": str(event.id),
        "event": event.type,
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": event.data,
    }
