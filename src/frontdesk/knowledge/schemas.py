from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from frontdesk.kit.schemas import Input, Schema

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
SourceName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Mode = Literal["hybrid", "vector", "keyword"]
EmbeddingProvider = Literal["local", "openai"]


class EmbeddingInput(Input):
    provider: EmbeddingProvider = "local"
    model: Annotated[str, Field(max_length=200)] | None = None
    base_url: Annotated[str, Field(max_length=500)] | None = None
    api_key: Annotated[str, Field(min_length=1, max_length=500)] | None = Field(
        default=None, description="For openai; write-only, stored encrypted"
    )


class Embedding(Schema):
    provider: EmbeddingProvider
    model: str
    dimensions: int | None = None
    base_url: str | None = None
    api_key_set: bool = False


class KnowledgeBaseFields(Input):
    description: Annotated[str, Field(max_length=5000)] | None = None
    rag_use_condition: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None,
        description="When to consult the base, e.g. 'questions about prices'; empty: every turn",
    )
    embedding: EmbeddingInput | None = Field(
        default=None, description="The embedding model; changing it re-embeds every source"
    )
    chunk_size: Annotated[int, Field(ge=50, le=2000)] | None = Field(
        default=None, description="Tokens per chunk (default 400)"
    )
    chunk_overlap: Annotated[int, Field(ge=0, le=500)] | None = Field(
        default=None, description="Tokens shared by neighbouring chunks (default 60)"
    )
    threshold: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None, description="Default minimum score of a search result (0-1)"
    )
    no_answer_message: Annotated[str, Field(max_length=2000)] | None = Field(
        default=None,
        description="What the agent says when nothing in the base passes the threshold",
    )

    @model_validator(mode="after")
    def _overlap_below_size(self) -> KnowledgeBaseFields:
        if self.chunk_size is not None and self.chunk_overlap is not None:
            if self.chunk_overlap * 2 > self.chunk_size:
                raise ValueError("chunk_overlap must be at most half of chunk_size")
        return self


class KnowledgeBaseCreate(KnowledgeBaseFields):
    name: Name


class KnowledgeBaseUpdate(KnowledgeBaseFields):
    name: Name | None = None


class KnowledgeBase(Schema):
    id: uuid.UUID
    name: str
    description: str | None
    rag_use_condition: str | None
    embedding: Embedding
    chunk_size: int
    chunk_overlap: int
    threshold: float | None
    no_answer_message: str | None
    source_count: int = 0
    chunk_count: int = 0
    agent_ids: list[uuid.UUID] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime


class SourceCreate(Input):
    """A text or a web page (files are uploaded as multipart)."""

    type: Literal["text", "url"]
    name: SourceName | None = None
    content: Annotated[str, Field(min_length=1, max_length=5_000_000)] | None = None
    url: Annotated[str, Field(min_length=1, max_length=2000)] | None = None

    @model_validator(mode="after")
    def _content_or_url(self) -> SourceCreate:
        if self.type == "text" and not (self.content and self.content.strip()):
            raise ValueError("a text source needs `content`")
        if self.type == "text" and self.name is None:
            raise ValueError("a text source needs a `name`")
        if self.type == "url" and not self.url:
            raise ValueError("a url source needs `url`")
        return self


class Source(Schema):
    id: uuid.UUID
    knowledge_base_id: uuid.UUID
    type: str
    name: str
    url: str | None
    filename: str | None
    mime_type: str | None
    size_bytes: int
    status: Literal["processing", "processed", "failed"]
    error: str | None
    chunk_count: int
    processed_chunks: int
    page_count: int | None
    processed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SearchRequest(Input):
    query: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    limit: Annotated[int, Field(ge=1, le=50)] = 5
    threshold: Annotated[float, Field(ge=0, le=1)] | None = Field(
        default=None,
        description="Minimum score (0-1, the estimated chance a result answers the query); "
        "default: the knowledge base's, else 0",
    )
    mode: Mode = "hybrid"


class ResultMetadata(Schema):
    source: str
    page: int | None = None
    heading: str | None = None


class SearchResult(Schema):
    knowledge_base_id: uuid.UUID
    source_id: uuid.UUID
    chunk_id: uuid.UUID
    content: str
    score: float
    metadata: ResultMetadata


class SearchResults(Schema):
    results: list[SearchResult]
    mode: Mode
    took_ms: float


class AttachRequest(Input):
    agent_id: uuid.UUID
