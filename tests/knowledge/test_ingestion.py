"""Ingestion of real files: PDF, DOCX, HTML pages from a loopback server, text; and the files
that go wrong: corrupt, encrypted, empty, renamed binaries, non-UTF-8, duplicates."""

from __future__ import annotations

import uuid

import httpx
import numpy as np
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.events.models import Event
from frontdesk.jobs.worker import Worker
from frontdesk.knowledge.models import KnowledgeChunk, KnowledgeWindow
from tests.fixtures.factories import Account
from tests.fixtures.pages import Pages
from tests.knowledge import documents
from tests.knowledge.conftest import add_text, make_kb, search, source_of, upload

LONG = " ".join(
    f"Sentence number {n} talks about the espresso machine descaling routine." for n in range(200)
)


async def test_pdf_pages_are_kept_in_metadata(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker, session: AsyncSession
) -> None:
    kb = await make_kb(client, owner)
    content = documents.pdf(
        [
            ["Welcome to the Acme handbook.", "Our office is in Leeds."],
            ["Parking: staff may park in the north car park after 8am."],
            ["Expenses: submit receipts within 60 days through the finance portal."],
        ],
        title="Acme handbook",
    )
    response = await upload(client, owner, kb["id"], "handbook.pdf", content, "application/pdf")
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "processing"
    assert created["mime_type"] == "application/pdf"
    await ingest_worker.run_until_idle()
    source = await source_of(client, owner, kb["id"], created["id"])
    assert source["status"] == "processed", source
    assert source["page_count"] == 3
    assert source["chunk_count"] >= 1
    assert source["processed_chunks"] == source["chunk_count"]
    results = await search(client, owner, kb["id"], "where can staff park?")
    assert results[0]["metadata"]["source"] == "handbook.pdf"
    assert "north car park" in results[0]["content"]
    assert results[0]["metadata"]["page"] in (1, 2)
    events = await session.scalar(
        select(func.count()).where(
            Event.type == "knowledge_source.processed", Event.workspace_id == owner.workspace.id
        )
    )
    assert events == 1


async def test_small_chunks_keep_their_page(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker
) -> None:
    kb = await make_kb(client, owner, chunk_size=50, chunk_overlap=10)
    content = documents.pdf(
        [
            [f"Page {n} paragraph about topic {w}. " * 4]
            for n, w in enumerate(["alpha", "bravo", "charlie"], 1)
        ]
    )
    created = (await upload(client, owner, kb["id"], "topics.pdf", content)).json()
    await ingest_worker.run_until_idle()
    results = await search(client, owner, kb["id"], "charlie", mode="keyword", limit=1)
    assert results[0]["metadata"]["page"] == 3
    assert (await source_of(client, owner, kb["id"], created["id"]))["chunk_count"] >= 3


async def test_docx_headings_and_tables(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker
) -> None:
    kb = await make_kb(client, owner)
    content = documents.docx(
        [
            ("Refunds", ["Refunds are paid to the original card within five days."]),
            ("Delivery", ["Parcels leave our warehouse every weekday at noon."]),
        ],
        table=[["Plan", "Price"], ["Basic", "9 pounds"], ["Premium", "29 pounds"]],
    )
    response = await upload(client, owner, kb["id"], "policies.docx", content, name="Policies")
    assert response.status_code == 201, response.text
    await ingest_worker.run_until_idle()
    source = await source_of(client, owner, kb["id"], response.json()["id"])
    assert source["status"] == "processed", source
    results = await search(client, owner, kb["id"], "when do parcels leave the warehouse")
    assert results[0]["metadata"]["heading"] == "Delivery"
    assert results[0]["metadata"]["source"] == "Policies"
    priced = await search(client, owner, kb["id"], "premium plan price", mode="keyword")
    assert "29 pounds" in priced[0]["content"]


