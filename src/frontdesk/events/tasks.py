"""The fan-out job: an event reaches webhooks, subscribers (notifications, workflows) and the
live stream. Every step is safe to repeat, so a retried fan-out duplicates nothing durable."""

from __future__ import annotations

import uuid
from typing import Any

import structlog

from frontdesk.events import service as event_service
from frontdesk.events.live import LiveBroker
from frontdesk.events.models import Event
from frontdesk.jobs.registry import JobContext, RetryPolicy, job_handler
from frontdesk.webhooks import service as webhook_service

log = structlog.get_logger("frontdesk.events")


@job_handler(event_service.FANOUT_JOB, retry=RetryPolicy((5, 30, 120, 600, 3600)), timeout=60)
async def fan_out(ctx: JobContext, payload: dict[str, Any]) -> None:
    live: list[dict[str, Any]] = []
    async with ctx.sessionmaker() as session:
        event = await session.get(Event, uuid.UUID(payload["event_id"]))
        if event is None:
            return  # its workspace was deleted
        workspace_id = event.workspace_id
        await webhook_service.create_deliveries(session, event)
        live.append(event_service.envelope(event))
        for subscriber in event_service.subscribers():
            live.extend(await subscriber(session, event))
        await session.commit()
    broker: LiveBroker | None = ctx.services.get("broker")
    if broker is not None:
        for message in live:
            await broker.publish(workspace_id, message)
