"""Running the worker and the scheduler: inside `serve`, or alone as `frontdesk worker`."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import frontdesk.tasks  # noqa: F401  (registers handlers and schedules)
from frontdesk.jobs import scheduler, wakeup
from frontdesk.jobs.worker import Worker
from frontdesk.kit import collector, native, ssrf
from frontdesk.settings import Settings

log = structlog.get_logger("frontdesk.jobs")


def outbound_http(allow_private: bool) -> httpx.AsyncClient:
    """The process's client for outgoing calls (webhooks, actions, URL sources, providers): the
    SSRF guard on every connection, no redirects, time-outs."""
    return ssrf.client(
        allow_private,
        follow_redirects=False,
        timeout=httpx.Timeout(30.0, connect=10.0),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        headers={"User-Agent": "Frontdesk/1.0"},
    )


class Background:
    """A worker and the scheduler sharing one stop signal."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        http: httpx.AsyncClient,
        services: dict[str, Any],
    ) -> None:
        self.stop = asyncio.Event()
        self.worker = Worker(sessionmaker, settings, http=http, services=services)
        self._sessionmaker = sessionmaker
        self._settings = settings
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self.worker.run(self.stop)),
            asyncio.create_task(
                scheduler.run(
                    self._sessionmaker, self._settings.scheduler_interval_seconds, self.stop
                )
            ),
        ]

    async def shutdown(self) -> None:
        self.stop.set()
        results = await asyncio.gather(*self._tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                log.error("background_task_failed", error=repr(result))


async def run_worker(settings: Settings) -> None:
    """`frontdesk worker`: jobs and schedules until SIGTERM/SIGINT, then a graceful drain."""
    from frontdesk.db.engine import create_engine, create_sessionmaker
    from frontdesk.events.live import create_broker
    from frontdesk.storage.service import close_storage

    native.limit_blas_threads()
    engine = create_engine(settings)
    broker = create_broker(settings.redis_url)
    http = outbound_http(settings.allow_private_urls)
    background = Background(create_sessionmaker(engine), settings, http, {"broker": broker})
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, background.stop.set)
    try:
        if settings.redis_url:
            await broker.start()
            wakeup.connect(broker)
        background.start()
        collector.settle(long_lived=True)
        await background.stop.wait()
    finally:
        await background.shutdown()
        with contextlib.suppress(Exception):
            await broker.stop()
        await http.aclose()
        await close_storage()
        await engine.dispose()
