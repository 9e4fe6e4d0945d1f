"""Knowledge bases and their sources: the rules. Ingestion runs as a job (`tasks`), search lives
in `search`."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.agents import service as agent_service
from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.errors import Conflict, NotFound, UnsupportedMediaType, ValidationFailed
from frontdesk.jobs import service as job_service
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.kit.ssrf import validate_url_field
from frontdesk.knowledge import embeddings, index, parsing, schemas
from frontdesk.knowledge.models import KnowledgeBase, KnowledgeChunk, KnowledgeSource, KnowledgeTerm
from frontdesk.settings import get_settings
from frontdesk.storage import service as storage_service
from frontdesk.storage.base import safe_name
from frontdesk.tenancy.scope import WorkspaceScope
from frontdesk.tenancy.service import secret_box

INGEST_JOB = "knowledge.ingest"
LINK_KIND = "knowledge_base"
UPLOADS = "uploads"


def uploads_folder(workspace_id: uuid.UUID, kb_id: uuid.UUID) -> str:
    """Where a base's uploads are in object storage: one folder per source below it."""
    return f"{UPLOADS}/{workspace_id}/{kb_id}/"


def embedding_settings(kb: KnowledgeBase) -> dict[str, Any]:
    settings = dict(kb.embedding or {})
    settings.setdefault("provider", "local")
    if settings["provider"] == "local":
        settings.setdefault("model", embeddings.LOCAL_MODEL)
        settings.setdefault("dimensions", embeddings.LOCAL_DIMENSIONS)
    return settings


def embedder_of(kb: KnowledgeBase) -> embeddings.Embedder:
    settings = embedding_settings(kb)
    encrypted = settings.get("api_key_encrypted")
    return embeddings.embedder_for(settings, secret_box().decrypt(encrypted) if encrypted else None)


def model_key(kb: KnowledgeBase) -> str:
    settings = embedding_settings(kb)
    return f"{settings['provider']}:{settings.get('model')}:{settings.get('base_url') or ''}"


async def to_schema(session: AsyncSession, kb: KnowledgeBase) -> schemas.KnowledgeBase:
    settings = embedding_settings(kb)
    sources = await session.scalar(
        select(func.count()).where(KnowledgeSource.knowledge_base_id == kb.id)
    )
    return schemas.KnowledgeBase(
        id=kb.id,
        name=kb.name,
        description=kb.description,
        rag_use_condition=kb.rag_use_condition,
        embedding=schemas.Embedding(
            provider=settings["provider"],
            model=settings.get("model") or "",
            dimensions=settings.get("dimensions"),
            base_url=settings.get("base_url"),
            api_key_set=bool(settings.get("api_key_encrypted")),
        ),
        chunk_size=kb.chunk_size,
        chunk_overlap=kb.chunk_overlap,
        threshold=kb.threshold,
        no_answer_message=kb.no_answer_message,
        source_count=int(sources or 0),
        chunk_count=kb.chunk_total,
        agent_ids=await agent_service.agents_linked_to(session, LINK_KIND, kb.id),
        created_at=kb.created_at,
        updated_at=kb.updated_at,
    )


def _embedding(previous: dict[str, Any], given: schemas.EmbeddingInput) -> dict[str, Any]:
    settings = given.model_dump(exclude={"api_key"}, exclude_none=True)
    if given.base_url:
        validate_url_field(given.base_url, "embedding.base_url", get_settings().allow_private_urls)
    if given.provider == "local":
        settings["model"] = embeddings.LOCAL_MODEL
        settings["dimensions"] = embeddings.LOCAL_DIMENSIONS
    if given.api_key is not None:
        settings["api_key_encrypted"] = secret_box().encrypt(given.api_key)
    elif previous.get("api_key_encrypted") and previous.get("provider") == given.provider:
        settings["api_key_encrypted"] = previous["api_key_encrypted"]
    return settings


