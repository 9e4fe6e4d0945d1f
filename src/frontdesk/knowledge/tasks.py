"""Ingestion, as a job: fetch (URL sources) → parse → chunk → embed in batches → index.

Each batch of chunks commits with its BM25 statistics and the source's progress, so a worker that
dies mid-way loses nothing: the next run makes the same chunks from the same content and skips the
positions already stored (a unique index on (source, position) makes a duplicate impossible).
A run that finds the source at a newer generation (re-crawled, re-embedded) stops: that newer run
owns it. A document that cannot be read ends `failed` with a sentence saying why, never stuck.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import numpy as np
import structlog
from sqlalchemy import func, insert, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.events import service as event_service
from frontdesk.jobs.clock import get_clock
from frontdesk.jobs.registry import JobContext, RetryPolicy, job_handler
from frontdesk.knowledge import (
    chunking,
    embeddings,
    index,
    parsing,
    scoring,
    text,
    vector_index,
)
from frontdesk.knowledge.crawl import SourceFailed, fetch_url
from frontdesk.knowledge.models import (
    EmbeddingCacheEntry,
    KnowledgeBase,
    KnowledgeChunk,
    KnowledgeSource,
    KnowledgeTerm,
    KnowledgeWindow,
)
from frontdesk.knowledge.service import INGEST_JOB, embedder_of, model_key
from frontdesk.storage.base import ObjectNotFound, StorageUnavailable
from frontdesk.storage.service import get_storage

log = structlog.get_logger("frontdesk.knowledge")

BATCH = 64
MAX_CHUNKS = 50_000

_HNSW_READY: set[int] = set()


@dataclass(frozen=True, slots=True)
class _Piece:
    position: int
    chunk: chunking.Chunk
    context: str
    text_hash: str
    context_hash: str | None
    window_hashes: tuple[str, ...]  # windows of a passage longer than the model reads at once


Progress = Callable[[int, int], Awaitable[None] | None]


_FILE_ENDINGS = (".pdf", ".docx", ".txt", ".md", ".markdown", ".html", ".htm")


def context_of(source_name: str, piece: chunking.Chunk) -> str:
    """The line that says what a passage is about: its source's name and its section."""
    name = source_name
    if name.lower().endswith(_FILE_ENDINGS):
        name = name.rsplit(".", 1)[0].replace("_", " ")
    return f"{name} > {piece.heading}" if piece.heading else name


def embed_text(context: str, piece: chunking.Chunk) -> str:
    """What the model embeds: the passage with its context line first."""
    return f"{context}\n{piece.text}" if context else piece.text


def index_text(context: str, piece: chunking.Chunk) -> str:
    """What keyword search indexes: the context line weighs like a title field."""
    line = text.index_text(context)
    return " ".join(
        [*([line] * scoring.CONTEXT_REPEAT if line else []), text.index_text(piece.text)]
    )


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _insert(session: AsyncSession) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


async def _cached_vectors(
    session: AsyncSession, workspace_id: uuid.UUID, key: str, hashes: list[str]
) -> dict[str, bytes]:
    rows = await session.execute(
        select(EmbeddingCacheEntry.content_hash, EmbeddingCacheEntry.vector).where(
            EmbeddingCacheEntry.workspace_id == workspace_id,
            EmbeddingCacheEntry.model_key == key,
            EmbeddingCacheEntry.content_hash.in_(hashes),
        )
    )
    return {h: v for h, v in rows.all()}