async def test_url_source_main_text_redirect_and_recrawl(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker, pages: Pages
) -> None:
    html = b"""<!doctype html><html><head><title>Opening times</title></head><body>
    <nav><a href="/">Home</a> <a href="/shop">Shop</a> <a href="/about">About us</a></nav>
    <main><article><h1>Opening times</h1>
    <p>The Harrogate bakery opens at 7am every day and closes at 5pm, except on Sundays when it
    closes at 2pm. Fresh sourdough is ready from 8am.</p>
    <p>On public holidays we open from 9am until noon, and we close on Christmas Day.</p>
    </article></main><footer>Copyright 2026 Bakery Ltd. Cookie settings. Newsletter.</footer>
    </body></html>"""
    pages.pages["/times"] = ("text/html; charset=utf-8", html)
    pages.redirects["/hours"] = "/times"
    kb = await make_kb(client, owner)
    response = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/sources",
        json={"type": "url", "url": pages.url("/hours")},
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    source_id = response.json()["id"]
    await ingest_worker.run_until_idle()
    source = await source_of(client, owner, kb["id"], source_id)
    assert source["status"] == "processed", source
    assert source["name"] == "Opening times"
    results = await search(client, owner, kb["id"], "what time does the bakery open on Sunday")
    assert "2pm" in results[0]["content"]
    assert all("Cookie settings" not in r["content"] for r in results)
    # The page changes; a re-crawl replaces what was indexed.
    pages.pages["/times"] = ("text/html", html.replace(b"7am", b"6am"))
    recrawled = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/sources/{source_id}/recrawl", headers=owner.headers
    )
    assert recrawled.status_code == 202
    assert recrawled.json()["status"] == "processing"
    await ingest_worker.run_until_idle()
    results = await search(client, owner, kb["id"], "what time does the bakery open")
    assert "6am" in results[0]["content"]
    assert all("7am" not in r["content"] for r in results)


async def test_url_source_that_fails(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker, pages: Pages
) -> None:
    kb = await make_kb(client, owner)
    response = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/sources",
        json={"type": "url", "url": pages.url("/missing")},
        headers=owner.headers,
    )
    await ingest_worker.run_until_idle()
    source = await source_of(client, owner, kb["id"], response.json()["id"])
    assert source["status"] == "failed"
    assert "404" in source["error"]
    bad = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/sources",
        json={"type": "url", "url": "ftp://example.com/file"},
        headers=owner.headers,
    )
    assert bad.status_code == 400
    text_only = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/sources",
        json={"type": "url", "url": pages.url("/x"), "content": "y"},
        headers=owner.headers,
    )
    assert text_only.status_code == 201


async def test_corrupt_and_encrypted_pdfs_fail_with_a_reason(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker
) -> None:
    kb = await make_kb(client, owner)
    good = documents.pdf([["A perfectly fine page of text."]])
    corrupt = good[: len(good) // 3]
    broken = (await upload(client, owner, kb["id"], "broken.pdf", corrupt)).json()
    locked = (await upload(client, owner, kb["id"], "locked.pdf", documents.encrypted_pdf())).json()
    await ingest_worker.run_until_idle()
    broken = await source_of(client, owner, kb["id"], broken["id"])
    locked = await source_of(client, owner, kb["id"], locked["id"])
    assert broken["status"] == "failed"
    assert "PDF" in broken["error"]
    assert locked["status"] == "failed"
    assert "password" in locked["error"]
    assert broken["chunk_count"] == locked["chunk_count"] == 0


async def test_wrong_types_empty_files_and_duplicates(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker
) -> None:
    kb = await make_kb(client, owner)
    renamed = await upload(client, owner, kb["id"], "manual.pdf", documents.PNG, "application/pdf")
    assert renamed.status_code == 415
    assert renamed.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    binary = await upload(client, owner, kb["id"], "notes.txt", bytes(range(256)) * 10)
    assert binary.status_code == 415
    zipped = await upload(client, owner, kb["id"], "a.docx", b"PK\x03\x04" + b"\x00" * 100)
    assert zipped.status_code == 415
    empty = await upload(client, owner, kb["id"], "empty.txt", b"")
    assert empty.status_code == 400
    assert empty.json()["code"] == "VALIDATION_ERROR"
    first = await upload(client, owner, kb["id"], "faq.md", b"# FAQ\n\nWe open at nine.")
    assert first.status_code == 201
    again = await upload(client, owner, kb["id"], "copy-of-faq.md", b"# FAQ\n\nWe open at nine.")
    assert again.status_code == 409
    assert again.json()["code"] == "SOURCE_DUPLICATE"
    assert again.json()["details"]["source_id"] == first.json()["id"]
    no_file = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/sources",
        data={"name": "x"},
        files={"other": ("a", b"b")},
        headers=owner.headers,
    )
    assert no_file.status_code == 400
    wrong_body = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/sources",
        content=b"hello",
        headers={**owner.headers, "Content-Type": "text/plain"},
    )
    assert wrong_body.status_code == 415
    whitespace = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/sources",
        json={"type": "text", "name": "blank", "content": "   \n  "},
        headers=owner.headers,
    )
    assert whitespace.status_code == 400
    await ingest_worker.run_until_idle()
    assert (await source_of(client, owner, kb["id"], first.json()["id"]))["status"] == "processed"


