"""The local embedding model: passages on the packaged model, queries on its integer variant."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from frontdesk.knowledge import embeddings

TEXTS = [
    "How do I get a refund for an order that arrived late?",
    "Opening hours",
    "Our premium plan includes phone support from 8am to 8pm, Monday to Friday.",
]


def test_a_query_vector_agrees_with_the_passage_vector_of_the_same_text() -> None:
    embedder = embeddings.LocalEmbedder()
    passages = embedder.embed_sync(TEXTS)
    for text, passage in zip(TEXTS, passages, strict=True):
        query = embedder.embed_query_sync(text)
        assert query.shape == (embeddings.LOCAL_DIMENSIONS,)
        assert query.dtype == np.float32
        assert float(np.linalg.norm(query)) == pytest.approx(1.0, abs=1e-5)
        assert float(query @ passage) > 0.99
    # Rankings follow meaning, not the variant: each query is nearest its own text.
    queries = np.stack([embedder.embed_query_sync(t) for t in TEXTS])
    assert list(np.argmax(queries @ passages.T, axis=1)) == [0, 1, 2]


def test_the_query_model_is_made_once_and_reused(tmp_path: Path) -> None:
    first = embeddings._query_model(tmp_path)
    made = first.stat().st_mtime_ns
    assert first.parent == tmp_path
    assert embeddings.QUERY_RUNTIME in first.name
    again = embeddings._query_model(tmp_path)
    assert again == first
    assert again.stat().st_mtime_ns == made  # not made a second time
    assert [p.name for p in tmp_path.iterdir()] == [first.name]  # no work files left behind


async def test_the_openai_embedder_embeds_a_query_as_one_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    embedder = embeddings.OpenAIEmbedder("text-embedding-3-small", "key", "http://127.0.0.1:9")
    seen: list[list[str]] = []

    async def embed(texts: list[str]) -> embeddings.Vectors:
        seen.append(texts)
        return np.array([[0.6, 0.8]], dtype=np.float32)

    monkeypatch.setattr(embedder, "embed", embed)
    vector = await embedder.embed_query("Hello")
    assert seen == [["Hello"]]
    assert vector.tolist() == pytest.approx([0.6, 0.8])


def test_queries_fall_back_to_the_packaged_model_when_the_variant_cannot_be_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(cache_dir: Path) -> Path:
        raise OSError("No space left on device")

    monkeypatch.setattr(embeddings, "_query_model", broken)
    monkeypatch.setattr(embeddings.LocalEmbedder, "_shared", {})
    embedder = embeddings.LocalEmbedder()
    query = embedder.embed_query_sync(TEXTS[0])
    # The packaged model's own vector: the same as the passage's.
    assert float(query @ embedder.embed_sync([TEXTS[0]])[0]) == pytest.approx(1.0, abs=1e-5)


LONG_PASSAGE = " ".join(
    f"Paragraph {n} of the warranty explains how claims for damaged parcels are handled."
    for n in range(40)
)


def test_a_passage_longer_than_the_model_reads_is_cut_into_overlapping_windows() -> None:
    embedder = embeddings.LocalEmbedder()
    assert embedder.windows(TEXTS[0]) == []  # read whole: no windows
    windows = embedder.windows(LONG_PASSAGE)
    assert len(windows) > 3
    splitter = embedder._model("passages").splitter
    pieces = [len(splitter.encode(w, add_special_tokens=False).ids) for w in windows]
    assert max(pieces) <= embeddings.WINDOW - 2
    # Each window is a span of the passage, from its start to its end, and neighbours overlap.
    spans = []
    at = 0
    for window in windows:
        at = LONG_PASSAGE.index(window, at)
        spans.append((at, at + len(window)))
        at += 1
    assert spans[0][0] == 0
    assert spans[-1][1] == len(LONG_PASSAGE)
    assert all(after[0] < before[1] for before, after in zip(spans, spans[1:], strict=False))


def test_an_endpoint_model_reads_passages_whole() -> None:
    embedder = embeddings.OpenAIEmbedder("text-embedding-3-small", "key", "http://127.0.0.1:9")
    assert embedder.windows(LONG_PASSAGE) == []
