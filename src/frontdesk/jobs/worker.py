"""The job worker: claims due jobs in batches, runs their handlers concurrently under a lease,
and settles the outcomes. Safe to run in many processes against one PostgreSQL database."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import traceback
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.jobs import service as job_service
from frontdesk.jobs import wakeup
from frontdesk.jobs.clock import get_clock
from frontdesk.jobs.registry import Defer, JobContext, get_kind
from frontdesk.kit import ssrf
from frontdesk.settings import Settings

log = structlog.get_logger("frontdesk.jobs")
DATABASE_RETRY_SECONDS = 2.0


@dataclass
class _Outcomes:
    succeeded: list[uuid.UUID] = field(default_factory=list)
    deferred: list[tuple[uuid.UUID, float]] = field(default_factory=list)
    failed: list[tuple[uuid.UUID, str, float | None]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.succeeded or self.deferred or self.failed)


class Worker:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        *,
        http: httpx.AsyncClient | None = None,
        services: dict[str, Any] | None = None,
        concurrency: int | None = None,
        kinds: Iterable[str] | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.concurrency = concurrency or settings.worker_concurrency
        self.kinds = list(kinds) if kinds is not None else None
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.lease_seconds = settings.job_lease_seconds
        self.services = services or {}
        self._http = http
        self._own_http = http is None
        self._inflight: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._outcomes = _Outcomes()
        self._changed = asyncio.Event()

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = ssrf.client(
                self.settings.allow_private_urls,
                follow_redirects=False,
                timeout=httpx.Timeout(30.0, connect=10.0),
                limits=httpx.Limits(max_connections=100, max_keepalive_connections=20),
                headers={"User-Agent": "Frontdesk-Webhooks/1.0"},
            )
        return self._http

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set, then finish or release the jobs in flight."""
        nudge = wakeup.subscribe()
        heartbeat = asyncio.create_task(self._heartbeat(stop))
        log.info("worker_started", worker_id=self.worker_id, concurrency=self.concurrency)
        try:
            while not stop.is_set():
                try:
                    claimed = await self._claim_and_start()
                    await self._settle()
                except Exception:
                    # The database went away (restart, failover): keep the outcomes, try again.
                    log.exception("worker_loop_failed", worker_id=self.worker_id)
                    await self._pause(stop, DATABASE_RETRY_SECONDS)
                    continue
                if claimed:
                    continue
                await self._wait(stop, nudge)
        finally:
            heartbeat.cancel()
            await self._drain()
            wakeup.unsubscribe(nudge)
            if self._own_http and self._http is not None:
                await self._http.aclose()
            log.info("worker_stopped", worker_id=self.worker_id)

    async def run_until_idle(self, max_rounds: int = 10_000) -> int:
        """Run due jobs until none is due and none is in flight; returns how many ran."""
        ran = 0
        for _ in range(max_rounds):
            claimed = await self._claim_and_start()
            ran += claimed
            if self._inflight:
                await asyncio.wait(list(self._inflight.values()))
            await self._settle()
            if not claimed and not self._inflight:
                break
        return ran

    async def _claim_and_start(self) -> int:
        free = self.concurrency - len(self._inflight)
        if free <= 0:
            return 0
        jobs = await job_service.claim(
            self.sessionmaker, self.worker_id, free, self.lease_seconds, self.kinds
        )
        for job in jobs:
            self._inflight[job.id] = asyncio.create_task(self._execute(job))
        return len(jobs)

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        try:
            await asyncio.wait_for(stop.wait(), seconds)
        except TimeoutError:
            pass

    async def _wait(self, stop: asyncio.Event, nudge: asyncio.Event) -> None:
        waiters = [asyncio.ensure_future(e.wait()) for e in (stop, nudge, self._changed)]
        try:
            await asyncio.wait(
                waiters,
                timeout=self.settings.worker_poll_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            for w in waiters:
                w.cancel()
        nudge.clear()
        self._changed.clear()

    async def _execute(self, job: job_service.ClaimedJob) -> None:
        kind = get_kind(job.kind)
        try:
            if kind is None:
                self._outcomes.failed.append(
                    (job.id, f"no handler for job kind {job.kind!r}", None)
                )
                return
            ctx = JobContext(
                job_id=job.id,
                kind=job.kind,
                attempt=job.attempts,
                max_attempts=kind.retry.max_attempts,
                sessionmaker=self.sessionmaker,
                settings=self.settings,
                http=self.http,
                now=get_clock().now,
                services=self.services,
            )
            try:
                async with asyncio.timeout(kind.timeout):
                    await kind.handler(ctx, job.payload)
            except Defer as defer:
                self._outcomes.deferred.append((job.id, defer.seconds))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                delay = kind.retry.delay_after(job.attempts)
                log.warning(
                    "job_failed",
                    job_id=str(job.id),
                    kind=job.kind,
                    attempt=job.attempts,
                    retry_in=delay,
                    error=message,
                    trace=traceback.format_exc(limit=5),
                )
                self._outcomes.failed.append((job.id, message, delay))
            else:
                self._outcomes.succeeded.append(job.id)
        finally:
            self._inflight.pop(job.id, None)
            self._changed.set()

    async def _settle(self) -> None:
        if not self._outcomes:
            return
        outcomes, self._outcomes = self._outcomes, _Outcomes()
        try:
            await job_service.succeed(self.sessionmaker, self.worker_id, outcomes.succeeded)
            outcomes.succeeded = []
            while outcomes.deferred:
                job_id, seconds = outcomes.deferred[0]
                await job_service.release(self.sessionmaker, self.worker_id, [job_id], seconds)
                outcomes.deferred.pop(0)
            while outcomes.failed:
                job_id, error, delay = outcomes.failed[0]
                await job_service.retry_or_fail(
                    self.sessionmaker, self.worker_id, job_id, error, delay
                )
                outcomes.failed.pop(0)
        except Exception:
            # Not recorded yet: keep them for the next round (their leases keep them ours).
            self._outcomes.succeeded[:0] = outcomes.succeeded
            self._outcomes.deferred[:0] = outcomes.deferred
            self._outcomes.failed[:0] = outcomes.failed
            raise

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        interval = max(self.lease_seconds / 3, 0.5)
        while not stop.is_set():
            await asyncio.sleep(interval)
            try:
                await job_service.extend_leases(
                    self.sessionmaker, self.worker_id, list(self._inflight), self.lease_seconds
                )
            except Exception:
                log.exception("lease_extension_failed", worker_id=self.worker_id)

    async def _drain(self) -> None:
        """Let in-flight jobs finish within the grace period; release the rest."""
        if self._inflight:
            _, pending = await asyncio.wait(
                list(self._inflight.values()), timeout=self.settings.worker_shutdown_grace_seconds
            )
            unfinished = [job_id for job_id, task in self._inflight.items() if task in pending]
            for task in pending:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*pending, return_exceptions=True)
            await job_service.release(self.sessionmaker, self.worker_id, unfinished)
            log.info("jobs_released", count=len(unfinished))
        await self._settle()