async def _store_batch(
    session: AsyncSession,
    kb: KnowledgeBase,
    source: KnowledgeSource,
    batch: list[_Piece],
    vectors: dict[str, bytes],
    dims: int,
) -> None:
    now = get_clock().now()
    rows = []
    df: Counter[str] = Counter()
    tokens = 0
    windows: list[dict[str, Any]] = []
    for item in batch:
        position, piece = item.position, item.chunk
        indexed = index_text(item.context, piece)
        words = indexed.split()
        tokens += len(words)
        df.update(set(words))
        chunk_id = uuid.uuid4()
        windows.extend(
            {
                "chunk_id": chunk_id,
                "number": number,
                "knowledge_base_id": kb.id,
                "content_hash": window_hash,
                "dimensions": dims,
                "embedding": vectors[window_hash],
            }
            for number, window_hash in enumerate(item.window_hashes)
        )
        rows.append(
            {
                "id": chunk_id,
                "workspace_id": kb.workspace_id,
                "knowledge_base_id": kb.id,
                "source_id": source.id,
                "position": position,
                "content": piece.text,
                "search_text": indexed,
                "token_count": piece.tokens,
                "content_hash": item.text_hash,
                "context_hash": item.context_hash,
                "meta": {"heading": piece.heading, "page": piece.page, "page_end": piece.page_end},
                "dimensions": dims,
                "embedding": vectors[item.text_hash],
                "created_at": now,
                "updated_at": now,
            }
        )
    # The base's row first: concurrent ingestions into one base queue here, not deadlock on terms.
    await session.execute(
        update(KnowledgeBase)
        .where(KnowledgeBase.id == kb.id)
        .values(
            chunk_total=KnowledgeBase.chunk_total + len(rows),
            token_total=KnowledgeBase.token_total + tokens,
            index_version=KnowledgeBase.index_version + 1,
        )
    )
    if df:
        stmt = _insert(session)(KnowledgeTerm).values(
            [{"knowledge_base_id": kb.id, "term": t[:60], "df": n} for t, n in sorted(df.items())]
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["knowledge_base_id", "term"],
            set_={"df": KnowledgeTerm.df + stmt.excluded.df},
        )
        await session.execute(stmt)
    await session.execute(insert(KnowledgeChunk), rows)
    if windows:
        await session.execute(insert(KnowledgeWindow), windows)
    await session.execute(
        update(KnowledgeSource)
        .where(KnowledgeSource.id == source.id)
        .values(processed_chunks=KnowledgeSource.processed_chunks + len(rows), updated_at=now)
    )


async def _embed_missing(
    session: AsyncSession,
    kb: KnowledgeBase,
    embedder: embeddings.Embedder,
    batch: list[_Piece],
    texts: dict[str, str],
) -> tuple[dict[str, bytes], dict[str, bytes], int]:
    """The batch's vectors: (all, the newly computed, dimensions). The model runs with no
    transaction open: on SQLite an open writing transaction would block every other writer for
    as long as the model takes."""
    key = model_key(kb)
    hashes = list(
        dict.fromkeys(
            h
            for item in batch
            for h in (item.text_hash, item.context_hash, *item.window_hashes)
            if h
        )
    )
    vectors = await _cached_vectors(session, kb.workspace_id, key, hashes)
    await session.commit()
    missing = [h for h in hashes if h not in vectors]
    fresh: dict[str, bytes] = {}
    dims = 0
    if missing:
        computed = await embedder.embed([texts[h] for h in missing])
        dims = int(computed.shape[1])
        fresh = {h: computed[i].astype(np.float32).tobytes() for i, h in enumerate(missing)}
        vectors.update(fresh)
    if not dims:
        dims = len(next(iter(vectors.values()))) // 4
    return vectors, fresh, dims


async def _cache(session: AsyncSession, kb: KnowledgeBase, fresh: dict[str, bytes]) -> None:
    if not fresh:
        return
    key = model_key(kb)
    stmt = _insert(session)(EmbeddingCacheEntry).values(
        [
            {"workspace_id": kb.workspace_id, "model_key": key, "content_hash": h, "vector": v}
            for h, v in fresh.items()
        ]
    )
    await session.execute(stmt.on_conflict_do_nothing())


