"""Migrations at start-up: processes started together each migrate the same fresh database."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from frontdesk.db.engine import create_engine
from frontdesk.db.migrate import is_current
from frontdesk.settings import Settings
from tests.fixtures.databases import create_database, drop_database

pytestmark = pytest.mark.slow
FRONTDESK = str(Path(sys.executable).with_name("frontdesk"))


async def test_processes_started_together_all_migrate(tmp_root: Path) -> None:
    url = await create_database(tmp_root)
    env = {**os.environ, "FRONTDESK_DATABASE_URL": url, "FRONTDESK_DATA_DIR": str(tmp_root)}
    engine = create_engine(Settings(database_url=url, data_dir=tmp_root))
    try:
        processes = [
            await asyncio.create_subprocess_exec(
                FRONTDESK, "migrate", env=env, stdout=asyncio.subprocess.PIPE, stderr=-2
            )
            for _ in range(3)
        ]
        outputs = await asyncio.gather(*(p.communicate() for p in processes))
        for process, (out, _) in zip(processes, outputs, strict=True):
            assert process.returncode == 0, out.decode()[-3000:]
        assert await is_current(engine)
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert len(versions) == 1
    finally:
        await engine.dispose()
        await drop_database(url)
