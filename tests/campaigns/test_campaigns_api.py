"""Campaigns through the API: recipients, validation, launch refusals, state changes, isolation."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.tenancy.roles import Role
from tests.fixtures.factories import Account, make_account

ALWAYS = {"start": "00:00", "end": "23:59", "days": [1, 2, 3, 4, 5, 6, 7]}


async def agent(client: httpx.AsyncClient, account: Account, **fields: Any) -> dict[str, Any]:
    created = await client.post(
        "/v1/agents",
        headers=account.headers,
        json={"name": "Sam", "type": "outbound", "llm": {"provider": "scripted"}, **fields},
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


async def campaign(
    client: httpx.AsyncClient, account: Account, agent_id: str, **fields: Any
) -> httpx.Response:
    body = {"name": "Reminders", "agent_id": agent_id, "calling_hours": ALWAYS, **fields}
    return await client.post("/v1/campaigns", headers=account.headers, json=body)


async def test_recipients_from_numbers_a_phonebook_and_contacts(
    client: httpx.AsyncClient, owner: Account
) -> None:
    sam = await agent(client, owner)
    book = (
        await client.post("/v1/phonebooks", headers=owner.headers, json={"name": "Leads"})
    ).json()
    await client.post(
        f"/v1/phonebooks/{book['id']}/entries",
        headers=owner.headers,
        json={"phone_number": "+442071838750", "name": "London office"},
    )
    contact = (
        await client.post(
            "/v1/contacts",
            headers=owner.headers,
            json={"name": "Dana Lee", "phone_number": "+14155550111"},
        )
    ).json()
    created = await campaign(
        client,
        owner,
        sam["id"],
        phone_numbers=["+14155550101", "+1 415 555 0101", "+12125550102"],
        phonebook_id=book["id"],
        contact_ids=[contact["id"]],
        timezone="Europe/Paris",
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "draft"
    assert body["recipient_count"] == 4
    recipients = (
        await client.get(f"/v1/campaigns/{body['id']}/recipients", headers=owner.headers)
    ).json()["items"]
    zones = {r["phone_number"]: r["timezone"] for r in recipients}
    assert zones["+14155550101"] == "America/Los_Angeles"  # from the number's area
    assert zones["+12125550102"] == "America/New_York"
    assert zones["+442071838750"] == "Europe/London"
    named = {r["phone_number"]: r["name"] for r in recipients}
    assert named["+14155550111"] == "Dana Lee"
    assert named["+442071838750"] == "London office"
    added = await client.post(
        f"/v1/campaigns/{body['id']}/recipients",
        headers=owner.headers,
        json={"phone_numbers": ["+14155550101", "+13125550103"]},
    )
    assert added.json() == {"added": 1, "duplicates": 1, "recipient_count": 5}


async def test_bad_input_is_refused_with_reasons(
    client: httpx.AsyncClient, owner: Account, stranger: Account
) -> None:
    sam = await agent(client, owner)
    bad_number = await campaign(client, owner, sam["id"], phone_numbers=["+1415", "+14155550101"])
    assert bad_number.status_code == 400
    assert bad_number.json()["code"] == "VALIDATION_ERROR"
    backwards = await campaign(
        client,
        owner,
        sam["id"],
        start_time="2026-05-02T10:00:00Z",
        end_time="2026-05-01T10:00:00Z",
    )
    assert backwards.status_code == 400
    naive = await campaign(client, owner, sam["id"], start_time="2026-05-02T10:00:00")
    assert naive.status_code == 400
    hours = await campaign(
        client, owner, sam["id"], calling_hours={"start": "18:00", "end": "09:00", "days": [1]}
    )
    assert hours.status_code == 400
    theirs = (
        await client.post(
            "/v1/contacts",
            headers=stranger.headers,
            json={"name": "X", "phone_number": "+14155550177"},
        )
    ).json()
    other = await campaign(client, owner, sam["id"], contact_ids=[theirs["id"]])
    assert other.status_code == 404
    no_phone = (await client.post("/v1/contacts", headers=owner.headers, json={"name": "Y"})).json()
    without = await campaign(client, owner, sam["id"], contact_ids=[no_phone["id"]])
    assert without.status_code == 400
    assert without.json()["code"] == "CONTACT_WITHOUT_PHONE"


async def test_launch_refusals_say_why(client: httpx.AsyncClient, owner: Account) -> None:
    sam = await agent(client, owner)
    empty = (await campaign(client, owner, sam["id"], end_time="2020-01-01T00:00:00Z")).json()
    refused = await client.post(f"/v1/campaigns/{empty['id']}/launch", headers=owner.headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "CAMPAIGN_CANNOT_LAUNCH"
    assert set(refused.json()["details"]["reasons"]) == {"no_recipients", "window_ended"}
    ready = (await campaign(client, owner, sam["id"], phone_numbers=["+14155550101"])).json()
    await client.patch(f"/v1/agents/{sam['id']}", headers=owner.headers, json={"enabled": False})
    disabled = await client.post(f"/v1/campaigns/{ready['id']}/launch", headers=owner.headers)
    assert disabled.json()["details"]["reasons"] == ["agent_disabled"]
    await client.patch(f"/v1/agents/{sam['id']}", headers=owner.headers, json={"enabled": True})
    launched = await client.post(f"/v1/campaigns/{ready['id']}/launch", headers=owner.headers)
    assert launched.status_code == 200
    assert launched.json()["status"] == "active"
    again = await client.post(f"/v1/campaigns/{ready['id']}/launch", headers=owner.headers)
    assert again.json()["details"]["reasons"] == ["not_draft"]


async def test_states_pause_resume_cancel_and_edits(
    client: httpx.AsyncClient, owner: Account
) -> None:
    sam = await agent(client, owner)
    created = (await campaign(client, owner, sam["id"], phone_numbers=["+14155550101"])).json()
    url = f"/v1/campaigns/{created['id']}"
    assert (await client.post(f"{url}/pause", headers=owner.headers)).status_code == 409
    await client.post(f"{url}/launch", headers=owner.headers)
    moved = await client.patch(url, headers=owner.headers, json={"from_number": "+14155550199"})
    assert moved.status_code == 409
    assert moved.json()["code"] == "CAMPAIGN_NOT_DRAFT"
    faster = await client.patch(url, headers=owner.headers, json={"max_concurrent_calls": 5})
    assert faster.json()["max_concurrent_calls"] == 5
    paused = await client.post(f"{url}/pause", headers=owner.headers)
    assert paused.json()["status"] == "paused"
    assert paused.json()["paused_at"]
    assert (await client.delete(url, headers=owner.headers)).json()["code"] == "CAMPAIGN_ACTIVE"
    resumed = await client.post(f"{url}/resume", headers=owner.headers)
    assert resumed.json()["status"] == "active"
    cancelled = await client.post(f"{url}/cancel", headers=owner.headers)
    assert cancelled.json()["status"] == "cancelled"
    stats = (await client.get(f"{url}/stats", headers=owner.headers)).json()
    assert stats["by_status"] == {"cancelled": 1}
    assert stats["completion_rate"] == 1.0
    assert (await client.post(f"{url}/resume", headers=owner.headers)).status_code == 409
    assert (await client.delete(url, headers=owner.headers)).status_code == 204


async def test_campaigns_of_another_workspace_are_404_and_viewers_cannot_write(
    client: httpx.AsyncClient, owner: Account, stranger: Account, session: AsyncSession
) -> None:
    theirs_agent = await agent(client, stranger)
    theirs = (
        await campaign(client, stranger, theirs_agent["id"], phone_numbers=["+14155550101"])
    ).json()
    for method, suffix in (
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("POST", "/launch"),
        ("POST", "/pause"),
        ("GET", "/stats"),
        ("GET", "/recipients"),
    ):
        response = await client.request(
            method, f"/v1/campaigns/{theirs['id']}{suffix}", headers=owner.headers, json={}
        )
        assert response.status_code == 404, (method, suffix)
    assert (await client.get("/v1/campaigns", headers=owner.headers)).json()["total"] == 0
    mine = await agent(client, owner)
    other_agent = await campaign(client, owner, theirs_agent["id"])
    assert other_agent.status_code == 404
    viewer = await make_account(session, Role.viewer, workspace=owner.workspace)
    assert (await campaign(client, viewer, mine["id"])).status_code == 403
