from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Model
from frontdesk.db.types import JSONDoc, UTCDateTime


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


class Booking(Model):
    """A meeting booked through a `real_time_booking` action: a slot of its calendar."""

    __tablename__ = "bookings"
    __table_args__ = (
        # One confirmed booking per slot of a calendar: the database refuses a double booking.
        Index(
            "uq_bookings_action_start_confirmed",
            "action_id",
            "starts_at",
            unique=True,
            sqlite_where=text("status = 'confirmed'"),
            postgresql_where=text("status = 'confirmed'"),
        ),
        Index("ix_bookings_workspace_starts", "workspace_id", "starts_at"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    action_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("actions.id", ondelete="CASCADE"))
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="confirmed")  # confirmed, cancelled
