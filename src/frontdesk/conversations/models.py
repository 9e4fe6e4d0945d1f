from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Model
from frontdesk.db.types import JSONDoc, UTCDateTime


class Conversation(Model):
    """A chat (or the transcript of a call) between a contact, an agent and maybe members."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_workspace_created", "workspace_id", "created_at"),
        Index("ix_conversations_workspace_status", "workspace_id", "status"),
        # Open conversations by time (the analytics' active conversations of a period).
        Index(
            "ix_conversations_open",
            "workspace_id",
            "created_at",
            sqlite_where=text("status IN ('active', 'pending')"),
            postgresql_where=text("status IN ('active', 'pending')"),
        ),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    agent_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("agents.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(20), default="api")
    channel_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    tags: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    custom_variables: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDoc, default=dict)
    executed_actions: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    summary: Mapped[str | None] = mapped_column(Text)
    sentiment: Mapped[str | None] = mapped_column(String(10))
    key_phrases: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    # How the analysis was made (method, scores, extracted lead fields) and when.
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    # The customer's rating of the conversation (1 to 5) and what they added, if they did.
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(40))


class Message(Model):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_conversation_created", "conversation_id", "created_at"),
        # Analytics read the agents' replies of a period and how fast they came.
        Index(
            "ix_messages_replies",
            "workspace_id",
            "created_at",
            "response_ms",
            sqlite_where=text("sender_type = 'agent'"),
            postgresql_where=text("sender_type = 'agent'"),
        ),
    )

    conversation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("conversations.id", ondelete="CASCADE")
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    sender_type: Mapped[str] = mapped_column(String(10))  # user, agent, member, system, note
    sender_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    content: Mapped[str] = mapped_column(Text)
    # `content` folded for full-text search (accents, case, punctuation): `messages_fts` on
    # SQLite, a GIN-indexed tsvector on PostgreSQL.
    search_text: Mapped[str | None] = mapped_column(Text)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    ai_metadata: Mapped[dict[str, Any] | None] = mapped_column(JSONDoc)
    # An agent's reply: milliseconds from the turn's start to the reply stored (also in
    # `ai_metadata.latency_ms`), a column for analytics.
    response_ms: Mapped[float | None] = mapped_column(Float)
    # A message that goes out through a phone network (an SMS conversation's replies): what
    # became of it, as the network reports (queued, sent, delivered, undelivered, failed).
    delivery_status: Mapped[str | None] = mapped_column(String(20))
