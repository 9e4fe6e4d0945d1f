from __future__ import annotations

import httpx
import pytest

from tests.fixtures.factories import Account

PEOPLE = [
    {"name": "José Álvarez", "email": "jose@example.com", "phone_number": "+14155550123"},
    {"name": "Siobhán O'Brien", "email": "sio@example.ie", "company_name": "Dublin Bikes"},
    {"first_name": "Björk", "last_name": "Guðmundsdóttir", "phone_number": "+3545511111"},
    {"name": "山田 太郎", "email": "taro@example.jp"},
    {"name": "Ann Lee", "email": "ann.lee@acme.com", "company_name": "Acme Inc."},
    {"name": "Дмитрий Иванов", "phone_number": "+74951234567"},
    {"name": "Ελένη Παπαδοπούλου"},
    {"name": "فاطمة الزهراء"},
    {"name": "Jean-Luc D’Angelo"},
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jose", ["José Álvarez"]),
        ("JOSÉ alv", ["José Álvarez"]),
        ("o'brien", ["Siobhán O'Brien"]),
        ("obrien", ["Siobhán O'Brien"]),
        ("siobhan", ["Siobhán O'Brien"]),
        ("bjork", ["Björk Guðmundsdóttir"]),
        ("山田", ["山田 太郎"]),
        ("+1 415-555-0123", ["José Álvarez"]),
        ("4155550123", ["José Álvarez"]),
        ("555 0123", ["José Álvarez"]),
        ("ann.lee@acme", ["Ann Lee"]),
        ("acme", ["Ann Lee"]),
        ("dublin bikes", ["Siobhán O'Brien"]),
        ("nobody", []),
        ("дмитрий", ["Дмитрий Иванов"]),
        ("Ивано", ["Дмитрий Иванов"]),
        ("ελενη", ["Ελένη Παπαδοπούλου"]),
        ("فاطمة", ["فاطمة الزهراء"]),
        ("jeanluc", ["Jean-Luc D’Angelo"]),
        ("d'angelo", ["Jean-Luc D’Angelo"]),
        ("(495) 123-45-67", ["Дмитрий Иванов"]),
    ],
)
async def test_search(
    client: httpx.AsyncClient, owner: Account, query: str, expected: list[str]
) -> None:
    for person in PEOPLE:
        created = await client.post("/v1/contacts", headers=owner.headers, json=person)
        assert created.status_code == 201, created.text
    found = await client.get("/v1/contacts", headers=owner.headers, params={"search": query})
    assert found.status_code == 200, found.text
    assert sorted(c["name"] for c in found.json()["items"]) == expected


async def test_duplicate_and_upsert(client: httpx.AsyncClient, owner: Account) -> None:
    first = await client.post(
        "/v1/contacts", headers=owner.headers, json={"name": "A B", "email": "a@b.co"}
    )
    again = await client.post(
        "/v1/contacts", headers=owner.headers, json={"name": "A C", "email": "A@B.co"}
    )
    assert again.status_code == 409
    assert again.json()["code"] == "CONTACT_EXISTS"
    assert again.json()["details"]["id"] == first.json()["id"]
    upsert = await client.post(
        "/v1/contacts?upsert=true",
        headers=owner.headers,
        json={"email": "a@b.co", "lead_status": "qualified"},
    )
    assert upsert.status_code == 200
    assert upsert.json()["lead_status"] == "qualified"
    assert upsert.json()["first_name"] == "A"


async def test_erase_and_export(client: httpx.AsyncClient, owner: Account) -> None:
    contact = (
        await client.post(
            "/v1/contacts", headers=owner.headers, json={"name": "Eve", "lead_status": "new"}
        )
    ).json()
    deal = await client.post(
        "/v1/deals",
        headers=owner.headers,
        json={"title": "Big", "value": "1200.50", "contact_id": contact["id"]},
    )
    assert deal.status_code == 201, deal.text
    exported = await client.get(f"/v1/contacts/{contact['id']}/export", headers=owner.headers)
    assert exported.status_code == 200
    body = exported.json()
    assert body["contact"]["name"] == "Eve"
    assert [d["title"] for d in body["deals"]] == ["Big"]
    assert {e["type"] for e in body["events"]} == {"contact.created", "lead.created"}
    erased = await client.delete(f"/v1/contacts/{contact['id']}?erase=true", headers=owner.headers)
    assert erased.status_code == 204
    gone = await client.get(f"/v1/contacts/{contact['id']}", headers=owner.headers)
    assert gone.status_code == 404
    deals = await client.get("/v1/deals", headers=owner.headers)
    assert deals.json()["total"] == 0
    found = await client.get("/v1/contacts", headers=owner.headers, params={"search": "eve"})
    assert found.json()["total"] == 0
