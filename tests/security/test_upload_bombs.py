"""Files that are small on the wire and huge to read: a DOCX zip bomb and a PDF of 20,000 pages
end `failed` with a reason, quickly and without the worker's memory growing; over-size uploads
and bodies are 413."""

from __future__ import annotations

import io
import resource
import time
import uuid
import zipfile
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pypdf import PdfWriter
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.app import create_app
from frontdesk.jobs.worker import Worker
from frontdesk.kit.ratelimit import RateLimiter
from frontdesk.knowledge import parsing
from frontdesk.knowledge.models import KnowledgeChunk, KnowledgeSource
from frontdesk.settings import Settings
from tests.fixtures.factories import Account

MiB = 1024 * 1024


def docx_with_body(paragraphs: bytes, xml_bytes: int) -> bytes:
    """A real Word file whose word/document.xml is `paragraphs` repeated to about `xml_bytes`."""
    import docx

    document = docx.Document()
    document.add_paragraph("The start of a very long document.")
    plain = io.BytesIO()
    document.save(plain)
    original = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in original.infolist():
            if info.filename != "word/document.xml":
                archive.writestr(info, original.read(info.filename))
                continue
            head, tail = original.read(info.filename).split(b"<w:body>")
            block = paragraphs * max(1, 64 * 1024 // len(paragraphs))
            with archive.open("word/document.xml", "w") as xml:
                xml.write(head + b"<w:body>")
                written = len(head) + len(tail) + len(b"<w:body>")
                while written + len(block) <= xml_bytes:
                    xml.write(block)
                    written += len(block)
                xml.write(tail)
    return out.getvalue()


def docx_bomb(unpacked_mib: int = 300) -> bytes:
    """A real Word file whose document.xml inflates to `unpacked_mib` MiB of paragraphs."""
    paragraph = b"<w:p><w:r><w:t>" + b"A" * 1000 + b"</w:t></w:r></w:p>"
    return docx_with_body(paragraph, unpacked_mib * MiB)


# The most work per byte of XML: the smallest paragraphs, and sections of one word each.
TINY_PARAGRAPH = b"<w:p><w:r><w:t>word</w:t></w:r></w:p>"
TINY_SECTION = (
    b'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Part</w:t></w:r></w:p>'
    + TINY_PARAGRAPH
)
TEXT_PART_CAP = parsing.Limits().max_document_xml_bytes


def many_pages_pdf(pages: int = 20_000) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(72, 72)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def _kb(client: httpx.AsyncClient, account: Account) -> str:
    kb = await client.post("/v1/knowledge-bases", headers=account.headers, json={"name": "KB"})
    assert kb.status_code == 201, kb.text
    return str(kb.json()["id"])


async def _upload(
    client: httpx.AsyncClient, account: Account, kb_id: str, name: str, content: bytes
) -> httpx.Response:
    return await client.post(
        f"/v1/knowledge-bases/{kb_id}/sources",
        headers=account.headers,
        files={"file": (name, io.BytesIO(content), "application/octet-stream")},
    )


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@pytest.mark.parametrize(
    ("name", "make", "says"),
    [
        ("bomb.docx", docx_bomb, "unpacks to 300 MiB; at most 100 MiB"),
        ("pages.pdf", many_pages_pdf, "has 20000 pages; at most 2000"),
    ],
)
async def test_bombs_fail_fast_with_a_reason(
    client: httpx.AsyncClient,
    owner: Account,
    session: AsyncSession,
    ingest_worker: Worker,
    name: str,
    make: Any,
    says: str,
) -> None:
    content = make()
    assert len(content) < 5 * MiB  # small on the wire, under every upload cap
    kb_id = await _kb(client, owner)
    created = await _upload(client, owner, kb_id, name, content)
    assert created.status_code == 201, created.text
    peak_before, started = _peak_rss_mib(), time.monotonic()
    await ingest_worker.run_until_idle()
    elapsed, grown = time.monotonic() - started, _peak_rss_mib() - peak_before
    source = (
        await client.get(
            f"/v1/knowledge-bases/{kb_id}/sources/{created.json()['id']}", headers=owner.headers
        )
    ).json()
    assert source["status"] == "failed", source
    assert says in source["error"]
    assert elapsed < 15, elapsed
    assert grown < 150, f"peak memory grew by {grown:.0f} MiB"
    chunks = await session.scalar(
        select(func.count()).where(KnowledgeChunk.source_id == uuid.UUID(source["id"]))
    )
    assert chunks == 0


@pytest.mark.parametrize(
    ("xml_bytes", "says"),
    [
        (TEXT_PART_CAP - 64 * 1024, "The document is too long ("),
        (TEXT_PART_CAP + MiB, "text is 21.0 MiB of XML; at most 20.0 MiB are read"),
    ],
)
async def test_the_largest_word_text_is_read_or_refused_in_bounded_time(
    client: httpx.AsyncClient,
    owner: Account,
    session: AsyncSession,
    ingest_worker: Worker,
    xml_bytes: int,
    says: str,
) -> None:
    """Word text just under the cap, as hundreds of thousands of one-word sections, is read in
    full (then refused for its chunk count); just over the cap, it is refused unread."""
    content = docx_with_body(TINY_SECTION, xml_bytes)
    kb_id = await _kb(client, owner)
    created = await _upload(client, owner, kb_id, "sections.docx", content)
    assert created.status_code == 201, created.text
    started = time.monotonic()
    await ingest_worker.run_until_idle()
    elapsed = time.monotonic() - started
    source = (
        await client.get(
            f"/v1/knowledge-bases/{kb_id}/sources/{created.json()['id']}", headers=owner.headers
        )
    ).json()
    assert source["status"] == "failed", source
    assert says in source["error"]
    assert elapsed < 120, elapsed  # many minutes with python-docx's reader; seconds here
    chunks = await session.scalar(
        select(func.count()).where(KnowledgeChunk.source_id == uuid.UUID(source["id"]))
    )
    assert chunks == 0


def test_the_largest_word_text_of_tiny_paragraphs_is_read_whole() -> None:
    content = docx_with_body(TINY_PARAGRAPH, TEXT_PART_CAP - 64 * 1024)
    started = time.monotonic()
    document = parsing.parse(content, "docx")
    elapsed = time.monotonic() - started
    paragraphs = (TEXT_PART_CAP - 64 * 1024) // len(TINY_PARAGRAPH)
    assert len(document.blocks) == pytest.approx(paragraphs, rel=0.01)
    assert {b.text for b in document.blocks} == {"word", "The start of a very long document."}
    assert elapsed < 120, elapsed


def test_the_caps_are_settings() -> None:
    with pytest.raises(parsing.UnreadableDocument, match="30 pages; at most 10"):
        parsing.parse(many_pages_pdf(30), "pdf", parsing.Limits(max_pages=10))
    with pytest.raises(parsing.UnreadableDocument, match="unpacks to 2 MiB; at most 1 MiB"):
        parsing.parse(docx_bomb(2), "docx", parsing.Limits(max_unpacked_bytes=MiB))
    defaults = Settings.model_fields
    assert defaults["max_document_pages"].default == parsing.MAX_PAGES
    assert defaults["max_unpacked_bytes"].default == parsing.MAX_UNPACKED_BYTES


@pytest.fixture
async def small_caps_client(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(
        settings.model_copy(update={"max_upload_bytes": 64 * 1024, "max_body_bytes": 4096})
    )
    app.state.sessionmaker = sessionmaker
    app.state.read_sessionmaker = sessionmaker
    app.state.rate_limiter = RateLimiter()
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
    await app.state.engine.dispose()


async def test_oversize_uploads_and_bodies_are_413(
    small_caps_client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    kb_id = await _kb(small_caps_client, owner)
    upload = await _upload(small_caps_client, owner, kb_id, "big.txt", b"word " * 20_000)
    assert upload.status_code == 413
    assert upload.json()["code"] == "PAYLOAD_TOO_LARGE"
    text = await small_caps_client.post(
        f"/v1/knowledge-bases/{kb_id}/sources",
        headers=owner.headers,
        json={"type": "text", "name": "big", "content": "word " * 2000},
    )
    assert text.status_code == 413
    assert text.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert await session.scalar(select(func.count()).select_from(KnowledgeSource)) == 0
    fits = await _upload(small_caps_client, owner, kb_id, "small.txt", b"word " * 1000)
    assert fits.status_code == 201
