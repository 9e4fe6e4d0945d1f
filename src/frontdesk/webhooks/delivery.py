"""Sending one delivery attempt: sign, POST through the SSRF guard, record what happened."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.kit import signing, ssrf
from frontdesk.settings import Settings
from frontdesk.tenancy.service import secret_box
from frontdesk.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

EXCERPT_BYTES = 2048


class DeliveryFailed(Exception):
    pass


async def _post(
    http: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str], limit_seconds: float
) -> tuple[int, str]:
    async with asyncio.timeout(limit_seconds):
        async with http.stream(
            "POST", url, content=body, headers=headers, timeout=limit_seconds
        ) as response:
            excerpt = b""
            async for chunk in response.aiter_raw():
                excerpt += chunk
                if len(excerpt) >= EXCERPT_BYTES:
                    break
            return response.status_code, excerpt[:EXCERPT_BYTES].decode("utf-8", "replace")


@dataclass(frozen=True)
class Plan:
    """What one attempt sends."""

    delivery_id: uuid.UUID
    url: str
    enabled: bool
    secret: str
    event: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    headers: dict[str, str]
    status_code: int | None
    excerpt: str | None
    duration_ms: float
    error: str | None
    permanent: bool

    @property
    def delivered(self) -> bool:
        return self.error is None


def plan_for(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> Plan:
    return Plan(
        delivery_id=delivery.id,
        url=endpoint.url,
        enabled=endpoint.enabled,
        secret=secret_box().decrypt(endpoint.secret_encrypted),
        event=delivery.event,
        body=json.dumps(delivery.payload, separators=(",", ":")).encode(),
    )


async def send(plan: Plan, http: httpx.AsyncClient, settings: Settings) -> Outcome:
    """POST the signed body; never raises for a failure of the receiver."""
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Frontdesk-Event": plan.event,
        "X-Frontdesk-Delivery": str(plan.delivery_id),
        "X-Frontdesk-Timestamp": timestamp,
    }
    started = time.perf_counter()
    status_code: int | None = None
    excerpt: str | None = None
    error: str | None = None
    permanent = False
    if not plan.enabled:
        error, permanent = "the webhook is disabled", True
    else:
        try:
            await ssrf.check_url(plan.url, settings.allow_private_urls)
            signature = signing.sign(plan.secret, timestamp, plan.body)
            status_code, excerpt = await _post(
                http,
                plan.url,
                plan.body,
                {**headers, "X-Frontdesk-Signature": signature},
                settings.webhook_timeout_seconds,
            )
            if not 200 <= status_code < 300:
                error = f"HTTP {status_code}"
        except ssrf.UnsafeURL as exc:
            error, permanent = f"refused: {exc}", True
        except TimeoutError:
            error = f"timed out after {settings.webhook_timeout_seconds:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    return Outcome(headers, status_code, excerpt, duration_ms, error, permanent)


def record(
    session: AsyncSession,
    delivery: WebhookDelivery,
    outcome: Outcome,
    url: str,
    retry_in: float | None,
    now: datetime,
) -> None:
    """Write the attempt and the delivery's new state (the caller commits)."""
    delivery.attempts = (delivery.attempts or 0) + 1
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error
    if outcome.delivered:
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif outcome.permanent or retry_in is None:
        delivery.status = "failed"
        delivery.next_attempt_at = None
    else:
        delivery.status = "retrying"
        delivery.next_attempt_at = now + timedelta(seconds=retry_in)
    session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            number=delivery.attempts,
            url=url,
            request_headers=outcome.headers,
            status_code=outcome.status_code,
            response_excerpt=outcome.excerpt,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
        )
    )


async def attempt(
    maker: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    settings: Settings,
    delivery_id: uuid.UUID,
    retry_in: float | None,
    now: datetime,
) -> Outcome | None:
    """One attempt of a stored delivery; no transaction stays open while the request is out.
    Returns None when there is nothing to do (delivered already, or deleted)."""
    async with maker() as session:
        row = (
            await session.execute(
                select(WebhookDelivery, WebhookEndpoint)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.id == delivery_id)
            )
        ).first()
        if row is None or row[0].status == "delivered":
            return None
        plan = plan_for(row[0], row[1])
    outcome = await send(plan, http, settings)
    async with maker() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return None
        record(session, delivery, outcome, plan.url, retry_in, now)
        await session.commit()
    return outcome
