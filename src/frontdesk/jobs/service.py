"""The jobs table: enqueue in the caller's transaction, claim with a lease, settle outcomes.

A job exists if and only if the transaction that enqueued it committed. Workers claim due jobs
with `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite serialises writers, so its UPDATE is the one
claimer). A job whose lease ran out (its worker died) is claimed again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, event, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session as SyncSession

from frontdesk.jobs import wakeup
from frontdesk.jobs.clock import get_clock
from frontdesk.jobs.models import Job

_ENQUEUED = "frontdesk.jobs_enqueued"


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: uuid.UUID
    kind: str
    payload: dict[str, Any]
    attempts: int


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


async def enqueue(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at: datetime | None = None,
    unique_key: str | None = None,
    workspace_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Add a job to the session's transaction. With `unique_key`, a second job with the same key
    is silently not added (returns None)."""
    now = get_clock().now()
    job_id = uuid.uuid4()
    stmt = _insert(session)(Job).values(
        id=job_id,
        kind=kind,
        payload=payload or {},
        status="queued",
        attempts=0,
        run_at=run_at or now,
        unique_key=unique_key,
        workspace_id=workspace_id,
        created_at=now,
        updated_at=now,
    )
    if unique_key is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["unique_key"]).returning(Job.id)
        inserted = (await session.execute(stmt)).scalar_one_or_none()
        if inserted is None:
            return None
    else:
        await session.execute(stmt)
    session.info[_ENQUEUED] = True
    return job_id


async def enqueue_many(
    session: AsyncSession,
    kind: str,
    payloads: list[dict[str, Any]],
    *,
    workspace_id: uuid.UUID | None = None,
) -> None:
    """Many jobs of one kind in one statement, in the session's transaction."""
    if not payloads:
        return
    now = get_clock().now()
    rows = [
        {
            "id": uuid.uuid4(),
            "kind": kind,
            "payload": payload,
            "status": "queued",
            "attempts": 0,
            "run_at": now,
            "workspace_id": workspace_id,
            "created_at": now,
            "updated_at": now,
        }
        for payload in payloads
    ]
    await session.execute(insert(Job), rows)
    session.info[_ENQUEUED] = True


@event.listens_for(SyncSession, "after_commit")
def _wake_workers(session: SyncSession) -> None:
    if session.info.pop(_ENQUEUED, False):
        wakeup.notify()


@event.listens_for(SyncSession, "after_rollback")
def _forget(session: SyncSession) -> None:
    session.info.pop(_ENQUEUED, None)


async def claim(
    maker: async_sessionmaker[AsyncSession],
    worker_id: str,
    limit: int,
    lease_seconds: float,
    kinds: list[str] | None = None,
) -> list[ClaimedJob]:
    now = get_clock().now()
    due = or_(
        and_(Job.status == "queued", Job.run_at <= now),
        and_(Job.status == "running", Job.locked_until < now),
    )
    candidates = select(Job.id).where(due).order_by(Job.run_at).limit(limit)
    if kinds is not None:
        candidates = candidates.where(Job.kind.in_(kinds))
    async with maker() as session:
        if session.get_bind().dialect.name == "postgresql":
            candidates = candidates.with_for_update(skip_locked=True)
        stmt = (
            update(Job)
            .where(Job.id.in_(candidates.scalar_subquery()))
            .values(
                status="running",
                locked_by=worker_id,
                locked_until=now + timedelta(seconds=lease_seconds),
                attempts=Job.attempts + 1,
                updated_at=now,
            )
            .returning(Job.id, Job.kind, Job.payload, Job.attempts)
            .execution_options(synchronize_session=False)
        )
        rows = (await session.execute(stmt)).all()
        await session.commit()
    return [ClaimedJob(r.id, r.kind, r.payload or {}, r.attempts) for r in rows]


async def succeed(
    maker: async_sessionmaker[AsyncSession], worker_id: str, ids: list[uuid.UUID]
) -> None:
    """Succeeded jobs are removed: their effects are in the tables they changed."""
    if not ids:
        return
    async with maker() as session:
        await session.execute(
            delete(Job)
            .where(Job.id.in_(ids), Job.locked_by == worker_id)
            .execution_options(synchronize_session=False)
        )
        await session.commit()


async def retry_or_fail(
    maker: async_sessionmaker[AsyncSession],
    worker_id: str,
    job_id: uuid.UUID,
    error: str,
    delay: float | None,
) -> None:
    now = get_clock().now()
    values: dict[str, Any] = {
        "locked_by": None,
        "locked_until": None,
        "last_error": error[:4000],
        "updated_at": now,
    }
    if delay is None:
        values.update(status="failed", finished_at=now)
    else:
        values.update(status="queued", run_at=now + timedelta(seconds=delay))
    async with maker() as session:
        await session.execute(
            update(Job)
            .where(Job.id == job_id, Job.locked_by == worker_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        await session.commit()


async def release(
    maker: async_sessionmaker[AsyncSession],
    worker_id: str,
    ids: list[uuid.UUID],
    delay: float = 0,
) -> None:
    """Put leased jobs back without counting the attempt (shutdown, deferral)."""
    if not ids:
        return
    now = get_clock().now()
    async with maker() as session:
        await session.execute(
            update(Job)
            .where(Job.id.in_(ids), Job.locked_by == worker_id)
            .values(
                status="queued",
                attempts=Job.attempts - 1,
                run_at=now + timedelta(seconds=delay),
                locked_by=None,
                locked_until=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        await session.commit()


async def extend_leases(
    maker: async_sessionmaker[AsyncSession],
    worker_id: str,
    ids: list[uuid.UUID],
    lease_seconds: float,
) -> None:
    if not ids:
        return
    now = get_clock().now()
    async with maker() as session:
        await session.execute(
            update(Job)
            .where(Job.id.in_(ids), Job.locked_by == worker_id)
            .values(locked_until=now + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )
        await session.commit()
