from __future__ import annotations

import csv
import io
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.crm.gdpr import CONTACT_TABLES
from frontdesk.db.base import Base
from frontdesk.events.models import Event
from frontdesk.jobs.worker import Worker
from frontdesk.settings import Settings
from frontdesk.tenancy.roles import Role
from tests.fixtures.factories import Account, make_account


async def _contact(client: httpx.AsyncClient, account: Account, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/contacts", headers=account.headers, json=fields)
    assert response.status_code == 201, response.text
    return response.json()


async def test_names_kept_consistent(client: httpx.AsyncClient, owner: Account) -> None:
    split = await _contact(client, owner, name="Mary Ann Smith")
    assert (split["first_name"], split["last_name"]) == ("Mary", "Ann Smith")
    joined = await _contact(client, owner, first_name="Li", last_name="Wei")
    assert joined["name"] == "Li Wei"
    renamed = await client.patch(
        f"/v1/contacts/{joined['id']}", headers=owner.headers, json={"last_name": "Na"}
    )
    assert renamed.json()["name"] == "Li Na"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"phone_number": "12345"}, "phone_number"),
        ({"lead_status": "hot"}, "lead_status"),
        ({"qualification_score": 101}, "qualification_score"),
        ({"qualification_score": -1}, "qualification_score"),
        ({"metadata": {"blob": "x" * 20000}}, "metadata"),
        ({"tags": [f"t{n}" for n in range(51)]}, "tags"),
        ({"nickname": "x"}, "nickname"),
    ],
)
async def test_bad_contact_input(
    client: httpx.AsyncClient, owner: Account, fields: dict[str, Any], field: str
) -> None:
    response = await client.post("/v1/contacts", headers=owner.headers, json=fields)
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert field in response.json()["details"]


async def test_filters_and_update_clash(client: httpx.AsyncClient, owner: Account) -> None:
    a = await _contact(client, owner, name="A", email="a@x.io", tags=["vip"], lead_status="new")
    b = await _contact(client, owner, name="B", email="b@x.io", lead_status="qualified")
    by_tag = (await client.get("/v1/contacts?tag=vip", headers=owner.headers)).json()
    assert [c["id"] for c in by_tag["items"]] == [a["id"]]
    by_status = (
        await client.get("/v1/contacts?lead_status=qualified", headers=owner.headers)
    ).json()
    assert [c["id"] for c in by_status["items"]] == [b["id"]]
    clash = await client.patch(
        f"/v1/contacts/{b['id']}", headers=owner.headers, json={"email": "A@x.io"}
    )
    assert clash.status_code == 409
    assert clash.json()["details"]["id"] == a["id"]


