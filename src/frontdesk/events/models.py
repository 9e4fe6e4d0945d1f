from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Model
from frontdesk.db.types import JSONDoc


class Event(Model):
    """A domain event (`lead.created`, `call.ended`, ...), written with the change it reports."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_workspace_created", "workspace_id", "created_at"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    type: Mapped[str] = mapped_column(String(100))
    # The person the event is about, so that erasing them erases it (and its deliveries).
    contact_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    # How many workflow runs in a row led to this event (0: a person, a call, the API).
    depth: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
