"""A worker killed with SIGKILL in the middle of an ingestion: the next one resumes it, and the
source ends `processed` with every chunk once and statistics that match the chunks."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from frontdesk.db.engine import create_sessionmaker
from frontdesk.jobs import service as job_service
from frontdesk.knowledge.models import KnowledgeBase, KnowledgeChunk, KnowledgeSource, KnowledgeTerm
from frontdesk.knowledge.service import INGEST_JOB
from frontdesk.tenancy.models import Workspace
from tests.jobs.test_crash_safety import _wait_for, _worker, fresh_engine

pytestmark = pytest.mark.slow
__all__ = ["fresh_engine"]

TEXT = "\n\n".join(
    f"Paragraph {n}: the {word} model of our grinder needs a burr clean every {n % 9 + 2} weeks."
    for n, word in zip(
        range(3000), ["alpha", "bravo", "charlie", "delta", "echo"] * 600, strict=True
    )
)


async def test_killed_worker_resumes_ingestion(
    fresh_engine: tuple[str, AsyncEngine], tmp_root: Path
) -> None:
    url, engine = fresh_engine
    maker = create_sessionmaker(engine)
    async with maker() as session:
        workspace = Workspace(name="Crash", llm={}, voice={})
        session.add(workspace)
        await session.flush()
        kb = KnowledgeBase(
            workspace_id=workspace.id, name="Manuals", chunk_size=50, chunk_overlap=0
        )
        session.add(kb)
        await session.flush()
        source = KnowledgeSource(
            workspace_id=workspace.id,
            knowledge_base_id=kb.id,
            type="text",
            name="Grinder",
            size_bytes=len(TEXT),
            content=TEXT.encode(),
            status="processing",
            chunk_count=0,
            processed_chunks=0,
            generation=0,
        )
        session.add(source)
        await session.flush()
        await job_service.enqueue(
            session, INGEST_JOB, {"source_id": str(source.id), "generation": 0}
        )
        await session.commit()
        kb_id, source_id = kb.id, source.id

    progress: dict[str, Any] = {"done": 0, "total": 0, "status": "processing"}

    async def poll() -> None:
        async with maker() as session:
            row = await session.get_one(KnowledgeSource, source_id, populate_existing=True)
            progress.update(done=row.processed_chunks, total=row.chunk_count, status=row.status)

    data_dir = tmp_root / "ingest-crash"
    data_dir.mkdir(exist_ok=True)
    log = data_dir / "workers.log"
    first = _worker(url, data_dir, log)
    try:
        for _ in range(1200):
            await poll()
            if progress["done"] >= 200:
                break
            await asyncio.sleep(0.1)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        await poll()
        assert 0 < progress["done"] < progress["total"], progress
    finally:
        if first.poll() is None:
            first.kill()
    second = _worker(url, data_dir, log)
    try:

        async def finished() -> bool:
            await poll()
            return progress["status"] != "processing"

        for _ in range(3000):
            if await finished():
                break
            await asyncio.sleep(0.1)
        assert progress["status"] == "processed", log.read_text()[-3000:]
        async with maker() as session:
            chunks = await session.scalar(
                select(func.count()).where(KnowledgeChunk.source_id == source_id)
            )
            positions = await session.scalar(
                select(func.count(func.distinct(KnowledgeChunk.position))).where(
                    KnowledgeChunk.source_id == source_id
                )
            )
            kb_row = await session.get_one(KnowledgeBase, kb_id, populate_existing=True)
            texts = (
                await session.scalars(
                    select(KnowledgeChunk.search_text).where(KnowledgeChunk.source_id == source_id)
                )
            ).all()
            alpha = await session.scalar(
                select(KnowledgeTerm.df).where(
                    KnowledgeTerm.knowledge_base_id == kb_id, KnowledgeTerm.term == "alpha"
                )
            )
        assert chunks == positions == progress["total"] == kb_row.chunk_total
        assert kb_row.token_total == sum(len(t.split()) for t in texts)
        assert alpha == sum("alpha" in t.split() for t in texts)
        second.send_signal(signal.SIGTERM)
        second.wait(30)
    finally:
        if second.poll() is None:
            second.kill()
    await _wait_for(lambda: True, 0)
