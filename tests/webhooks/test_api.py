from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.events import service as event_service
from frontdesk.jobs.worker import Worker
from frontdesk.settings import get_settings
from frontdesk.tenancy.roles import Role
from tests.fixtures.factories import Account, make_account
from tests.fixtures.receiver import Receiver


async def _webhook(
    client: httpx.AsyncClient, account: Account, url: str, **fields: object
) -> dict[str, Any]:
    response = await client.post(
        "/v1/webhooks", headers=account.headers, json={"url": url, "events": ["*"], **fields}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_crud_and_secret_shown_once(
    client: httpx.AsyncClient, owner: Account, receiver: Receiver
) -> None:
    created = await _webhook(client, owner, receiver.url, description="CRM")
    assert created["secret"].startswith("whsec_")
    got = (await client.get(f"/v1/webhooks/{created['id']}", headers=owner.headers)).json()
    assert "secret" not in got
    listed = await client.get("/v1/webhooks", headers=owner.headers)
    assert created["secret"] not in listed.text
    patched = await client.patch(
        f"/v1/webhooks/{created['id']}",
        headers=owner.headers,
        json={"events": ["lead.created", "lead.created"], "enabled": False},
    )
    assert patched.json()["events"] == ["lead.created"]
    assert patched.json()["enabled"] is False
    assert (
        await client.delete(f"/v1/webhooks/{created['id']}", headers=owner.headers)
    ).status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://x.example/h", "events": ["lead.made"]}, "events"),
        ({"url": "http://x.example/h", "events": []}, "events"),
        ({"url": "ftp://x.example/h", "events": ["*"]}, "url"),
        ({"url": "http://user:pw@x.example/h", "events": ["*"]}, "url"),
        ({"events": ["*"]}, "url"),
    ],
)
async def test_bad_input(
    client: httpx.AsyncClient, owner: Account, body: dict[str, object], field: str
) -> None:
    response = await client.post("/v1/webhooks", headers=owner.headers, json=body)
    assert response.status_code == 400
    assert field in response.json()["details"]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/h", "http://10.0.0.1/h", "http://[::1]/h", "http://localhost/h"]
)
async def test_private_urls_refused(
    client: httpx.AsyncClient, owner: Account, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.setattr(get_settings(), "allow_private_urls", False)
    response = await client.post(
        "/v1/webhooks", headers=owner.headers, json={"url": url, "events": ["*"]}
    )
    assert response.status_code == 400
    assert "url" in response.json()["details"]


async def test_roles_and_other_workspaces(
    client: httpx.AsyncClient,
    session: AsyncSession,
    owner: Account,
    stranger: Account,
    receiver: Receiver,
) -> None:
    for role in (Role.viewer, Role.agent):
        account = await make_account(session, role, workspace=owner.workspace)
        denied = await client.post(
            "/v1/webhooks", headers=account.headers, json={"url": receiver.url, "events": ["*"]}
        )
        assert denied.status_code == 403
    created = await _webhook(client, owner, receiver.url)
    base = f"/v1/webhooks/{created['id']}"
    for method, path in (
        ("GET", base),
        ("PATCH", base),
        ("DELETE", base),
        ("GET", f"{base}/deliveries"),
        ("POST", f"{base}/test"),
    ):
        response = await client.request(
            method, path, headers=stranger.headers, json={} if method == "PATCH" else None
        )
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "WEBHOOK_NOT_FOUND"


async def test_ping_and_delivery_detail(
    client: httpx.AsyncClient, owner: Account, stranger: Account, receiver: Receiver
) -> None:
    created = await _webhook(client, owner, receiver.url)
    receiver.secret = created["secret"]
    ping = (await client.post(f"/v1/webhooks/{created['id']}/test", headers=owner.headers)).json()
    assert ping["delivered"] is True
    assert ping["status_code"] == 200
    got = receiver.received[-1]
    assert got.signature_ok is True
    assert got.headers["x-frontdesk-event"] == "webhook.test"
    # The snippet of docs/webhooks.md, as written there, accepts it.
    timestamp = got.headers["x-frontdesk-timestamp"]
    assert abs(time.time() - int(timestamp)) < 300
    expected = (
        "sha256="
        + hmac.new(
            created["secret"].encode(), timestamp.encode() + b"." + got.body, hashlib.sha256
        ).hexdigest()
    )
    assert hmac.compare_digest(expected, got.headers["x-frontdesk-signature"])

    detail = await client.get(
        f"/v1/webhook-deliveries/{ping['delivery_id']}", headers=owner.headers
    )
    assert detail.json()["attempt_log"][0]["status_code"] == 200
    assert (
        await client.get(f"/v1/webhook-deliveries/{ping['delivery_id']}", headers=stranger.headers)
    ).status_code == 404
    retried = await client.post(
        f"/v1/webhook-deliveries/{ping['delivery_id']}/retry", headers=owner.headers
    )
    assert retried.json()["code"] == "DELIVERY_NOT_RETRYABLE"
    receiver.status = 500
    failed = (await client.post(f"/v1/webhooks/{created['id']}/test", headers=owner.headers)).json()
    assert failed["delivered"] is False
    assert failed["status_code"] == 500


async def test_disabled_and_unsubscribed_get_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    owner: Account,
    receiver: Receiver,
    worker: Worker,
) -> None:
    only_leads = await _webhook(client, owner, receiver.url, events=["lead.created"])
    disabled = await _webhook(client, owner, receiver.url, enabled=False)
    await event_service.emit(session, owner.workspace.id, "deal.stage_changed", {"x": 1})
    await session.commit()
    await worker.run_until_idle()
    assert receiver.received == []
    for hook in (only_leads, disabled):
        listed = await client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=owner.headers)
        assert listed.json()["total"] == 0
    await event_service.emit(session, owner.workspace.id, "lead.created", {"x": 2})
    await session.commit()
    await worker.run_until_idle()
    assert [json.loads(r.body)["event"] for r in receiver.received] == ["lead.created"]
    delivered = await client.get(
        f"/v1/webhooks/{only_leads['id']}/deliveries?status=delivered", headers=owner.headers
    )
    assert delivered.json()["total"] == 1


async def test_redirects_are_not_followed(
    client: httpx.AsyncClient, owner: Account, receiver: Receiver
) -> None:
    receiver.status = 302
    created = await _webhook(client, owner, receiver.url)
    ping = (await client.post(f"/v1/webhooks/{created['id']}/test", headers=owner.headers)).json()
    assert ping["delivered"] is False
    assert ping["status_code"] == 302
