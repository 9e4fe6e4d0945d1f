"""knowledge bases, sources, chunks, term statistics, embedding cache

Revision ID: 5b1c0e7d9a21
Revises: 0ff19fc82855
Create Date: 2026-12-01 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from frontdesk.db.types import JSONDoc, UTCDateTime
from frontdesk.knowledge.vectors import EmbeddingColumn

revision: str = "5b1c0e7d9a21"
down_revision: str | None = "0ff19fc82855"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# FTS5 keeps its own copy of the indexed words; `kb` holds the base as one token, so a search
# in one base intersects two posting lists instead of filtering every match of a common word.
SQLITE_SEARCH = [
    """CREATE VIRTUAL TABLE knowledge_chunks_fts USING fts5(
        kb, body, tokenize='unicode61 remove_diacritics 0', detail='column')""",
    """CREATE TRIGGER knowledge_chunks_fts_insert AFTER INSERT ON knowledge_chunks BEGIN
        INSERT INTO knowledge_chunks_fts(rowid, kb, body)
        VALUES (new.rowid, 'kb' || new.knowledge_base_id, new.search_text);
    END""",
    """CREATE TRIGGER knowledge_chunks_fts_delete AFTER DELETE ON knowledge_chunks BEGIN
        DELETE FROM knowledge_chunks_fts WHERE rowid = old.rowid;
    END""",
]
POSTGRES_SEARCH = [
    """ALTER TABLE knowledge_chunks ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED""",
    "CREATE INDEX ix_knowledge_chunks_search_vector ON knowledge_chunks USING gin (search_vector)",
    # One HNSW index per embedding dimension; the embedded model's is made here, others on use.
    """CREATE INDEX ix_knowledge_chunks_hnsw_384 ON knowledge_chunks
        USING hnsw ((embedding::vector(384)) vector_cosine_ops) WHERE dimensions = 384""",
]


def _times() -> list[sa.Column]:
    return [
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "knowledge_bases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text()),
        sa.Column("rag_use_condition", sa.Text()),
        sa.Column("embedding", JSONDoc, nullable=False),
        sa.Column("chunk_size", sa.Integer(), nullable=False),
        sa.Column("chunk_overlap", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float()),
        sa.Column("no_answer_message", sa.Text()),
        sa.Column("chunk_total", sa.BigInteger(), nullable=False),
        sa.Column("token_total", sa.BigInteger(), nullable=False),
        sa.Column("index_version", sa.BigInteger(), nullable=False),
        *_times(),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_knowledge_bases_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_bases")),
    )
    op.create_index(
        "ix_knowledge_bases_workspace_created", "knowledge_bases", ["workspace_id", "created_at"]
    )
    op.create_table(
        "knowledge_sources",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("knowledge_base_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("url", sa.String(2000)),
        sa.Column("filename", sa.String(300)),
        sa.Column("mime_type", sa.String(100)),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary()),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("chunk_count", sa.Integer(), nullable=False),
        sa.Column("processed_chunks", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer()),
        sa.Column("processed_at", UTCDateTime()),
        sa.Column("generation", sa.Integer(), nullable=False),
        *_times(),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_knowledge_sources_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["knowledge_base_id"],
            ["knowledge_bases.id"],
            name=op.f("fk_knowledge_sources_knowledge_base_id_knowledge_bases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_sources")),
    )
    op.create_index(
        "ix_knowledge_sources_base_created",
        "knowledge_sources",
        ["knowledge_base_id", "created_at"],
    )
    op.create_index(
        op.f("ix_knowledge_sources_workspace_id"), "knowledge_sources", ["workspace_id"]
    )
    op.create_table(
        "knowledge_chunks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("knowledge_base_id", sa.Uuid(), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("token_count", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("context_hash", sa.String(64)),
        sa.Column("meta", JSONDoc, nullable=False),
        sa.Column("dimensions", sa.Integer(), nullable=False),
        sa.Column("embedding", EmbeddingColumn(), nullable=False),
        *_times(),
        sa.ForeignKeyConstraint(
            ["knowledge_base_id"],
            ["knowledge_bases.id"],
            name=op.f("fk_knowledge_chunks_knowledge_base_id_knowledge_bases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["knowledge_sources.id"],
            name=op.f("fk_knowledge_chunks_source_id_knowledge_sources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_chunks")),
    )
    op.create_index(
        "ix_knowledge_chunks_source_position",
        "knowledge_chunks",
        ["source_id", "position"],
        unique=True,
    )
    op.create_index("ix_knowledge_chunks_base", "knowledge_chunks", ["knowledge_base_id"])
    op.create_index(op.f("ix_knowledge_chunks_workspace_id"), "knowledge_chunks", ["workspace_id"])
    op.create_table(
        "knowledge_terms",
        sa.Column("knowledge_base_id", sa.Uuid(), nullable=False),
        sa.Column("term", sa.String(60), nullable=False),
        sa.Column("df", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["knowledge_base_id"],
            ["knowledge_bases.id"],
            name=op.f("fk_knowledge_terms_knowledge_base_id_knowledge_bases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("knowledge_base_id", "term", name=op.f("pk_knowledge_terms")),
    )
    op.create_table(
        "embedding_cache",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("model_key", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_embedding_cache_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id", "model_key", "content_hash", name=op.f("pk_embedding_cache")
        ),
    )
    statements = SQLITE_SEARCH if op.get_bind().dialect.name == "sqlite" else POSTGRES_SEARCH
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS knowledge_chunks_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS knowledge_chunks_fts")
    op.drop_table("embedding_cache")
    op.drop_table("knowledge_terms")
    op.drop_table("knowledge_chunks")
    op.drop_table("knowledge_sources")
    op.drop_table("knowledge_bases")
