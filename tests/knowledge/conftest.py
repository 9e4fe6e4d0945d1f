from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.jobs.worker import Worker
from frontdesk.settings import Settings
from tests.fixtures.factories import Account
from tests.fixtures.pages import Pages


@pytest.fixture
def ingest_worker(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> Worker:
    # One job at a time (the test's sessions share one connection); ingestion only.
    return Worker(sessionmaker, settings, concurrency=1, kinds=["knowledge.ingest"])


@pytest.fixture
def pages() -> Iterator[Pages]:
    server = Pages().start()
    yield server
    server.stop()


async def make_kb(client: httpx.AsyncClient, account: Account, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        "/v1/knowledge-bases", json={"name": "Help centre", **fields}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def add_text(
    client: httpx.AsyncClient, account: Account, kb_id: str, name: str, content: str
) -> dict[str, Any]:
    response = await client.post(
        f"/v1/knowledge-bases/{kb_id}/sources",
        json={"type": "text", "name": name, "content": content},
        headers=account.headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def upload(
    client: httpx.AsyncClient,
    account: Account,
    kb_id: str,
    filename: str,
    content: bytes,
    content_type: str = "application/octet-stream",
    name: str | None = None,
) -> httpx.Response:
    return await client.post(
        f"/v1/knowledge-bases/{kb_id}/sources",
        files={"file": (filename, io.BytesIO(content), content_type)},
        data={"name": name} if name else {},
        headers=account.headers,
    )


async def source_of(
    client: httpx.AsyncClient, account: Account, kb_id: str, source_id: str
) -> dict[str, Any]:
    response = await client.get(
        f"/v1/knowledge-bases/{kb_id}/sources/{source_id}", headers=account.headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def search(
    client: httpx.AsyncClient, account: Account, kb_id: str, query: str, **options: Any
) -> list[dict[str, Any]]:
    response = await client.post(
        f"/v1/knowledge-bases/{kb_id}/search",
        json={"query": query, **options},
        headers=account.headers,
    )
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results
