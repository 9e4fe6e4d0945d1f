"""Search over one or several knowledge bases: keyword, vector or hybrid (the default).

Candidates come from both halves (`index` for keywords, `vector_index` for vectors), then every
candidate gets the same three numbers whatever found it and whichever database holds it: BM25 over
the searched bases' statistics, cosine to the query, and the calibrated score of `scoring` for the
chosen mode, in [0, 1].
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
import numpy.typing as npt
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.errors import ServiceUnavailable
from frontdesk.knowledge import index, schemas, scoring, text, vector_index
from frontdesk.knowledge.embeddings import EmbeddingUnavailable
from frontdesk.knowledge.models import (
    EmbeddingCacheEntry,
    KnowledgeBase,
    KnowledgeChunk,
    KnowledgeSource,
)
from frontdesk.knowledge.service import embedder_of, model_key

QUERY_CACHE_SIZE = 2048
CONTEXT_CACHE_SIZE = 20_000
CANDIDATE_CACHE_SIZE = 10_000  # indexed words of up to a few KB each

K = TypeVar("K")
V = TypeVar("V")


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


class _Recent(Generic[K, V]):
    """A bounded map that forgets the least recently used entry first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()

    def clear(self) -> None:
        self._items.clear()

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
        return found

    def put(self, key: K, value: V) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)


class _QueryVectors:
    """Recent query embeddings: an agent's customers ask the same things."""

    def __init__(self, size: int) -> None:
        self._items: _Recent[tuple[str, str], npt.NDArray[np.float32]] = _Recent(size)

    async def get(self, kb: KnowledgeBase, query: str) -> npt.NDArray[np.float32]:
        key = (model_key(kb), query)
        found = self._items.get(key)
        if found is None:
            found = await embedder_of(kb).embed_query(query)
            self._items.put(key, found)
        return found


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
    # Bases embedded with one model share one query vector.
    groups: dict[str, list[KnowledgeBase]] = {}
    for kb in kbs:
        groups.setdefault(model_key(kb), []).append(kb)
    terms = text.query_terms(query)
    df, found, cosine, vectors = await _halves(
        session, kbs, groups, query, terms, mode, index.candidates_for(limit)
    )
    chunks = sum(kb.chunk_total for kb in kbs)
    stats = scoring.CorpusStats(
        chunks=max(chunks, 1),
        mean_length=sum(kb.token_total for kb in kbs) / max(chunks, 1),
        df=df,
    )
    ids = list(dict.fromkeys([*(row[0] for row in found), *cosine]))
    rows = await _candidates(session, ids, kb_ids, found)
    context: dict[str, float] = {}
    if mode == "hybrid":
        context = await _complete_hybrid(session, groups, vectors, rows, cosine)
    best = stats.best_possible(terms)
    cos = np.array([cosine.get(r.id, 0.0) for r in rows], dtype=np.float64)
    ctx = np.array([context.get(r.context_hash or "", 0.0) for r in rows], dtype=np.float64)
    kw = scoring.bm25(stats, terms, [r.indexed for r in rows]) / best
    scores, keep = scoring.mode_scores(mode, cos, ctx, kw, have_vectors=bool(vectors))
    floor = 0.0 if threshold is None else threshold
    ranked = sorted(
        (i for i in range(len(rows)) if keep[i] and scores[i] >= floor),
        key=lambda i: (-scores[i], -cos[i], str(rows[i].id)),
    )[:limit]
    shown = await _details(session, [rows[i].id for i in ranked])
    return [
        _hit(rows[i], shown[rows[i].id], float(scores[i]), float(cos[i]), float(kw[i]))
        for i in ranked
        if rows[i].id in shown
    ]


