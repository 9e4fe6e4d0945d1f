"""calls, and the workspace's keys for hosted speech providers

Revision ID: 93bfc12e7eec
Revises: 7c2d4f8e1b90
Create Date: 2026-12-03 08:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import frontdesk.db.types

revision: str = "93bfc12e7eec"
down_revision: str | None = "7c2d4f8e1b90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("conversation_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=True),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_call_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("end_call_reason", sa.String(length=40), nullable=True),
        sa.Column("end_detail", sa.String(length=60), nullable=True),
        sa.Column("phone_number_from", sa.String(length=20), nullable=True),
        sa.Column("phone_number_to", sa.String(length=20), nullable=True),
        sa.Column("lead_name", sa.String(length=200), nullable=True),
        sa.Column("start_time", frontdesk.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_time", frontdesk.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("transcript", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("sentiment", sa.String(length=10), nullable=True),
        sa.Column("emotions", JSON, nullable=False),
        sa.Column("key_phrases", JSON, nullable=False),
        sa.Column("executed_actions", JSON, nullable=False),
        sa.Column("prompt_variables", JSON, nullable=False),
        sa.Column("prompt_override", sa.Text(), nullable=True),
        sa.Column("greeting_override", sa.Text(), nullable=True),
        sa.Column("recording_path", sa.String(length=300), nullable=True),
        sa.Column("recording_seconds", sa.Float(), nullable=True),
        sa.Column("recording_bytes", sa.Integer(), nullable=True),
        sa.Column("cost", sa.Numeric(precision=12, scale=6), nullable=True),
        sa.Column("cost_breakdown", JSON, nullable=False),
        sa.Column("latency", JSON, nullable=False),
        sa.Column("turns", JSON, nullable=False),
        sa.Column("analysis", JSON, nullable=True),
        sa.Column("metadata", JSON, nullable=False),
        sa.Column("node", sa.String(length=100), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_calls_agent_id_agents"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_calls_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_calls_conversation_id_conversations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_calls_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calls")),
    )
    with op.batch_alter_table("calls", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calls_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_calls_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_calls_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_calls_provider_call_id"), ["provider_call_id"], unique=False
        )
        batch_op.create_index(
            "ix_calls_workspace_created", ["workspace_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_calls_workspace_status", ["workspace_id", "status"], unique=False)

    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voice_secrets", JSON, nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("voice_secrets")
    op.drop_table("calls")
