"""The job queue: no-op jobs drained per second by one and two worker processes on PostgreSQL
(and one on SQLite), webhook deliveries per second to a loopback receiver, and the time one
`enqueue()` adds to the transaction that causes it.

    .venv/bin/python bench/jobs.py [--jobs 20000] [--deliveries 2000] [--samples 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select, text
from tests.fixtures.receiver import Receiver

from bench.common import ROOT, database, machine, process, table
from frontdesk.db.engine import create_engine, create_sessionmaker
from frontdesk.db.migrate import upgrade
from frontdesk.events import service as event_service
from frontdesk.jobs import service as job_service
from frontdesk.jobs.models import Job
from frontdesk.settings import Settings
from frontdesk.tenancy.models import Workspace
from frontdesk.tenancy.service import secret_box
from frontdesk.webhooks.models import WebhookDelivery, WebhookEndpoint


def _settings(url: str, tmp: str) -> Settings:
    return Settings(
        database_url=url, data_dir=Path(tmp), secret_key=os.environ["FRONTDESK_SECRET_KEY"]
    )


async def _count(url: str, tmp: str, stmt: object) -> int:
    engine = create_engine(_settings(url, tmp))
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(stmt)).scalar_one())  # type: ignore[call-overload]
    finally:
        await engine.dispose()


async def _prepare_noop(url: str, tmp: str, jobs: int) -> None:
    engine = create_engine(_settings(url, tmp))
    await upgrade(engine)
    async with create_sessionmaker(engine)() as session:
        for start in range(0, jobs, 5000):
            await job_service.enqueue_many(
                session, "bench.noop", [{"n": n} for n in range(start, min(jobs, start + 5000))]
            )
        await session.commit()
    await engine.dispose()


def _drain(url: str, tmp: str, workers: int, jobs: int) -> float:
    asyncio.run(_prepare_noop(url, tmp, jobs))
    env = {
        "FRONTDESK_DATABASE_URL": url,
        "FRONTDESK_DATA_DIR": tmp,
        "FRONTDESK_LOG_LEVEL": "warning",
        "FRONTDESK_WORKER_CONCURRENCY": "64",
        "FRONTDESK_WORKER_POLL_SECONDS": "0.05",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "bench.noop_worker"]
    stmt = select(func.count()).select_from(Job).where(Job.kind == "bench.noop")
    with contextlib.ExitStack() as stack:
        started = time.perf_counter()
        for _ in range(workers):
            stack.enter_context(process(command, env))
        while asyncio.run(_count(url, tmp, stmt)) > 0:
            time.sleep(0.1)
        return jobs / (time.perf_counter() - started)


async def _prepare_webhooks(url: str, tmp: str, receiver_url: str, events: int) -> None:
    engine = create_engine(_settings(url, tmp))
    await upgrade(engine)
    async with create_sessionmaker(engine)() as session:
        workspace = Workspace(name="bench", llm={}, voice={})
        session.add(workspace)
        await session.flush()
        session.add(
            WebhookEndpoint(
                workspace_id=workspace.id,
                url=receiver_url,
                events=["*"],
                enabled=True,
                secret_encrypted=secret_box().encrypt("whsec_bench"),
            )
        )
        await event_service.emit_many(
            session, workspace.id, [("lead.created", {"n": n}, None) for n in range(events)]
        )
        await session.commit()
    await engine.dispose()


def _deliveries(url: str, tmp: str, events: int) -> float:
    receiver = Receiver().start()
    try:
        asyncio.run(_prepare_webhooks(url, tmp, receiver.url, events))
        env = {
            "FRONTDESK_DATABASE_URL": url,
            "FRONTDESK_DATA_DIR": tmp,
            "FRONTDESK_LOG_LEVEL": "warning",
            "FRONTDESK_ALLOW_PRIVATE_URLS": "true",
            "FRONTDESK_WORKER_CONCURRENCY": "64",
            "FRONTDESK_WEBHOOK_ENDPOINT_CONCURRENCY": "32",
            "FRONTDESK_WORKER_POLL_SECONDS": "0.05",
        }
        stmt = (
            select(func.count())
            .select_from(WebhookDelivery)
            .where(WebhookDelivery.status == "delivered")
        )
        with process([str(Path(sys.executable).with_name("frontdesk")), "worker"], env):
            started = time.perf_counter()
            while asyncio.run(_count(url, tmp, stmt)) < events:
                time.sleep(0.1)
            return events / (time.perf_counter() - started)
    finally:
        receiver.stop()


async def _enqueue_overhead(url: str, tmp: str, samples: int) -> tuple[float, float]:
    """Median and p99 of (transaction with a row and a job) - (transaction with the row), ms."""
    engine = create_engine(_settings(url, tmp))
    await upgrade(engine)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, v TEXT)"))
    maker = create_sessionmaker(engine)
    plain: list[float] = []
    with_job: list[float] = []
    for n in range(samples * 2):
        queue = n % 2 == 1
        started = time.perf_counter()
        async with maker() as session:
            await session.execute(
                text("INSERT INTO bench_rows (id, v) VALUES (:id, 'x')"), {"id": n}
            )
            if queue:
                await job_service.enqueue(session, "bench.noop", {"row": n})
            await session.commit()
        (with_job if queue else plain).append((time.perf_counter() - started) * 1000)
    await engine.dispose()
    extra = sorted(w - p for w, p in zip(with_job, plain, strict=True))
    return statistics.median(extra), extra[int(len(extra) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=20000)
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("FRONTDESK_SECRET_KEY", "bench-secret-key-0123456789-abcdefghijklmnop")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind, workers in (("postgresql", 1), ("postgresql", 2), ("sqlite", 1)):
            with database(kind) as url:
                rate = _drain(url, tmp, workers, args.jobs)
                rows.append([f"no-op jobs, {kind}, {workers} worker(s)", f"{rate:,.0f} jobs/s", ""])
        for kind in ("postgresql", "sqlite"):
            with database(kind) as url:
                rate = _deliveries(url, tmp, args.deliveries)
                rows.append([f"webhook deliveries, {kind}, 1 worker", f"{rate:,.0f} /s", ""])
        for kind in ("postgresql", "sqlite"):
            with database(kind) as url:
                p50, p99 = asyncio.run(_enqueue_overhead(url, tmp, args.samples))
                rows.append(
                    [
                        f"enqueue() added to a transaction, {kind}",
                        f"{p50:.3f} ms median",
                        f"{p99:.3f} ms p99",
                    ]
                )
    sizes = f"{args.jobs} jobs, {args.deliveries} deliveries, {args.samples} samples"
    print(f"machine: {machine()}; {sizes}")
    print(table(["what", "figure", ""], rows))


if __name__ == "__main__":
    main()
