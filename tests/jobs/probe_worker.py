"""A worker process with one extra job kind, `test.probe`, that records each run in
`probe_runs`: the tests count runs to prove each job ran exactly once."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from sqlalchemy import text

from frontdesk.jobs.registry import JobContext, job_handler
from frontdesk.jobs.runtime import run_worker
from frontdesk.settings import get_settings


@job_handler("test.probe")
async def probe(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.sessionmaker() as session:
        await session.execute(
            text("INSERT INTO probe_runs (job_id, pid) VALUES (:job, :pid)"),
            {"job": str(ctx.job_id), "pid": os.getpid()},
        )
        await session.commit()


if __name__ == "__main__":
    asyncio.run(run_worker(get_settings()))
