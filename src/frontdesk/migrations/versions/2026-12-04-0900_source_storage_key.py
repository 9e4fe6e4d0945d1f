"""knowledge sources: the storage key of an upload kept in object storage

Revision ID: 3e8a5c1f7b26
Revises: 9b3f6a2d1e57
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3e8a5c1f7b26"
down_revision: str | None = "9b3f6a2d1e57"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "knowledge_sources", sa.Column("storage_key", sa.String(length=500), nullable=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("knowledge_sources") as batch:
        batch.drop_column("storage_key")
