"""Finding candidate chunks by keyword (FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL), the
words' document frequencies BM25 needs, and removing a source's chunks. The vector half is in
`vector_index`.

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

from sqlalchemy import String, Uuid, bindparam, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.knowledge.models import (
    KnowledgeBase,
    KnowledgeChunk,
    KnowledgeTerm,
)

CANDIDATES = 100  # each half proposes at most this many
CANDIDATES_PER_RESULT = 10
MIN_CANDIDATES = 40
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
