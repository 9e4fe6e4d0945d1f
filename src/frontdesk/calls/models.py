from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, Numeric, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Model
from frontdesk.db.types import JSONDoc, UTCDateTime


class Call(Model):
    """A phone or browser call between a contact and an agent; its words are a conversation."""

    __tablename__ = "calls"
    __table_args__ = (
        Index("ix_calls_workspace_created", "workspace_id", "created_at"),
        Index("ix_calls_workspace_status", "workspace_id", "status"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    agent_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("agents.id", ondelete="SET NULL"), index=True
    )
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    recipient_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    direction: Mapped[str] = mapped_column(String(10))  # inbound | outbound | web
    provider: Mapped[str] = mapped_column(String(20))  # twilio | simulated | web | local
    provider_call_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(30), default="queued")
    end_call_reason: Mapped[str | None] = mapped_column(String(40))
    end_detail: Mapped[str | None] = mapped_column(String(60))
    phone_number_from: Mapped[str | None] = mapped_column(String(20))
    phone_number_to: Mapped[str | None] = mapped_column(String(20))
    lead_name: Mapped[str | None] = mapped_column(String(200))
    start_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_time: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration: Mapped[int | None] = mapped_column(Integer)  # seconds
    transcript: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(Text)
    sentiment: Mapped[str | None] = mapped_column(String(10))
    emotions: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    key_phrases: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    executed_actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    prompt_variables: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    prompt_override: Mapped[str | None] = mapped_column(Text)
    greeting_override: Mapped[str | None] = mapped_column(Text)
    # The recording's key in storage after `recordings/`: `<workspace>/<contact>/<call>.wav`.
    recording_path: Mapped[str | None] = mapped_column(String(300))
    recording_seconds: Mapped[float | None] = mapped_column(Float)
    recording_bytes: Mapped[int | None] = mapped_column(Integer)
    cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 6))
    cost_breakdown: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    latency: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)  # p50_ms, p95_ms
    turns: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)  # per turn
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDoc, default=dict)
    # The process that holds the live call's audio (for hang-up requests from elsewhere).
    node: Mapped[str | None] = mapped_column(String(100))
    # Outbound: a queued call is dialed from `dial_at` on, when the workspace has room.
    dial_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    dial_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Refreshed while the call's audio runs; a stale one means its process died.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def on_phone_line(self) -> bool:
        """Whether a phone network carries the call (a browser or local one has no line to
        hand over)."""
        return self.direction != "web" and self.provider not in ("web", "local")
