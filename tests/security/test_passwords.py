"""Passwords are stored as argon2id hashes; the credential routes are throttled per client IP
(10/minute by default) with 429 and Retry-After; a wrong password and an unknown e-mail answer
alike, in status, body and time."""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.app import create_app
from frontdesk.auth import security
from frontdesk.auth.models import User
from frontdesk.kit.ratelimit import RateLimiter
from frontdesk.settings import Settings, get_settings
from tests.fixtures.factories import PASSWORD, Account

DEFAULT_AUTH_LIMIT = Settings.model_fields["auth_rate_limit"].default


async def _register(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post(
        "/v1/auth/register",
        json={"email": email, "password": password, "first_name": "A", "last_name": "B"},
    )


async def test_passwords_are_stored_as_argon2id(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    email, password = f"hash-{uuid.uuid4().hex[:8]}@example.com", "a-long-password-1"
    assert (await _register(client, email, password)).status_code == 201
    stored = await session.scalar(select(User.password_hash).where(User.email == email))
    assert stored is not None
    assert stored.startswith("$argon2id$v=19$m=")
    assert password not in stored
    token = await client.post("/v1/auth/login", json={"email": email, "password": password})
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    changed = await client.post(
        "/v1/auth/password",
        headers=headers,
        json={"current_password": password, "new_password": "another-long-password"},
    )
    assert changed.status_code == 200
    session.expire_all()
    again = await session.scalar(select(User.password_hash).where(User.email == email))
    assert again is not None
    assert again.startswith("$argon2id$")
    assert again != stored


@pytest.fixture
async def default_limits_app(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[FastAPI]:
    """The app with the shipped credential-route limit (the test run raises it)."""
    app = create_app(settings.model_copy(update={"auth_rate_limit": DEFAULT_AUTH_LIMIT}))
    app.state.sessionmaker = sessionmaker
    app.state.read_sessionmaker = sessionmaker
    app.state.rate_limiter = RateLimiter()
    yield app
    await app.state.engine.dispose()


def _client(app: FastAPI, ip: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://test")


async def test_credential_routes_are_throttled_per_ip(
    default_limits_app: FastAPI, owner: Account
) -> None:
    assert DEFAULT_AUTH_LIMIT == "10/minute"
    wrong = {"email": owner.user.email, "password": "not-the-password"}
    async with _client(default_limits_app, "198.51.100.7") as attacker:
        codes = []
        for n in range(10):
            # A forged X-Forwarded-For does not make a new client (the proxy is not trusted).
            spoofed = {"X-Forwarded-For": f"203.0.113.{n}"}
            codes.append(
                (await attacker.post("/v1/auth/login", json=wrong, headers=spoofed)).status_code
            )
        assert codes == [401] * 10
        right = {"email": owner.user.email, "password": PASSWORD}
        for path, body in (
            ("/v1/auth/login", right),
            ("/v1/auth/refresh", {"refresh_token": "x"}),
            (
                "/v1/auth/register",
                {
                    "email": "n@example.com",
                    "password": "long-password-1",
                    "first_name": "N",
                    "last_name": "N",
                },
            ),
        ):
            over = await attacker.post(path, json=body)
            assert over.status_code == 429, path
            assert over.json()["code"] == "RATE_LIMITED"
            assert 1 <= int(over.headers["retry-after"]) <= 60
    async with _client(default_limits_app, "198.51.100.8") as neighbour:
        right = {"email": owner.user.email, "password": PASSWORD}
        assert (await neighbour.post("/v1/auth/login", json=right)).status_code == 200


async def test_wrong_password_and_unknown_email_answer_alike(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Real argon2 costs (the test run lowers them), so skipping the hash would show in the time.
    monkeypatch.setattr(get_settings(), "password_hash_time_cost", 2)
    monkeypatch.setattr(get_settings(), "password_hash_memory_kib", 32768)
    security.dummy_hash.cache_clear()
    try:
        email = f"timing-{uuid.uuid4().hex[:8]}@example.com"
        assert (await _register(client, email, "the-real-password")).status_code == 201
        durations: dict[str, list[float]] = {"wrong": [], "unknown": []}
        answers: dict[str, httpx.Response] = {}
        for _ in range(5):
            for case, address in (("wrong", email), ("unknown", "nobody-" + email)):
                started = time.perf_counter()
                answers[case] = await client.post(
                    "/v1/auth/login", json={"email": address, "password": "a-wrong-password"}
                )
                durations[case].append(time.perf_counter() - started)
    finally:
        security.dummy_hash.cache_clear()
    wrong, unknown = answers["wrong"], answers["unknown"]
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "AUTH_INVALID_CREDENTIALS"
    assert set(wrong.headers) - {"x-request-id", "x-ratelimit-reset"} == set(unknown.headers) - {
        "x-request-id",
        "x-ratelimit-reset",
    }
    slow, fast = statistics.median(durations["wrong"]), statistics.median(durations["unknown"])
    assert slow > 0.005  # the hash really ran
    assert 0.33 < fast / slow < 3.0, durations  # skipping the hash would make it ~0.05
