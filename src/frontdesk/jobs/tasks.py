"""Housekeeping the scheduler runs every hour."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import delete

from frontdesk.jobs.registry import JobContext, job_handler
from frontdesk.jobs.scheduler import ScheduleRun, periodic
from frontdesk.kit.idempotency import purge_expired

log = structlog.get_logger("frontdesk.jobs")


@job_handler("maintenance.purge", timeout=600)
async def purge(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.sessionmaker() as session:
        keys = await purge_expired(session)
        runs = await session.execute(
            delete(ScheduleRun).where(ScheduleRun.fire_at < ctx.now() - timedelta(days=7))
        )
        await session.commit()
    log.info("purged", idempotency_keys=keys, schedule_runs=getattr(runs, "rowcount", 0))


periodic("maintenance.purge", "17 * * * *", "maintenance.purge")
