from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Model
from frontdesk.db.types import JSONDoc


class Action(Model):
    """A tool an agent can use: extract information, call an HTTP API, transfer, text, book, end."""

    __tablename__ = "actions"
    __table_args__ = (Index("ix_actions_workspace_created", "workspace_id", "created_at"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(Text)
    config: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
