"""Several worker processes on one database: every job runs exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from frontdesk.db.engine import create_engine, create_sessionmaker
from frontdesk.db.migrate import upgrade
from frontdesk.jobs import service as job_service
from frontdesk.jobs.models import Job
from frontdesk.settings import Settings
from tests.fixtures.databases import backend, create_database, drop_database

pytestmark = pytest.mark.slow
JOBS = 1000
ROOT = Path(__file__).resolve().parents[2]


def _start(env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.jobs.probe_worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
async def fresh(tmp_root: Path) -> AsyncIterator[tuple[str, AsyncEngine]]:
    url = await create_database(tmp_root)
    engine = create_engine(Settings(database_url=url, data_dir=tmp_root / "many"))
    await upgrade(engine)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE probe_runs (job_id VARCHAR(64), pid INTEGER)"))
    try:
        yield url, engine
    finally:
        await engine.dispose()
        await drop_database(url)


async def test_each_job_runs_exactly_once(fresh: tuple[str, AsyncEngine], tmp_root: Path) -> None:
    url, engine = fresh
    maker = create_sessionmaker(engine)
    async with maker() as session:
        await job_service.enqueue_many(session, "test.probe", [{"n": n} for n in range(JOBS)])
        await session.commit()
    # Two workers on PostgreSQL; SQLite's embedded shape runs one.
    count = 2 if backend() == "postgresql" else 1
    env = {
        **os.environ,
        "FRONTDESK_DATABASE_URL": url,
        "FRONTDESK_DATA_DIR": str(tmp_root / "many"),
        "FRONTDESK_WORKER_POLL_SECONDS": "0.05",
        "PYTHONPATH": str(ROOT),
    }
    log = (tmp_root / "many-workers.log").open("ab")
    workers = [_start(env, log) for _ in range(count)]
    try:
        deadline = time.time() + 120
        while True:
            async with maker() as session:
                left = await session.scalar(
                    select(func.count()).select_from(Job).where(Job.kind == "test.probe")
                )
            if left == 0:
                break
            assert time.time() < deadline, f"{left} jobs left"
            await asyncio.sleep(0.2)
        async with engine.connect() as conn:
            runs = (await conn.execute(text("SELECT job_id, pid FROM probe_runs"))).all()
        assert len(runs) == JOBS
        assert len({r.job_id for r in runs}) == JOBS
        if count == 2:
            assert len({r.pid for r in runs}) == 2, "both workers took part"
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        assert [w.wait(30) for w in workers] == [0] * count
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
        log.close()
