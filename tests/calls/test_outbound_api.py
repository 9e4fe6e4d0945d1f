"""`POST /v1/calls`: a queued outbound call, its eta, overrides and refusals."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.calls import dialer
from frontdesk.calls.models import Call
from frontdesk.crm.models import Contact
from frontdesk.jobs.clock import ManualClock
from frontdesk.tenancy.roles import Role
from tests.campaigns.test_campaigns_api import agent
from tests.fixtures.factories import Account, make_account
from tests.jobs.conftest import clock

__all__ = ["clock"]


async def test_a_call_is_queued_with_its_overrides_and_dialed(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession, clock: ManualClock
) -> None:
    sam = await agent(client, owner, prompt="You are Sam.", greeting_message="Hi!")
    created = await client.post(
        "/v1/calls",
        headers=owner.headers,
        json={
            "agent_id": sam["id"],
            "phone": "+1 (415) 555-0101",
            "name": "Dana",
            "custom_variables": [{"key": "plan", "value": "gold"}],
            "prompt": "You are Sam, calling Dana about her {{plan}} plan.",
            "greeting": "Hello Dana!",
            "lead_email": "Dana@Example.com",
            "lead_timezone": "America/Chicago",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "queued"
    assert body["eta"] == 1
    call = (await client.get(f"/v1/calls/{body['call_id']}", headers=owner.headers)).json()
    assert call["direction"] == "outbound"
    assert call["phone_number_to"] == "+14155550101"
    assert call["prompt_variables"] == {"plan": "gold"}
    assert call["metadata"]["lead_timezone"] == "America/Chicago"
    row = await session.get_one(Call, uuid.UUID(body["call_id"]))
    assert (row.prompt_override or "").startswith("You are Sam, calling Dana")
    assert row.greeting_override == "Hello Dana!"
    contact = await session.get_one(Contact, row.contact_id)
    assert (contact.name, contact.email) == ("Dana", "dana@example.com")
    assert contact.extra["timezone"] == "America/Chicago"
    assert await dialer.dispatch_family(session, owner.workspace.id) == 1
    await session.refresh(row)
    assert row.status == "initiated"


async def test_calls_over_the_limit_wait_in_the_queue(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession, clock: ManualClock
) -> None:
    limited = await client.patch("/v1/workspace", headers=owner.headers, json={"concurrency": 2})
    assert limited.json()["concurrency"] == 2
    sam = await agent(client, owner)
    etas = []
    for i in range(5):
        response = await client.post(
            "/v1/calls",
            headers=owner.headers,
            json={"agent_id": sam["id"], "phone": f"+1415555011{i}", "name": f"Lead {i}"},
        )
        etas.append(response.json()["eta"])
    assert etas[:2] == [1, 1]
    assert etas[2] > 1
    assert etas[4] > etas[2]
    assert await dialer.dispatch_family(session, owner.workspace.id) == 2
    queued = (
        await session.scalars(
            select(Call.phone_number_to).where(
                Call.workspace_id == owner.workspace.id, Call.status == "queued"
            )
        )
    ).all()
    assert sorted(n or "" for n in queued) == ["+14155550112", "+14155550113", "+14155550114"]


async def test_bad_calls_are_refused(
    client: httpx.AsyncClient, owner: Account, stranger: Account, session: AsyncSession
) -> None:
    sam = await agent(client, owner)
    base = {"agent_id": sam["id"], "phone": "+14155550101", "name": "Dana"}
    for change, code in (
        ({"phone": "12"}, "VALIDATION_ERROR"),
        ({"name": ""}, "VALIDATION_ERROR"),
        ({"lead_timezone": "Mars/Olympus"}, "VALIDATION_ERROR"),
        ({"custom_variables": [{"key": "x"}]}, "VALIDATION_ERROR"),
    ):
        response = await client.post("/v1/calls", headers=owner.headers, json={**base, **change})
        assert response.status_code == 400, change
        assert response.json()["code"] == code
    theirs = await agent(client, stranger)
    other = await client.post(
        "/v1/calls", headers=owner.headers, json={**base, "agent_id": theirs["id"]}
    )
    assert other.status_code == 404
    viewer = await make_account(session, Role.viewer, workspace=owner.workspace)
    assert (await client.post("/v1/calls", headers=viewer.headers, json=base)).status_code == 403
    await client.patch(f"/v1/agents/{sam['id']}", headers=owner.headers, json={"enabled": False})
    disabled = await client.post("/v1/calls", headers=owner.headers, json=base)
    assert disabled.status_code == 409
    assert disabled.json()["code"] == "AGENT_DISABLED"
    await client.patch(f"/v1/agents/{sam['id']}", headers=owner.headers, json={"enabled": True})
    await client.patch(
        "/v1/workspace",
        headers=owner.headers,
        json={
            "telephony": {
                "provider": "twilio",
                "twilio_account_sid": "AC" + "1" * 32,
                "twilio_auth_token": "a-twilio-token",
            }
        },
    )
    no_number = await client.post("/v1/calls", headers=owner.headers, json=base)
    assert no_number.status_code == 400
    assert no_number.json()["code"] == "FROM_NUMBER_MISSING"
    not_ours = await client.post(
        "/v1/calls", headers=owner.headers, json={**base, "from_number": "+14155550999"}
    )
    assert not_ours.json()["code"] == "FROM_NUMBER_NOT_OWNED"
