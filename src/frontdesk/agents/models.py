from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Model
from frontdesk.db.types import JSONDoc


class Agent(Model):
    """An AI agent: its prompt, model, voice and behaviour on chats and calls."""

    __tablename__ = "agents"
    __table_args__ = (Index("ix_agents_workspace_created", "workspace_id", "created_at"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(20))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    prompt: Mapped[str] = mapped_column(Text, default="")
    greeting_message: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(20), default="en-US")
    timezone: Mapped[str | None] = mapped_column(String(64))
    llm: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    voice: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    phone_number: Mapped[str | None] = mapped_column(String(20))
    external_webhook_url: Mapped[str | None] = mapped_column(String(2048))
    is_recording: Mapped[bool] = mapped_column(Boolean, default=True)
    max_duration: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    allowed_idle_time_seconds: Mapped[int] = mapped_column(Integer, default=12)
    send_user_idle_reminders: Mapped[bool] = mapped_column(Boolean, default=False)
    reminder_after_idle_time_seconds: Mapped[int] = mapped_column(Integer, default=6)
    reminder_after_idle_message: Mapped[str | None] = mapped_column(Text)
    min_words_to_interrupt: Mapped[int] = mapped_column(Integer, default=1)
    patience_level: Mapped[str] = mapped_column(String(10), default="medium")
    custom_variables: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    theme: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)


class AgentLink(Model):
    """An agent's attachment to an action or a knowledge base (memory stores keep their own)."""

    __tablename__ = "agent_links"
    __table_args__ = (UniqueConstraint("agent_id", "kind", "target_id"),)

    agent_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # action | knowledge_base
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
