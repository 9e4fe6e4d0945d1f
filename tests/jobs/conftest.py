from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.jobs.clock import ManualClock, set_clock
from frontdesk.jobs.worker import Worker
from frontdesk.settings import Settings


@pytest.fixture
def clock() -> Iterator[ManualClock]:
    manual = ManualClock()
    previous = set_clock(manual)
    yield manual
    set_clock(previous)


@pytest.fixture
def worker(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> Worker:
    # One job at a time: the test's sessions share one connection.
    return Worker(sessionmaker, settings, concurrency=1)
