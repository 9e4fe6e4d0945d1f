"""Search over one or several knowledge bases: keyword, vector or hybrid (the default).

Candidates come from both halves (`index`), then every candidate gets the same three numbers
whatever found it and whichever database holds it: BM25 over the searched bases' statistics,
cosine to the query, and the calibrated score of `scoring` for the chosen mode, in [0, 1].
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import ServiceUnavailable
from frontdesk.knowledge import index, schemas, scoring, text
from frontdesk.knowledge.embeddings import EmbeddingUnavailable
from frontdesk.knowledge.models import (
    EmbeddingCacheEntry,
    KnowledgeBase,
    KnowledgeChunk,
    KnowledgeSource,
)
from frontdesk.knowledge.service import embedder_of, model_key

QUERY_CACHE_SIZE = 2048


@dataclass(frozen=True, slots=True)
class Hit:
    knowledge_base_id: uuid.UUID
    source_id: uuid.UUID
    chunk_id: uuid.UUID
    content: str
    score: float
    source: str
    page: int | None
    heading: str | None
    cosine: float
    keyword: float

    def to_schema(self) -> schemas.SearchResult:
        return schemas.SearchResult(
            knowledge_base_id=self.knowledge_base_id,
            source_id=self.source_id,
            chunk_id=self.chunk_id,
            content=self.content,
            score=round(self.score, 4),
            metadata=schemas.ResultMetadata(
                source=self.source, page=self.page, heading=self.heading
            ),
        )


class _QueryVectors:
    """Recent query embeddings: an agent's customers ask the same things."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], npt.NDArray[np.float32]] = OrderedDict()

    async def get(self, kb: KnowledgeBase, query: str) -> npt.NDArray[np.float32]:
        key = (model_key(kb), query)
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            return found
        vector = (await embedder_of(kb).embed([query]))[0]
        self._items[key] = vector
        if len(self._items) > self.size:
            self._items.popitem(last=False)
        return vector


QUERY_VECTORS = _QueryVectors(QUERY_CACHE_SIZE)


Vectors = dict[str, npt.NDArray[np.float32]]


async def search(
    session: AsyncSession,
    kbs: list[KnowledgeBase],
    query: str,
    *,
    mode: str = "hybrid",
    limit: int = 5,
    threshold: float | None = None,
) -> list[Hit]:
    """The best `limit` chunks of the bases for `query` whose score reaches `threshold`."""
    if not kbs or not query.strip():
        return []
    kb_ids = [kb.id for kb in kbs]
    terms = text.query_terms(query)
    df = await index.document_frequencies(session, kb_ids, terms)
    chunks = sum(kb.chunk_total for kb in kbs)
    stats = scoring.CorpusStats(
        chunks=max(chunks, 1),
        mean_length=sum(kb.token_total for kb in kbs) / max(chunks, 1),
        df=df,
    )
    keyword_ids: list[uuid.UUID] = []
    if mode in ("hybrid", "keyword"):
        keyword_ids = await index.keyword_candidates(session, kb_ids, terms, df, chunks)
    # Bases embedded with one model share one query vector.
    groups: dict[str, list[KnowledgeBase]] = {}
    for kb in kbs:
        groups.setdefault(model_key(kb), []).append(kb)
    cosine: dict[uuid.UUID, float] = {}
    vectors: Vectors = {}
    if mode in ("hybrid", "vector"):
        vectors = await _vector_half(session, groups, query, cosine, required=mode == "vector")
    rows = await _fetch(session, list(dict.fromkeys([*keyword_ids, *cosine])), kb_ids)
    context: dict[str, float] = {}
    if mode == "hybrid":
        context = await _complete_hybrid(session, groups, vectors, rows, cosine)
    best = stats.best_possible(terms)
    cos = np.array([cosine.get(r[0], 0.0) for r in rows], dtype=np.float64)
    ctx = np.array([context.get(r[7] or "", 0.0) for r in rows], dtype=np.float64)
    kw = np.array([scoring.bm25(stats, terms, r[4]) / best for r in rows], dtype=np.float64)
    if mode == "keyword":
        scores, keep = scoring.keyword_scores(kw), kw > 0
    elif mode == "vector":
        scores, keep = scoring.vector_scores(cos), np.ones(len(rows), dtype=bool)
    else:
        scores = scoring.hybrid_scores(cos, ctx, kw) if vectors else scoring.keyword_scores(kw)
        keep = np.ones(len(rows), dtype=bool)
    floor = 0.0 if threshold is None else threshold
    hits = [
        _hit(row, float(scores[i]), float(cos[i]), float(kw[i]))
        for i, row in enumerate(rows)
        if keep[i] and scores[i] >= floor
    ]
    hits.sort(key=lambda h: (-h.score, -h.cosine, str(h.chunk_id)))
    return hits[:limit]


