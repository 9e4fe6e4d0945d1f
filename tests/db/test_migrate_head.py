"""Start-up on a migrated database: one statement tells it is at the head, and neither Alembic
nor the revision files are loaded."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import text

from frontdesk.db.engine import create_engine
from frontdesk.db.migrate import alembic_config, at_head, script_heads, upgrade
from frontdesk.settings import Settings
from tests.fixtures.databases import create_database, drop_database


def test_heads_read_from_the_files_are_alembics() -> None:
    assert script_heads() == set(ScriptDirectory.from_config(alembic_config()).get_heads())


async def test_a_database_behind_the_head_is_migrated(tmp_root: Path) -> None:
    url = await create_database(tmp_root)
    engine = create_engine(Settings(database_url=url, data_dir=tmp_root))
    try:
        assert not await at_head(engine)  # no version table yet
        script = ScriptDirectory.from_config(alembic_config())
        head = script.get_revision(script.get_current_head() or "head")
        assert head is not None
        parent = head.down_revision
        assert isinstance(parent, str)
        await upgrade(engine, parent)  # the revision before the last
        assert not await at_head(engine)
        await upgrade(engine)
        assert await at_head(engine)
        async with engine.connect() as conn:
            versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        assert [v[0] for v in versions] == list(script_heads())
    finally:
        await engine.dispose()
        await drop_database(url)


def test_start_up_at_the_head_does_not_load_alembic(database_url: str, engine: object) -> None:
    # `engine` (the session's) has migrated the database.
    script = (
        "import asyncio, sys\n"
        "from frontdesk.db.engine import create_engine\n"
        "from frontdesk.db.migrate import upgrade\n"
        "from frontdesk.settings import get_settings\n"
        "async def main():\n"
        "    engine = create_engine(get_settings())\n"
        "    await upgrade(engine)\n"
        "    await engine.dispose()\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    env = {**os.environ, "FRONTDESK_DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
