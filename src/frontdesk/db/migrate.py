"""Apply Alembic migrations to the configured database."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Every process migrates as it starts; on PostgreSQL they take turns (SQLite's write lock
# already makes them), so processes started together do not apply the same revision twice.
MIGRATION_LOCK = 0x66726F6E74  # "front"

# The header lines of a revision file: `revision: str = "…"`, `down_revision: … = "…"` (or a
# tuple of ids, for a merge).
_HEADER = re.compile(r"^(revision|down_revision)\b[^=\n]*=(.*)$", re.MULTILINE)
_ID = re.compile(r"[\"']([\w-]+)[\"']")


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option(
        "file_template", "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s"
    )
    return config


def script_heads() -> set[str]:
    """The revisions no other revision builds on, read from the files' headers without loading
    Alembic or the files (the same set as Alembic's heads, which a test checks)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _HEADER.findall(path.read_text(encoding="utf-8")):
            (revisions if name == "revision" else parents).update(_ID.findall(value))
    return revisions - parents


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _current(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


async def at_head(engine: AsyncEngine) -> bool:
    """Whether the database is at the only head, asked in one statement: a start on a migrated
    database then loads neither Alembic nor the revision files."""
    heads = script_heads()
    if len(heads) != 1:
        return False
    async with engine.connect() as conn:
        try:
            rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        except DBAPIError:  # no version table yet: a new database
            return False
    return [row[0] for row in rows] == list(heads)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    if revision == "head" and await at_head(engine):
        return
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Held until this transaction ends; the next process then finds the schema current.
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        await conn.run_sync(_upgrade, revision)


async def is_current(engine: AsyncEngine) -> bool:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    async with engine.connect() as conn:
        current = await conn.run_sync(_current)
    return current == head
