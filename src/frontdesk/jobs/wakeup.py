"""Nudges: a commit that enqueued jobs wakes the workers of this process at once instead of at
their next poll; with Redis, also the workers of other processes (through the live broker's
control channel, at most one message per process every few milliseconds)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

_events: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
_NODE = uuid.uuid4().hex
_WAKE = "jobs.wake"
_REMOTE_EVERY = 0.005
_remote: dict[str, Any] = {"broker": None, "last": 0.0, "tasks": set()}


def subscribe() -> asyncio.Event:
    event = asyncio.Event()
    _events.add((asyncio.get_running_loop(), event))
    return event


def unsubscribe(event: asyncio.Event) -> None:
    for item in [i for i in _events if i[1] is event]:
        _events.discard(item)


def connect(broker: Any) -> None:
    """Share nudges with other processes through `broker` (a Redis live broker)."""
    _remote["broker"] = broker

    def on_control(message: dict[str, Any]) -> None:
        if message.get("type") == _WAKE and message.get("node") != _NODE:
            notify(local_only=True)

    broker.on_control(on_control)


def _tell_others() -> None:
    broker = _remote["broker"]
    now = time.monotonic()
    if broker is None or now - _remote["last"] < _REMOTE_EVERY:
        return
    _remote["last"] = now
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    task = loop.create_task(broker.publish_control({"type": _WAKE, "node": _NODE}))
    _remote["tasks"].add(task)
    task.add_done_callback(_remote["tasks"].discard)


def notify(local_only: bool = False) -> None:
    if not local_only:
        _tell_others()
    for loop, event in list(_events):
        if loop.is_closed():
            _events.discard((loop, event))
            continue
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
        else:
            loop.call_soon_threadsafe(event.set)
