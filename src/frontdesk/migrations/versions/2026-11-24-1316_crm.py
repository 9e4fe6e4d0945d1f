"""crm

Revision ID: 67fdb6599122
Revises: 934b471517b3
Create Date: 2026-11-24 13:16:47.161194
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import frontdesk.db.types

revision: str = "67fdb6599122"
down_revision: str | None = "934b471517b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


SQLITE_SEARCH = [
    """CREATE VIRTUAL TABLE contacts_fts USING fts5(
        search_text, content='contacts', content_rowid='rowid',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
        INSERT INTO contacts_fts(rowid, search_text) VALUES (new.rowid, new.search_text);
    END""",
    """CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
        INSERT INTO contacts_fts(contacts_fts, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
    END""",
    """CREATE TRIGGER contacts_fts_update AFTER UPDATE OF search_text ON contacts BEGIN
        INSERT INTO contacts_fts(contacts_fts, rowid, search_text)
        VALUES ('delete', old.rowid, old.search_text);
        INSERT INTO contacts_fts(rowid, search_text) VALUES (new.rowid, new.search_text);
    END""",
]
POSTGRES_SEARCH = [
    """ALTER TABLE contacts ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED""",
    "CREATE INDEX ix_contacts_search_vector ON contacts USING gin (search_vector)",
]


def _contact_search() -> None:
    """Full-text search on contacts: FTS5 kept by triggers, or a generated tsvector."""
    statements = SQLITE_SEARCH if op.get_bind().dialect.name == "sqlite" else POSTGRES_SEARCH
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:

    op.create_table(
        "contact_imports",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=True),
        sa.Column("on_duplicate", sa.String(length=10), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column(
            "errors",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_contact_imports_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_imports")),
    )
    with op.batch_alter_table("contact_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contact_imports_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "contacts",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("first_name", sa.String(length=150), nullable=True),
        sa.Column("last_name", sa.String(length=150), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone_number", sa.String(length=20), nullable=True),
        sa.Column("company_name", sa.String(length=300), nullable=True),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "metadata",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("lead_status", sa.String(length=20), nullable=True),
        sa.Column("qualification_score", sa.Integer(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_contacts_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_contacts_workspace_created", ["workspace_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_contacts_workspace_status", ["workspace_id", "lead_status"], unique=False
        )
        batch_op.create_index(
            "uq_contacts_workspace_email",
            ["workspace_id", "email"],
            unique=True,
            sqlite_where=sa.text("email IS NOT NULL"),
            postgresql_where=sa.text("email IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_contacts_workspace_phone",
            ["workspace_id", "phone_number"],
            unique=True,
            sqlite_where=sa.text("phone_number IS NOT NULL"),
            postgresql_where=sa.text("phone_number IS NOT NULL"),
        )

    _contact_search()

    op.create_table(
        "memory_stores",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_memory_stores_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memory_stores")),
    )
    with op.batch_alter_table("memory_stores", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_memory_stores_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "phonebooks",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_phonebooks_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phonebooks")),
    )
    with op.batch_alter_table("phonebooks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_phonebooks_workspace_id"), ["workspace_id"], unique=False
        )

    op.create_table(
        "deals",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("value", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("expected_close_date", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_deals_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_deals_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deals")),
    )
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deals_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index("ix_deals_workspace_stage", ["workspace_id", "stage"], unique=False)

    op.create_table(
        "memory_store_agents",
        sa.Column("memory_store_id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["memory_store_id"],
            ["memory_stores.id"],
            name=op.f("fk_memory_store_agents_memory_store_id_memory_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memory_store_agents")),
        sa.UniqueConstraint(
            "memory_store_id",
            "agent_id",
            name=op.f("uq_memory_store_agents_memory_store_id_agent_id"),
        ),
    )
    with op.batch_alter_table("memory_store_agents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_memory_store_agents_agent_id"), ["agent_id"], unique=False
        )

    op.create_table(
        "memory_store_contacts",
        sa.Column("memory_store_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("memory", sa.Text(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_memory_store_contacts_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["memory_store_id"],
            ["memory_stores.id"],
            name=op.f("fk_memory_store_contacts_memory_store_id_memory_stores"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memory_store_contacts")),
        sa.UniqueConstraint(
            "memory_store_id",
            "contact_id",
            name=op.f("uq_memory_store_contacts_memory_store_id_contact_id"),
        ),
    )
    with op.batch_alter_table("memory_store_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_memory_store_contacts_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "phonebook_entries",
        sa.Column("phonebook_id", sa.Uuid(), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("transfer_condition", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["phonebook_id"],
            ["phonebooks.id"],
            name=op.f("fk_phonebook_entries_phonebook_id_phonebooks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_phonebook_entries_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phonebook_entries")),
    )
    with op.batch_alter_table("phonebook_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_phonebook_entries_phonebook_id"), ["phonebook_id"], unique=False
        )

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_events_contact_id"), ["contact_id"], unique=False)

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_notifications_contact_id"), ["contact_id"], unique=False
        )

    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_contact_id"), ["contact_id"], unique=False
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS contacts_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS contacts_fts")

    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_deliveries_contact_id"))
        batch_op.drop_column("contact_id")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_contact_id"))
        batch_op.drop_column("contact_id")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_contact_id"))
        batch_op.drop_column("contact_id")

    with op.batch_alter_table("phonebook_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phonebook_entries_phonebook_id"))

    op.drop_table("phonebook_entries")
    with op.batch_alter_table("memory_store_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memory_store_contacts_contact_id"))

    op.drop_table("memory_store_contacts")
    with op.batch_alter_table("memory_store_agents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memory_store_agents_agent_id"))

    op.drop_table("memory_store_agents")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_index("ix_deals_workspace_stage")
        batch_op.drop_index(batch_op.f("ix_deals_contact_id"))

    op.drop_table("deals")
    with op.batch_alter_table("phonebooks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phonebooks_workspace_id"))

    op.drop_table("phonebooks")
    with op.batch_alter_table("memory_stores", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memory_stores_workspace_id"))

    op.drop_table("memory_stores")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_contacts_workspace_phone",
            sqlite_where=sa.text("phone_number IS NOT NULL"),
            postgresql_where=sa.text("phone_number IS NOT NULL"),
        )
        batch_op.drop_index(
            "uq_contacts_workspace_email",
            sqlite_where=sa.text("email IS NOT NULL"),
            postgresql_where=sa.text("email IS NOT NULL"),
        )
        batch_op.drop_index("ix_contacts_workspace_status")
        batch_op.drop_index("ix_contacts_workspace_created")

    op.drop_table("contacts")
    with op.batch_alter_table("contact_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_imports_workspace_id"))

    op.drop_table("contact_imports")
