"""A worker process with a no-op job kind, `bench.noop`, for measuring the queue itself."""

from __future__ import annotations

import asyncio
from typing import Any

from frontdesk.jobs.registry import JobContext, job_handler
from frontdesk.jobs.runtime import run_worker
from frontdesk.settings import get_settings


@job_handler("bench.noop")
async def noop(ctx: JobContext, payload: dict[str, Any]) -> None:
    return None


if __name__ == "__main__":
    asyncio.run(run_worker(get_settings()))
