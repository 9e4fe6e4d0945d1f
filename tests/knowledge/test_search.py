"""Search through the API on the real database and the real local embedding model."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from frontdesk.jobs.worker import Worker
from frontdesk.knowledge import index, scoring, vector_index
from frontdesk.knowledge import search as search_module
from frontdesk.knowledge.models import KnowledgeBase
from tests.fixtures.factories import Account
from tests.fixtures.server import free_port
from tests.knowledge.conftest import add_text, make_kb, search
from tests.knowledge.labelled import ARTICLES, QUESTIONS


@pytest.fixture
async def help_centre(client: httpx.AsyncClient, owner: Account, ingest_worker: Worker) -> str:
    kb = await make_kb(client, owner)
    for title, body in ARTICLES.items():
        await add_text(client, owner, kb["id"], title, body)
    await ingest_worker.run_until_idle()
    return str(kb["id"])


@pytest.mark.parametrize(("mode", "floor"), [("hybrid", 0.95), ("vector", 0.9), ("keyword", 0.6)])
async def test_recall_at_five_on_a_labelled_set(
    client: httpx.AsyncClient, owner: Account, help_centre: str, mode: str, floor: float
) -> None:
    found = 0
    for question, article in QUESTIONS:
        results = await search(client, owner, help_centre, question, limit=5, mode=mode)
        found += any(r["metadata"]["source"] == article for r in results)
    assert found / len(QUESTIONS) >= floor, f"{mode}: recall@5 {found}/{len(QUESTIONS)}"


async def test_results_carry_scores_in_zero_one_and_their_source(
    client: httpx.AsyncClient, owner: Account, help_centre: str
) -> None:
    for mode in ("hybrid", "vector", "keyword"):
        results = await search(client, owner, help_centre, "Do you deliver to Canada?", mode=mode)
        assert results, mode
        assert all(0 <= r["score"] <= 1 for r in results)
        assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
        top = results[0]
        assert top["metadata"]["source"] == "International delivery"
        assert set(top) >= {"source_id", "chunk_id", "content", "score", "metadata"}
        assert "Canada" in top["content"]


async def test_threshold_and_limit(
    client: httpx.AsyncClient, owner: Account, help_centre: str
) -> None:
    three = await search(client, owner, help_centre, "password", limit=3)
    assert len(three) == 3
    strict = await search(client, owner, help_centre, "password", limit=10, threshold=0.5)
    assert strict
    assert all(r["score"] >= 0.5 for r in strict)
    assert strict[0]["metadata"]["source"] == "Resetting your password"
    nothing = await search(
        client, owner, help_centre, "quantum chromodynamics lattice gauge", threshold=0.5
    )
    assert nothing == []


async def test_keyword_mode_only_returns_matching_chunks(
    client: httpx.AsyncClient, owner: Account, help_centre: str
) -> None:
    results = await search(client, owner, help_centre, "PayPal", mode="keyword", limit=10)
    assert [r["metadata"]["source"] for r in results] == ["Payment methods"]
    assert await search(client, owner, help_centre, "zzyzx", mode="keyword") == []


async def test_workspace_wide_search_and_isolation(
    client: httpx.AsyncClient,
    owner: Account,
    stranger: Account,
    help_centre: str,
    ingest_worker: Worker,
) -> None:
    other = await make_kb(client, owner, name="Staff handbook")
    await add_text(
        client, owner, other["id"], "Holidays", "Staff get 25 days of paid holiday a year."
    )
    await ingest_worker.run_until_idle()
    response = await client.post(
        "/v1/knowledge/search",
        json={"query": "how many days of paid holiday"},
        headers=owner.headers,
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["metadata"]["source"] == "Holidays"
    assert {r["knowledge_base_id"] for r in results} <= {help_centre, other["id"]}
    # Another workspace sees none of it, and not the base either.
    theirs = await client.post(
        "/v1/knowledge/search", json={"query": "paid holiday"}, headers=stranger.headers
    )
    assert theirs.json()["results"] == []
    hidden = await client.post(
        f"/v1/knowledge-bases/{help_centre}/search", json={"query": "x"}, headers=stranger.headers
    )
    assert hidden.status_code == 404
    assert hidden.json()["code"] == "KNOWLEDGE_BASE_NOT_FOUND"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": ""}, "query"),
        ({"query": "x", "limit": 0}, "limit"),
        ({"query": "x", "limit": 51}, "limit"),
        ({"query": "x", "threshold": 1.5}, "threshold"),
        ({"query": "x", "mode": "semantic"}, "mode"),
        ({"query": "x", "extra": 1}, "extra"),
    ],
)
async def test_bad_search_requests(
    client: httpx.AsyncClient, owner: Account, help_centre: str, body: dict[str, object], field: str
) -> None:
    response = await client.post(
        f"/v1/knowledge-bases/{help_centre}/search", json=body, headers=owner.headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert any(field in key for key in response.json()["details"])


async def test_deleted_source_leaves_search_at_once(
    client: httpx.AsyncClient, owner: Account, help_centre: str
) -> None:
    results = await search(client, owner, help_centre, "gift cards expire", limit=1)
    assert results[0]["metadata"]["source"] == "Gift cards"
    source_id = results[0]["source_id"]
    deleted = await client.delete(
        f"/v1/knowledge-bases/{help_centre}/sources/{source_id}", headers=owner.headers
    )
    assert deleted.status_code == 204
    for mode in ("hybrid", "vector", "keyword"):
        after = await search(client, owner, help_centre, "gift cards expire", limit=10, mode=mode)
        assert all(r["source_id"] != source_id for r in after)


async def test_vector_search_with_an_unreachable_embeddings_endpoint(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """The query cannot be embedded: vector mode answers 503 with the dependency's code (it was a
    500), hybrid goes on with keywords alone."""
    kb = await make_kb(
        client,
        owner,
        embedding={
            "provider": "openai",
            "base_url": f"http://127.0.0.1:{free_port()}/v1",  # nothing listens there
            "api_key": "sk-test",
        },
    )
    for path in (f"/v1/knowledge-bases/{kb['id']}/search", "/v1/knowledge/search"):
        vector = await client.post(
            path, json={"query": "opening hours", "mode": "vector"}, headers=owner.headers
        )
        assert vector.status_code == 503, vector.text
        assert vector.json()["code"] == "EMBEDDINGS_UNAVAILABLE"
        assert vector.json()["error"].startswith("The embeddings endpoint failed")
        hybrid = await client.post(path, json={"query": "opening hours"}, headers=owner.headers)
        assert hybrid.status_code == 200, hybrid.text


async def test_word_frequencies_follow_the_base_as_it_changes(
    client: httpx.AsyncClient,
    owner: Account,
    ingest_worker: Worker,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """Searches remember each base's word counts by its index version: adding or deleting a
    source moves the version on, so the next search counts again."""
    kb = await make_kb(client, owner)

    async def frequencies() -> dict[str, int]:
        async with sessionmaker() as session:
            base = await session.get_one(KnowledgeBase, uuid.UUID(kb["id"]))
            return await index.document_frequencies(
                session, [(base.id, base.index_version, base.chunk_total)], ["paypal", "refund"]
            )

    await add_text(client, owner, kb["id"], "Payments", "We take PayPal and cards.")
    await ingest_worker.run_until_idle()
    assert await frequencies() == {"paypal": 1}
    second = await add_text(client, owner, kb["id"], "Refunds", "PayPal refunds take a day.")
    await ingest_worker.run_until_idle()
    assert await frequencies() == {"paypal": 2, "refund": 1}
    results = await search(client, owner, kb["id"], "paypal refund", mode="keyword", limit=5)
    assert results[0]["metadata"]["source"] == "Refunds"
    deleted = await client.delete(
        f"/v1/knowledge-bases/{kb['id']}/sources/{second['id']}", headers=owner.headers
    )
    assert deleted.status_code == 204
    assert await frequencies() == {"paypal": 1}
    results = await search(client, owner, kb["id"], "paypal refund", mode="keyword", limit=5)
    assert [r["metadata"]["source"] for r in results] == ["Payments"]


async def test_a_search_reads_what_it_scores_in_the_statements_that_find_it(
    client: httpx.AsyncClient,
    owner: Account,
    help_centre: str,
    connection: AsyncConnection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A small base's words are read whole once; then a keyword search reads its candidates in
    the statement that ranks them (no statement for word counts, none for candidate rows), and
    on PostgreSQL a vector search reads them in the index scan."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(" ".join(statement.split()))

    monkeypatch.setattr(search_module, "CANDIDATE_ROWS", search_module._Recent(1000))
    index.FREQUENCIES.clear()
    await search(client, owner, help_centre, "refund policy", mode="keyword")
    event.listen(connection.sync_connection, "before_cursor_execute", record)
    try:
        monkeypatch.setattr(search_module, "CANDIDATE_ROWS", search_module._Recent(1000))
        first = await search(client, owner, help_centre, "delivery to Canada", mode="keyword")
        keyword = list(statements)
        statements.clear()
        monkeypatch.setattr(search_module, "CANDIDATE_ROWS", search_module._Recent(1000))
        await search(client, owner, help_centre, "delivery to Canada", mode="vector")
        vector = list(statements)
    finally:
        event.remove(connection.sync_connection, "before_cursor_execute", record)
    assert first
    assert first[0]["metadata"]["source"] == "International delivery"
    assert not [s for s in keyword if "knowledge_terms" in s]
    assert len([s for s in keyword if "search_text" in s]) == 1  # the ranking statement itself
    if connection.dialect.name == "postgresql":
        assert len([s for s in vector if "search_text" in s]) == 1  # the index scan itself


def test_word_counts_are_remembered_whole_for_a_base_and_bounded_in_all() -> None:
    frequencies = index._Frequencies(words=5, vocabulary=3)
    a, b = uuid.uuid4(), uuid.uuid4()
    frequencies.remember((a, 1), {"refund": 2, "ship": 1}, whole=True)
    whole = frequencies.known((a, 1), ["refund", "parcel"])
    assert whole is not None
    assert whole.whole  # "parcel" is in no chunk of the base, without asking
    assert whole.df == {"refund": 2, "ship": 1}
    frequencies.remember((b, 7), {"open": 4}, whole=False)
    frequencies.remember((b, 7), {"hour": 0}, whole=False)
    asked = frequencies.known((b, 7), ["open", "hour", "week"])
    assert asked is not None
    assert not asked.whole
    assert asked.df == {"open": 4, "hour": 0}  # "week" was never asked: unknown
    frequencies.remember((b, 7), {"a": 1, "b": 1}, whole=False)  # over the base's vocabulary
    assert frequencies.known((b, 7), ["open", "a"]).df == {"a": 1}  # type: ignore[union-attr]
    frequencies.remember((a, 2), {"refund": 3}, whole=True)  # the base moved on
    assert frequencies.known((a, 1), ["refund"]) is None
    frequencies.remember((uuid.uuid4(), 1), {"x": 1, "y": 1, "z": 1}, whole=True)
    assert frequencies.known((b, 7), ["a"]) is None  # least recently used, over five in all


def test_bm25_counts_each_query_word_once_and_rewards_repeats() -> None:
    stats = scoring.CorpusStats(chunks=10, mean_length=4.0, df={"refund": 2, "ship": 5})
    once = "refund polici ship day"
    twice = "refund refund polici day"
    neither = "open hour weekend day"
    near = "refunds shipment polici day"  # holds the words only inside longer ones
    scores = scoring.bm25(stats, ["refund", "refund", "ship"], [once, twice, neither, near, ""])
    expected_once = stats.idf("refund") * 2.2 / (1 + 1.2) + stats.idf("ship") * 2.2 / (1 + 1.2)
    assert scores[0] == pytest.approx(expected_once)
    assert scores[1] > stats.idf("refund") * 2.2 / (1 + 1.2)  # a repeat adds, less than double
    assert scores[1] < 2 * stats.idf("refund") * 2.2 / (1 + 1.2)
    assert scores[2] == 0.0
    assert scores[3] == 0.0
    assert scores[4] == 0.0


def test_each_half_proposes_ten_candidates_per_result_from_40_to_100() -> None:
    assert [index.candidates_for(n) for n in (1, 4, 5, 7, 10, 50)] == [40, 40, 50, 70, 100, 100]


async def test_a_small_limit_asks_each_half_for_fewer_candidates(
    client: httpx.AsyncClient,
    owner: Account,
    help_centre: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[tuple[str, int]] = []
    keyword, vector = index.keyword_candidates, vector_index.vector_candidates

    async def keyword_spy(*args: Any) -> Any:
        asked.append(("keyword", args[-1]))
        return await keyword(*args)

    async def vector_spy(*args: Any, **kwargs: Any) -> Any:
        asked.append(("vector", args[-1]))
        return await vector(*args, **kwargs)

    monkeypatch.setattr(index, "keyword_candidates", keyword_spy)
    monkeypatch.setattr(vector_index, "vector_candidates", vector_spy)
    few = await search(client, owner, help_centre, "How do refunds work?", limit=3)
    many = await search(client, owner, help_centre, "How do refunds work?", limit=10)
    assert asked == [("keyword", 40), ("vector", 40), ("keyword", 100), ("vector", 100)]
    assert [r["chunk_id"] for r in few] == [r["chunk_id"] for r in many][:3]


def test_a_chunk_scores_as_the_best_of_its_own_vector_and_its_windows() -> None:
    import numpy as np

    def unit(*values: float) -> bytes:
        vector = np.array(values, dtype=np.float32)
        return (vector / np.linalg.norm(vector)).tobytes()

    ids = [uuid.uuid4() for _ in range(4)]
    position = {chunk_id: n for n, chunk_id in enumerate(ids)}
    # Chunk 1 has two windows, chunk 3 one; chunks 0 and 2 none.
    windows = [(ids[1], unit(0, 1)), (ids[1], unit(1, 1)), (ids[3], unit(1, 0))]
    matrix = vector_index._build_matrix(
        7, ids, position, [unit(1, 0), unit(-1, 0), unit(0, 1), unit(0, -1)], windows, 2
    )
    query = np.array([1, 0], dtype=np.float32)
    expected = [1.0, 2**-0.5, 0.0, 1.0]  # chunk 1: its better window; chunk 3: its window
    assert matrix.cosines(query).tolist() == pytest.approx(expected)
    assert matrix.cosines_of([3, 1, 0], query).tolist() == pytest.approx(
        [expected[3], expected[1], expected[0]]
    )
    assert matrix.nbytes == 4 * 2 * 4 + 3 * 2 * 4
