"""Ingestion throughput with the local embedding model: a generated PDF (pages/s to parse,
chunks/s and pages/s end to end), then the same document again into another base of the
workspace (the embedding cache makes it cost only parsing and indexing).

    .venv/bin/python -m bench.ingestion [--pages 40] [--databases sqlite,postgresql]
        [--no-windows]

`--no-windows` embeds each passage once, as if the model read it whole (no windows for long
passages), to show what the windows cost.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import time
from pathlib import Path

from sqlalchemy import func, select

from bench.common import database, machine, table
from frontdesk.db.engine import create_engine, create_sessionmaker
from frontdesk.db.migrate import upgrade
from frontdesk.knowledge import embeddings, parsing, tasks
from frontdesk.knowledge import service as knowledge_service
from frontdesk.knowledge.models import (
    KnowledgeBase,
    KnowledgeChunk,
    KnowledgeSource,
    KnowledgeWindow,
)
from frontdesk.settings import Settings
from frontdesk.tenancy.models import Workspace

WORDS = (
    "customer order delivery refund invoice account password warranty repair appointment "
    "subscription payment card shipping return product support technician schedule discount "
    "voucher store branch opening hours holiday parcel courier tracking address phone email"
).split()


def _pdf(pages: int) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    rng = random.Random(5)
    styles = getSampleStyleSheet()
    story: list[object] = []
    for page in range(pages):
        story.append(Paragraph(f"Section {page + 1}", styles["Heading2"]))
        for _ in range(4):
            sentences = [
                " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "."
                for _ in range(5)
            ]
            story.append(Paragraph(" ".join(sentences), styles["BodyText"]))
        story.append(PageBreak())
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return buffer.getvalue()


async def _run(url: str, content: bytes, pages: int) -> list[list[str]]:
    engine = create_engine(Settings(database_url=url, data_dir=Path("/tmp/frontdesk-bench")))
    await upgrade(engine)
    maker = create_sessionmaker(engine)
    rows = []
    started = time.perf_counter()
    document = parsing.parse(content, parsing.sniff(content, "manual.pdf"))
    parse_seconds = time.perf_counter() - started
    rows.append(["parse only (pypdf)", f"{pages / parse_seconds:.1f} pages/s", ""])
    async with maker() as session:
        workspace = Workspace(name="Bench", llm={}, voice={})
        session.add(workspace)
        await session.commit()
    for label in ("first upload (embeds every chunk)", "same file, another base (cached)"):
        async with maker() as session:
            kb = KnowledgeBase(workspace_id=workspace.id, name=label)
            session.add(kb)
            await session.flush()
            source = await knowledge_service.add_file(
                session, None, kb, "manual.pdf", "application/pdf", content
            )
            await session.commit()
            source_id = source.id
        started = time.perf_counter()
        status = await tasks.ingest_source(
            maker, None, source_id, 0, allow_private=True, max_bytes=50 << 20
        )
        seconds = time.perf_counter() - started
        async with maker() as session:
            done = await session.get_one(KnowledgeSource, source_id)
            windows = await session.scalar(
                select(func.count())
                .select_from(KnowledgeWindow)
                .join(KnowledgeChunk)
                .where(KnowledgeChunk.source_id == source_id)
            )
        assert status == "processed", done.error
        rows.append(
            [
                label,
                f"{pages / seconds:.2f} pages/s",
                f"{done.chunk_count / seconds:.1f} chunks/s ({done.chunk_count} chunks, "
                f"{windows} windows, {seconds:.1f} s)",
            ]
        )
    del document
    await engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-windows", action="store_true")
    args = parser.parse_args()
    if args.no_windows:
        embeddings.LocalEmbedder.windows = lambda self, text: []  # type: ignore[method-assign]
    content = _pdf(args.pages)
    print(f"machine: {machine()}; a {args.pages}-page PDF, {len(content) // 1024} KiB")
    for kind in args.databases.split(","):
        with database(kind) as url:
            rows = asyncio.run(_run(url, content, args.pages))
        print(f"\n{kind}")
        print(table(["what", "pages", "chunks"], rows))


if __name__ == "__main__":
    main()
