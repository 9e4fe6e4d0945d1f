"""The delivery job: one attempt per run, retried on the webhook schedule (1 m, 5 m, 30 m, 2 h,
24 h). A slow receiver holds at most `FRONTDESK_WEBHOOK_ENDPOINT_CONCURRENCY` requests of a
worker at a time; its other deliveries step aside for a moment and free the worker's slots."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

from frontdesk.jobs.registry import WEBHOOK_RETRY, Defer, JobContext, job_handler
from frontdesk.webhooks import delivery as delivery_service
from frontdesk.webhooks.service import DELIVER_JOB

_SLOTS_KEY = "webhook_endpoint_slots"
SLOT_WAIT_SECONDS = 0.5


def _slot(ctx: JobContext, endpoint_id: str) -> asyncio.Semaphore:
    slots: dict[str, asyncio.Semaphore] = ctx.services.setdefault(_SLOTS_KEY, {})
    semaphore = slots.get(endpoint_id)
    if semaphore is None:
        semaphore = slots[endpoint_id] = asyncio.Semaphore(
            ctx.settings.webhook_endpoint_concurrency
        )
    return semaphore


@job_handler(DELIVER_JOB, retry=WEBHOOK_RETRY, timeout=120)
async def deliver(ctx: JobContext, payload: dict[str, Any]) -> None:
    semaphore = _slot(ctx, payload.get("webhook_id", ""))
    try:
        await asyncio.wait_for(semaphore.acquire(), SLOT_WAIT_SECONDS)
    except TimeoutError:
        raise Defer(1.0 + random.random()) from None
    try:
        result = await delivery_service.attempt(
            ctx.sessionmaker,
            ctx.http,
            ctx.settings,
            uuid.UUID(payload["delivery_id"]),
            WEBHOOK_RETRY.delay_after(ctx.attempt),
            ctx.now(),
        )
    finally:
        semaphore.release()
    if result is not None and not result.delivered and not result.permanent:
        raise delivery_service.DeliveryFailed(result.error or "delivery failed")