async def test_lead_events(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    contact = await _contact(client, owner, name="Eve", lead_status="new")
    url = f"/v1/contacts/{contact['id']}"
    await client.patch(url, headers=owner.headers, json={"lead_status": "qualified"})
    await client.patch(url, headers=owner.headers, json={"lead_status": "booked"})
    types = (
        await session.scalars(
            select(Event.type)
            .where(Event.workspace_id == owner.workspace.id)
            .order_by(Event.created_at, Event.id)
        )
    ).all()
    assert list(types) == [
        "contact.created",
        "lead.created",
        "lead.status_changed",
        "lead.qualified",
        "lead.status_changed",
        "meeting.booked",
    ]


async def test_roles_and_other_workspaces(
    client: httpx.AsyncClient, session: AsyncSession, owner: Account, stranger: Account
) -> None:
    contact = await _contact(client, owner, name="Zed", email="zed@x.io")
    for role in (Role.viewer, Role.agent):
        account = await make_account(session, role, workspace=owner.workspace)
        assert (
            await client.post("/v1/contacts", headers=account.headers, json={"name": "n"})
        ).status_code == 403
        assert (
            await client.get(f"/v1/contacts/{contact['id']}", headers=account.headers)
        ).status_code == 200
    url = f"/v1/contacts/{contact['id']}"
    for method, path in (
        ("GET", url),
        ("PATCH", url),
        ("DELETE", url),
        ("GET", f"{url}/export"),
        ("GET", f"{url}/conversations"),
    ):
        response = await client.request(
            method, path, headers=stranger.headers, json={} if method == "PATCH" else None
        )
        assert response.status_code == 404, (method, path)
    found = await client.get("/v1/contacts?search=zed", headers=stranger.headers)
    assert found.json()["total"] == 0


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["name", "email", "phone", "company", "status", "plan"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


async def test_import_ten_thousand_rows_with_bad_ones(
    client: httpx.AsyncClient,
    owner: Account,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    # Only the import runs here; the 20,000 events it emits are fanned out elsewhere.
    worker = Worker(sessionmaker, settings, concurrency=1, kinds=["crm.import_contacts"])
    existing = await _contact(client, owner, name="Old", email="person5@example.com")
    rows = []
    bad_lines: dict[int, str] = {}
    for n in range(10_000):
        row = {
            "name": f"Person {n}",
            "email": f"person{n}@example.com",
            "phone": "",
            "company": "Acme",
            "status": "new",
            "plan": "gold",
        }
        line = n + 2  # the header is line 1
        if n % 997 == 3:
            row["email"] = "broken-address"
            bad_lines[line] = "email"
        elif n % 991 == 7:
            row["status"] = "lukewarm"
            bad_lines[line] = "lead_status"
        elif n % 983 == 11:
            row["phone"] = "12"
            bad_lines[line] = "phone_number"
        rows.append(row)
    rows.append(dict(rows[0]))  # the same e-mail twice in the file
    started = await client.post(
        "/v1/contacts/import",
        headers=owner.headers,
        files={"file": ("people.csv", _csv(rows), "text/csv")},
        data={"on_duplicate": "update"},
    )
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "pending"
    await worker.run_until_idle()
    report = (
        await client.get(f"/v1/contacts/imports/{started.json()['id']}", headers=owner.headers)
    ).json()
    assert report["status"] == "completed"
    assert report["total_rows"] == 10_001
    reported = {e["line"]: set(e["errors"]) for e in report["errors"]}
    assert {line: {field} for line, field in bad_lines.items()} == {
        line: fields for line, fields in reported.items() if line in bad_lines
    }
    assert reported[10_002] == {"row"}  # the duplicate last line
    assert report["failed_count"] == len(bad_lines) + 1
    assert report["updated_count"] == 1  # person5 existed
    assert report["created_count"] == 10_000 - len(bad_lines) - 1
    found = await client.get("/v1/contacts?search=person 4242", headers=owner.headers)
    assert [c["name"] for c in found.json()["items"]] == ["Person 4242"]
    assert found.json()["items"][0]["metadata"] == {"plan": "gold"}
    updated = (await client.get(f"/v1/contacts/{existing['id']}", headers=owner.headers)).json()
    assert updated["name"] == "Person 5"


async def test_import_reports_a_row_with_a_nul_character(
    client: httpx.AsyncClient,
    owner: Account,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    """A NUL in a cell is that row's error (PostgreSQL cannot store it); the others land."""
    worker = Worker(sessionmaker, settings, concurrency=1, kinds=["crm.import_contacts"])
    content = b"name,email\nAda\x00Lovelace,ada@example.com\nGrace Hopper,grace@example.com\n"
    started = await client.post(
        "/v1/contacts/import",
        headers=owner.headers,
        files={"file": ("people.csv", content, "text/csv")},
    )
    assert started.status_code == 202, started.text
    await worker.run_until_idle()
    report = (
        await client.get(f"/v1/contacts/imports/{started.json()['id']}", headers=owner.headers)
    ).json()
    assert report["status"] == "completed"
    assert (report["created_count"], report["failed_count"]) == (1, 1)
    assert [(e["line"], set(e["errors"])) for e in report["errors"]] == [(2, {"name"})]


async def test_import_refusals(
    client: httpx.AsyncClient, owner: Account, stranger: Account
) -> None:
    not_csv = await client.post(
        "/v1/contacts/import",
        headers=owner.headers,
        files={"file": ("x.png", b"\x89PNG", "image/png")},
    )
    assert not_csv.status_code == 415
    no_columns = await client.post(
        "/v1/contacts/import",
        headers=owner.headers,
        files={"file": ("x.csv", b"foo,bar\n1,2\n", "text/csv")},
    )
    assert no_columns.status_code == 400
    latin1 = await client.post(
        "/v1/contacts/import",
        headers=owner.headers,
        files={"file": ("x.csv", "name\nJos\xe9\n".encode("latin-1"), "text/csv")},
    )
    assert latin1.status_code == 400
    nul_name = await client.post(  # written out by hand: clients escape a NUL in a file name
        "/v1/contacts/import",
        headers={**owner.headers, "Content-Type": "multipart/form-data; boundary=B"},
        content=b'--B\r\nContent-Disposition: form-data; name="file"; filename="x\x00.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\nname\nA\n\r\n--B--\r\n",
    )
    assert nul_name.status_code == 400  # was a 500 on PostgreSQL
    assert set(nul_name.json()["details"]) == {"file"}
    ok = await client.post(
        "/v1/contacts/import",
        headers=owner.headers,
        files={"file": ("x.csv", b"name\nA\n", "text/csv")},
    )
    other = await client.get(f"/v1/contacts/imports/{ok.json()['id']}", headers=stranger.headers)
    assert other.status_code == 404


async def test_csv_export(client: httpx.AsyncClient, owner: Account, stranger: Account) -> None:
    await _contact(client, owner, name="Exported", email="e@x.io", tags=["a", "b"])
    await client.post("/v1/contacts", headers=stranger.headers, json={"name": "Not mine"})
    response = await client.get("/v1/contacts/export", headers=owner.headers)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["name"] for r in rows] == ["Exported"]
    assert rows[0]["tags"] == "a;b"


async def test_erasure_leaves_nothing(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession, worker: Worker
) -> None:
    await client.post(
        "/v1/webhooks", headers=owner.headers, json={"url": "http://127.0.0.1:9/h", "events": ["*"]}
    )
    contact = await _contact(
        client,
        owner,
        name="Gone Person",
        email="gone@x.io",
        phone_number="+14155550177",
        lead_status="qualified",
    )
    cid = contact["id"]
    await client.post("/v1/deals", headers=owner.headers, json={"title": "D", "contact_id": cid})
    store = (
        await client.post("/v1/memory-stores", headers=owner.headers, json={"name": "M"})
    ).json()
    await client.post(
        f"/v1/memory-stores/{store['id']}/contacts/{cid}/attach", headers=owner.headers
    )
    agent = (
        await client.post(
            "/v1/agents",
            headers=owner.headers,
            json={"name": "A", "type": "chat", "llm": {"provider": "scripted"}},
        )
    ).json()
    await client.post(
        "/v1/conversations",
        headers=owner.headers,
        json={"agent_id": agent["id"], "contact_id": cid},
    )
    await worker.run_until_idle()
    exported = (await client.get(f"/v1/contacts/{cid}/export", headers=owner.headers)).json()
    assert exported["webhook_deliveries"]
    assert exported["conversations"]
    assert exported["memories"]

    erased = await client.delete(f"/v1/contacts/{cid}?erase=true", headers=owner.headers)
    assert erased.status_code == 204
    for table in Base.metadata.sorted_tables:
        columns = {c.name for c in table.columns}
        if "contact_id" in columns:
            left = await session.scalar(
                text(f"SELECT count(*) FROM {table.name} WHERE contact_id = :c"),
                {"c": uuid.UUID(cid).hex if session.get_bind().dialect.name == "sqlite" else cid},
            )
            assert left == 0, table.name
    for name in ("events", "webhook_deliveries"):
        rows = (await session.execute(text(f"SELECT * FROM {name}"))).all()
        assert not any("gone@x.io" in str(r) or "Gone Person" in str(r) for r in rows), name
    audit = (await client.get("/v1/audit-logs?action=contact.erase", headers=owner.headers)).json()
    [entry] = audit["items"]
    assert "gone" not in str(entry).lower()
    assert (await client.get("/v1/contacts?search=gone", headers=owner.headers)).json()[
        "total"
    ] == 0


def test_every_table_with_a_contact_id_is_erased() -> None:
    holding = {
        t.name for t in Base.metadata.sorted_tables if "contact_id" in {c.name for c in t.columns}
    }
    missing = holding - set(CONTACT_TABLES)
    assert not missing, f"add to frontdesk.crm.gdpr.CONTACT_TABLES: {sorted(missing)}"