async def _halves(
    session: AsyncSession,
    kbs: list[KnowledgeBase],
    groups: dict[str, list[KnowledgeBase]],
    query: str,
    terms: list[str],
    mode: str,
    per_half: int,
) -> tuple[dict[str, int], list[index.CandidateRow], dict[uuid.UUID, float], Vectors]:
    """The words' document frequencies, the candidate rows the halves read (the keyword
    candidates first, in rank order), the vector candidates with their cosines, and each model's
    query vector. The query is embedded (in a thread, or by a remote endpoint) while the keyword
    half runs."""
    embedding = (
        {key: asyncio.ensure_future(QUERY_VECTORS.get(m[0], query)) for key, m in groups.items()}
        if mode in ("hybrid", "vector")
        else {}
    )
    try:
        versions = [(kb.id, kb.index_version, kb.chunk_total) for kb in kbs]
        df = await index.document_frequencies(session, versions, terms)
        found: list[index.CandidateRow] = []
        if mode in ("hybrid", "keyword"):
            found = await index.keyword_candidates(
                session, [kb.id for kb in kbs], terms, df, per_half
            )
        cosine: dict[uuid.UUID, float] = {}
        vectors = await _vector_half(
            session, groups, embedding, cosine, found, per_half, required=mode == "vector"
        )
    finally:
        for task in embedding.values():
            task.cancel()
            if task.done() and not task.cancelled():
                task.exception()  # seen, so not reported as lost
    return df, found, cosine, vectors


async def _vector_half(
    session: AsyncSession,
    groups: dict[str, list[KnowledgeBase]],
    embedding: Mapping[str, asyncio.Future[npt.NDArray[np.float32]]],
    cosine: dict[uuid.UUID, float],
    read: list[index.CandidateRow],
    per_half: int,
    required: bool,
) -> Vectors:
    """Nearest chunks of each model's bases into `cosine` (and the rows read with them into
    `read`); the query vector of each model."""
    vectors: Vectors = {}
    for key, pending in embedding.items():
        try:
            vector = await pending
        except EmbeddingUnavailable:
            if required:
                raise
            continue  # hybrid goes on with keywords alone
        vectors[key] = vector
        cosine.update(
            await vector_index.vector_candidates(
                session,
                [(kb.id, kb.index_version) for kb in groups[key]],
                vector,
                per_half,
                read=read,
            )
        )
    return vectors


@dataclass(frozen=True, slots=True)
class _Candidate:
    id: uuid.UUID
    knowledge_base_id: uuid.UUID
    indexed: str  # its indexed words, space separated
    context_hash: str | None


# What scoring reads of recent candidates, by chunk id. A chunk row is never changed, only deleted
# (and a deleted chunk stops being a candidate at once), so entries stay true.
CANDIDATE_ROWS: _Recent[uuid.UUID, _Candidate] = _Recent(CANDIDATE_CACHE_SIZE)


# Built once: constructing an IN of a few hundred ids costs more than running it.
_CANDIDATE_ROWS = select(
    KnowledgeChunk.id,
    KnowledgeChunk.knowledge_base_id,
    KnowledgeChunk.search_text,
    KnowledgeChunk.context_hash,
).where(KnowledgeChunk.id.in_(bindparam("ids", expanding=True)))


async def _candidates(
    session: AsyncSession,
    ids: list[uuid.UUID],
    kb_ids: list[uuid.UUID],
    read: list[index.CandidateRow],
) -> list[_Candidate]:
    """What scoring needs of each candidate: its base, its indexed words, its context line's
    hash; from the rows the halves `read`, remembered ones, or one statement for the rest."""
    found: dict[uuid.UUID, _Candidate] = {}
    for chunk_id, kb_id, indexed, context_hash in read:
        found[chunk_id] = _Candidate(chunk_id, kb_id, indexed or "", context_hash)
        CANDIDATE_ROWS.put(chunk_id, found[chunk_id])
    missing: list[uuid.UUID] = []
    for chunk_id in ids:
        if chunk_id in found:
            continue
        known = CANDIDATE_ROWS.get(chunk_id)
        if known is None:
            missing.append(chunk_id)
        else:
            found[chunk_id] = known
    if missing:
        rows = await session.execute(_CANDIDATE_ROWS, {"ids": missing})
        for row in rows.all():
            candidate = _Candidate(row[0], row[1], row[2] or "", row[3])
            CANDIDATE_ROWS.put(candidate.id, candidate)
            found[candidate.id] = candidate
    # By primary key only (a base filter in SQL makes SQLite scan the whole base); the
    # candidates came from the bases' own indexes, this keeps it so.
    allowed = set(kb_ids)
    return [
        c for c in (found.get(i) for i in ids) if c is not None and c.knowledge_base_id in allowed
    ]


