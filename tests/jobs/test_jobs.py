from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.jobs import scheduler
from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import ManualClock
from frontdesk.jobs.models import Job
from frontdesk.jobs.registry import Defer, JobContext, RetryPolicy, job_handler
from frontdesk.jobs.worker import Worker
from frontdesk.settings import Settings

RUNS: list[dict[str, Any]] = []
FAILS_LEFT: dict[str, int] = {}


@job_handler("test.record")
async def record(ctx: JobContext, payload: dict[str, Any]) -> None:
    RUNS.append({"payload": payload, "attempt": ctx.attempt})


@job_handler("test.flaky", retry=RetryPolicy((60, 300)))
async def flaky(ctx: JobContext, payload: dict[str, Any]) -> None:
    key = payload["key"]
    if FAILS_LEFT.get(key, 0) > 0:
        FAILS_LEFT[key] -= 1
        raise RuntimeError(f"boom {ctx.attempt}")
    RUNS.append({"payload": payload, "attempt": ctx.attempt})


@job_handler("test.defer")
async def defer(ctx: JobContext, payload: dict[str, Any]) -> None:
    if not RUNS:
        RUNS.append({"deferred": True, "attempt": ctx.attempt})
        raise Defer(30)
    RUNS.append({"payload": payload, "attempt": ctx.attempt})


@pytest.fixture(autouse=True)
def _reset() -> None:
    RUNS.clear()
    FAILS_LEFT.clear()


async def _jobs(session: AsyncSession) -> list[Job]:
    session.expire_all()
    return list((await session.scalars(select(Job).order_by(Job.created_at))).all())


async def test_job_exists_only_if_its_transaction_commits(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession
) -> None:
    async with sessionmaker() as s:
        await job_service.enqueue(s, "test.record", {"n": 1})
        await s.rollback()
    assert await _jobs(session) == []
    async with sessionmaker() as s:
        await job_service.enqueue(s, "test.record", {"n": 2})
        await s.commit()
    jobs = await _jobs(session)
    assert [j.payload for j in jobs] == [{"n": 2}]
    assert jobs[0].status == "queued"


async def test_worker_runs_due_jobs_and_removes_them(
    session: AsyncSession, worker: Worker, clock: ManualClock
) -> None:
    await job_service.enqueue(session, "test.record", {"n": 1})
    await job_service.enqueue(session, "test.record", {"n": 2}, run_at=clock.advance(0))
    later = clock.now().replace(microsecond=0)
    await job_service.enqueue(
        session, "test.record", {"n": 3}, run_at=later.replace(year=later.year + 1)
    )
    await session.commit()
    assert await worker.run_until_idle() == 2
    assert sorted(r["payload"]["n"] for r in RUNS) == [1, 2]
    remaining = await _jobs(session)
    assert [j.payload["n"] for j in remaining] == [3]


async def test_retry_schedule_then_failed(
    session: AsyncSession, worker: Worker, clock: ManualClock
) -> None:
    FAILS_LEFT["a"] = 10
    await job_service.enqueue(session, "test.flaky", {"key": "a"})
    await session.commit()
    await worker.run_until_idle()
    [job] = await _jobs(session)
    assert (job.status, job.attempts) == ("queued", 1)
    assert job.last_error == "RuntimeError: boom 1"
    assert (job.run_at - clock.now()).total_seconds() == pytest.approx(60)

    clock.advance(59)
    assert await worker.run_until_idle() == 0  # not due yet
    clock.advance(1)
    await worker.run_until_idle()
    [job] = await _jobs(session)
    assert (job.status, job.attempts) == ("queued", 2)
    assert (job.run_at - clock.now()).total_seconds() == pytest.approx(300)

    clock.advance(300)
    await worker.run_until_idle()
    [job] = await _jobs(session)
    assert (job.status, job.attempts) == ("failed", 3)
    assert job.finished_at is not None
    clock.advance(10_000)
    assert await worker.run_until_idle() == 0  # failed jobs stay failed


async def test_retry_succeeds(session: AsyncSession, worker: Worker, clock: ManualClock) -> None:
    FAILS_LEFT["b"] = 1
    await job_service.enqueue(session, "test.flaky", {"key": "b"})
    await session.commit()
    await worker.run_until_idle()
    clock.advance(60)
    await worker.run_until_idle()
    assert RUNS == [{"payload": {"key": "b"}, "attempt": 2}]
    assert await _jobs(session) == []


