from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Model
from frontdesk.db.types import JSONDoc, UTCDateTime


class Workflow(Model):
    """An automation: when its trigger fires, its nodes run from the ones nothing leads to."""

    __tablename__ = "workflows"
    __table_args__ = (
        Index("ix_workflows_workspace_trigger", "workspace_id", "trigger_type", "enabled"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    trigger_type: Mapped[str] = mapped_column(String(40))
    trigger_config: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    nodes: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    edges: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)


class WorkflowExecution(Model):
    """One run of a workflow, with what each node was given, did and took."""

    __tablename__ = "workflow_executions"
    __table_args__ = (
        Index("ix_workflow_executions_workflow_created", "workflow_id", "created_at"),
        Index("ix_workflow_executions_workflow_status", "workflow_id", "status"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    workflow_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workflows.id", ondelete="CASCADE")
    )
    # queued, running, waiting (a delay), success, failed, stopped (depth limit)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    triggered_by: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    test: Mapped[bool] = mapped_column(Boolean, default=False)
    # How many workflow runs led to this one (a workflow's action firing a trigger again).
    depth: Mapped[int] = mapped_column(Integer, default=1)
    trigger_data: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    log: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    pending: Mapped[int] = mapped_column(Integer, default=0)  # delays not yet resumed
    error: Mapped[str | None] = mapped_column(Text)
    execution_time_ms: Mapped[float | None] = mapped_column(Float)
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
