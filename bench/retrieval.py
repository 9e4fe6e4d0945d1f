"""Retrieval quality on the public test sets in ../shared/data/retrieval (dev queries), through
the code the API uses: each document is ingested as a text source (its title as the name), each
query goes through `knowledge.search.search` in keyword, vector and hybrid mode, and a document
scores as its best chunk. Prints recall@5, recall@10, nDCG@10 and MRR@10 per set, mode and
database, ingestion throughput, and how well the calibrated score predicts relevance.

    .venv/bin/python -m bench.retrieval [--sets stackfaq,scifact,squad_dev]
        [--databases sqlite,postgresql] [--max-queries N]

Embeddings are memoised on disk (bench/.cache) so a second database or run does not pay for
them again; the ingestion throughput is measured on a run that embeds (an empty cache).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import ROOT, database, machine, table
from frontdesk.db.engine import create_engine, create_sessionmaker
from frontdesk.db.migrate import upgrade
from frontdesk.errors import Conflict
from frontdesk.knowledge import embeddings, schemas, tasks
from frontdesk.knowledge import search as search_service
from frontdesk.knowledge import service as knowledge_service
from frontdesk.knowledge.models import KnowledgeBase
from frontdesk.settings import Settings
from frontdesk.tenancy.models import Workspace

DATA = ROOT.parent / "shared" / "data" / "retrieval"
CACHE = ROOT / "bench" / ".cache" / "embeddings"
MODES = ("keyword", "vector", "hybrid")

sys.path.insert(0, str(DATA))
from eval_retrieval import evaluate  # type: ignore[import-not-found]  # noqa: E402


class DiskMemo:
    """LocalEmbedder.embed_sync, remembered on disk by text hash."""

    def __init__(self) -> None:
        CACHE.mkdir(parents=True, exist_ok=True)
        self.original = embeddings.LocalEmbedder.embed_sync
        self.computed = 0
        self.seconds = 0.0

    def _path(self, digest: str) -> Path:
        return CACHE / digest[:2] / f"{digest}.npy"

    def __call__(self, embedder: embeddings.LocalEmbedder, texts: list[str]) -> Any:
        out = np.empty((len(texts), embeddings.LOCAL_DIMENSIONS), dtype=np.float32)
        missing: list[int] = []
        for i, text in enumerate(texts):
            path = self._path(hashlib.sha256(text.encode()).hexdigest())
            if path.exists():
                out[i] = np.load(path)
            else:
                missing.append(i)
        if missing:
            started = time.perf_counter()
            vectors = self.original(embedder, [texts[i] for i in missing])
            self.seconds += time.perf_counter() - started
            self.computed += len(missing)
            for row, i in enumerate(missing):
                path = self._path(hashlib.sha256(texts[i].encode()).hexdigest())
                path.parent.mkdir(exist_ok=True)
                np.save(path, vectors[row])
                out[i] = vectors[row]
        return out


def _load(
    name: str, max_queries: int | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, dict[str, int]]]:
    folder = DATA / name
    corpus = [json.loads(line) for line in (folder / "corpus.jsonl").open()]
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    for line in (folder / "qrels.jsonl").open():
        row = json.loads(line)
        qrels[row["query_id"]][row["doc_id"]] = int(row["score"])
    queries = [
        q
        for q in (json.loads(line) for line in (folder / "queries.jsonl").open())
        if q["id"] in qrels
    ]
    if max_queries:
        queries = queries[:max_queries]
        qrels = defaultdict(dict, {q["id"]: qrels[q["id"]] for q in queries})
    return corpus, queries, qrels


async def _run_set(url: str, name: str, memo: DiskMemo, max_queries: int | None) -> dict[str, Any]:
    corpus, queries, qrels = _load(name, max_queries)
    settings = Settings(database_url=url, data_dir=Path("/tmp/frontdesk-bench"))
    engine = create_engine(settings)
    await upgrade(engine)
    maker = create_sessionmaker(engine)
    result: dict[str, Any] = {}
    try:
        async with maker() as session:
            workspace = Workspace(name="Bench", llm={}, voice={})
            session.add(workspace)
            await session.flush()
            kb = KnowledgeBase(workspace_id=workspace.id, name=name)
            session.add(kb)
            await session.flush()
            doc_of: dict[uuid.UUID, str] = {}
            sources: list[tuple[uuid.UUID, int]] = []
            for doc in corpus:
                data = schemas.SourceCreate(
                    type="text",
                    name=(doc.get("title") or doc["id"])[:300],
                    content=doc["text"] or "-",
                )
                try:
                    source = await knowledge_service.add_text_or_url(session, None, kb, data)
                except Conflict:  # the same text twice in a set: the first one stands for both
                    continue
                doc_of[source.id] = doc["id"]
                sources.append((source.id, source.generation))
            await session.commit()
            kb_id = kb.id
        before_computed, before_seconds = memo.computed, memo.seconds
        started = time.perf_counter()
        for source_id, generation in sources:
            await tasks.ingest_source(
                maker, None, source_id, generation, allow_private=True, max_bytes=50 << 20
            )
        ingest_seconds = time.perf_counter() - started
        async with maker() as session:
            kb = await session.get_one(KnowledgeBase, kb_id)
            chunks = kb.chunk_total
        result["ingest"] = {
            "chunks": chunks,
            "seconds": ingest_seconds,
            "embedded": memo.computed - before_computed,
            "embed_seconds": memo.seconds - before_seconds,
        }
        for mode in MODES:
            run: dict[str, dict[str, float]] = {}
            scored: list[tuple[float, int]] = []
            latencies: list[float] = []
            async with maker() as session:
                kb = await session.get_one(KnowledgeBase, kb_id)
                for query in queries:
                    t0 = time.perf_counter()
                    hits = await search_service.search(
                        session, [kb], query["text"], mode=mode, limit=100
                    )
                    latencies.append((time.perf_counter() - t0) * 1000)
                    docs: dict[str, float] = {}
                    for hit in hits:
                        doc_id = doc_of[hit.source_id]
                        docs[doc_id] = max(docs.get(doc_id, 0.0), hit.score)
                    run[query["id"]] = docs
                    relevant = qrels[query["id"]]
                    for doc_id, score in sorted(docs.items(), key=lambda kv: -kv[1])[:10]:
                        scored.append((score, 1 if relevant.get(doc_id, 0) > 0 else 0))
            metrics = evaluate(dict(qrels), run)
            result[mode] = {
                "metrics": metrics,
                "p50_ms": float(np.percentile(latencies, 50)),
                "calibration": _calibration(scored),
            }
    finally:
        await engine.dispose()
    return result


def _calibration(scored: list[tuple[float, int]]) -> str:
    """Share of relevant results among the top 10 by score band: a calibrated score matches."""
    bands = []
    for lo, hi in ((0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.01)):
        inside = [rel for score, rel in scored if lo <= score < hi]
        if inside:
            bands.append(f"{lo:.1f}+: {sum(inside) / len(inside):.2f}")
    return ", ".join(bands)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="stackfaq,scifact,squad_dev")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--max-queries", type=int, default=None)
    args = parser.parse_args()
    memo = DiskMemo()

    def memoised(embedder: embeddings.LocalEmbedder, texts: list[str]) -> Any:
        return memo(embedder, texts)

    embeddings.LocalEmbedder.embed_sync = memoised  # type: ignore[method-assign,assignment]
    print(f"machine: {machine()}")
    quality: list[list[str]] = []
    ingest: list[list[str]] = []
    calibration: list[list[str]] = []
    for name in args.sets.split(","):
        for kind in args.databases.split(","):
            with database(kind) as url:
                result = asyncio.run(_run_set(url, name, memo, args.max_queries))
            info = result["ingest"]
            ingest.append(
                [
                    name,
                    kind,
                    str(info["chunks"]),
                    f"{info['seconds']:.1f}",
                    f"{info['chunks'] / info['seconds']:.1f}",
                    str(info["embedded"]),
                    f"{info['embedded'] / info['embed_seconds']:.1f}"
                    if info["embedded"]
                    else "cached",
                ]
            )
            for mode in MODES:
                m = result[mode]["metrics"]
                quality.append(
                    [name, kind, mode]
                    + [f"{m['recall@5']:.3f}", f"{m['recall@10']:.3f}"]
                    + [f"{m['ndcg@10']:.4f}", f"{m['mrr@10']:.3f}"]
                    + [f"{result[mode]['p50_ms']:.1f}"]
                )
                calibration.append([name, kind, mode, result[mode]["calibration"]])
            done = ", ".join(f"{row[2]} {row[5]}" for row in quality[-len(MODES) :])
            print(f"done: {name} on {kind} (nDCG@10 {done})", flush=True)
    print()
    print(
        table(
            ["set (dev)", "database", "mode", "R@5", "R@10", "nDCG@10", "MRR@10", "p50 ms"], quality
        )
    )
    print()
    print(
        table(
            ["set", "database", "chunks", "ingest s", "chunks/s", "embedded", "embedded/s"], ingest
        )
    )
    print()
    print(
        table(["set", "database", "mode", "share relevant in top 10, by score band"], calibration)
    )


if __name__ == "__main__":
    main()
