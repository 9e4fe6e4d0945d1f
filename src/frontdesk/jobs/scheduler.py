"""The scheduler: turns cron schedules into jobs, once per occurrence across all processes.

Each process ticks; a tick claims the latest occurrence of each schedule by inserting
`(name, fire_at)` into `schedule_runs`, whose primary key lets exactly one process win, and
enqueues the job in that same transaction. A process that was down fires a missed schedule once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from croniter import croniter
from sqlalchemy import PrimaryKeyConstraint, String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Base
from frontdesk.db.types import UTCDateTime
from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import get_clock

log = structlog.get_logger("frontdesk.scheduler")


class ScheduleRun(Base):
    __tablename__ = "schedule_runs"
    __table_args__ = (PrimaryKeyConstraint("name", "fire_at"),)

    name: Mapped[str] = mapped_column(String(200))
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Schedule:
    name: str
    cron: str
    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    timezone: str | None = None  # the cron's times are in this zone (default UTC)
    not_before: datetime | None = None  # occurrences before this are not fired (new schedules)

    def latest(self, now: datetime) -> datetime:
        """The latest occurrence at or before `now`."""
        local = now.astimezone(ZoneInfo(self.timezone)) if self.timezone else now
        it = croniter(self.cron, local)
        nxt: datetime = it.get_next(datetime)
        if nxt == local:
            return now
        prev: datetime = croniter(self.cron, local).get_prev(datetime)
        return prev.astimezone(UTC)


_STATIC: dict[str, Schedule] = {}
ScheduleSource = Callable[[AsyncSession], Awaitable[list[Schedule]]]
_SOURCES: list[ScheduleSource] = []


def periodic(name: str, cron: str, kind: str, payload: dict[str, Any] | None = None) -> None:
    """Declare a schedule in code."""
    if not croniter.is_valid(cron):
        raise ValueError(f"invalid cron expression {cron!r} for schedule {name!r}")
    _STATIC[name] = Schedule(name, cron, kind, payload or {})


def add_source(source: ScheduleSource) -> None:
    """Schedules kept in the database (e.g. workflows with a `schedule` trigger)."""
    _SOURCES.append(source)


async def tick(maker: async_sessionmaker[AsyncSession]) -> int:
    """Enqueue every schedule's latest occurrence not enqueued yet; returns how many."""
    now = get_clock().now()
    fired = 0
    async with maker() as session:
        schedules = list(_STATIC.values())
        for source in _SOURCES:
            schedules.extend(await source(session))
        insert = (
            postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        )
        for schedule in schedules:
            fire_at = schedule.latest(now)
            if schedule.not_before is not None and fire_at < schedule.not_before:
                continue
            stmt = (
                insert(ScheduleRun)
                .values(name=schedule.name, fire_at=fire_at)
                .on_conflict_do_nothing()
                .returning(ScheduleRun.name)
            )
            if (await session.execute(stmt)).scalar_one_or_none() is None:
                continue
            await job_service.enqueue(
                session,
                schedule.kind,
                {**schedule.payload, "schedule": schedule.name, "fire_at": fire_at.isoformat()},
                run_at=fire_at,
            )
            fired += 1
        await session.commit()
    if fired:
        log.info("schedules_fired", count=fired)
    return fired


async def run(
    maker: async_sessionmaker[AsyncSession], interval: float, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        try:
            await tick(maker)
        except Exception:
            log.exception("scheduler_tick_failed")
        try:
            await asyncio.wait_for(stop.wait(), interval)
        except TimeoutError:
            pass
