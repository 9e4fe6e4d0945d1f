"""Finding candidate chunks: keyword (FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL) and
vector (exact numpy search over a cached matrix on SQLite, pgvector HNSW on PostgreSQL).

A chunk's cosine to a query is the best of its own embedding's and its windows' (a passage longer
than the model reads at once is also embedded in overlapping windows, `KnowledgeWindow`).

Both databases index the same words (`text.index_text`) and both halves return candidates only;
the final scores (BM25 over the bases' own statistics, cosine, the calibrated score) are computed
by `search` the same way for both.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import String, Uuid, bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.knowledge.models import (
    KnowledgeBase,
    KnowledgeChunk,
    KnowledgeTerm,
    KnowledgeWindow,
)
from frontdesk.knowledge.vectors import to_pg_text

CANDIDATES = 100  # each half proposes at most this many
CANDIDATES_PER_RESULT = 10
MIN_CANDIDATES = 40
HNSW_EF_SEARCH = 200
MATCHES_PER_CANDIDATE = 10  # matching chunks the chosen words may hold in all, per candidate
MATCH_CAP = 2000  # chunks ranked at most, when even the rarest word is common


def candidates_for(limit: int) -> int:
    """How many candidates each half proposes for `limit` results: ten per result, 40 to 100.
    On the scifact development queries, the best 4 among 40 per half and the best 10 among 100
    were the same as among every passage of the base, every time (docs/knowledge.md)."""
    return min(CANDIDATES, max(MIN_CANDIDATES, CANDIDATES_PER_RESULT * limit))


def kb_token(kb_id: uuid.UUID) -> str:
    return "kb" + kb_id.hex


@dataclass
class _Words:
    df: dict[str, int]
    whole: bool  # every word of the base is here: a word not here is in none of its chunks


class _Frequencies:
    """Document frequencies of words in each base, remembered per `index_version` (every change
    to a base's chunks and words moves its version on, in the same transaction).

    A base of at most `WHOLE_VOCABULARY_CHUNKS` chunks has its whole vocabulary read on its first
    search (up to `vocabulary` words), so later searches ask the database nothing; a larger base
    remembers the words its searches asked for. At most `words` words are kept in all."""

    def __init__(self, words: int = 500_000, vocabulary: int = 100_000) -> None:
        self.words = words
        self.vocabulary = vocabulary
        self._items: OrderedDict[tuple[uuid.UUID, int], _Words] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0

    def known(self, kb: tuple[uuid.UUID, int], terms: Sequence[str]) -> _Words | None:
        """What is known of the base's words; a whole vocabulary is shared, never changed in
        place (a new one replaces it), so it is returned as it is."""
        with self._lock:
            found = self._items.get(kb)
            if found is None:
                return None
            self._items.move_to_end(kb)
            if found.whole:
                return found
            return _Words({t: found.df[t] for t in terms if t in found.df}, whole=False)

    def remember(self, kb: tuple[uuid.UUID, int], found: dict[str, int], whole: bool) -> None:
        with self._lock:
            for older in [k for k in self._items if k[0] == kb[0] and k != kb]:
                self._size -= len(self._items.pop(older).df)  # the base has moved on
            entry = self._items.setdefault(kb, _Words({}, whole=False))
            before = len(entry.df)
            if whole:  # the caller's dict, kept as it is: a whole vocabulary is never changed
                self._items[kb] = entry = _Words(found, whole=True)
            elif not entry.whole:
                if len(entry.df) + len(found) > self.vocabulary:
                    entry.df = {}
                entry.df.update(found)
            self._items.move_to_end(kb)
            self._size += len(entry.df) - before
            while self._size > self.words and len(self._items) > 1:
                _, dropped = self._items.popitem(last=False)
                self._size -= len(dropped.df)


FREQUENCIES = _Frequencies()
WHOLE_VOCABULARY_CHUNKS = 20_000

_VOCABULARY = (
    select(KnowledgeTerm.term, KnowledgeTerm.df)
    .where(KnowledgeTerm.knowledge_base_id == bindparam("kb"))
    .limit(bindparam("rows"))
)


async def _read_vocabulary(session: AsyncSession, kb: tuple[uuid.UUID, int]) -> _Words | None:
    """The whole vocabulary of a base, remembered; None when it has too many words."""
    rows = (
        await session.execute(_VOCABULARY, {"kb": kb[0], "rows": FREQUENCIES.vocabulary + 1})
    ).all()
    if len(rows) > FREQUENCIES.vocabulary:
        return None
    words = {term: int(df) for term, df in rows}
    FREQUENCIES.remember(kb, words, whole=True)
    return _Words(words, whole=True)


async def document_frequencies(
    session: AsyncSession, kbs: Sequence[tuple[uuid.UUID, int, int]], terms: Sequence[str]
) -> dict[str, int]:
    """How many chunks of the bases ((id, index_version, chunk count) each) hold each word;
    words no chunk holds are left out."""
    if not terms:
        return {}
    known: dict[tuple[uuid.UUID, int], _Words] = {}
    for kb_id, version, chunks in kbs:
        kb = (kb_id, version)
        found = FREQUENCIES.known(kb, terms)
        if found is None and chunks <= WHOLE_VOCABULARY_CHUNKS:
            found = await _read_vocabulary(session, kb)
        known[kb] = found or _Words({}, whole=False)
    missing = {t for kb, w in known.items() if not w.whole for t in terms if t not in w.df}
    if missing:
        versions = {kb_id: version for kb_id, version in known if not known[(kb_id, version)].whole}
        rows = await session.execute(
            select(KnowledgeTerm.knowledge_base_id, KnowledgeTerm.term, KnowledgeTerm.df).where(
                KnowledgeTerm.knowledge_base_id.in_(list(versions)),
                KnowledgeTerm.term.in_(missing),
            )
        )
        asked: dict[tuple[uuid.UUID, int], dict[str, int]] = {
            (kb_id, version): dict.fromkeys(missing, 0) for kb_id, version in versions.items()
        }
        for kb_id, term, df in rows.all():
            asked[(kb_id, versions[kb_id])][term] = int(df)
        for kb, counted in asked.items():
            FREQUENCIES.remember(kb, counted, whole=False)
            known[kb].df.update(counted)
    total: dict[str, int] = {}
    for words in known.values():
        for term in terms:
            total[term] = total.get(term, 0) + words.df.get(term, 0)
    return {term: n for term, n in total.items() if n}


def _match_terms(terms: Sequence[str], df: dict[str, int], budget: int) -> list[str]:
    """The rarest query words, up to about `budget` matching chunks in all (at least one word):
    ranking every chunk that holds a common word is what makes full-text search slow on large
    bases, and the words left out still count in the score of every candidate."""
    present = sorted((t for t in terms if df.get(t)), key=lambda t: df[t])
    chosen: list[str] = []
    total = 0
    for term in present:
        if chosen and total + df[term] > budget:
            break
        chosen.append(term)
        total += df[term]
    return chosen


# A candidate as a half read it: (id, knowledge_base_id, search_text, context_hash), what the
# final scores need of it, read in the statement that found it.
CandidateRow = tuple[uuid.UUID, uuid.UUID, str | None, str | None]


async def keyword_candidates(
    session: AsyncSession,
    kb_ids: Sequence[uuid.UUID],
    terms: Sequence[str],
    df: dict[str, int],
    limit: int = CANDIDATES,
) -> list[CandidateRow]:
    """The best `limit` chunks by the database's own keyword rank, among at most MATCH_CAP
    chunks holding the query's rarest words (about ten matching chunks per candidate: 1,000 for
    100 candidates, 400 for the 40 of a four-passage search)."""
    words = _match_terms(terms, df, MATCHES_PER_CANDIDATE * limit)
    if not words:
        return []
    if session.get_bind().dialect.name == "postgresql":
        stmt = text(
            "SELECT id, knowledge_base_id, search_text, context_hash FROM (SELECT id, "
            "knowledge_base_id, search_text, context_hash, search_vector FROM knowledge_chunks "
            "WHERE knowledge_base_id = ANY(:kbs) AND search_vector @@ to_tsquery('simple', :q) "
            "LIMIT :cap) AS matched "
            "ORDER BY ts_rank(search_vector, to_tsquery('simple', :q)) DESC LIMIT :limit"
        )
        rows = await session.execute(
            stmt, {"kbs": list(kb_ids), "q": " | ".join(words), "cap": MATCH_CAP, "limit": limit}
        )
        return [(row[0], row[1], row[2], row[3]) for row in rows.all()]
    kbs = " OR ".join(f'"{kb_token(k)}"' for k in kb_ids)
    body = " OR ".join(f'"{w}"' for w in words)
    match = f"kb : ({kbs}) AND body : ({body})"
    # Ranked inside the full-text table first: only the best `limit` rows are joined.
    rows = await session.execute(
        text(
            "SELECT c.id, c.knowledge_base_id, c.search_text, c.context_hash FROM (SELECT r, "
            "rank FROM (SELECT rowid AS r, bm25(knowledge_chunks_fts, 0.0, 1.0) AS rank "
            "FROM knowledge_chunks_fts WHERE knowledge_chunks_fts MATCH :match LIMIT :cap) "
            "ORDER BY rank LIMIT :limit) AS best JOIN knowledge_chunks c ON c.rowid = best.r "
            "ORDER BY best.rank"
        ).columns(id=Uuid(), knowledge_base_id=Uuid(), search_text=String(), context_hash=String()),
        {"match": match, "cap": MATCH_CAP, "limit": limit},
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows.all()]


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


async def remove_chunks(session: AsyncSession, kb_id: uuid.UUID, source_id: uuid.UUID) -> None:
    """Delete a source's chunks and take them out of the base's BM25 statistics."""
    rows = (
        await session.execute(
            select(KnowledgeChunk.search_text).where(KnowledgeChunk.source_id == source_id)
        )
    ).all()
    if not rows:
        return
    df: Counter[str] = Counter()
    tokens = 0
    for (indexed,) in rows:
        words = indexed.split()
        tokens += len(words)
        df.update(set(words))
    await session.execute(
        update(KnowledgeBase)
        .where(KnowledgeBase.id == kb_id)
        .values(
            chunk_total=KnowledgeBase.chunk_total - len(rows),
            token_total=KnowledgeBase.token_total - tokens,
            index_version=KnowledgeBase.index_version + 1,
        )
    )
    for term in sorted(df):
        await session.execute(
            update(KnowledgeTerm)
            .where(KnowledgeTerm.knowledge_base_id == kb_id, KnowledgeTerm.term == term)
            .values(df=KnowledgeTerm.df - df[term])
        )
    await session.execute(
        delete(KnowledgeTerm).where(KnowledgeTerm.knowledge_base_id == kb_id, KnowledgeTerm.df <= 0)
    )
    await session.execute(delete(KnowledgeChunk).where(KnowledgeChunk.source_id == source_id))