async def ingest_source(
    maker: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient | None,
    source_id: uuid.UUID,
    generation: int,
    *,
    allow_private: bool,
    max_bytes: int,
    limits: parsing.Limits | None = None,
    progress: Progress | None = None,
) -> str:
    """Run (or resume) the ingestion of one source; returns its final status."""
    async with maker() as session:
        source = await session.get(KnowledgeSource, source_id)
        if source is None or source.generation != generation:
            return "superseded"
        if source.status != "processing":
            return source.status
        kb = await session.get_one(KnowledgeBase, source.knowledge_base_id)
        await session.commit()  # nothing is held while the page is fetched or parsed
        final_url: str | None = None
        if source.type == "url" and source.content is None:
            if http is None:
                raise RuntimeError("fetching a url source needs an HTTP client")
            fetched = await _fetch_into(session, http, source, generation, allow_private, max_bytes)
            if fetched is None:
                return "superseded"
            final_url = fetched
        content = await _content_of(source)
        kind = parsing.sniff(content, source.filename or source.url, source.mime_type)
        document = await asyncio.to_thread(parsing.parse, content, kind, limits)
        if source.type == "url" and document.title and source.name in (source.url, final_url):
            source.name = document.title[:300]
        pieces = chunking.chunk(document.blocks, kb.chunk_size, kb.chunk_overlap)
        if not pieces:
            raise SourceFailed("The document has no text to index")
        if len(pieces) > MAX_CHUNKS:
            raise SourceFailed(
                f"The document is too long ({len(pieces)} chunks; at most {MAX_CHUNKS})"
            )
        source.chunk_count = len(pieces)
        source.page_count = document.pages
        done = set(
            (
                await session.scalars(
                    select(KnowledgeChunk.position).where(KnowledgeChunk.source_id == source.id)
                )
            ).all()
        )
        source.processed_chunks = len(done)
        await session.commit()
        todo, texts = await asyncio.to_thread(_todo, source.name, pieces, done, embedder_of(kb))
        if progress is not None:
            await _report(progress, len(done), len(pieces))
        for start in range(0, len(todo), BATCH):
            batch = todo[start : start + BATCH]
            if not await _index_batch(session, kb, source, generation, batch, texts):
                return "superseded"
            if progress is not None:
                await _report(progress, len(done) + start + len(batch), len(pieces))
        await _finish(session, kb, source)
        return "processed"


async def _content_of(source: KnowledgeSource) -> bytes:
    """The document's bytes: in the row, or in object storage under the row's key."""
    if not source.storage_key:
        return source.content or b""
    try:
        return await get_storage().get_bytes(source.storage_key)
    except ObjectNotFound:
        raise SourceFailed("The uploaded file is missing from storage; upload it again") from None


async def _fetch_into(
    session: AsyncSession,
    http: httpx.AsyncClient,
    source: KnowledgeSource,
    generation: int,
    allow_private: bool,
    max_bytes: int,
) -> str | None:
    """Fetch a url source's page onto the source; its final address, or None when a newer
    run took the source over meanwhile."""
    content, declared, final_url = await fetch_url(http, source.url or "", allow_private, max_bytes)
    await session.refresh(source)
    if source.generation != generation:
        return None
    source.content, source.mime_type = content, (declared or "")[:100] or None
    source.size_bytes = len(content)
    source.content_hash = hashlib.sha256(content).hexdigest()
    if source.name == source.url:
        source.name = final_url[:300]
    await session.commit()
    return final_url


def _todo(
    name: str, pieces: list[chunking.Chunk], done: set[int], embedder: embeddings.Embedder
) -> tuple[list[_Piece], dict[str, str]]:
    """The chunks still to store, and every text to embed by its hash (the passage, its
    context line, and its windows when the model would not read it whole)."""
    texts: dict[str, str] = {}
    todo: list[_Piece] = []
    for position, piece in enumerate(pieces):
        if position in done:
            continue
        context = context_of(name, piece)
        value = embed_text(context, piece)
        windows = {digest(w): w for w in embedder.windows(value)}
        item = _Piece(
            position,
            piece,
            context,
            digest(value),
            digest(context) if context else None,
            tuple(windows),
        )
        texts[item.text_hash] = value
        if item.context_hash:
            texts[item.context_hash] = context
        texts.update(windows)
        todo.append(item)
    return todo, texts


async def _index_batch(
    session: AsyncSession,
    kb: KnowledgeBase,
    source: KnowledgeSource,
    generation: int,
    batch: list[_Piece],
    texts: dict[str, str],
) -> bool:
    """Embed and store one batch in one transaction; False when a newer run owns the source."""
    vectors, fresh, dims = await _embed_missing(session, kb, embedder_of(kb), batch, texts)
    if dims not in _HNSW_READY and session.get_bind().dialect.name == "postgresql":
        # DDL in a transaction of its own: never while holding rows another ingestion
        # waits for (two such transactions would deadlock on the table's locks).
        for table in vector_index.VECTOR_TABLES:
            await session.execute(sql_text(vector_index.ensure_hnsw_sql(dims, table)))
        await session.commit()
        _HNSW_READY.add(dims)
    current = await session.scalar(
        select(KnowledgeSource.generation).where(KnowledgeSource.id == source.id)
    )
    if current != generation:
        return False
    await _cache(session, kb, fresh)
    await _store_batch(session, kb, source, batch, vectors, dims)
    await _remember_dimensions(session, kb, dims)
    await session.commit()
    return True


