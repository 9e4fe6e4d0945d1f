"""Test set-up: one real database per run (SQLite or PostgreSQL, chosen by FRONTDESK_TEST_DB),
built by running the migrations; every test runs inside a transaction rolled back at its end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

# Settings are read once per process: fix them before anything imports frontdesk's settings.
_TMP = Path(tempfile.mkdtemp(prefix="frontdesk-tests-"))
os.environ.update(
    {
        "FRONTDESK_ENV": "test",
        "FRONTDESK_DATA_DIR": str(_TMP / "data"),
        "FRONTDESK_SECRET_KEY": "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "FRONTDESK_ALLOW_PRIVATE_URLS": "true",
        "FRONTDESK_RATE_LIMIT": "100000/hour",
        "FRONTDESK_AUTH_RATE_LIMIT": "100000/minute",
        "FRONTDESK_PASSWORD_HASH_TIME_COST": "1",
        "FRONTDESK_PASSWORD_HASH_MEMORY_KIB": "64",
        "FRONTDESK_LOG_LEVEL": "warning",
    }
)
os.environ.pop("FRONTDESK_DATABASE_URL", None)
os.environ.pop("FRONTDESK_REDIS_URL", None)

import httpx  # noqa: E402
import pytest  # noqa: E402
from fastapi import FastAPI  # noqa: E402
from sqlalchemy.ext.asyncio import (  # noqa: E402
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)

from frontdesk.app import create_app  # noqa: E402
from frontdesk.db.engine import create_engine  # noqa: E402
from frontdesk.db.migrate import upgrade  # noqa: E402
from frontdesk.kit.ratelimit import RateLimiter  # noqa: E402
from frontdesk.settings import Settings, get_settings  # noqa: E402
from frontdesk.tenancy.roles import Role  # noqa: E402
from tests.fixtures.databases import backend, create_database, drop_database  # noqa: E402
from tests.fixtures.factories import Account, make_account  # noqa: E402


def pytest_report_header() -> str:
    return f"frontdesk database backend: {backend()}"


@pytest.fixture(scope="session")
def tmp_root() -> Iterator[Path]:
    yield _TMP
    shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
async def database_url(tmp_root: Path) -> AsyncIterator[str]:
    url = await create_database(tmp_root)
    yield url
    await drop_database(url)


@pytest.fixture(scope="session")
async def settings(database_url: str) -> Settings:
    get_settings.cache_clear()
    os.environ["FRONTDESK_DATABASE_URL"] = database_url
    return get_settings()


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            yield conn
        finally:
            await transaction.rollback()


@pytest.fixture
def sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test's connection: their commits are savepoints, undone after the test."""
    return async_sessionmaker(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture
async def session(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        yield session


@pytest.fixture(scope="session")
def base_app(settings: Settings, engine: AsyncEngine) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def app(base_app: FastAPI, sessionmaker: async_sessionmaker[AsyncSession]) -> FastAPI:
    base_app.state.sessionmaker = sessionmaker
    base_app.state.read_sessionmaker = sessionmaker
    base_app.state.stream_sessionmaker = sessionmaker
    base_app.state.rate_limiter = RateLimiter()
    return base_app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def owner(session: AsyncSession) -> Account:
    """The owner of a workspace."""
    return await make_account(session, Role.owner)


@pytest.fixture
async def stranger(session: AsyncSession) -> Account:
    """The owner of another workspace, for cross-workspace tests."""
    return await make_account(session, Role.owner)
