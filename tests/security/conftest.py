from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.app import create_app
from frontdesk.jobs.worker import Worker
from frontdesk.kit import ssrf
from frontdesk.kit.ratelimit import RateLimiter
from frontdesk.settings import Settings, get_settings
from tests.security.traps import PUBLIC, PUBLIC_STAND_IN, Trap, is_stand_in


@pytest.fixture
def ingest_worker(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> Worker:
    # One job at a time (the test's sessions share one connection); ingestion only.
    return Worker(sessionmaker, settings, concurrency=1, kinds=["knowledge.ingest"])


@pytest.fixture
def worker(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> Worker:
    """Every kind of job, one at a time, on the outbound client a worker builds for itself."""
    return Worker(sessionmaker, settings, concurrency=1)


@pytest.fixture
def guarded(monkeypatch: pytest.MonkeyPatch) -> None:
    """FRONTDESK_ALLOW_PRIVATE_URLS=false (the test run sets it true for its receivers)."""
    monkeypatch.setattr(get_settings(), "allow_private_urls", False)


@pytest.fixture
async def guarded_app(
    guarded: None, settings: Settings, sessionmaker: async_sessionmaker[AsyncSession]
) -> AsyncIterator[FastAPI]:
    """An app built with FRONTDESK_ALLOW_PRIVATE_URLS=false: its outbound client is the one a
    production process makes."""
    app = create_app(settings.model_copy(update={"allow_private_urls": False}))
    app.state.sessionmaker = sessionmaker
    app.state.read_sessionmaker = sessionmaker
    app.state.stream_sessionmaker = sessionmaker
    app.state.rate_limiter = RateLimiter()
    yield app
    await app.state.http.aclose()
    await app.state.engine.dispose()


@pytest.fixture
async def guarded_api(guarded_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=guarded_app, client=("127.0.0.1", 50002))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def trap() -> Iterator[Trap]:
    """A private server on 127.0.0.1 that must never be reached."""
    server = Trap().start()
    server.target = server.url("/secret")
    yield server
    server.stop()


@pytest.fixture
def stand_in(monkeypatch: pytest.MonkeyPatch) -> Iterator[Trap]:
    """A server on 127.0.0.2, which the guard takes for a public address in this test."""
    real = ssrf.is_public
    monkeypatch.setattr(ssrf, "is_public", lambda address: is_stand_in(address) or real(address))
    server = Trap()
    server.host = PUBLIC_STAND_IN
    yield server.start()
    server.stop()


def _patch_resolver(monkeypatch: pytest.MonkeyPatch, answer: Callable[[str], str | None]) -> None:
    """Make the system resolver answer `answer(name)` for the names it knows (for the guard and
    every HTTP client alike); other names resolve as usual."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        address = answer(name) if isinstance(name, str) else None
        return real(address or name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def resolving(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, str]], None]:
    """`resolving({"intranet.test": "127.0.0.1"})`: those names resolve to those addresses."""

    def resolve(names: dict[str, str]) -> None:
        _patch_resolver(monkeypatch, names.get)

    return resolve


@pytest.fixture
def rebinding(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """`rebinding("rebind.test")`: from now on the name answers a public address to its first
    lookup and 127.0.0.1 to every later one (DNS rebinding: a short TTL, a changed answer)."""
    lookups: dict[str, int] = {}

    def answer(name: str) -> str | None:
        if name not in lookups:
            return None
        lookups[name] += 1
        return PUBLIC if lookups[name] == 1 else "127.0.0.1"

    _patch_resolver(monkeypatch, answer)

    def rebind(name: str) -> None:
        lookups[name] = 0

    return rebind
