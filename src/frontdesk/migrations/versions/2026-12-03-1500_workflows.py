"""workflows and their executions; the depth of events started by workflow runs; ratings

Revision ID: 7d2e4b1c8a90
Revises: 5c1a7e2b9d40
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import frontdesk.db.types

revision: str = "7d2e4b1c8a90"
down_revision: str | None = "5c1a7e2b9d40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _stamps() -> list[sa.Column[Any]]:
    return [
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "workflows",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("trigger_type", sa.String(length=40), nullable=False),
        sa.Column("trigger_config", JSON, nullable=False),
        sa.Column("nodes", JSON, nullable=False),
        sa.Column("edges", JSON, nullable=False),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workflows_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflows")),
    )
    op.create_index(
        "ix_workflows_workspace_trigger", "workflows", ["workspace_id", "trigger_type", "enabled"]
    )
    op.create_table(
        "workflow_executions",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("workflow_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("triggered_by", sa.String(length=40), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=True),
        sa.Column("test", sa.Boolean(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("trigger_data", JSON, nullable=False),
        sa.Column("log", JSON, nullable=False),
        sa.Column("pending", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("execution_time_ms", sa.Float(), nullable=True),
        sa.Column("executed_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=True),
        *_stamps(),
        sa.ForeignKeyConstraint(
            ["workflow_id"],
            ["workflows.id"],
            name=op.f("fk_workflow_executions_workflow_id_workflows"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_workflow_executions_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_executions")),
    )
    op.create_index(
        "ix_workflow_executions_workflow_created",
        "workflow_executions",
        ["workflow_id", "created_at"],
    )
    op.create_index(
        "ix_workflow_executions_workflow_status", "workflow_executions", ["workflow_id", "status"]
    )
    op.create_index(
        op.f("ix_workflow_executions_workspace_id"), "workflow_executions", ["workspace_id"]
    )
    op.add_column("events", sa.Column("depth", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("conversations", sa.Column("rating", sa.Integer(), nullable=True))
    op.add_column("conversations", sa.Column("rating_comment", sa.Text(), nullable=True))
    op.add_column(
        "conversations",
        sa.Column("rated_at", frontdesk.db.types.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("rated_at")
        batch.drop_column("rating_comment")
        batch.drop_column("rating")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("depth")
    op.drop_index(op.f("ix_workflow_executions_workspace_id"), table_name="workflow_executions")
    op.drop_index("ix_workflow_executions_workflow_status", table_name="workflow_executions")
    op.drop_index("ix_workflow_executions_workflow_created", table_name="workflow_executions")
    op.drop_table("workflow_executions")
    op.drop_index("ix_workflows_workspace_trigger", table_name="workflows")
    op.drop_table("workflows")