def _apply(kb: KnowledgeBase, data: schemas.KnowledgeBaseFields) -> bool:
    """Set the given fields; True when the chunks must be made again (model or chunking)."""
    fields = data.model_fields_set
    rebuild = False
    for field in ("description", "rag_use_condition", "threshold", "no_answer_message"):
        if field in fields:
            setattr(kb, field, getattr(data, field))
    if "name" in fields and getattr(data, "name", None) is not None:
        kb.name = data.name  # type: ignore[attr-defined]
    if "embedding" in fields:
        new = _embedding(kb.embedding or {}, data.embedding or schemas.EmbeddingInput())
        old = embedding_settings(kb)
        rebuild = any(new.get(k) != old.get(k) for k in ("provider", "model", "base_url"))
        kb.embedding = new
    size = data.chunk_size if "chunk_size" in fields and data.chunk_size else kb.chunk_size
    overlap = data.chunk_overlap if "chunk_overlap" in fields else kb.chunk_overlap
    overlap = 60 if overlap is None else overlap
    if overlap * 2 > size:
        raise ValidationFailed(
            "chunk_overlap must be at most half of chunk_size",
            details={"chunk_overlap": f"at most {size // 2} for chunk_size {size}"},
        )
    rebuild = rebuild or (size, overlap) != (kb.chunk_size, kb.chunk_overlap)
    kb.chunk_size, kb.chunk_overlap = size, overlap
    return rebuild


async def create(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    data: schemas.KnowledgeBaseCreate,
) -> KnowledgeBase:
    kb = KnowledgeBase(
        workspace_id=scope.workspace_id,
        name=data.name,
        embedding={},
        chunk_size=400,
        chunk_overlap=60,
        chunk_total=0,
        token_total=0,
        index_version=0,
    )
    if data.embedding is None:
        data.embedding = schemas.EmbeddingInput()
        data.model_fields_set.add("embedding")
    _apply(kb, data)
    session.add(kb)
    await session.flush()
    await audit_service.record(session, auth, "knowledge_base.create", "knowledge_base", kb.id)
    return kb


async def list_bases(
    session: AsyncSession, scope: WorkspaceScope, pagination: Pagination, search: str | None
) -> tuple[list[KnowledgeBase], int]:
    stmt = scope.apply(select(KnowledgeBase), KnowledgeBase)
    if search:
        stmt = stmt.where(func.lower(KnowledgeBase.name).contains(search.lower(), autoescape=True))
    return await paginate(
        session, stmt.order_by(KnowledgeBase.created_at.desc(), KnowledgeBase.id), pagination
    )


async def get(session: AsyncSession, scope: WorkspaceScope, kb_id: uuid.UUID) -> KnowledgeBase:
    return await scope.get(session, KnowledgeBase, kb_id, "knowledge base")


async def get_many_existing(
    session: AsyncSession, scope: WorkspaceScope, kb_ids: list[uuid.UUID]
) -> list[KnowledgeBase]:
    """The bases with these ids that still exist in scope, in the given order."""
    if not kb_ids:
        return []
    found = {
        kb.id: kb
        for kb in await session.scalars(
            scope.apply(select(KnowledgeBase), KnowledgeBase).where(KnowledgeBase.id.in_(kb_ids))
        )
    }
    return [found[k] for k in kb_ids if k in found]


async def get_many(
    session: AsyncSession, scope: WorkspaceScope, kb_ids: list[uuid.UUID]
) -> list[KnowledgeBase]:
    """The bases with these ids, all in scope, or 404."""
    found = await get_many_existing(session, scope, kb_ids)
    if len(found) != len(set(kb_ids)):
        raise NotFound("knowledge base")
    return found


async def all_bases(session: AsyncSession, scope: WorkspaceScope) -> list[KnowledgeBase]:
    return list(
        await session.scalars(
            scope.apply(select(KnowledgeBase), KnowledgeBase).order_by(KnowledgeBase.created_at)
        )
    )


async def update_base(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    kb_id: uuid.UUID,
    data: schemas.KnowledgeBaseUpdate,
) -> KnowledgeBase:
    kb = await get(session, scope, kb_id)
    if _apply(kb, data):
        sources = await session.scalars(
            select(KnowledgeSource).where(KnowledgeSource.knowledge_base_id == kb.id)
        )
        for source in sources.all():
            await _restart(session, kb, source)
    await session.flush()
    await audit_service.record(
        session,
        auth,
        "knowledge_base.update",
        "knowledge_base",
        kb.id,
        {"fields": sorted(data.model_fields_set)},
    )
    return kb


