"""Real worker processes: a worker killed with SIGKILL mid-way loses nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from frontdesk.db.engine import create_engine, create_sessionmaker
from frontdesk.db.migrate import upgrade
from frontdesk.events import service as event_service
from frontdesk.settings import Settings
from frontdesk.tenancy.models import Workspace
from frontdesk.tenancy.service import secret_box
from frontdesk.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.fixtures.databases import create_database, drop_database
from tests.fixtures.receiver import Receiver

pytestmark = pytest.mark.slow
FRONTDESK = str(Path(sys.executable).with_name("frontdesk"))
EVENTS = 200


@pytest.fixture
async def fresh_engine(tmp_root: Path) -> AsyncIterator[tuple[str, AsyncEngine]]:
    url = await create_database(tmp_root)
    engine = create_engine(Settings(database_url=url, data_dir=tmp_root / "crash"))
    await upgrade(engine)
    try:
        yield url, engine
    finally:
        await engine.dispose()
        await drop_database(url)


def _worker(url: str, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FRONTDESK_DATABASE_URL": url,
        "FRONTDESK_DATA_DIR": str(data_dir),
        "FRONTDESK_JOB_LEASE_SECONDS": "3",
        "FRONTDESK_WORKER_POLL_SECONDS": "0.1",
        "FRONTDESK_SCHEDULER_INTERVAL_SECONDS": "60",
        "FRONTDESK_LOG_FORMAT": "json",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [FRONTDESK, "worker"], stdout=out, stderr=subprocess.STDOUT, env=env
        )


async def _wait_for(predicate: Callable[[], bool], seconds: float) -> None:
    deadline = time.time() + seconds
    while not predicate():
        if time.time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.1)


async def test_killed_worker_loses_no_delivery(
    fresh_engine: tuple[str, AsyncEngine], tmp_root: Path
) -> None:
    url, engine = fresh_engine
    receiver = Receiver(delay=0.05).start()
    maker = create_sessionmaker(engine)
    secret = "whsec_crash-test-secret"
    receiver.secret = secret
    async with maker() as session:
        workspace = Workspace(name="Crash", llm={}, voice={})
        session.add(workspace)
        await session.flush()
        session.add(
            WebhookEndpoint(
                workspace_id=workspace.id,
                url=receiver.url,
                events=["*"],
                enabled=True,
                secret_encrypted=secret_box().encrypt(secret),
            )
        )
        for n in range(EVENTS):
            await event_service.emit(session, workspace.id, "lead.created", {"n": n})
        await session.commit()

    data_dir = tmp_root / "crash-workers"
    data_dir.mkdir(exist_ok=True)
    log = data_dir / "workers.log"

    def distinct() -> int:
        return len({r.headers["x-frontdesk-delivery"] for r in receiver.received})

    first = _worker(url, data_dir, log)
    try:
        await _wait_for(lambda: distinct() >= 30, 60)
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        assert distinct() < EVENTS, "the first worker must die mid-way"
        second = _worker(url, data_dir, log)
        try:
            await _wait_for(lambda: distinct() >= EVENTS, 120)
            async with maker() as session:
                deliveries = (await session.scalars(select(WebhookDelivery))).all()
            assert len(deliveries) == EVENTS
            await _wait_for(lambda: True, 0)
            async with maker() as session:
                statuses = set((await session.scalars(select(WebhookDelivery.status))).all())
            assert statuses == {"delivered"} or statuses <= {"delivered", "pending", "retrying"}
            received_ids = {uuid.UUID(r.headers["x-frontdesk-delivery"]) for r in receiver.received}
            assert received_ids == {d.id for d in deliveries}
            assert all(r.signature_ok for r in receiver.received)
            second.send_signal(signal.SIGTERM)
            assert second.wait(30) == 0
        finally:
            if second.poll() is None:
                second.kill()
    finally:
        if first.poll() is None:
            first.kill()
        receiver.stop()


async def test_slow_receiver_does_not_stall_others(
    fresh_engine: tuple[str, AsyncEngine], tmp_root: Path
) -> None:
    url, engine = fresh_engine
    slow, fast = Receiver(delay=5).start(), Receiver().start()
    maker = create_sessionmaker(engine)
    async with maker() as session:
        workspace = Workspace(name="Two receivers", llm={}, voice={})
        session.add(workspace)
        await session.flush()
        for receiver in (slow, fast):
            session.add(
                WebhookEndpoint(
                    workspace_id=workspace.id,
                    url=receiver.url,
                    events=["*"],
                    enabled=True,
                    secret_encrypted=secret_box().encrypt("whsec_x"),
                )
            )
        for n in range(40):
            await event_service.emit(session, workspace.id, "lead.created", {"n": n})
        await session.commit()
    data_dir = tmp_root / "two-receivers"
    data_dir.mkdir(exist_ok=True)
    worker = _worker(url, data_dir, data_dir / "worker.log")
    try:
        started = time.time()
        await _wait_for(lambda: len(fast.received) >= 40, 30)
        # The slow one answers in 5 s and holds at most 4 requests at a time: it has had about
        # four by now, while the fast one got all forty.
        assert time.time() - started < 15
        assert len(slow.received) <= 8
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(30)
        finally:
            if worker.poll() is None:
                worker.kill()
        slow.stop()
        fast.stop()
