from __future__ import annotations

import json
from datetime import datetime

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.events import service as event_service
from frontdesk.jobs.clock import ManualClock
from frontdesk.jobs.worker import Worker
from tests.fixtures.factories import Account
from tests.fixtures.receiver import Receiver


async def test_event_reaches_subscribed_webhook_signed(
    client: httpx.AsyncClient,
    session: AsyncSession,
    owner: Account,
    receiver: Receiver,
    worker: Worker,
    clock: ManualClock,
) -> None:
    created = await client.post(
        "/v1/webhooks",
        headers=owner.headers,
        json={"url": receiver.url, "events": ["lead.created"]},
    )
    assert created.status_code == 201, created.text
    receiver.secret = created.json()["secret"]
    webhook_id = created.json()["id"]

    await event_service.emit(session, owner.workspace.id, "lead.created", {"name": "Ann"})
    await event_service.emit(session, owner.workspace.id, "deal.stage_changed", {"stage": "won"})
    await session.commit()
    await worker.run_until_idle()

    assert len(receiver.received) == 1
    got = receiver.received[0]
    assert got.signature_ok is True
    body = json.loads(got.body)
    assert body["event"] == "lead.created"
    assert body["data"] == {"name": "Ann"}
    assert body["timestamp"].endswith("Z")
    assert got.headers["x-frontdesk-event"] == "lead.created"

    deliveries = await client.get(f"/v1/webhooks/{webhook_id}/deliveries", headers=owner.headers)
    [delivery] = deliveries.json()["items"]
    assert delivery["status"] == "delivered"
    assert delivery["attempts"] == 1
    assert got.headers["x-frontdesk-delivery"] == delivery["id"]


async def test_failed_delivery_follows_schedule_then_manual_retry(
    client: httpx.AsyncClient,
    session: AsyncSession,
    owner: Account,
    receiver: Receiver,
    worker: Worker,
    clock: ManualClock,
) -> None:
    created = await client.post(
        "/v1/webhooks", headers=owner.headers, json={"url": receiver.url, "events": ["*"]}
    )
    webhook_id = created.json()["id"]
    receiver.status = 500
    await event_service.emit(session, owner.workspace.id, "contact.created", {"id": "c1"})
    await session.commit()

    await worker.run_until_idle()
    for delay in (60, 300, 1800, 7200, 86400):
        listed = await client.get(f"/v1/webhooks/{webhook_id}/deliveries", headers=owner.headers)
        [delivery] = listed.json()["items"]
        assert delivery["status"] == "retrying"
        next_at = datetime.fromisoformat(delivery["next_attempt_at"].replace("Z", "+00:00"))
        assert (next_at - clock.now()).total_seconds() == pytest.approx(delay)
        clock.advance(delay - 1)
        await worker.run_until_idle()
        assert delivery["attempts"] == len(receiver.received)  # not due a second early
        clock.advance(1)
        await worker.run_until_idle()
    assert len(receiver.received) == 6
    assert len({r.headers["x-frontdesk-delivery"] for r in receiver.received}) == 1
    listed = await client.get(f"/v1/webhooks/{webhook_id}/deliveries", headers=owner.headers)
    [delivery] = listed.json()["items"]
    assert delivery["status"] == "failed"
    assert delivery["attempts"] == 6
    assert delivery["last_status_code"] == 500
    assert delivery["next_attempt_at"] is None
    detail = await client.get(f"/v1/webhook-deliveries/{delivery['id']}", headers=owner.headers)
    log = detail.json()["attempt_log"]
    assert [a["number"] for a in log] == [1, 2, 3, 4, 5, 6]
    assert all(a["status_code"] == 500 and a["error"] == "HTTP 500" for a in log)
    assert "x-frontdesk-signature" not in {k.lower() for k in log[0]["request_headers"]}

    receiver.status = 200
    retried = await client.post(
        f"/v1/webhook-deliveries/{delivery['id']}/retry", headers=owner.headers
    )
    assert retried.status_code == 202, retried.text
    await worker.run_until_idle()
    detail = await client.get(f"/v1/webhook-deliveries/{delivery['id']}", headers=owner.headers)
    assert detail.json()["status"] == "delivered"
    assert detail.json()["attempts"] == 7
