"""knowledge chunks: the full-text GIN index without a pending list (PostgreSQL)

With `fastupdate` on, rows added since the last vacuum wait in a pending list that every search
scans in full: right after a large ingestion, keyword search was ten times slower until autovacuum
came by. Inserting into the index at once costs little next to embedding the passages.

Revision ID: 6d2f9a4c8e13
Revises: 3e8a5c1f7b26
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "6d2f9a4c8e13"
down_revision: str | None = "3e8a5c1f7b26"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_knowledge_chunks_search_vector"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER INDEX {INDEX} SET (fastupdate = off)")
    op.execute(f"SELECT gin_clean_pending_list('{INDEX}')")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER INDEX {INDEX} RESET (fastupdate)")