async def _vector_half(
    session: AsyncSession,
    groups: dict[str, list[KnowledgeBase]],
    query: str,
    cosine: dict[uuid.UUID, float],
    required: bool,
) -> Vectors:
    """Nearest chunks of each model's bases into `cosine`; the query vector of each model."""
    vectors: Vectors = {}
    for key, members in groups.items():
        try:
            vector = await QUERY_VECTORS.get(members[0], query)
        except EmbeddingUnavailable:
            if required:
                raise
            continue  # hybrid goes on with keywords alone
        vectors[key] = vector
        cosine.update(
            await index.vector_candidates(
                session, [(kb.id, kb.index_version) for kb in members], vector
            )
        )
    return vectors


async def _fetch(
    session: AsyncSession, candidates: list[uuid.UUID], kb_ids: list[uuid.UUID]
) -> list[Any]:
    if not candidates:
        return []
    rows = (
        await session.execute(
            select(
                KnowledgeChunk.id,
                KnowledgeChunk.knowledge_base_id,
                KnowledgeChunk.source_id,
                KnowledgeChunk.content,
                KnowledgeChunk.search_text,
                KnowledgeChunk.meta,
                KnowledgeSource.name,
                KnowledgeChunk.context_hash,
            )
            .join(KnowledgeSource, KnowledgeSource.id == KnowledgeChunk.source_id)
            .where(KnowledgeChunk.id.in_(candidates))
        )
    ).all()
    # By primary key only (a base filter in SQL makes SQLite scan the whole base); the
    # candidates came from the bases' own indexes, this keeps it so.
    allowed = set(kb_ids)
    return [r for r in rows if r[1] in allowed]


async def _complete_hybrid(
    session: AsyncSession,
    groups: dict[str, list[KnowledgeBase]],
    vectors: Vectors,
    rows: list[Any],
    cosine: dict[uuid.UUID, float],
) -> dict[str, float]:
    """The cosine of keyword finds the vector half missed (into `cosine`), and each candidate's
    context-line cosine (returned, by context hash)."""
    context: dict[str, float] = {}
    for key, members in groups.items():
        if key not in vectors:
            continue
        member_ids = {kb.id for kb in members}
        mine = [r for r in rows if r[1] in member_ids]
        cosine.update(
            await index.cosines(
                session,
                [r[0] for r in mine if r[0] not in cosine],
                [(kb.id, kb.index_version) for kb in members],
                vectors[key],
            )
        )
        hashes = {r[7] for r in mine if r[7]}
        context.update(await _context_cosines(session, members, key, hashes, vectors[key]))
    return context


def _hit(row: Any, score: float, cosine: float, keyword: float) -> Hit:
    meta: dict[str, Any] = row[5] or {}
    return Hit(
        knowledge_base_id=row[1],
        source_id=row[2],
        chunk_id=row[0],
        content=row[3],
        score=score,
        source=row[6],
        page=meta.get("page"),
        heading=meta.get("heading"),
        cosine=cosine,
        keyword=keyword,
    )


async def _context_cosines(
    session: AsyncSession,
    kbs: list[KnowledgeBase],
    key: str,
    hashes: set[str],
    query: npt.NDArray[np.float32],
) -> dict[str, float]:
    if not hashes:
        return {}
    rows = await session.execute(
        select(EmbeddingCacheEntry.content_hash, EmbeddingCacheEntry.vector).where(
            EmbeddingCacheEntry.workspace_id.in_({kb.workspace_id for kb in kbs}),
            EmbeddingCacheEntry.model_key == key,
            EmbeddingCacheEntry.content_hash.in_(hashes),
        )
    )
    return {h: float(np.frombuffer(v, dtype=np.float32) @ query) for h, v in rows.all()}


async def run(
    session: AsyncSession, kbs: list[KnowledgeBase], request: schemas.SearchRequest
) -> schemas.SearchResults:
    started = time.perf_counter()
    threshold = request.threshold
    if threshold is None and len(kbs) == 1:
        threshold = kbs[0].threshold
    try:
        hits = await search(
            session, kbs, request.query, mode=request.mode, limit=request.limit, threshold=threshold
        )
    except EmbeddingUnavailable as exc:
        # Vector mode needs the query's embedding (hybrid goes on with keywords alone).
        raise ServiceUnavailable(exc.message, exc.code) from exc
    return schemas.SearchResults(
        results=[h.to_schema() for h in hits],
        mode=request.mode,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
    )
