from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.jobs.worker import Worker
from frontdesk.settings import Settings


@pytest.fixture
def ingest_worker(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> Worker:
    # One job at a time (the test's sessions share one connection); ingestion only.
    return Worker(sessionmaker, settings, concurrency=1, kinds=["knowledge.ingest"])
