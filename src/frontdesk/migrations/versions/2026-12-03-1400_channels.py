"""channels: web_chat, sms, voice and api channels; SMS opt-outs and delivery statuses

Revision ID: 5c1a7e2b9d40
Revises: ff01f761ecc1
Create Date: 2026-12-03 14:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import frontdesk.db.types

revision: str = "5c1a7e2b9d40"
down_revision: str | None = "ff01f761ecc1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=False),
        sa.Column("config", JSON, nullable=False),
        sa.Column("phone_number", sa.String(length=20), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_channels_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_channels_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channels")),
    )
    op.create_index(op.f("ix_channels_agent_id"), "channels", ["agent_id"])
    op.create_index(op.f("ix_channels_workspace_id"), "channels", ["workspace_id"])
    op.create_index(
        "uq_channels_type_phone",
        "channels",
        ["type", "phone_number"],
        unique=True,
        sqlite_where=sa.text("phone_number IS NOT NULL"),
        postgresql_where=sa.text("phone_number IS NOT NULL"),
    )
    op.create_index(op.f("ix_conversations_channel_id"), "conversations", ["channel_id"])
    op.add_column(
        "contacts",
        sa.Column("sms_opted_out_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column("messages", sa.Column("delivery_status", sa.String(length=20), nullable=True))
    op.add_column("sms_messages", sa.Column("message_id", sa.Uuid(), nullable=True))
    op.create_index(
        "ix_sms_messages_provider_message", "sms_messages", ["provider", "provider_message_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_sms_messages_provider_message", table_name="sms_messages")
    with op.batch_alter_table("sms_messages") as batch:
        batch.drop_column("message_id")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("delivery_status")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("sms_opted_out_at")
    op.drop_index(op.f("ix_conversations_channel_id"), table_name="conversations")
    op.drop_index("uq_channels_type_phone", table_name="channels")
    op.drop_index(op.f("ix_channels_workspace_id"), table_name="channels")
    op.drop_index(op.f("ix_channels_agent_id"), table_name="channels")
    op.drop_table("channels")
