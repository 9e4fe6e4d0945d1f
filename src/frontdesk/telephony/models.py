from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
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


class SMSMessage(Model):
    """A text message sent (or received) through the workspace's phone network."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        Index("ix_sms_messages_workspace_created", "workspace_id", "created_at"),
        Index("ix_sms_messages_provider_message", "provider", "provider_message_id"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    call_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # The conversation message this text carries (a reply sent, a customer's text received).
    message_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    direction: Mapped[str] = mapped_column(String(10), default="outbound")
    from_number: Mapped[str] = mapped_column(String(20))
    to_number: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(20))
    provider_message_id: Mapped[str | None] = mapped_column(String(64))
    # queued (not yet handed to the network), sent, delivered, undelivered, failed, not_sent
    # (the number opted out meanwhile); received for inbound texts.
    status: Mapped[str] = mapped_column(String(20), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
