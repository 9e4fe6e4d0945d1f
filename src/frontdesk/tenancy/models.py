from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Model
from frontdesk.db.types import JSONDoc, UTCDateTime


class Workspace(Model):
    """A tenant. A workspace with a `parent_id` is a subaccount of an agency's workspace."""

    __tablename__ = "workspaces"

    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    business_hours: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    llm: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    voice: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    # Hosted speech providers: {name: encrypted key}, and openai_base_url in clear.
    voice_secrets: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    telephony_provider: Mapped[str] = mapped_column(String(20), default="simulated")
    twilio_account_sid: Mapped[str | None] = mapped_column(String(64))
    twilio_auth_token_encrypted: Mapped[str | None] = mapped_column(Text)
    concurrency: Mapped[int | None] = mapped_column(Integer)
    # Chats with no message for this long end by themselves (0: never).
    conversation_idle_minutes: Mapped[int] = mapped_column(Integer, default=30, server_default="30")


class Membership(Model):
    """A person's role in a workspace; `status` is `invited` until the invite is accepted."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("workspace_id", "email"),
        Index("ix_memberships_user_id", "user_id"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE")
    )
    email: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="active")
    invite_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invite_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    invited_by_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL")
    )
