"""Knowledge search latency at scale: p50/p95 of `knowledge.search.search` (the code behind
`POST /v1/knowledge-bases/{id}/search`) over synthetic chunks, on PostgreSQL (pgvector HNSW +
GIN full text) and SQLite (FTS5 + numpy over the cached matrix), with HNSW recall@10 against
exact search.

    .venv/bin/python -m bench.knowledge_search [--sizes 10000,100000]
        [--databases sqlite,postgresql] [--queries 200] [--windows N]

Chunks are random words drawn with a Zipf law (60 a chunk) and clustered random unit vectors, so
no model runs: the query vector is a chunk's vector with noise, the query text five of its words.
With `--windows N`, every chunk also has N window vectors (as a passage longer than the model
reads has; each near its chunk's), so vector search reads both indexes and a chunk scores as its
best vector; recall is then against the exact best-of-all-vectors search.
As many queries again as are measured run first to warm the caches up; each measured query runs
in every mode, each mode first in turn, with no candidate rows remembered from another search.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import database, machine, table
from frontdesk.db.engine import create_engine, create_sessionmaker
from frontdesk.db.migrate import upgrade
from frontdesk.kit import native
from frontdesk.knowledge import search, vector_index
from frontdesk.knowledge import text as knowledge_text
from frontdesk.knowledge.models import (
    EmbeddingCacheEntry,
    KnowledgeBase,
    KnowledgeChunk,
    KnowledgeSource,
    KnowledgeTerm,
    KnowledgeWindow,
)
from frontdesk.settings import Settings
from frontdesk.tenancy.models import Workspace

DIMS = 384
WORDS_PER_CHUNK = 60
VOCABULARY = 30_000
BATCH = 5_000


def _vocabulary(rng: np.random.Generator) -> list[str]:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    words: set[str] = set()
    while len(words) < VOCABULARY:
        words.add("".join(rng.choice(letters, size=int(rng.integers(3, 10)))))
    return sorted(words)


def _vectors(rng: np.random.Generator, n: int, centres: np.ndarray) -> np.ndarray:
    picked = centres[rng.integers(0, len(centres), size=n)]
    vectors = picked + rng.normal(scale=0.6 / np.sqrt(DIMS), size=(n, DIMS)).astype(np.float32)
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _near(rng: np.random.Generator, vectors: np.ndarray) -> np.ndarray:
    moved = vectors + rng.normal(scale=0.5 / np.sqrt(DIMS), size=vectors.shape).astype(np.float32)
    return (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(np.float32)


async def load_synthetic(
    engine: AsyncEngine,
    workspace_id: uuid.UUID,
    size: int,
    rng: np.random.Generator,
    windows: int = 0,
) -> tuple[uuid.UUID, np.ndarray, list[list[str]]]:
    """A knowledge base of `size` synthetic chunks in the workspace, each with `windows` window
    vectors: (id, every chunk's vectors (size x (1 + windows) x dims), some chunks' words)."""
    maker = create_sessionmaker(engine)
    vocabulary = _vocabulary(rng)
    ranks = np.arange(1, VOCABULARY + 1)
    zipf = (1 / ranks) / (1 / ranks).sum()
    centres = rng.normal(size=(max(size // 100, 10), DIMS)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    postgres = engine.dialect.name == "postgresql"
    context_hash = "c" * 64
    async with maker() as session:
        kb = KnowledgeBase(workspace_id=workspace_id, name="Scale", index_version=1)
        session.add(kb)
        await session.flush()
        source = KnowledgeSource(
            workspace_id=workspace_id,
            knowledge_base_id=kb.id,
            type="text",
            name="Synthetic",
            size_bytes=0,
            status="processed",
            chunk_count=size,
            processed_chunks=size,
            generation=0,
        )
        session.add(source)
        session.add(
            EmbeddingCacheEntry(
                workspace_id=workspace_id,
                model_key="local:all-minilm-l6-v2:",
                content_hash=context_hash,
                vector=_vectors(rng, 1, centres)[0].tobytes(),
            )
        )
        await session.commit()
        kb_id, source_id = kb.id, source.id
    if postgres:
        async with engine.begin() as conn:
            for table_name in vector_index.VECTOR_TABLES:
                await conn.execute(text(f"DROP INDEX IF EXISTS ix_{table_name}_hnsw_384"))
    all_vectors = np.empty((size, 1 + windows, DIMS), dtype=np.float32)
    sample_words: list[list[str]] = []
    df: dict[str, int] = {}
    tokens = 0
    now = datetime.now(UTC)
    started = time.perf_counter()
    for start in range(0, size, BATCH):
        count = min(BATCH, size - start)
        vectors = _vectors(rng, count, centres)
        all_vectors[start : start + count, 0] = vectors
        window_rows = []
        for number in range(windows):
            near = _near(rng, vectors)
            all_vectors[start : start + count, 1 + number] = near
            window_rows.append(near)
        rows = []
        drawn = rng.choice(VOCABULARY, size=(count, WORDS_PER_CHUNK), p=zipf)
        for i in range(count):
            words = [vocabulary[w] for w in drawn[i]]
            if len(sample_words) < 2000:
                sample_words.append(words)
            content = " ".join(words)
            indexed = knowledge_text.index_text(content)
            terms = indexed.split()
            tokens += len(terms)
            for term in set(terms):
                df[term] = df.get(term, 0) + 1
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "workspace_id": workspace_id,
                    "knowledge_base_id": kb_id,
                    "source_id": source_id,
                    "position": start + i,
                    "content": content,
                    "search_text": indexed,
                    "token_count": WORDS_PER_CHUNK,
                    "content_hash": "0" * 64,
                    "context_hash": context_hash,
                    "meta": {},
                    "dimensions": DIMS,
                    "embedding": vectors[i].tobytes(),
                    "created_at": now,
                    "updated_at": now,
                }
            )
        async with maker() as session:
            await session.execute(insert(KnowledgeChunk), rows)
            if windows:
                await session.execute(
                    insert(KnowledgeWindow),
                    [
                        {
                            "chunk_id": row["id"],
                            "number": number,
                            "knowledge_base_id": kb_id,
                            "content_hash": "0" * 64,
                            "dimensions": DIMS,
                            "embedding": window_rows[number][i].tobytes(),
                        }
                        for i, row in enumerate(rows)
                        for number in range(windows)
                    ],
                )
            await session.commit()
    async with maker() as session:
        items = [{"knowledge_base_id": kb_id, "term": t, "df": n} for t, n in df.items()]
        for i in range(0, len(items), 10_000):
            await session.execute(insert(KnowledgeTerm), items[i : i + 10_000])
        kb = await session.get_one(KnowledgeBase, kb_id)
        kb.chunk_total, kb.token_total = size, tokens
        await session.commit()
    load_seconds = time.perf_counter() - started
    index_seconds = 0.0
    if postgres:
        started = time.perf_counter()
        async with engine.begin() as conn:
            await conn.execute(text("SET maintenance_work_mem = '2GB'"))
            for table_name in vector_index.VECTOR_TABLES:
                sql = vector_index.ensure_hnsw_sql(DIMS, table_name).replace("IF NOT EXISTS ", "")
                await conn.execute(text(sql))
                await conn.execute(text(f"ANALYZE {table_name}"))
        index_seconds = time.perf_counter() - started
    print(
        f"  loaded {size} chunks ({size * windows} windows) in {load_seconds:.0f} s, "
        f"HNSW built in {index_seconds:.0f} s"
    )
    return kb_id, all_vectors, sample_words


async def _measure(url: str, size: int, queries: int, windows: int) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    engine = create_engine(Settings(database_url=url, data_dir=Path("/tmp/frontdesk-bench")))
    await upgrade(engine)
    maker = create_sessionmaker(engine)
    async with maker() as session:
        workspace = Workspace(name="Bench", llm={}, voice={})
        session.add(workspace)
        await session.commit()
    kb_id, vectors, sample_words = await load_synthetic(engine, workspace.id, size, rng, windows)
    # The first half of the queries warm the database's caches up (not measured), as a server's
    # earlier traffic would; the second half is measured.
    picks = rng.integers(0, min(size, len(sample_words)), size=2 * queries)
    query_vectors = []
    query_texts = []
    for p in picks:
        noisy = vectors[p, 0] + rng.normal(scale=0.4 / np.sqrt(DIMS), size=DIMS).astype(np.float32)
        query_vectors.append((noisy / np.linalg.norm(noisy)).astype(np.float32))
        query_texts.append(" ".join(rng.choice(sample_words[p], size=5, replace=False)))
    latencies: dict[str, list[float]] = {"hybrid": [], "vector": [], "keyword": []}
    recall: list[float] = []
    async with maker() as session:
        kb = await session.get_one(KnowledgeBase, kb_id)
        modes = list(latencies)
        for n, (qt, qv) in enumerate(zip(query_texts, query_vectors, strict=True)):

            async def fixed(_: Any, __: str, qv: np.ndarray = qv) -> np.ndarray:
                return qv

            search.QUERY_VECTORS.get = fixed  # type: ignore[method-assign,assignment]
            # Each mode goes first in turn (the first reads the query's rows into the database's
            # cache for the others), and none reuses the candidate rows another mode read.
            for mode in modes[n % 3 :] + modes[: n % 3]:
                search.CANDIDATE_ROWS.clear()
                t0 = time.perf_counter()
                await search.search(session, [kb], qt, mode=mode, limit=10)
                if n >= queries:
                    latencies[mode].append((time.perf_counter() - t0) * 1000)
            if n < queries:
                continue
            found = await vector_index.vector_candidates(
                session, [(kb.id, kb.index_version)], qv, limit=10
            )
            exact = set(np.argsort(-(vectors @ qv).max(axis=1))[:10].tolist())
            positions = set(
                (
                    await session.scalars(
                        select(KnowledgeChunk.position).where(KnowledgeChunk.id.in_(list(found)))
                    )
                ).all()
            )
            recall.append(len(positions & exact) / 10)
    await engine.dispose()
    return {
        mode: (float(np.percentile(v, 50)), float(np.percentile(v, 95)))
        for mode, v in latencies.items()
    } | {"recall": float(np.mean(recall))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--windows", type=int, default=0, help="window vectors per chunk")
    args = parser.parse_args()
    native.limit_blas_threads()  # as in the server and worker processes
    print(f"machine: {machine()}")
    rows = []
    for kind in args.databases.split(","):
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"{kind}, {size} chunks", flush=True)
            with database(kind) as url:
                result = asyncio.run(_measure(url, size, args.queries, args.windows))
            rows.append(
                [kind, f"{size:,}", str(args.windows)]
                + [
                    f"{result[m][0]:.1f} / {result[m][1]:.1f}"
                    for m in ("hybrid", "vector", "keyword")
                ]
                + [f"{result['recall']:.3f}"]
            )
    print()
    print(
        table(
            [
                "database",
                "chunks",
                "windows a chunk",
                "hybrid p50/p95 ms",
                "vector p50/p95 ms",
                "keyword p50/p95 ms",
                "vector recall@10 vs exact",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
