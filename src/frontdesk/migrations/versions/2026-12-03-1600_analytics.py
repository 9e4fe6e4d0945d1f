"""analytics: daily rollups of conversations, replies and calls; replies' response times

Revision ID: 9b3f6a2d1e57
Revises: 7d2e4b1c8a90
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "9b3f6a2d1e57"
down_revision: str | None = "7d2e4b1c8a90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _daily(name: str, *columns: sa.Column[Any]) -> None:
    op.create_table(
        name,
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f(f"fk_{name}_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(f"ix_{name}_workspace_day", name, ["workspace_id", "day"])


def upgrade() -> None:
    op.add_column("messages", sa.Column("response_ms", sa.Float(), nullable=True))
    latency = (
        "(ai_metadata->>'latency_ms')::float"
        if op.get_bind().dialect.name == "postgresql"
        else "CAST(json_extract(ai_metadata, '$.latency_ms') AS REAL)"
    )
    op.execute(f"UPDATE messages SET response_ms = {latency} WHERE sender_type = 'agent'")
    agent_only = sa.text("sender_type = 'agent'")
    op.create_index(
        "ix_messages_replies",
        "messages",
        ["workspace_id", "created_at", "response_ms"],
        sqlite_where=agent_only,
        postgresql_where=agent_only,
    )
    open_only = sa.text("status IN ('active', 'pending')")
    op.create_index(
        "ix_conversations_open",
        "conversations",
        ["workspace_id", "created_at"],
        sqlite_where=open_only,
        postgresql_where=open_only,
    )
    op.create_table(
        "analytics_rollup_state",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("rolled_through", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_analytics_rollup_state_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", name=op.f("pk_analytics_rollup_state")),
    )
    _daily(
        "analytics_daily_conversations",
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("conversations", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Float(), nullable=False),
        sa.Column("ratings", sa.Integer(), nullable=False),
    )
    _daily(
        "analytics_daily_replies",
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("latency_sum", sa.Float(), nullable=False),
        sa.Column("latencies", sa.Integer(), nullable=False),
    )
    _daily(
        "analytics_daily_calls",
        sa.Column("agent_id", sa.Uuid(), nullable=True),
        sa.Column("campaign_id", sa.Uuid(), nullable=True),
        sa.Column("direction", sa.String(length=10), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=True),
        sa.Column("end_call_reason", sa.String(length=40), nullable=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("duration_sum", sa.Float(), nullable=False),
        sa.Column("durations", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Numeric(18, 6), nullable=False),
    )


def downgrade() -> None:
    for name in (
        "analytics_daily_calls",
        "analytics_daily_replies",
        "analytics_daily_conversations",
    ):
        op.drop_index(f"ix_{name}_workspace_day", table_name=name)
        op.drop_table(name)
    op.drop_table("analytics_rollup_state")
    op.drop_index("ix_conversations_open", table_name="conversations")
    op.drop_index("ix_messages_replies", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("response_ms")
