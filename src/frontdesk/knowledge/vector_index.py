"""The vector half of search: exact numpy search over a cached matrix on SQLite, pgvector HNSW on
PostgreSQL.

A chunk's cosine to a query is the best of its own embedding's and its windows' (a passage longer
than the model reads at once is also embedded in overlapping windows, `KnowledgeWindow`).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.knowledge.index import CANDIDATES, CandidateRow
from frontdesk.knowledge.models import KnowledgeChunk, KnowledgeWindow
from frontdesk.knowledge.vectors import to_pg_text

HNSW_EF_SEARCH = 200


@dataclass
class _Matrix:
    """A base's chunk embeddings (row i is chunk `ids[i]`), and the windows of its long chunks:
    the rows `window_start[i]` to `window_end[i]` of `windows` belong to chunk i."""

    version: int
    ids: list[uuid.UUID]
    position: dict[uuid.UUID, int]
    vectors: npt.NDArray[np.float32]
    windows: npt.NDArray[np.float32]
    window_start: npt.NDArray[np.int64]
    window_end: npt.NDArray[np.int64]
    windowed: npt.NDArray[np.int64]  # the chunks with windows, in the order of `windows`

    @property
    def nbytes(self) -> int:
        return int(self.vectors.nbytes + self.windows.nbytes)

    def cosines(self, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Every chunk's cosine to the query: the best of its own and its windows'."""
        scores = self.vectors @ query
        if len(self.windowed):
            best = np.maximum.reduceat(self.windows @ query, self.window_start[self.windowed])
            scores[self.windowed] = np.maximum(scores[self.windowed], best)
        return scores

    def cosines_of(
        self, positions: Sequence[int], query: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float32]:
        """The same for some chunks only."""
        scores = self.vectors[list(positions)] @ query
        for n, i in enumerate(positions):
            start, end = self.window_start[i], self.window_end[i]
            if end > start:
                scores[n] = max(scores[n], float((self.windows[start:end] @ query).max()))
        return scores


class VectorCache:
    """Each knowledge base's embeddings as one matrix, reloaded when the base's `index_version`
    moves on (any process that changes chunks bumps it). Bounded by total size."""

    def __init__(self, max_bytes: int = 1 << 30) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[uuid.UUID, _Matrix] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    async def get(
        self, session: AsyncSession, kb_id: uuid.UUID, version: int, dims: int
    ) -> _Matrix:
        with self._lock:
            found = self._items.get(kb_id)
            if found is not None and found.version == version:
                self._items.move_to_end(kb_id)
                return found
        rows = (
            await session.execute(
                select(KnowledgeChunk.id, KnowledgeChunk.embedding).where(
                    KnowledgeChunk.knowledge_base_id == kb_id, KnowledgeChunk.dimensions == dims
                )
            )
        ).all()
        ids = [row[0] for row in rows]
        position = {i: n for n, i in enumerate(ids)}
        windows = (
            await session.execute(
                select(KnowledgeWindow.chunk_id, KnowledgeWindow.embedding)
                .where(
                    KnowledgeWindow.knowledge_base_id == kb_id,
                    KnowledgeWindow.dimensions == dims,
                )
                .order_by(KnowledgeWindow.chunk_id, KnowledgeWindow.number)
            )
        ).all()
        windows = [w for w in windows if w[0] in position]
        matrix = _build_matrix(version, ids, position, [r[1] for r in rows], windows, dims)
        with self._lock:
            self._items[kb_id] = matrix
            total = sum(m.nbytes for m in self._items.values())
            while total > self.max_bytes and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                total -= dropped.nbytes
        return matrix


def _stack(vectors: Sequence[bytes], dims: int) -> npt.NDArray[np.float32]:
    if not vectors:
        return np.empty((0, dims), dtype=np.float32)
    return np.frombuffer(b"".join(vectors), dtype=np.float32).reshape(len(vectors), dims)


def _build_matrix(
    version: int,
    ids: list[uuid.UUID],
    position: dict[uuid.UUID, int],
    vectors: Sequence[bytes],
    windows: Sequence[Any],
    dims: int,
) -> _Matrix:
    """The matrix of a base, its windows grouped by chunk (they come ordered by chunk)."""
    start = np.zeros(len(ids), dtype=np.int64)
    end = np.zeros(len(ids), dtype=np.int64)
    windowed: list[int] = []
    for n, (chunk_id, _) in enumerate(windows):
        i = position[chunk_id]
        if not windowed or windowed[-1] != i:
            windowed.append(i)
            start[i] = n
        end[i] = n + 1
    return _Matrix(
        version,
        ids,
        position,
        _stack(vectors, dims),
        _stack([w[1] for w in windows], dims),
        start,
        end,
        np.array(windowed, dtype=np.int64),
    )


VECTORS = VectorCache()


VECTOR_TABLES = ("knowledge_chunks", "knowledge_windows")


def ensure_hnsw_sql(dims: int, table: str = "knowledge_chunks") -> str:
    """The HNSW index of a table of embeddings for one dimension (one partial expression index
    per dimension)."""
    return (
        f"CREATE INDEX IF NOT EXISTS ix_{table}_hnsw_{dims} ON {table} "
        f"USING hnsw ((embedding::vector({dims})) vector_cosine_ops) WHERE dimensions = {dims}"
    )


