"""Job kinds: the handler of each and its retry policy."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.settings import Settings


@dataclass(frozen=True)
class RetryPolicy:
    """Delays in seconds before attempt 2, 3, ...; after the last, the job is `failed`."""

    delays: tuple[float, ...] = (10, 60, 300)

    @property
    def max_attempts(self) -> int:
        return len(self.delays) + 1

    def delay_after(self, attempt: int) -> float | None:
        """Seconds to wait after failed attempt number `attempt` (1-based), or None when done."""
        if attempt < 1 or attempt > len(self.delays):
            return None
        return self.delays[attempt - 1]


WEBHOOK_RETRY = RetryPolicy((60, 300, 1800, 7200, 86400))
NO_RETRY = RetryPolicy(())


@dataclass
class JobContext:
    job_id: uuid.UUID
    kind: str
    attempt: int
    max_attempts: int
    sessionmaker: async_sessionmaker[AsyncSession]
    settings: Settings
    http: httpx.AsyncClient
    now: Callable[[], datetime]
    services: dict[str, Any] = field(default_factory=dict)

    @property
    def is_last_attempt(self) -> bool:
        return self.attempt >= self.max_attempts


Handler = Callable[[JobContext, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    retry: RetryPolicy
    timeout: float


class Defer(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a handler to run the job again later without counting an attempt."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"deferred for {seconds} s")
        self.seconds = seconds


_KINDS: dict[str, JobKind] = {}


def job_handler(
    name: str, retry: RetryPolicy | None = None, timeout: float = 300
) -> Callable[[Handler], Handler]:
    """Register a handler for job kind `name`."""

    def register(handler: Handler) -> Handler:
        _KINDS[name] = JobKind(name, handler, retry or RetryPolicy(), timeout)
        return handler

    return register


def get_kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


def kinds() -> dict[str, JobKind]:
    return dict(_KINDS)
