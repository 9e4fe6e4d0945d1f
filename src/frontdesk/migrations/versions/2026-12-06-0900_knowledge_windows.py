"""knowledge windows: more embeddings of passages longer than the model reads at once

Passages stored before this revision have none and are searched as before; re-processing their
source (re-crawl, a new embedding model, a new upload) adds them.

Revision ID: 8a4e2c6b1d39
Revises: 6d2f9a4c8e13
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from frontdesk.knowledge.vectors import EmbeddingColumn

revision: str = "8a4e2c6b1d39"
down_revision: str | None = "6d2f9a4c8e13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "knowledge_windows",
        sa.Column("chunk_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("knowledge_base_id", sa.Uuid(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("dimensions", sa.Integer(), nullable=False),
        sa.Column("embedding", EmbeddingColumn(), nullable=False),
        sa.ForeignKeyConstraint(
            ["chunk_id"],
            ["knowledge_chunks.id"],
            name=op.f("fk_knowledge_windows_chunk_id_knowledge_chunks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["knowledge_base_id"],
            ["knowledge_bases.id"],
            name=op.f("fk_knowledge_windows_knowledge_base_id_knowledge_bases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("chunk_id", "number", name=op.f("pk_knowledge_windows")),
    )
    op.create_index("ix_knowledge_windows_base", "knowledge_windows", ["knowledge_base_id"])
    if op.get_bind().dialect.name == "postgresql":
        # As for passages: one HNSW index per embedding dimension, the embedded model's here.
        op.execute(
            "CREATE INDEX ix_knowledge_windows_hnsw_384 ON knowledge_windows "
            "USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE dimensions = 384"
        )


def downgrade() -> None:
    op.drop_table("knowledge_windows")
