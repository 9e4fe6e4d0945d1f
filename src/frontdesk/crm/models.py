from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Model
from frontdesk.db.types import JSONDoc, UTCDateTime

LEAD_STATUSES = ("new", "qualifying", "qualified", "booked", "disqualified", "nurturing")
DEAL_STAGES = ("lead", "qualified", "proposal", "negotiation", "won", "lost")


class Contact(Model):
    """A person the business talks to; a lead once it has a `lead_status`."""

    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_workspace_created", "workspace_id", "created_at"),
        Index("ix_contacts_workspace_status", "workspace_id", "lead_status"),
        Index(
            "uq_contacts_workspace_email",
            "workspace_id",
            "email",
            unique=True,
            sqlite_where=text("email IS NOT NULL"),
            postgresql_where=text("email IS NOT NULL"),
        ),
        Index(
            "uq_contacts_workspace_phone",
            "workspace_id",
            "phone_number",
            unique=True,
            sqlite_where=text("phone_number IS NOT NULL"),
            postgresql_where=text("phone_number IS NOT NULL"),
        ),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    name: Mapped[str | None] = mapped_column(String(300))
    first_name: Mapped[str | None] = mapped_column(String(150))
    last_name: Mapped[str | None] = mapped_column(String(150))
    email: Mapped[str | None] = mapped_column(String(320))
    phone_number: Mapped[str | None] = mapped_column(String(20))
    company_name: Mapped[str | None] = mapped_column(String(300))
    tags: Mapped[list[str]] = mapped_column(JSONDoc, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column("metadata", JSONDoc, default=dict)
    lead_status: Mapped[str | None] = mapped_column(String(20))
    qualification_score: Mapped[int | None] = mapped_column(Integer)
    # Texted STOP: no text goes to this contact until they text START.
    sms_opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Normalised words for full-text search (FTS5 on SQLite, a tsvector on PostgreSQL).
    search_text: Mapped[str] = mapped_column(Text, default="")


class ContactImport(Model):
    """A CSV import: the file, then the outcome with a line-numbered error report."""

    __tablename__ = "contact_imports"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    filename: Mapped[str | None] = mapped_column(String(300))
    on_duplicate: Mapped[str] = mapped_column(String(10), default="update")
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONDoc, default=list)
    error: Mapped[str | None] = mapped_column(Text)


class Deal(Model):
    __tablename__ = "deals"
    __table_args__ = (Index("ix_deals_workspace_stage", "workspace_id", "stage"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(300))
    value: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    stage: Mapped[str] = mapped_column(String(20), default="lead")
    probability: Mapped[int | None] = mapped_column(Integer)
    contact_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    expected_close_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)


class Phonebook(Model):
    """Numbers a live transfer can go to, each with the condition for choosing it."""

    __tablename__ = "phonebooks"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)


class PhonebookEntry(Model):
    __tablename__ = "phonebook_entries"

    phonebook_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("phonebooks.id", ondelete="CASCADE"), index=True
    )
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    name: Mapped[str | None] = mapped_column(String(200))
    phone_number: Mapped[str] = mapped_column(String(20))
    transfer_condition: Mapped[str | None] = mapped_column(Text)


class MemoryStore(Model):
    """Per-contact memory that attached agents read before and extend after a conversation."""

    __tablename__ = "memory_stores"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)


class MemoryStoreContact(Model):
    __tablename__ = "memory_store_contacts"
    __table_args__ = (UniqueConstraint("memory_store_id", "contact_id"),)

    memory_store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("memory_stores.id", ondelete="CASCADE")
    )
    contact_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    memory: Mapped[str] = mapped_column(Text, default="")


class MemoryStoreAgent(Model):
    __tablename__ = "memory_store_agents"
    __table_args__ = (UniqueConstraint("memory_store_id", "agent_id"),)

    memory_store_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("memory_stores.id", ondelete="CASCADE")
    )
    agent_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