async def test_defer_does_not_count_an_attempt(
    session: AsyncSession, worker: Worker, clock: ManualClock
) -> None:
    await job_service.enqueue(session, "test.defer", {"x": 1})
    await session.commit()
    await worker.run_until_idle()
    [job] = await _jobs(session)
    assert (job.status, job.attempts) == ("queued", 0)
    clock.advance(30)
    await worker.run_until_idle()
    assert RUNS[-1] == {"payload": {"x": 1}, "attempt": 1}


async def test_unknown_kind_fails_without_retry(session: AsyncSession, worker: Worker) -> None:
    await job_service.enqueue(session, "test.nobody-handles-this", {})
    await session.commit()
    await worker.run_until_idle()
    [job] = await _jobs(session)
    assert job.status == "failed"
    assert "no handler" in (job.last_error or "")


async def test_expired_lease_is_claimed_again(
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    settings: Settings,
    clock: ManualClock,
) -> None:
    await job_service.enqueue(session, "test.record", {"n": 7})
    await session.commit()
    dead = await job_service.claim(sessionmaker, "dead-worker", 10, lease_seconds=60)
    assert len(dead) == 1
    other = Worker(sessionmaker, settings, concurrency=1, worker_id="alive")
    assert await other.run_until_idle() == 0  # leased to the dead worker
    clock.advance(61)
    assert await other.run_until_idle() == 1
    assert RUNS == [{"payload": {"n": 7}, "attempt": 2}]


async def test_unique_key_adds_one_job(session: AsyncSession) -> None:
    first = await job_service.enqueue(session, "test.record", {}, unique_key="k1")
    second = await job_service.enqueue(session, "test.record", {}, unique_key="k1")
    assert first is not None
    assert second is None
    assert len(await _jobs(session)) == 1


async def test_scheduler_fires_each_occurrence_once(
    sessionmaker: async_sessionmaker[AsyncSession], session: AsyncSession, clock: ManualClock
) -> None:
    name = f"test-{uuid.uuid4().hex[:6]}"
    scheduler.periodic(name, "*/5 * * * *", "test.record", {"from": "cron"})

    async def fired() -> list[Job]:
        return [j for j in await _jobs(session) if j.payload.get("schedule") == name]

    try:
        clock._now = clock.now().replace(minute=7, second=0, microsecond=0)
        await scheduler.tick(sessionmaker)
        assert len(await fired()) == 1
        await scheduler.tick(sessionmaker)  # a second process: same occurrence
        assert len(await fired()) == 1
        clock.advance(60)
        await scheduler.tick(sessionmaker)  # still the :05 occurrence
        assert len(await fired()) == 1
        clock.advance(180)  # now at :11, past :10
        await scheduler.tick(sessionmaker)
        assert [j.run_at.minute for j in await fired()] == [5, 10]
    finally:
        scheduler._STATIC.pop(name, None)


@job_handler("test.slow")
async def slow(ctx: JobContext, payload: dict[str, Any]) -> None:
    await asyncio.sleep(30)


async def test_shutdown_hands_back_unfinished_jobs(
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    settings: Settings,
) -> None:
    await job_service.enqueue(session, "test.slow", {})
    await session.commit()
    quick = settings.model_copy(update={"worker_shutdown_grace_seconds": 0.1})
    worker = Worker(sessionmaker, quick, concurrency=1)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    for _ in range(100):
        await asyncio.sleep(0.02)
        if worker._inflight:
            break
    stop.set()
    await running
    [job] = await _jobs(session)
    assert job.status == "queued"
    assert job.attempts == 0, "a handed-back job keeps its attempts"
    assert job.locked_by is None


async def test_worker_survives_a_database_outage(
    sessionmaker: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sqlalchemy.exc import OperationalError

    from frontdesk.jobs import worker as worker_module

    await job_service.enqueue(session, "test.record", {"n": 42})
    await session.commit()
    real_claim = job_service.claim
    failures = [OperationalError("SELECT", {}, Exception("connection refused"))]

    async def flaky_claim(*args: Any, **kwargs: Any) -> list[job_service.ClaimedJob]:
        if failures:
            raise failures.pop()
        return await real_claim(*args, **kwargs)

    monkeypatch.setattr(worker_module.job_service, "claim", flaky_claim)
    monkeypatch.setattr(worker_module, "DATABASE_RETRY_SECONDS", 0.05)
    worker = Worker(sessionmaker, settings, concurrency=1)
    stop = asyncio.Event()
    running = asyncio.create_task(worker.run(stop))
    for _ in range(200):
        await asyncio.sleep(0.02)
        if RUNS:
            break
    stop.set()
    await running
    assert RUNS == [{"payload": {"n": 42}, "attempt": 1}]
