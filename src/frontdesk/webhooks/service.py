"""Webhook subscriptions and their deliveries."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.errors import Conflict
from frontdesk.events.models import Event
from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import get_clock
from frontdesk.kit.crypto import new_token
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.kit.ssrf import validate_url_field
from frontdesk.settings import get_settings
from frontdesk.tenancy.scope import WorkspaceScope
from frontdesk.tenancy.service import secret_box
from frontdesk.webhooks import delivery as delivery_service
from frontdesk.webhooks import schemas
from frontdesk.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

DELIVER_JOB = "webhooks.deliver"


def body_of(event: Event) -> dict[str, Any]:
    """The delivered document: `{"event", "timestamp", "data"}`."""
    return {
        "event": event.type,
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": event.data,
    }


async def create(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, data: schemas.WebhookCreate
) -> tuple[WebhookEndpoint, str]:
    validate_url_field(data.url, "url", get_settings().allow_private_urls)
    secret = "whsec_" + new_token(32)
    endpoint = WebhookEndpoint(
        workspace_id=scope.workspace_id,
        url=data.url,
        events=data.events,
        enabled=data.enabled,
        description=data.description,
        secret_encrypted=secret_box().encrypt(secret),
    )
    session.add(endpoint)
    await session.flush()
    await audit_service.record(
        session, auth, "webhook.create", "webhook", endpoint.id, {"events": endpoint.events}
    )
    return endpoint, secret


async def list_endpoints(
    session: AsyncSession, scope: WorkspaceScope, pagination: Pagination
) -> tuple[list[WebhookEndpoint], int]:
    stmt = scope.apply(select(WebhookEndpoint), WebhookEndpoint).order_by(
        WebhookEndpoint.created_at.desc(), WebhookEndpoint.id
    )
    return await paginate(session, stmt, pagination)


async def get(
    session: AsyncSession, scope: WorkspaceScope, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    endpoint = await scope.get(session, WebhookEndpoint, endpoint_id, "webhook")
    return endpoint


async def update(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    endpoint_id: uuid.UUID,
    data: schemas.WebhookUpdate,
) -> WebhookEndpoint:
    endpoint = await get(session, scope, endpoint_id)
    if data.url is not None:
        validate_url_field(data.url, "url", get_settings().allow_private_urls)
    for field in data.model_fields_set:
        value = getattr(data, field)
        if value is not None:
            setattr(endpoint, field, value)
    await session.flush()
    await audit_service.record(
        session,
        auth,
        "webhook.update",
        "webhook",
        endpoint.id,
        {"fields": sorted(data.model_fields_set)},
    )
    return endpoint


async def delete(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, endpoint_id: uuid.UUID
) -> None:
    endpoint = await get(session, scope, endpoint_id)
    await session.delete(endpoint)
    await session.flush()
    await audit_service.record(session, auth, "webhook.delete", "webhook", endpoint_id)


def _subscribed(endpoint: WebhookEndpoint, event_type: str) -> bool:
    return "*" in endpoint.events or event_type in endpoint.events


async def create_deliveries(session: AsyncSession, event: Event) -> int:
    """One delivery (and its job) per enabled endpoint subscribed to the event. Running it again
    for the same event adds nothing."""
    endpoints = (
        await session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.workspace_id == event.workspace_id,
                WebhookEndpoint.enabled.is_(True),
            )
        )
    ).all()
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    now = get_clock().now()
    created = 0
    for endpoint in endpoints:
        if not _subscribed(endpoint, event.type):
            continue
        delivery_id = uuid.uuid4()
        stmt = (
            insert(WebhookDelivery)
            .values(
                id=delivery_id,
                workspace_id=event.workspace_id,
                endpoint_id=endpoint.id,
                event_id=event.id,
                event=event.type,
                contact_id=event.contact_id,
                payload=body_of(event),
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["endpoint_id", "event_id"])
            .returning(WebhookDelivery.id)
        )
        if (await session.execute(stmt)).scalar_one_or_none() is None:
            continue
        await schedule_attempts(session, delivery_id, endpoint.id, event.workspace_id, "auto")
        created += 1
    return created


async def schedule_attempts(
    session: AsyncSession,
    delivery_id: uuid.UUID,
    endpoint_id: uuid.UUID,
    workspace_id: uuid.UUID,
    series: str,
) -> None:
    await job_service.enqueue(
        session,
        DELIVER_JOB,
        {"delivery_id": str(delivery_id), "webhook_id": str(endpoint_id)},
        unique_key=f"webhook-delivery:{delivery_id}:{series}",
        workspace_id=workspace_id,
    )


async def list_deliveries(
    session: AsyncSession,
    scope: WorkspaceScope,
    endpoint_id: uuid.UUID,
    pagination: Pagination,
    status: str | None = None,
) -> tuple[list[WebhookDelivery], int]:
    await get(session, scope, endpoint_id)
    stmt = scope.apply(select(WebhookDelivery), WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint_id
    )
    if status:
        stmt = stmt.where(WebhookDelivery.status == status)
    stmt = stmt.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
    return await paginate(session, stmt, pagination)


async def get_delivery(
    session: AsyncSession, scope: WorkspaceScope, delivery_id: uuid.UUID
) -> tuple[WebhookDelivery, list[WebhookAttempt]]:
    delivery = await scope.get(session, WebhookDelivery, delivery_id, "webhook delivery")
    attempts = (
        await session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id == delivery.id)
            .order_by(WebhookAttempt.number)
        )
    ).all()
    return delivery, list(attempts)


async def retry(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Start a new series of attempts for a delivery that failed (or is waiting to retry)."""
    delivery, _ = await get_delivery(session, scope, delivery_id)
    if delivery.status in ("delivered", "pending"):
        raise Conflict(
            f"The delivery is {delivery.status}; only failed or retrying deliveries can be retried",
            "DELIVERY_NOT_RETRYABLE",
        )
    delivery.status = "pending"
    delivery.next_attempt_at = get_clock().now()
    await schedule_attempts(
        session,
        delivery.id,
        delivery.endpoint_id,
        delivery.workspace_id,
        f"manual:{delivery.attempts}",
    )
    await session.flush()
    await audit_service.record(
        session, auth, "webhook_delivery.retry", "webhook_delivery", delivery.id
    )
    return delivery


async def test(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    endpoint_id: uuid.UUID,
    http: httpx.AsyncClient,
) -> tuple[WebhookDelivery, delivery_service.Outcome]:
    """Send a signed `webhook.test` delivery now; the delivery and its attempt are recorded."""
    endpoint = await get(session, scope, endpoint_id)
    now = get_clock().now()
    delivery = WebhookDelivery(
        id=uuid.uuid4(),
        workspace_id=endpoint.workspace_id,
        endpoint_id=endpoint.id,
        event_id=None,
        event="webhook.test",
        payload={
            "event": "webhook.test",
            "timestamp": now.isoformat().replace("+00:00", "Z"),
            "data": {"webhook_id": str(endpoint.id), "message": "Test delivery from Frontdesk"},
        },
        status="pending",
        attempts=0,
    )
    plan = delivery_service.plan_for(delivery, endpoint)
    outcome = await delivery_service.send(plan, http, get_settings())
    session.add(delivery)
    await session.flush()  # the attempt row refers to it
    delivery_service.record(session, delivery, outcome, endpoint.url, None, now)
    await session.flush()
    await audit_service.record(session, auth, "webhook.test", "webhook", endpoint.id)
    return delivery, outcome