async def test_non_utf8_and_markdown_structure(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker
) -> None:
    kb = await make_kb(client, owner)
    latin = "Le café de la gare ouvre à sept heures; les crêpes sont servies après midi.".encode(
        "latin-1"
    )
    created = (await upload(client, owner, kb["id"], "cafe.txt", latin, "text/plain")).json()
    markdown = (
        b"# Guide\n\n## Installation\n\nRun the installer and reboot.\n\n"
        b"## Billing\n\nInvoices are sent monthly."
    )
    md = (await upload(client, owner, kb["id"], "guide.md", markdown)).json()
    await ingest_worker.run_until_idle()
    assert (await source_of(client, owner, kb["id"], created["id"]))["status"] == "processed"
    assert (await source_of(client, owner, kb["id"], md["id"]))["status"] == "processed"
    crepes = await search(client, owner, kb["id"], "crepes", mode="keyword")
    assert "crêpes" in crepes[0]["content"]
    billing = await search(client, owner, kb["id"], "invoices monthly", mode="keyword")
    assert billing[0]["metadata"]["heading"] == "Guide > Billing"


async def test_long_text_is_chunked_with_overlap_and_no_duplicates(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker, session: AsyncSession
) -> None:
    kb = await make_kb(client, owner, chunk_size=120, chunk_overlap=20)
    created = await add_text(client, owner, kb["id"], "Espresso manual", LONG)
    await ingest_worker.run_until_idle()
    source = await source_of(client, owner, kb["id"], created["id"])
    assert source["status"] == "processed"
    assert source["chunk_count"] > 10
    positions = (
        await session.scalars(
            select(KnowledgeChunk.position).where(
                KnowledgeChunk.source_id == uuid.UUID(source["id"])
            )
        )
    ).all()
    assert sorted(positions) == list(range(source["chunk_count"]))
    contents = (
        await session.scalars(
            select(KnowledgeChunk.content)
            .where(KnowledgeChunk.source_id == uuid.UUID(source["id"]))
            .order_by(KnowledgeChunk.position)
        )
    ).all()
    first_tail = contents[0].split(". ")[-1]
    assert first_tail.strip(".") in contents[1]  # neighbouring chunks overlap


async def test_reupload_costs_no_embedding(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker, monkeypatch: object
) -> None:
    from frontdesk.knowledge.embeddings import LocalEmbedder

    kb = await make_kb(client, owner)
    first = await add_text(client, owner, kb["id"], "Menu", "Soup of the day costs four pounds.")
    await ingest_worker.run_until_idle()
    await client.delete(
        f"/v1/knowledge-bases/{kb['id']}/sources/{first['id']}", headers=owner.headers
    )
    calls: list[int] = []
    original = LocalEmbedder.embed_sync

    def counting(self: LocalEmbedder, texts: list[str]) -> object:
        calls.append(len(texts))
        return original(self, texts)

    monkeypatch.setattr(LocalEmbedder, "embed_sync", counting)  # type: ignore[attr-defined]
    again = await add_text(client, owner, kb["id"], "Menu", "Soup of the day costs four pounds.")
    await ingest_worker.run_until_idle()
    assert (await source_of(client, owner, kb["id"], again["id"]))["status"] == "processed"
    assert calls == []


