"""Knowledge uploads in the bucket: the bytes go there under the source's key, ingestion reads
them back, and deleting a source or a base removes them. With local storage the bytes stay in
the row, as before."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.jobs.worker import Worker
from frontdesk.knowledge.models import KnowledgeSource
from tests.fixtures.factories import Account
from tests.jobs.conftest import worker
from tests.knowledge import documents
from tests.knowledge.conftest import ingest_worker, make_kb, search, source_of, upload
from tests.storage.conftest import Bucket

__all__ = ["ingest_worker", "worker"]

HOURS = (
    b"Opening hours\n\nThe shop is open from 9am to 6pm on weekdays. On Saturday we open at "
    b"10am and close at 4pm. We are closed on Sundays and public holidays.\n"
)


async def test_an_upload_is_kept_in_the_bucket_and_ingested_from_it(
    client: httpx.AsyncClient,
    owner: Account,
    session: AsyncSession,
    ingest_worker: Worker,
    s3_settings: Bucket,
) -> None:
    kb = await make_kb(client, owner)
    handbook = documents.pdf(
        [["Parking: staff may park in the north car park after 8am."]], title="Handbook"
    )
    created = await upload(client, owner, kb["id"], "Staff handbook (2026).pdf", handbook)
    assert created.status_code == 201, created.text
    texts = await upload(client, owner, kb["id"], "hours.txt", HOURS, "text/plain")
    assert texts.status_code == 201, texts.text
    folder = f"uploads/{owner.workspace.id}/{kb['id']}/"
    pdf_key = f"{folder}{created.json()['id']}/Staff_handbook_2026_.pdf"
    assert s3_settings.keys(folder) == sorted([pdf_key, f"{folder}{texts.json()['id']}/hours.txt"])
    assert s3_settings.read(pdf_key) == handbook
    row = await session.get_one(KnowledgeSource, uuid.UUID(created.json()["id"]))
    assert (row.storage_key, row.content) == (pdf_key, None)

    await ingest_worker.run_until_idle()
    for source in (created.json(), texts.json()):
        assert (await source_of(client, owner, kb["id"], source["id"]))["status"] == "processed"
    parking = await search(client, owner, kb["id"], "where can staff park?")
    assert "north car park" in parking[0]["content"]
    saturday = await search(client, owner, kb["id"], "when do you open on Saturday?")
    assert "10am" in saturday[0]["content"]


async def test_deleting_a_source_or_a_base_removes_its_files(
    client: httpx.AsyncClient, owner: Account, worker: Worker, s3_settings: Bucket
) -> None:
    kb = await make_kb(client, owner)
    other = await make_kb(client, owner)
    first = (await upload(client, owner, kb["id"], "a.txt", b"Alpha document text.")).json()
    await upload(client, owner, kb["id"], "b.txt", b"Bravo document text.")
    await upload(client, owner, other["id"], "c.txt", b"Charlie document text.")
    folder = f"uploads/{owner.workspace.id}/{kb['id']}/"
    assert len(s3_settings.keys(folder)) == 2
    deleted = await client.delete(
        f"/v1/knowledge-bases/{kb['id']}/sources/{first['id']}", headers=owner.headers
    )
    assert deleted.status_code == 204
    await worker.run_until_idle()
    assert [k.split("/")[3] for k in s3_settings.keys(folder)] != [first["id"]]
    assert len(s3_settings.keys(folder)) == 1
    gone = await client.delete(f"/v1/knowledge-bases/{kb['id']}", headers=owner.headers)
    assert gone.status_code == 204
    await worker.run_until_idle()
    assert s3_settings.keys(folder) == []
    assert len(s3_settings.keys(f"uploads/{owner.workspace.id}/{other['id']}/")) == 1


async def test_local_storage_keeps_the_bytes_in_the_row(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession, ingest_worker: Worker
) -> None:
    kb = await make_kb(client, owner)
    created = await upload(client, owner, kb["id"], "hours.txt", HOURS, "text/plain")
    row = await session.get_one(KnowledgeSource, uuid.UUID(created.json()["id"]))
    assert (row.storage_key, row.content) == (None, HOURS)
    await ingest_worker.run_until_idle()
    assert "10am" in (await search(client, owner, kb["id"], "Saturday opening"))[0]["content"]


async def test_deleting_a_subaccount_removes_its_files(
    client: httpx.AsyncClient, owner: Account, worker: Worker, s3_settings: Bucket
) -> None:
    from frontdesk.storage.service import get_storage

    created = await client.post(
        "/v1/subaccounts", headers=owner.headers, json={"subaccount_name": "Client A"}
    )
    assert created.status_code == 201, created.text
    child = created.json()["subaccount_id"]
    as_parent = {**owner.headers, "Frontdesk-Workspace": child}
    kb = await client.post("/v1/knowledge-bases", json={"name": "Help"}, headers=as_parent)
    assert kb.status_code == 201, kb.text
    sent = await client.post(
        f"/v1/knowledge-bases/{kb.json()['id']}/sources",
        headers=as_parent,
        files={"file": ("a.txt", b"Alpha document text.", "text/plain")},
    )
    assert sent.status_code == 201, sent.text
    await get_storage().put_bytes(f"recordings/{child}/no-contact/call.wav", b"RIFF")
    mine = await upload(client, owner, (await make_kb(client, owner))["id"], "b.txt", b"Bravo.")
    assert mine.status_code == 201
    assert len(s3_settings.keys(f"uploads/{child}/")) == 1
    assert s3_settings.keys(f"recordings/{child}/") == [f"recordings/{child}/no-contact/call.wav"]

    deleted = await client.delete(f"/v1/subaccounts/{child}", headers=owner.headers)
    assert deleted.status_code == 204, deleted.text
    await worker.run_until_idle()
    assert s3_settings.keys(f"uploads/{child}/") == []
    assert s3_settings.keys(f"recordings/{child}/") == []
    assert len(s3_settings.keys(f"uploads/{owner.workspace.id}/")) == 1  # the parent's stay
