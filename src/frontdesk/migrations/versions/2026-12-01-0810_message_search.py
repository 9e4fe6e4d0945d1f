"""full-text search over messages

Revision ID: 7c2d4f8e1b90
Revises: 5b1c0e7d9a21
Create Date: 2026-12-01 08:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from frontdesk.conversations.search import index_text

revision: str = "7c2d4f8e1b90"
down_revision: str | None = "5b1c0e7d9a21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_SEARCH = [
    """CREATE VIRTUAL TABLE messages_fts USING fts5(search_text,
        tokenize='unicode61 remove_diacritics 2', detail='column')""",
    """INSERT INTO messages_fts(rowid, search_text)
        SELECT rowid, search_text FROM messages WHERE search_text IS NOT NULL""",
    """CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
        WHEN new.search_text IS NOT NULL BEGIN
        INSERT INTO messages_fts(rowid, search_text) VALUES (new.rowid, new.search_text);
    END""",
    """CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        DELETE FROM messages_fts WHERE rowid = old.rowid;
    END""",
    """CREATE TRIGGER messages_fts_update AFTER UPDATE OF search_text ON messages BEGIN
        DELETE FROM messages_fts WHERE rowid = old.rowid;
        INSERT INTO messages_fts(rowid, search_text)
        SELECT new.rowid, new.search_text WHERE new.search_text IS NOT NULL;
    END""",
]
POSTGRES_SEARCH = [
    """ALTER TABLE messages ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', coalesce(search_text, ''))) STORED""",
    "CREATE INDEX ix_messages_search_vector ON messages USING gin (search_vector)",
]


def _backfill() -> None:
    """Fold the text of the messages written before this revision."""
    bind = op.get_bind()
    messages = sa.table(
        "messages",
        sa.column("id", sa.Uuid()),
        sa.column("content", sa.Text()),
        sa.column("search_text", sa.Text()),
    )
    rows = bind.execute(sa.select(messages.c.id, messages.c.content)).all()
    for start in range(0, len(rows), 1000):
        bind.execute(
            messages.update()
            .where(messages.c.id == sa.bindparam("message_id"))
            .values(search_text=sa.bindparam("folded")),
            [
                {"message_id": i, "folded": index_text(c or "")}
                for i, c in rows[start : start + 1000]
            ],
        )


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("search_text", sa.Text(), nullable=True))
    _backfill()
    statements = SQLITE_SEARCH if op.get_bind().dialect.name == "sqlite" else POSTGRES_SEARCH
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS messages_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS messages_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_messages_search_vector")
        op.execute("ALTER TABLE messages DROP COLUMN IF EXISTS search_vector")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_column("search_text")