async def test_upload_over_the_cap_is_413(client: httpx.AsyncClient, owner: Account) -> None:
    kb = await make_kb(client, owner)
    boundary = "frontdeskboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.txt"\r\n'
        "Content-Type: text/plain\r\n\r\n"
    ).encode()

    async def body():  # type: ignore[no-untyped-def]
        yield head
        for _ in range(51):  # 51 MiB, over the 50 MiB default
            yield b"a" * (1 << 20)
        yield f"\r\n--{boundary}--\r\n".encode()

    response = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/sources",
        content=body(),
        headers={**owner.headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
    listed = await client.get(f"/v1/knowledge-bases/{kb['id']}/sources", headers=owner.headers)
    assert listed.json()["total"] == 0


FILLER = " ".join(
    f"In {1950 + n} the company opened shop number {n} and hired {n + 3} new bakers for it."
    for n in range(20)
)
TAIL = "The espresso machine must be descaled every two weeks with citric acid."


async def test_a_long_passage_is_also_embedded_in_windows_that_search_uses(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker, session: AsyncSession
) -> None:
    from frontdesk.knowledge.embeddings import LocalEmbedder

    kb = await make_kb(client, owner)
    long = await add_text(client, owner, kb["id"], "Company notes", f"{FILLER} {TAIL}")
    short = await add_text(client, owner, kb["id"], "Opening hours", "We open at nine.")
    await ingest_worker.run_until_idle()
    source = await source_of(client, owner, kb["id"], long["id"])
    assert (source["status"], source["chunk_count"]) == ("processed", 1)
    chunk = await session.scalar(
        select(KnowledgeChunk).where(KnowledgeChunk.source_id == uuid.UUID(long["id"]))
    )
    assert chunk is not None
    windows = (
        await session.scalars(
            select(KnowledgeWindow)
            .where(KnowledgeWindow.chunk_id == chunk.id)
            .order_by(KnowledgeWindow.number)
        )
    ).all()
    assert [w.number for w in windows] == list(range(len(windows)))
    assert len(windows) >= 3
    assert all(w.knowledge_base_id == chunk.knowledge_base_id for w in windows)
    assert (
        await session.scalar(
            select(func.count())
            .select_from(KnowledgeWindow)
            .join(KnowledgeChunk)
            .where(KnowledgeChunk.source_id == uuid.UUID(short["id"]))
        )
        == 0
    )  # a short passage is read whole
    # The last sentence is past what the model reads of the whole passage: only a window
    # carries it, and the passage's cosine is that window's.
    embedder = LocalEmbedder()
    query = embedder.embed_query_sync("How often should the espresso machine be descaled?")
    whole = float(np.frombuffer(chunk.embedding, dtype=np.float32) @ query)
    results = await search(
        client,
        owner,
        kb["id"],
        "How often should the espresso machine be descaled?",
        mode="vector",
        limit=2,
    )
    assert results[0]["chunk_id"] == str(chunk.id)
    best = max(float(np.frombuffer(w.embedding, dtype=np.float32) @ query) for w in windows)
    assert best > whole + 0.1
    # Deleting the source takes its windows with it.
    deleted = await client.delete(
        f"/v1/knowledge-bases/{kb['id']}/sources/{long['id']}", headers=owner.headers
    )
    assert deleted.status_code == 204
    left = await session.scalar(
        select(func.count())
        .select_from(KnowledgeWindow)
        .where(KnowledgeWindow.chunk_id == chunk.id)
    )
    assert left == 0
