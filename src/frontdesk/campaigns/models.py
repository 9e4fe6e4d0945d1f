from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Model
from frontdesk.db.types import JSONDoc, UTCDateTime


class Campaign(Model):
    """An outbound calling campaign: an agent, recipients, when to call and how often."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_workspace_status", "workspace_id", "status"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    agent_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("agents.id", ondelete="SET NULL"), index=True
    )
    # draft, active, paused, completed, cancelled
    status: Mapped[str] = mapped_column(String(20), default="draft")
    from_number: Mapped[str | None] = mapped_column(String(20))
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    calling_hours: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    max_concurrent_calls: Mapped[int] = mapped_column(Integer, default=1)
    retry: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    custom_variables: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    recipient_count: Mapped[int] = mapped_column(Integer, default=0)
    # The distinct time zones of the recipients: calling hours are checked per zone.
    timezones: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CampaignRecipient(Model):
    """One person a campaign calls, with the attempts made so far."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "phone_number"),
        Index("ix_campaign_recipients_due", "campaign_id", "status", "next_attempt_at"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("campaigns.id", ondelete="CASCADE")
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    phone_number: Mapped[str] = mapped_column(String(20))
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    # pending, calling, completed, no_answer, busy, voicemail, failed, cancelled, skipped
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_call_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    last_outcome: Mapped[str | None] = mapped_column(String(30))