async def _finish(session: AsyncSession, kb: KnowledgeBase, source: KnowledgeSource) -> None:
    await session.refresh(source)
    stored = int(
        await session.scalar(select(func.count()).where(KnowledgeChunk.source_id == source.id)) or 0
    )
    source.status = "processed"
    source.processed_chunks = source.chunk_count = stored
    source.processed_at = get_clock().now()
    await event_service.emit(
        session, source.workspace_id, "knowledge_source.processed", source_event(source, kb)
    )
    await session.commit()


async def _remember_dimensions(session: AsyncSession, kb: KnowledgeBase, dims: int) -> None:
    settings = dict(kb.embedding or {})
    if settings.get("dimensions") != dims:
        settings["dimensions"] = dims
        kb.embedding = settings


async def _report(progress: Progress, done: int, total: int) -> None:
    result = progress(done, total)
    if result is not None:
        await result


def source_event(source: KnowledgeSource, kb: KnowledgeBase) -> dict[str, Any]:
    return {
        "id": str(source.id),
        "knowledge_base_id": str(kb.id),
        "knowledge_base_name": kb.name,
        "name": source.name,
        "type": source.type,
        "status": source.status,
        "error": source.error,
        "chunk_count": source.chunk_count,
    }


async def fail_source(
    maker: async_sessionmaker[AsyncSession], source_id: uuid.UUID, generation: int, error: str
) -> None:
    async with maker() as session:
        source = await session.get(KnowledgeSource, source_id)
        if source is None or source.generation != generation:
            return
        kb = await session.get_one(KnowledgeBase, source.knowledge_base_id)
        await index.remove_chunks(session, kb.id, source.id)
        source.status = "failed"
        source.error = error[:2000]
        source.processed_chunks = 0
        source.chunk_count = 0
        source.processed_at = get_clock().now()
        await event_service.emit(
            session, source.workspace_id, "knowledge_source.processed", source_event(source, kb)
        )
        await session.commit()


@job_handler(INGEST_JOB, retry=RetryPolicy((10, 60, 300)), timeout=3600)
async def ingest(ctx: JobContext, payload: dict[str, Any]) -> None:
    source_id = uuid.UUID(payload["source_id"])
    generation = int(payload.get("generation", 0))
    try:
        await ingest_source(
            ctx.sessionmaker,
            ctx.http,
            source_id,
            generation,
            allow_private=ctx.settings.allow_private_urls,
            max_bytes=ctx.settings.max_upload_bytes,
            limits=parsing.Limits(ctx.settings.max_document_pages, ctx.settings.max_unpacked_bytes),
        )
    except (SourceFailed, parsing.UnreadableDocument, parsing.NotADocument) as exc:
        await fail_source(ctx.sessionmaker, source_id, generation, describe(exc))
    except (embeddings.EmbeddingUnavailable, StorageUnavailable) as exc:
        if ctx.is_last_attempt:
            await fail_source(ctx.sessionmaker, source_id, generation, exc.message)
        raise
    except Exception as exc:
        log.warning("knowledge.ingest_failed", source_id=str(source_id), error=repr(exc))
        if ctx.is_last_attempt:
            await fail_source(
                ctx.sessionmaker,
                source_id,
                generation,
                f"Ingestion failed after {ctx.attempt} attempts ({type(exc).__name__})",
            )
        raise


def describe(exc: BaseException) -> str:
    """The sentence a failed source shows."""
    if isinstance(exc, parsing.NotADocument):
        return f"The content is {exc}; only PDF, DOCX, TXT, MD and HTML are read"
    if isinstance(exc, SourceFailed | parsing.UnreadableDocument):
        return str(exc)
    if isinstance(exc, embeddings.EmbeddingUnavailable):
        return exc.message
    return f"Ingestion failed ({type(exc).__name__}: {exc})"[:2000]
