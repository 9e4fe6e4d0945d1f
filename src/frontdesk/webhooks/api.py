from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from frontdesk.auth.dependencies import ReadAuth, WriteAuth
from frontdesk.db.session import Session
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.tenancy.scope import scope_of
from frontdesk.webhooks import schemas
from frontdesk.webhooks import service as webhook_service

webhooks_router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
deliveries_router = APIRouter(prefix="/v1/webhook-deliveries", tags=["webhooks"])


@webhooks_router.get("")
async def list_webhooks(
    auth: ReadAuth, session: Session, pagination: PaginationParams
) -> Page[schemas.Webhook]:
    """List webhook subscriptions."""
    items, total = await webhook_service.list_endpoints(session, scope_of(auth), pagination)
    return Page.of([schemas.Webhook.model_validate(e) for e in items], total, pagination)


@webhooks_router.post("", status_code=status.HTTP_201_CREATED)
async def create_webhook(
    data: schemas.WebhookCreate, auth: WriteAuth, session: Session
) -> schemas.WebhookCreated:
    """Subscribe a URL to events. The signing secret is in this response only."""
    endpoint, secret = await webhook_service.create(session, auth, scope_of(auth), data)
    return schemas.WebhookCreated(
        **schemas.Webhook.model_validate(endpoint).model_dump(), secret=secret
    )


@webhooks_router.get("/{webhook_id}")
async def get_webhook(webhook_id: uuid.UUID, auth: ReadAuth, session: Session) -> schemas.Webhook:
    """Get a webhook subscription."""
    endpoint = await webhook_service.get(session, scope_of(auth), webhook_id)
    return schemas.Webhook.model_validate(endpoint)


@webhooks_router.patch("/{webhook_id}")
async def update_webhook(
    webhook_id: uuid.UUID, data: schemas.WebhookUpdate, auth: WriteAuth, session: Session
) -> schemas.Webhook:
    """Change a subscription's URL, events or enabled flag."""
    endpoint = await webhook_service.update(session, auth, scope_of(auth), webhook_id, data)
    return schemas.Webhook.model_validate(endpoint)


@webhooks_router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_webhook(webhook_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Delete a subscription and its delivery log."""
    await webhook_service.delete(session, auth, scope_of(auth), webhook_id)


@webhooks_router.get("/{webhook_id}/deliveries")
async def list_deliveries(
    webhook_id: uuid.UUID,
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    delivery_status: Annotated[schemas.DeliveryStatus | None, Query(alias="status")] = None,
) -> Page[schemas.Delivery]:
    """The subscription's deliveries, newest first."""
    items, total = await webhook_service.list_deliveries(
        session, scope_of(auth), webhook_id, pagination, delivery_status
    )
    return Page.of([schemas.Delivery.model_validate(d) for d in items], total, pagination)


@webhooks_router.post("/{webhook_id}/test")
async def test_webhook(
    webhook_id: uuid.UUID, auth: WriteAuth, session: Session, request: Request
) -> schemas.TestResult:
    """Send a signed `webhook.test` delivery now and report what the receiver answered."""
    delivery, outcome = await webhook_service.test(
        session, auth, scope_of(auth), webhook_id, request.app.state.http
    )
    return schemas.TestResult(
        delivery_id=delivery.id,
        delivered=outcome.delivered,
        status_code=outcome.status_code,
        duration_ms=outcome.duration_ms,
        error=outcome.error,
    )


@deliveries_router.get("/{delivery_id}")
async def get_delivery(
    delivery_id: uuid.UUID, auth: ReadAuth, session: Session
) -> schemas.DeliveryDetail:
    """A delivery with its body and every attempt (status, response excerpt, duration, error)."""
    delivery, attempts = await webhook_service.get_delivery(session, scope_of(auth), delivery_id)
    return schemas.DeliveryDetail(
        **schemas.Delivery.model_validate(delivery).model_dump(),
        payload=delivery.payload,
        attempt_log=[schemas.Attempt.model_validate(a) for a in attempts],
    )


@deliveries_router.post("/{delivery_id}/retry", status_code=status.HTTP_202_ACCEPTED)
async def retry_delivery(
    delivery_id: uuid.UUID, auth: WriteAuth, session: Session
) -> schemas.Delivery:
    """Start a new series of attempts for a failed delivery."""
    delivery = await webhook_service.retry(session, auth, scope_of(auth), delivery_id)
    return schemas.Delivery.model_validate(delivery)
