"""Removing stored objects, as a job (retried while the store is unreachable)."""

from __future__ import annotations

from typing import Any

import structlog

from frontdesk.jobs.registry import JobContext, job_handler
from frontdesk.storage.service import DELETE_JOB, get_storage

log = structlog.get_logger("frontdesk.storage")


@job_handler(DELETE_JOB, timeout=600)
async def delete_objects(ctx: JobContext, payload: dict[str, Any]) -> None:
    removed = await get_storage(ctx.settings).delete_prefix(str(payload["prefix"]))
    log.info("storage_objects_deleted", prefix=payload["prefix"], objects=removed)
