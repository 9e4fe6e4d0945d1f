from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Model


class PhoneNumber(Model):
    """A phone number owned by a workspace, routing inbound calls to one agent."""

    __tablename__ = "phone_numbers"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    # E.164; a number belongs to one workspace of the deployment at a time.
    phone_number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    provider: Mapped[str] = mapped_column(String(20), default="simulated")
    agent_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
