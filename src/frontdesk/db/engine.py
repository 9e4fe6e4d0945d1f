"""Async engine and session factory for SQLite (embedded) and PostgreSQL (scaled)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from frontdesk.settings import Settings

READ_ONLY = "frontdesk_read_only"


def create_engine(settings: Settings, **kwargs: Any) -> AsyncEngine:
    import frontdesk.db.models  # noqa: F401  (every table known before the first flush)

    url = settings.effective_database_url
    kwargs.setdefault("pool_size", settings.database_pool_size)
    kwargs.setdefault("max_overflow", settings.database_max_overflow)
    kwargs.setdefault("pool_timeout", settings.database_pool_timeout)
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        _configure_sqlite(engine)
        return engine
    # Connections are recycled rather than pinged: a ping is a round trip on every checkout.
    kwargs.setdefault("pool_recycle", 1800)
    return create_async_engine(url, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; take it over (SQLAlchemy's recipe).
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    # A transaction that may write takes the write lock when it begins: a deferred one that read
    # first would fail at its first write if another connection committed in between (WAL
    # snapshots cannot be upgraded). Read-only transactions stay deferred and run concurrently.
    # Straight on the driver's connection: the statement needs no result, and this runs at the
    # start of every transaction.
    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.connection.dbapi_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")


def read_only(engine: AsyncEngine, autocommit: bool = True) -> AsyncEngine:
    """The engine for sessions that never write (GET requests, health checks). On PostgreSQL
    they run in autocommit: no BEGIN/COMMIT round trips around their reads; a long streamed
    read (an export) needs a transaction for its cursor: `autocommit=False`."""
    if engine.dialect.name == "postgresql" and autocommit:
        return engine.execution_options(**{READ_ONLY: True}, isolation_level="AUTOCOMMIT")
    return engine.execution_options(**{READ_ONLY: True})


def create_sessionmaker(
    engine: AsyncEngine, readonly: bool = False, autocommit: bool = True
) -> async_sessionmaker[AsyncSession]:
    bind = read_only(engine, autocommit) if readonly else engine
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False)
