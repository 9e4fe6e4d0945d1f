"""Rate limits (in-process and Redis, the same tests) and Idempotency-Key replays."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.app import create_app
from frontdesk.auth.models import ApiKey
from frontdesk.errors import RateLimited
from frontdesk.kit.ratelimit import RateLimiter
from frontdesk.settings import Settings
from tests.fixtures.databases import REDIS_URL
from tests.fixtures.factories import Account


def _limiter(kind: str) -> RateLimiter:
    if kind == "memory":
        return RateLimiter()
    return RateLimiter(REDIS_URL, prefix=f"test-{uuid.uuid4().hex}")


@pytest.fixture(params=["memory", "redis"])
async def limited_client(
    request: pytest.FixtureRequest,
    settings: Settings,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(
        settings.model_copy(update={"rate_limit": "3/minute", "auth_rate_limit": "2/minute"})
    )
    app.state.sessionmaker = sessionmaker
    app.state.read_sessionmaker = sessionmaker
    app.state.rate_limiter = _limiter(request.param)
    transport = httpx.ASGITransport(app=app, client=("10.1.2.3", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client
    await app.state.engine.dispose()


async def test_headers_then_429(limited_client: httpx.AsyncClient, owner: Account) -> None:
    remaining = []
    for _ in range(3):
        response = await limited_client.get("/v1/auth/me", headers=owner.key_headers)
        assert response.status_code == 200
        assert response.headers["x-ratelimit-limit"] == "3"
        assert int(response.headers["x-ratelimit-reset"]) > 0
        remaining.append(int(response.headers["x-ratelimit-remaining"]))
    assert remaining == [2, 1, 0]
    over = await limited_client.get("/v1/auth/me", headers=owner.key_headers)
    assert over.status_code == 429
    assert over.json()["code"] == "RATE_LIMITED"
    assert 1 <= int(over.headers["retry-after"]) <= 60
    assert over.headers["x-ratelimit-remaining"] == "0"
    # Another principal has its own budget.
    assert (await limited_client.get("/v1/auth/me", headers=owner.headers)).status_code == 200


async def test_login_throttled_per_ip(limited_client: httpx.AsyncClient) -> None:
    body = {"email": "nobody@example.com", "password": "whatever"}
    codes = [(await limited_client.post("/v1/auth/login", json=body)).status_code for _ in range(3)]
    assert codes == [401, 401, 429]


async def test_redis_counters_are_shared() -> None:
    prefix = f"shared-{uuid.uuid4().hex}"
    one, two = RateLimiter(REDIS_URL, prefix=prefix), RateLimiter(REDIS_URL, prefix=prefix)
    await one.hit("3/minute", "k")
    await two.hit("3/minute", "k")
    state = await one.hit("3/minute", "k")
    assert state.remaining == 0
    with pytest.raises(RateLimited):
        await two.hit("3/minute", "k")


async def test_idempotent_replay(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    headers = {**owner.headers, "Idempotency-Key": "create-key-1"}
    first = await client.post("/v1/api-keys", headers=headers, json={"name": "ci"})
    second = await client.post("/v1/api-keys", headers=headers, json={"name": "ci"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    count = await session.scalar(
        select(func.count()).where(ApiKey.workspace_id == owner.workspace.id, ApiKey.name == "ci")
    )
    assert count == 1
    changed = await client.post("/v1/api-keys", headers=headers, json={"name": "other"})
    assert changed.status_code == 409
    assert changed.json()["code"] == "IDEMPOTENCY_KEY_MISMATCH"
    # The same key from other credentials is a different request.
    mine = await client.post(
        "/v1/api-keys",
        headers={**owner.key_headers, "Idempotency-Key": "create-key-1"},
        json={"name": "ci"},
    )
    assert mine.status_code == 201
    assert mine.json()["id"] != first.json()["id"]


async def test_unauthenticated_answers_are_not_kept(
    client: httpx.AsyncClient, owner: Account
) -> None:
    bad = {"Authorization": "Bearer fd_wrong", "Idempotency-Key": "k2"}
    assert (await client.post("/v1/api-keys", headers=bad, json={"name": "x"})).status_code == 401
    again = await client.post("/v1/api-keys", headers=bad, json={"name": "x"})
    assert again.status_code == 401
    assert "idempotent-replayed" not in again.headers


async def test_a_claim_left_by_a_dead_process_is_taken_over(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    from datetime import timedelta

    from frontdesk.errors import Conflict
    from frontdesk.kit import idempotency

    args = ("user:dead", "key-1", "POST", "/v1/contacts", b"{}")
    first = await idempotency.claim(sessionmaker, *args)
    assert isinstance(first, uuid.UUID)
    with pytest.raises(Conflict) as busy:
        await idempotency.claim(sessionmaker, *args)
    assert busy.value.code == "IDEMPOTENCY_KEY_IN_USE"
    # The process holding the claim died: nobody finishes it. Past the limit, a retry runs.
    async with sessionmaker() as session:
        row = await session.get_one(idempotency.IdempotencyKey, first)
        row.expires_at -= idempotency.ABANDONED_AFTER + timedelta(seconds=1)
        await session.commit()
    again = await idempotency.claim(sessionmaker, *args)
    assert isinstance(again, uuid.UUID)
    assert again != first
    await idempotency.finish(sessionmaker, again, 201, "application/json", b'{"id": 1}')
    replayed = await idempotency.claim(sessionmaker, *args)
    assert isinstance(replayed, idempotency.StoredResponse)
    assert replayed.status_code == 201


async def test_the_answer_is_kept_before_its_last_byte_is_sent(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    """A client retrying the instant it has the answer (on another process) gets the replay."""
    from starlette.types import Message, Receive, Scope, Send

    from frontdesk.errors import Conflict
    from frontdesk.kit import idempotency
    from frontdesk.kit.http import HTTPEdgeMiddleware

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": []})
        await send({"type": "http.response.body", "body": b'{"id":', "more_body": True})
        await send({"type": "http.response.body", "body": b"7}"})

    edge = HTTPEdgeMiddleware(app, 1 << 20, 1 << 20, sessionmaker=sessionmaker)
    principal = idempotency.principal_of("Bearer fd_x", None)
    assert principal is not None
    seen: list[object] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            # What a retry arriving as the answer completes would get.
            try:
                seen.append(
                    await idempotency.claim(
                        sessionmaker, principal, "early", "POST", "/v1/contacts", b"{}"
                    )
                )
            except Conflict as exc:
                seen.append(exc.code)

    body = [{"type": "http.request", "body": b"{}", "more_body": False}]

    async def receive() -> Message:
        return body.pop(0) if body else {"type": "http.disconnect"}

    scope: Scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/contacts",
        "query_string": b"",
        "headers": [
            (b"authorization", b"Bearer fd_x"),
            (b"idempotency-key", b"early"),
            (b"content-type", b"application/json"),
            (b"content-length", b"2"),
        ],
    }
    await edge(scope, receive, send)
    assert len(seen) == 1, seen
    replay = seen[0]
    assert isinstance(replay, idempotency.StoredResponse), replay
    assert (replay.status_code, replay.body) == (201, b'{"id":7}')
