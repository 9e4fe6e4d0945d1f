"""Graceful drain. On SIGTERM a process holding live calls stops taking new ones, answers
`/readiness` with 503 (so a load balancer sends new work elsewhere) and lets its calls finish,
up to `FRONTDESK_DRAIN_SECONDS`; then the server shuts down as usual. A process with no live call
shuts down at once; a second signal (Ctrl+C) does not wait."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

import structlog

from frontdesk.calls import live
from frontdesk.errors import AppError

log = structlog.get_logger("frontdesk.calls")
_draining = threading.Event()

Handler = Callable[[int, FrameType | None], Any]


class ServerDraining(AppError):
    status = 503
    code = "SERVER_DRAINING"

    def __init__(self) -> None:
        super().__init__(
            "This server is shutting down and takes no new calls; try again in a few seconds",
            self.code,
            headers={"Retry-After": "5"},
        )


def draining() -> bool:
    return _draining.is_set()


def refuse_new_calls() -> None:
    """Raise 503 SERVER_DRAINING while this process drains."""
    if _draining.is_set():
        raise ServerDraining()


async def _drain(
    previous: Handler, sig: int, deadline_seconds: float, stop_taking_work: Callable[[], Any]
) -> None:
    loop = asyncio.get_running_loop()
    log.info("drain_started", active_calls=live.live_count(), deadline_seconds=deadline_seconds)
    stopping = stop_taking_work()
    end = loop.time() + deadline_seconds
    while live.live_count() and loop.time() < end:  # noqa: ASYNC110 (a shutdown's cheap poll)
        await asyncio.sleep(0.2)
    log.info("drain_finished", active_calls=live.live_count())
    previous(sig, None)
    if asyncio.isfuture(stopping) or asyncio.iscoroutine(stopping):
        await stopping


def install(deadline_seconds: float, stop_taking_work: Callable[[], Any]) -> Callable[[], None]:
    """Wrap the server's SIGTERM handler (uvicorn's) with the drain; returns the undo.

    Does nothing off the main thread or when no server handles SIGTERM (tests, embedding)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)
    if not callable(previous):
        return lambda: None
    loop = asyncio.get_running_loop()
    tasks: set[asyncio.Task[None]] = set()

    def handler(sig: int, frame: FrameType | None) -> None:
        if _draining.is_set() or live.live_count() == 0:
            previous(sig, frame)
            return
        _draining.set()

        def start() -> None:
            task = loop.create_task(_drain(previous, sig, deadline_seconds, stop_taking_work))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        loop.call_soon_threadsafe(start)

    signal.signal(signal.SIGTERM, handler)

    def undo() -> None:
        if signal.getsignal(signal.SIGTERM) is handler:
            signal.signal(signal.SIGTERM, previous)
        _draining.clear()

    return undo
