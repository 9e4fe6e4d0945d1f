from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.events import service as event_service
from frontdesk.jobs import service as job_service
from frontdesk.jobs.worker import Worker
from frontdesk.notifications.models import Notification
from frontdesk.tenancy.roles import Role
from tests.fixtures.factories import Account, make_account


async def _emit(session: AsyncSession, account: Account, type_: str, data: dict[str, Any]) -> None:
    await event_service.emit(session, account.workspace.id, type_, data)
    await session.commit()


@pytest.mark.parametrize(
    ("type_", "data", "title"),
    [
        (
            "conversation.pending",
            {"id": "c1", "contact_name": "Ann"},
            "Conversation waiting for a human",
        ),
        ("call.ended", {"id": "k1", "status": "failed", "error": "busy"}, "Call failed"),
        ("campaign.completed", {"id": "p1", "name": "Spring"}, "Campaign finished"),
        (
            "knowledge_source.processed",
            {"id": "s1", "status": "failed", "name": "faq.pdf"},
            "Knowledge source failed to process",
        ),
    ],
)
async def test_events_become_notifications(
    client: httpx.AsyncClient,
    session: AsyncSession,
    owner: Account,
    worker: Worker,
    type_: str,
    data: dict[str, Any],
    title: str,
) -> None:
    colleague = await make_account(session, Role.agent, workspace=owner.workspace)
    await _emit(session, owner, type_, data)
    await worker.run_until_idle()
    for account in (owner, colleague):
        items = (await client.get("/v1/notifications", headers=account.headers)).json()["items"]
        assert [n["title"] for n in items] == [title]
        assert items[0]["read"] is False


@pytest.mark.parametrize(
    ("type_", "data"),
    [
        ("call.ended", {"status": "completed"}),
        ("knowledge_source.processed", {"status": "processed"}),
        ("lead.created", {"name": "x"}),
    ],
)
async def test_other_events_do_not_notify(
    client: httpx.AsyncClient,
    session: AsyncSession,
    owner: Account,
    worker: Worker,
    type_: str,
    data: dict[str, Any],
) -> None:
    await _emit(session, owner, type_, data)
    await worker.run_until_idle()
    count = (await client.get("/v1/notifications/unread-count", headers=owner.headers)).json()
    assert count == {"unread_count": 0}


async def test_read_and_read_all(
    client: httpx.AsyncClient,
    session: AsyncSession,
    owner: Account,
    stranger: Account,
    worker: Worker,
) -> None:
    colleague = await make_account(session, Role.admin, workspace=owner.workspace)
    for name in ("A", "B"):
        await _emit(session, owner, "campaign.completed", {"name": name})
    await worker.run_until_idle()
    items = (await client.get("/v1/notifications?read=false", headers=owner.headers)).json()[
        "items"
    ]
    assert len(items) == 2
    first = items[0]["id"]
    marked = await client.post(f"/v1/notifications/{first}/read", headers=owner.headers)
    assert marked.json()["read"] is True
    assert (await client.get("/v1/notifications/unread-count", headers=owner.headers)).json() == {
        "unread_count": 1
    }
    # Somebody else's notification, in this workspace or another, is not found.
    assert (
        await client.post(f"/v1/notifications/{first}/read", headers=colleague.headers)
    ).status_code == 404
    assert (
        await client.post(f"/v1/notifications/{first}/read", headers=stranger.headers)
    ).status_code == 404
    all_read = await client.post("/v1/notifications/read-all", headers=owner.headers)
    assert all_read.json() == {"updated": 1}
    assert (await client.get("/v1/notifications?read=false", headers=owner.headers)).json()[
        "total"
    ] == 0
    assert (
        await client.get("/v1/notifications/unread-count", headers=colleague.headers)
    ).json() == {"unread_count": 2}


async def test_api_keys_get_403(client: httpx.AsyncClient, owner: Account) -> None:
    response = await client.get("/v1/notifications", headers=owner.key_headers)
    assert response.status_code == 403
    assert response.json()["code"] == "AUTH_USER_REQUIRED"


async def test_fan_out_twice_duplicates_nothing(
    client: httpx.AsyncClient, session: AsyncSession, owner: Account, worker: Worker
) -> None:
    await client.post(
        "/v1/webhooks",
        headers=owner.headers,
        json={"url": "http://127.0.0.1:9/hook", "events": ["*"]},
    )
    event = await event_service.emit(
        session, owner.workspace.id, "campaign.completed", {"name": "X"}
    )
    await session.commit()
    await worker.run_until_idle()
    await job_service.enqueue(session, event_service.FANOUT_JOB, {"event_id": str(event.id)})
    await session.commit()
    await worker.run_until_idle()
    notes = await session.scalar(select(func.count()).where(Notification.event_id == event.id))
    assert notes == 1
    from frontdesk.webhooks.models import WebhookDelivery

    deliveries = await session.scalar(
        select(func.count()).where(WebhookDelivery.event_id == event.id)
    )
    assert deliveries == 1