async def _details(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Any]:
    """The text, source and metadata of the chunks shown (only the best `limit` are read)."""
    if not ids:
        return {}
    rows = await session.execute(
        select(
            KnowledgeChunk.id,
            KnowledgeChunk.source_id,
            KnowledgeChunk.content,
            KnowledgeChunk.meta,
            KnowledgeSource.name,
        )
        .join(KnowledgeSource, KnowledgeSource.id == KnowledgeChunk.source_id)
        .where(KnowledgeChunk.id.in_(ids))
    )
    return {row[0]: row for row in rows.all()}


async def _complete_hybrid(
    session: AsyncSession,
    groups: dict[str, list[KnowledgeBase]],
    vectors: Vectors,
    rows: list[_Candidate],
    cosine: dict[uuid.UUID, float],
) -> dict[str, float]:
    """The cosine of keyword finds the vector half missed (into `cosine`), and each candidate's
    context-line cosine (returned, by context hash)."""
    context: dict[str, float] = {}
    for key, members in groups.items():
        if key not in vectors:
            continue
        member_ids = {kb.id for kb in members}
        mine = [r for r in rows if r.knowledge_base_id in member_ids]
        cosine.update(
            await vector_index.cosines(
                session,
                [r.id for r in mine if r.id not in cosine],
                [(kb.id, kb.index_version) for kb in members],
                vectors[key],
            )
        )
        hashes = {r.context_hash for r in mine if r.context_hash}
        context.update(await _context_cosines(session, members, key, hashes, vectors[key]))
    return context


def _hit(candidate: _Candidate, row: Any, score: float, cosine: float, keyword: float) -> Hit:
    meta: dict[str, Any] = row[3] or {}
    return Hit(
        knowledge_base_id=candidate.knowledge_base_id,
        source_id=row[1],
        chunk_id=candidate.id,
        content=row[2],
        score=score,
        source=row[4],
        page=meta.get("page"),
        heading=meta.get("heading"),
        cosine=cosine,
        keyword=keyword,
    )


# Embeddings of context lines (a source's name and heading), by workspace, model and text hash: a
# base has few of them and every search reads some.
CONTEXT_VECTORS: _Recent[tuple[uuid.UUID, str, str], npt.NDArray[np.float32]] = _Recent(
    CONTEXT_CACHE_SIZE
)


async def _context_cosines(
    session: AsyncSession,
    kbs: list[KnowledgeBase],
    key: str,
    hashes: set[str],
    query: npt.NDArray[np.float32],
) -> dict[str, float]:
    workspaces = {kb.workspace_id for kb in kbs}
    out: dict[str, float] = {}
    missing: set[str] = set()
    for digest in hashes:
        for workspace_id in workspaces:
            vector = CONTEXT_VECTORS.get((workspace_id, key, digest))
            if vector is not None:
                out[digest] = float(vector @ query)
                break
        else:
            missing.add(digest)
    if not missing:
        return out
    rows = await session.execute(
        select(
            EmbeddingCacheEntry.workspace_id,
            EmbeddingCacheEntry.content_hash,
            EmbeddingCacheEntry.vector,
        ).where(
            EmbeddingCacheEntry.workspace_id.in_(workspaces),
            EmbeddingCacheEntry.model_key == key,
            EmbeddingCacheEntry.content_hash.in_(missing),
        )
    )
    for workspace_id, digest, raw in rows.all():
        vector = np.frombuffer(raw, dtype=np.float32)
        CONTEXT_VECTORS.put((workspace_id, key, digest), vector)
        out[digest] = float(vector @ query)
    return out


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