def _best_distance_sql(dims: int, alias: str) -> str:
    """A chunk's cosine distance to `:q`: the least of its own and its windows'. The windows are
    read by primary key (`OFFSET 0` keeps the planner from turning `min` into a walk of the
    HNSW index filtered by chunk, which visits a large part of the index for each chunk)."""
    vector = f"CAST(:q AS vector({dims}))"
    return (
        f"LEAST(({alias}.embedding::vector({dims})) <=> {vector}, "
        f"(SELECT min(distance) FROM (SELECT (w.embedding::vector({dims})) <=> {vector} "
        f"AS distance FROM knowledge_windows w WHERE w.chunk_id = {alias}.id "
        f"AND w.dimensions = {dims} OFFSET 0) AS windows))"
    )


async def vector_candidates(
    session: AsyncSession,
    kbs: Sequence[tuple[uuid.UUID, int]],
    query: npt.NDArray[np.float32],
    limit: int = CANDIDATES,
    read: list[CandidateRow] | None = None,
) -> dict[uuid.UUID, float]:
    """Nearest chunks by cosine: {chunk id: cosine}. `kbs` holds (id, index_version) of bases
    embedded with the query's model. On PostgreSQL, where the index scan reads each found row,
    their `CandidateRow`s are added to `read`."""
    dims = int(query.shape[0])
    if session.get_bind().dialect.name == "postgresql":
        await _hnsw_settings(session)
        # The nearest chunks and the nearest windows, each by its own index; every chunk found
        # either way then scores as its best vector.
        expression = f"(embedding::vector({dims}))"
        nearest = f"{expression} <=> CAST(:q AS vector({dims}))"
        rows = await session.execute(
            text(
                f"WITH by_chunk AS (SELECT id FROM knowledge_chunks WHERE dimensions = {dims} "
                f"AND knowledge_base_id = ANY(:kbs) ORDER BY {nearest} LIMIT :limit), "
                f"by_window AS (SELECT chunk_id AS id FROM knowledge_windows "
                f"WHERE dimensions = {dims} AND knowledge_base_id = ANY(:kbs) "
                f"ORDER BY {nearest} LIMIT :limit) "
                f"SELECT c.id, {_best_distance_sql(dims, 'c')} AS distance, "
                "c.knowledge_base_id, c.search_text, c.context_hash FROM knowledge_chunks c "
                "WHERE c.id IN (SELECT id FROM by_chunk UNION SELECT id FROM by_window) "
                "ORDER BY distance LIMIT :limit"
            ),
            {"q": to_pg_text(query), "kbs": [k for k, _ in kbs], "limit": limit},
        )
        found_rows = rows.all()
        if read is not None:
            read.extend((row[0], row[2], row[3], row[4]) for row in found_rows)
        return {row[0]: 1.0 - float(row[1]) for row in found_rows}
    found: dict[uuid.UUID, float] = {}
    for kb_id, version in kbs:
        matrix = await VECTORS.get(session, kb_id, version, dims)
        if not matrix.ids:
            continue
        scores = matrix.cosines(query)
        k = min(limit, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        for i in top:
            found[matrix.ids[int(i)]] = float(scores[i])
    if len(found) > limit:
        found = dict(sorted(found.items(), key=lambda kv: -kv[1])[:limit])
    return found


_SETTINGS_SQL: dict[str, list[str]] = {}


async def _hnsw_settings(session: AsyncSession) -> None:
    """Session-level search settings (they only steer HNSW scans, so they may stay set on a
    pooled connection). pgvector 0.8+ also keeps scanning until enough rows pass the filter."""
    url = str(session.get_bind().engine.url)
    statements = _SETTINGS_SQL.get(url)
    if statements is None:
        version = await session.scalar(
            text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
        )
        parts = tuple(int(p) for p in str(version or "0").split(".")[:2] if p.isdigit())
        statements = [f"SET hnsw.ef_search = {HNSW_EF_SEARCH}"]
        if parts >= (0, 8):
            statements.append("SET hnsw.iterative_scan = relaxed_order")
        _SETTINGS_SQL[url] = statements
    for statement in statements:
        await session.execute(text(statement))


async def cosines(
    session: AsyncSession,
    chunk_ids: Sequence[uuid.UUID],
    kbs: Sequence[tuple[uuid.UUID, int]],
    query: npt.NDArray[np.float32],
) -> dict[uuid.UUID, float]:
    """Cosine of given chunks to the query (for keyword candidates the vector half missed)."""
    if not chunk_ids:
        return {}
    dims = int(query.shape[0])
    if session.get_bind().dialect.name == "postgresql":
        rows = await session.execute(
            text(
                f"SELECT c.id, {_best_distance_sql(dims, 'c')} FROM knowledge_chunks c "
                f"WHERE c.id = ANY(:ids) AND c.dimensions = {dims}"
            ),
            {"q": to_pg_text(query), "ids": list(chunk_ids)},
        )
        return {row[0]: 1.0 - float(row[1]) for row in rows.all()}
    out: dict[uuid.UUID, float] = {}
    for kb_id, version in kbs:
        matrix = await VECTORS.get(session, kb_id, version, dims)
        held = {c: matrix.position[c] for c in chunk_ids if c in matrix.position}
        if held:
            scores = matrix.cosines_of(list(held.values()), query)
            out.update(zip(held, scores.tolist(), strict=True))
    return out
