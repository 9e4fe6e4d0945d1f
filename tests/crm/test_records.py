from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.crm import memory as memory_service
from frontdesk.events.models import Event
from frontdesk.tenancy.scope import system_scope
from tests.fixtures.factories import Account


async def test_deals(
    client: httpx.AsyncClient, owner: Account, stranger: Account, session: AsyncSession
) -> None:
    contact = (await client.post("/v1/contacts", headers=owner.headers, json={"name": "C"})).json()
    created = await client.post(
        "/v1/deals",
        headers=owner.headers,
        json={
            "title": "Fleet",
            "value": "1500.50",
            "currency": "eur",
            "contact_id": contact["id"],
            "expected_close_date": "2027-01-31",
        },
    )
    assert created.status_code == 201, created.text
    deal = created.json()
    assert deal["currency"] == "EUR"
    assert deal["value"] == "1500.50"
    await client.post("/v1/deals", headers=owner.headers, json={"title": "Small", "value": "10"})
    moved = await client.patch(
        f"/v1/deals/{deal['id']}", headers=owner.headers, json={"stage": "won"}
    )
    assert moved.json()["stage"] == "won"
    changed = (await session.scalars(select(Event).where(Event.type == "deal.stage_changed"))).all()
    assert [e.data["previous_stage"] for e in changed] == ["lead"]
    won = (await client.get("/v1/deals?stage=won", headers=owner.headers)).json()
    assert [d["title"] for d in won["items"]] == ["Fleet"]
    mine = (await client.get(f"/v1/deals?contact_id={contact['id']}", headers=owner.headers)).json()
    assert mine["total"] == 1
    summary = (await client.get("/v1/deals/summary", headers=owner.headers)).json()["stages"]
    by_stage = {s["stage"]: s for s in summary}
    assert by_stage["won"]["count"] == 1
    assert by_stage["won"]["value_by_currency"] == {"EUR": "1500.50"}
    assert by_stage["lead"]["value_by_currency"] == {"USD": "10.00"}
    bad = await client.post(
        "/v1/deals", headers=owner.headers, json={"title": "x", "stage": "maybe", "value": "-1"}
    )
    assert bad.status_code == 400
    assert {"stage", "value"} <= set(bad.json()["details"])
    foreign_contact = (
        await client.post("/v1/contacts", headers=stranger.headers, json={"name": "S"})
    ).json()
    assert (
        await client.post(
            "/v1/deals",
            headers=owner.headers,
            json={"title": "x", "contact_id": foreign_contact["id"]},
        )
    ).status_code == 404
    url = f"/v1/deals/{deal['id']}"
    assert (await client.get(url, headers=stranger.headers)).status_code == 404
    assert (await client.delete(url, headers=stranger.headers)).status_code == 404
    assert (await client.delete(url, headers=owner.headers)).status_code == 204


async def test_phonebooks(client: httpx.AsyncClient, owner: Account, stranger: Account) -> None:
    book = (
        await client.post("/v1/phonebooks", headers=owner.headers, json={"name": "Sales desk"})
    ).json()
    url = f"/v1/phonebooks/{book['id']}"
    entry = await client.post(
        f"{url}/entries",
        headers=owner.headers,
        json={"phone_number": "+1 (415) 555-0142", "transfer_condition": "pricing questions"},
    )
    assert entry.status_code == 201, entry.text
    assert entry.json()["phone_number"] == "+14155550142"
    twice = await client.post(
        f"{url}/entries", headers=owner.headers, json={"phone_number": "+14155550142"}
    )
    assert twice.json()["code"] == "ENTRY_EXISTS"
    bad = await client.post(f"{url}/entries", headers=owner.headers, json={"phone_number": "x"})
    assert bad.status_code == 400
    got = (await client.get(url, headers=owner.headers)).json()
    assert [e["transfer_condition"] for e in got["entries"]] == ["pricing questions"]
    assert (await client.get(url, headers=stranger.headers)).status_code == 404
    assert (
        await client.post(
            f"{url}/entries", headers=stranger.headers, json={"phone_number": "+14155550143"}
        )
    ).status_code == 404
    removed = await client.delete(f"{url}/entries/{entry.json()['id']}", headers=owner.headers)
    assert removed.status_code == 204
    assert (await client.delete(url, headers=owner.headers)).status_code == 204


async def test_memory_stores(
    client: httpx.AsyncClient, owner: Account, stranger: Account, session: AsyncSession
) -> None:
    store = (
        await client.post("/v1/memory-stores", headers=owner.headers, json={"name": "Customers"})
    ).json()
    contact = (await client.post("/v1/contacts", headers=owner.headers, json={"name": "Mo"})).json()
    base = f"/v1/memory-stores/{store['id']}"
    attached = await client.post(f"{base}/contacts/{contact['id']}/attach", headers=owner.headers)
    assert attached.json()["memory"] == ""
    agent_id = "6f0c8c2e-0000-4000-8000-000000000001"
    assert (
        await client.post(f"{base}/agents/{agent_id}/attach", headers=owner.headers)
    ).status_code == 204
    scope = system_scope(owner.workspace.id)
    stores = await memory_service.append(
        session,
        scope,
        uuid.UUID(agent_id),
        uuid.UUID(contact["id"]),
        "Asked about   delivery times.",
        datetime(2026, 11, 24, tzinfo=UTC),
    )
    await session.commit()
    assert stores == 1
    memory = (
        await client.get(f"{base}/contacts/{contact['id']}/memory", headers=owner.headers)
    ).json()
    assert memory["memory"] == "[2026-11-24] Asked about delivery times."
    read = await memory_service.read_for_contact(
        session, scope, uuid.UUID(agent_id), uuid.UUID(contact["id"])
    )
    assert read == ["[2026-11-24] Asked about delivery times."]
    other_agent = await memory_service.read_for_contact(
        session, scope, uuid.uuid4(), uuid.UUID(contact["id"])
    )
    assert other_agent == []
    detail = (await client.get(base, headers=owner.headers)).json()
    assert detail["contact_ids"] == [contact["id"]]
    assert detail["agent_ids"] == [agent_id]
    assert (await client.get(base, headers=stranger.headers)).status_code == 404
    assert (
        await client.post(f"{base}/contacts/{contact['id']}/attach", headers=stranger.headers)
    ).status_code == 404
    assert (
        await client.post(f"{base}/contacts/{contact['id']}/detach", headers=owner.headers)
    ).status_code == 204
    assert (
        await client.get(f"{base}/contacts/{contact['id']}/memory", headers=owner.headers)
    ).status_code == 404
    renamed = await client.patch(base, headers=owner.headers, json={"name": "Renamed"})
    assert renamed.json()["name"] == "Renamed"
    assert (await client.delete(base, headers=owner.headers)).status_code == 204
