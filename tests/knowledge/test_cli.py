"""`frontdesk kb ingest` and `frontdesk kb search` as a user runs them, on a fresh database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from frontdesk.db.engine import create_engine, create_sessionmaker
from frontdesk.db.migrate import upgrade
from frontdesk.knowledge.models import KnowledgeBase, KnowledgeSource
from frontdesk.settings import Settings
from frontdesk.tenancy.models import Workspace
from tests.knowledge import documents

pytestmark = pytest.mark.slow
FRONTDESK = str(Path(sys.executable).with_name("frontdesk"))


async def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(
        subprocess.run, [FRONTDESK, *args], env=env, capture_output=True, text=True, timeout=300
    )


async def test_ingest_and_search_from_the_terminal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    engine = create_engine(Settings(database_url=url, data_dir=tmp_path))
    await upgrade(engine)
    maker = create_sessionmaker(engine)
    async with maker() as session:
        workspace = Workspace(name="CLI", llm={}, voice={})
        session.add(workspace)
        await session.flush()
        kb = KnowledgeBase(workspace_id=workspace.id, name="Manuals")
        session.add(kb)
        await session.commit()
        kb_id = str(kb.id)
    manual = tmp_path / "kettle.pdf"
    manual.write_bytes(
        documents.pdf([["Descale the kettle every month with white vinegar."], ["Boil twice."]])
    )
    notes = tmp_path / "notes.md"
    notes.write_text("# Guarantee\n\nThe kettle has a three-year guarantee.")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really")
    env = {**os.environ, "FRONTDESK_DATABASE_URL": url, "FRONTDESK_DATA_DIR": str(tmp_path)}
    ingest = await _run(["kb", "ingest", kb_id, str(manual), str(notes), str(broken)], env)
    assert ingest.returncode == 1, ingest.stderr  # one file failed, and says so
    assert "kettle.pdf" in ingest.stderr
    assert "damaged" in ingest.stderr
    async with maker() as session:
        from sqlalchemy import select

        statuses = dict(
            (await session.execute(select(KnowledgeSource.name, KnowledgeSource.status))).all()
        )
    assert statuses == {"kettle.pdf": "processed", "notes.md": "processed", "broken.pdf": "failed"}
    search = await _run(["kb", "search", kb_id, "how do I descale it?", "--limit", "2"], env)
    assert search.returncode == 0, search.stderr
    assert "vinegar" in search.stdout
    assert "kettle.pdf" in search.stdout
    missing = await _run(["kb", "search", "not-an-id", "x"], env)
    assert missing.returncode == 2
    assert "not a knowledge base id" in missing.stderr
    await engine.dispose()
