from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from frontdesk.calls import drain, live
from frontdesk.db.engine import read_only
from frontdesk.events.live import LiveBroker
from frontdesk.jobs.runtime import Background
from frontdesk.kit.ratelimit import RateLimiter
from frontdesk.settings import Settings
from frontdesk.storage.base import StorageUnavailable
from frontdesk.storage.service import get_storage

router = APIRouter(tags=["health"])
CHECK_TIMEOUT = 3.0


class Health(BaseModel):
    status: Literal["ok"]
    timestamp: datetime


class Readiness(BaseModel):
    database: str
    storage: str
    cache: str
    queue: str
    draining: bool = Field(description="Shutting down: no new calls, live ones finishing")
    active_calls: int = Field(description="Live calls held by this process")


@router.get("/health")
async def health() -> Health:
    """Liveness: the process answers."""
    return Health(status="ok", timestamp=datetime.now(UTC))


async def _database(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    return "ok"


async def _queue(engine: AsyncEngine, background: Background | None) -> str:
    # The job queue is the database's jobs table; `serve` also runs a worker that must be alive.
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1 FROM jobs LIMIT 1"))
    if background is not None and background.stop.is_set():
        return "error: the job worker is stopping"
    return "ok"


def _storage_sync(directory: Path) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    probe = directory / f".ready-{uuid.uuid4().hex}"
    probe.write_bytes(b"ok")
    probe.unlink()
    return "ok"


async def _storage(settings: Settings) -> str:
    # Calls record into the data directory even when their recordings end up in a bucket.
    await asyncio.to_thread(_storage_sync, settings.data_dir)
    store = get_storage(settings)
    if not store.is_local:
        try:
            await store.check()  # HEAD on the bucket
        except StorageUnavailable as exc:
            return f"error: {exc.detail[:200]}"
    return "ok"


async def _cache(limiter: RateLimiter, broker: LiveBroker) -> str:
    await limiter.check_health()
    await broker.check_health()
    return "ok"


async def _run(check: asyncio.Future[str] | asyncio.Task[str]) -> str:
    try:
        return await asyncio.wait_for(check, CHECK_TIMEOUT)
    except TimeoutError:
        return "error: timed out"
    except Exception as exc:  # a readiness probe reports every failure as text
        return f"error: {type(exc).__name__}: {str(exc)[:200]}"


@router.get("/readiness", responses={503: {"model": Readiness}})
async def readiness(request: Request) -> JSONResponse:
    """Readiness: the database, file storage, cache and job queue each answer, and the process
    is not draining (503 while it lets its live calls finish before shutting down)."""
    state = request.app.state
    results = await asyncio.gather(
        _run(asyncio.ensure_future(_database(read_only(state.engine)))),
        _run(asyncio.ensure_future(_storage(state.settings))),
        _run(asyncio.ensure_future(_cache(state.rate_limiter, state.broker))),
        _run(asyncio.ensure_future(_queue(read_only(state.engine), state.background))),
    )
    body = Readiness(
        database=results[0],
        storage=results[1],
        cache=results[2],
        queue=results[3],
        draining=drain.draining(),
        active_calls=live.live_count(),
    )
    ok = all(r == "ok" for r in results) and not body.draining
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)
