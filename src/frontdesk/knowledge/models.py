from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base, Model
from frontdesk.db.types import JSONDoc, UTCDateTime
from frontdesk.knowledge.vectors import EmbeddingColumn

SOURCE_TYPES = ("file", "text", "url")
SOURCE_STATUSES = ("processing", "processed", "failed")


class KnowledgeBase(Model):
    """Documents an agent answers from, chunked, embedded and indexed for search."""

    __tablename__ = "knowledge_bases"
    __table_args__ = (Index("ix_knowledge_bases_workspace_created", "workspace_id", "created_at"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE")
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    rag_use_condition: Mapped[str | None] = mapped_column(Text)
    # {provider, model, dimensions, base_url}: the model every chunk of this base is embedded with.
    embedding: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    chunk_size: Mapped[int] = mapped_column(Integer, default=400)
    chunk_overlap: Mapped[int] = mapped_column(Integer, default=60)
    threshold: Mapped[float | None] = mapped_column()
    no_answer_message: Mapped[str | None] = mapped_column(Text)
    # BM25 statistics over the base's chunks, kept in step with them.
    chunk_total: Mapped[int] = mapped_column(BigInteger, default=0)
    token_total: Mapped[int] = mapped_column(BigInteger, default=0)
    # Bumped whenever the base's chunks change: in-process vector caches reload on a new value.
    index_version: Mapped[int] = mapped_column(BigInteger, default=0)


class KnowledgeSource(Model):
    """One document of a knowledge base: an uploaded file, a text, or a web page."""

    __tablename__ = "knowledge_sources"
    __table_args__ = (
        Index("ix_knowledge_sources_base_created", "knowledge_base_id", "created_at"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    knowledge_base_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("knowledge_bases.id", ondelete="CASCADE")
    )
    type: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    filename: Mapped[str | None] = mapped_column(String(300))
    mime_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    # With object storage, an upload's bytes are there under this key (`content` stays empty).
    storage_key: Mapped[str | None] = mapped_column(String(500))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="processing")
    error: Mapped[str | None] = mapped_column(Text)
    chunk_count: Mapped[int] = mapped_column(Integer, default=0)
    processed_chunks: Mapped[int] = mapped_column(Integer, default=0)
    page_count: Mapped[int | None] = mapped_column(Integer)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Ingestion runs are numbered: a run that finds a newer one under way stops.
    generation: Mapped[int] = mapped_column(Integer, default=0)


class KnowledgeChunk(Model):
    """A passage of a source, with its embedding and the words keyword search matches."""

    __tablename__ = "knowledge_chunks"
    __table_args__ = (
        Index("ix_knowledge_chunks_source_position", "source_id", "position", unique=True),
        Index("ix_knowledge_chunks_base", "knowledge_base_id"),
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    knowledge_base_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("knowledge_bases.id", ondelete="CASCADE")
    )
    source_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("knowledge_sources.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    search_text: Mapped[str] = mapped_column(Text)
    token_count: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The embedding of the context line (source name, heading) is in the embedding cache.
    context_hash: Mapped[str | None] = mapped_column(String(64))
    meta: Mapped[dict[str, Any]] = mapped_column(JSONDoc, default=dict)
    dimensions: Mapped[int] = mapped_column(Integer)
    embedding: Mapped[bytes] = mapped_column(EmbeddingColumn)


class KnowledgeWindow(Base):
    """One more embedding of a passage longer than the model reads at once: a window of its
    word pieces. A passage's cosine to a query is the best of its own and its windows'."""

    __tablename__ = "knowledge_windows"
    __table_args__ = (Index("ix_knowledge_windows_base", "knowledge_base_id"),)

    chunk_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("knowledge_chunks.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    knowledge_base_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("knowledge_bases.id", ondelete="CASCADE")
    )
    content_hash: Mapped[str] = mapped_column(String(64))
    dimensions: Mapped[int] = mapped_column(Integer)
    embedding: Mapped[bytes] = mapped_column(EmbeddingColumn)


class KnowledgeTerm(Base):
    """How many chunks of a knowledge base contain a word (BM25's document frequency)."""

    __tablename__ = "knowledge_terms"

    knowledge_base_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("knowledge_bases.id", ondelete="CASCADE"), primary_key=True
    )
    term: Mapped[str] = mapped_column(String(60), primary_key=True)
    df: Mapped[int] = mapped_column(BigInteger)


class EmbeddingCacheEntry(Base):
    """An embedding by content hash, so text embedded once is never embedded again."""

    __tablename__ = "embedding_cache"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    model_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
