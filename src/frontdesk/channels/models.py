from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Model
from frontdesk.db.types import JSONDoc


class Channel(Model):
    """Where conversations come in: a website widget, a phone number's texts or calls, the API.
    Each is answered by one agent."""

    __tablename__ = "channels"
    __table_args__ = (
        # A number's texts go to one channel, and its calls to one (across the deployment, as
        # a phone number belongs to one workspace).
        Index(
            "uq_channels_type_phone",
            "type",
            "phone_number",
            unique=True,
            sqlite_where=text("phone_number IS NOT NULL"),
            postgresql_where=text("phone_number IS NOT NULL"),
        ),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    type: Mapped[str] = mapped_column(String(20))  # web_chat, sms, voice, api
    name: Mapped[str] = mapped_column(String(200))
    agent_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    config: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    # The phone number of an sms or voice channel (also in `config`), for routing.
    phone_number: Mapped[str | None] = mapped_column(String(20))