async def delete_base(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, kb_id: uuid.UUID
) -> None:
    kb = await get(session, scope, kb_id)
    stored = await session.scalar(
        select(KnowledgeSource.id)
        .where(KnowledgeSource.knowledge_base_id == kb.id, KnowledgeSource.storage_key.is_not(None))
        .limit(1)
    )
    if stored is not None:
        await storage_service.delete_later(
            session, uploads_folder(kb.workspace_id, kb.id), kb.workspace_id
        )
    await agent_service.forget_target(session, LINK_KIND, kb.id)
    await session.execute(delete(KnowledgeChunk).where(KnowledgeChunk.knowledge_base_id == kb.id))
    await session.execute(delete(KnowledgeTerm).where(KnowledgeTerm.knowledge_base_id == kb.id))
    await session.execute(delete(KnowledgeSource).where(KnowledgeSource.knowledge_base_id == kb.id))
    await session.delete(kb)
    await audit_service.record(session, auth, "knowledge_base.delete", "knowledge_base", kb_id)


async def attach(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    kb_id: uuid.UUID,
    agent_id: uuid.UUID,
    attached: bool,
) -> KnowledgeBase:
    kb = await get(session, scope, kb_id)
    agent = await agent_service.get(session, scope, agent_id)
    if attached:
        await agent_service.link(session, agent.id, LINK_KIND, kb.id)
    else:
        await agent_service.unlink(session, agent.id, LINK_KIND, kb.id)
    await audit_service.record(
        session,
        auth,
        "knowledge_base.attach" if attached else "knowledge_base.detach",
        "knowledge_base",
        kb.id,
        {"agent_id": str(agent.id)},
    )
    return kb


# Sources


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


async def _duplicate(session: AsyncSession, kb: KnowledgeBase, digest: str) -> None:
    existing = await session.scalar(
        select(KnowledgeSource.id).where(
            KnowledgeSource.knowledge_base_id == kb.id, KnowledgeSource.content_hash == digest
        )
    )
    if existing is not None:
        raise Conflict(
            "This knowledge base already has a source with exactly this content",
            "SOURCE_DUPLICATE",
            details={"source_id": str(existing)},
        )


async def _start(
    session: AsyncSession, auth: AuthContext | None, kb: KnowledgeBase, source: KnowledgeSource
) -> KnowledgeSource:
    session.add(source)
    await session.flush()
    await job_service.enqueue(
        session,
        INGEST_JOB,
        {"source_id": str(source.id), "generation": source.generation},
        workspace_id=kb.workspace_id,
    )
    if auth is not None:
        await audit_service.record(
            session,
            auth,
            "knowledge_source.create",
            "knowledge_source",
            source.id,
            {"knowledge_base_id": str(kb.id), "type": source.type},
        )
    return source


def _new_source(kb: KnowledgeBase, **fields: Any) -> KnowledgeSource:
    return KnowledgeSource(
        id=uuid.uuid4(),
        workspace_id=kb.workspace_id,
        knowledge_base_id=kb.id,
        status="processing",
        chunk_count=0,
        processed_chunks=0,
        generation=0,
        **fields,
    )


async def add_file(
    session: AsyncSession,
    auth: AuthContext | None,
    kb: KnowledgeBase,
    filename: str | None,
    declared_type: str | None,
    content: bytes,
    name: str | None = None,
) -> KnowledgeSource:
    if not content:
        raise ValidationFailed("The file is empty", details={"file": "no content"})
    try:
        kind = parsing.sniff(content, filename, declared_type)
    except parsing.NotADocument as exc:
        raise UnsupportedMediaType(
            f"The file is {exc}; upload a PDF, DOCX, TXT, MD or HTML document",
        ) from None
    digest = content_hash(content)
    await _duplicate(session, kb, digest)
    display = (name or filename or "document").strip()[:300] or "document"
    source = _new_source(
        kb,
        type="file",
        name=display,
        filename=(filename or "")[:300] or None,
        mime_type=parsing.MIME_TYPES[kind],
        size_bytes=len(content),
        content=content,
        content_hash=digest,
    )
    store = storage_service.get_storage()
    if not store.is_local:
        # Shared storage: every worker reads the file from there; the row keeps its key. (With
        # local storage the bytes stay in the row, as rows written before storage had them.)
        name = safe_name(filename, f"document.{kind}")
        key = f"{uploads_folder(kb.workspace_id, kb.id)}{source.id}/{name}"
        await store.put_bytes(key, content, source.mime_type)
        source.content, source.storage_key = None, key
    return await _start(session, auth, kb, source)


async def add_text_or_url(
    session: AsyncSession, auth: AuthContext | None, kb: KnowledgeBase, data: schemas.SourceCreate
) -> KnowledgeSource:
    if data.type == "url":
        assert data.url is not None
        validate_url_field(data.url, "url", get_settings().allow_private_urls)
        source = _new_source(
            kb, type="url", name=(data.name or data.url)[:300], url=data.url, size_bytes=0
        )
        return await _start(session, auth, kb, source)
    content = (data.content or "").encode()
    digest = content_hash(content)
    await _duplicate(session, kb, digest)
    source = _new_source(
        kb,
        type="text",
        name=data.name or "text",
        mime_type="text/plain",
        size_bytes=len(content),
        content=content,
        content_hash=digest,
    )
    return await _start(session, auth, kb, source)


async def list_sources(
    session: AsyncSession,
    scope: WorkspaceScope,
    kb_id: uuid.UUID,
    pagination: Pagination,
    status: str | None,
) -> tuple[list[KnowledgeSource], int]:
    kb = await get(session, scope, kb_id)
    stmt = select(KnowledgeSource).where(KnowledgeSource.knowledge_base_id == kb.id)
    if status:
        stmt = stmt.where(KnowledgeSource.status == status)
    return await paginate(
        session, stmt.order_by(KnowledgeSource.created_at.desc(), KnowledgeSource.id), pagination
    )


async def get_source(
    session: AsyncSession, scope: WorkspaceScope, kb_id: uuid.UUID, source_id: uuid.UUID
) -> KnowledgeSource:
    kb = await get(session, scope, kb_id)
    source = await session.scalar(
        select(KnowledgeSource).where(
            KnowledgeSource.id == source_id, KnowledgeSource.knowledge_base_id == kb.id
        )
    )
    if source is None:
        raise NotFound("knowledge source", "SOURCE_NOT_FOUND")
    return source


async def delete_source(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    kb_id: uuid.UUID,
    source_id: uuid.UUID,
) -> None:
    source = await get_source(session, scope, kb_id, source_id)
    await index.remove_chunks(session, source.knowledge_base_id, source.id)
    if source.storage_key:
        folder = f"{uploads_folder(source.workspace_id, source.knowledge_base_id)}{source.id}/"
        await storage_service.delete_later(session, folder, source.workspace_id)
    await session.delete(source)
    await audit_service.record(
        session, auth, "knowledge_source.delete", "knowledge_source", source_id
    )


async def _restart(session: AsyncSession, kb: KnowledgeBase, source: KnowledgeSource) -> None:
    """Make a source's chunks again from its content (a new model, chunking, or a re-crawl)."""
    await index.remove_chunks(session, kb.id, source.id)
    source.generation += 1
    source.status = "processing"
    source.error = None
    source.chunk_count = 0
    source.processed_chunks = 0
    await job_service.enqueue(
        session,
        INGEST_JOB,
        {"source_id": str(source.id), "generation": source.generation},
        workspace_id=kb.workspace_id,
    )


async def recrawl(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    kb_id: uuid.UUID,
    source_id: uuid.UUID,
) -> KnowledgeSource:
    source = await get_source(session, scope, kb_id, source_id)
    if source.type != "url":
        raise Conflict("Only a url source can be crawled again", "SOURCE_NOT_URL")
    kb = await get(session, scope, kb_id)
    source.content = None  # fetched anew by the job
    source.content_hash = None
    await _restart(session, kb, source)
    await session.flush()
    await audit_service.record(
        session, auth, "knowledge_source.recrawl", "knowledge_source", source.id
    )
    return source
