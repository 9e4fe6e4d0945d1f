"""In-process nudges: a commit that enqueued jobs wakes the workers of this process at once
instead of at their next poll. Workers in other processes poll."""

from __future__ import annotations

import asyncio

_events: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()


def subscribe() -> asyncio.Event:
    event = asyncio.Event()
    _events.add((asyncio.get_running_loop(), event))
    return event


def unsubscribe(event: asyncio.Event) -> None:
    for item in [i for i in _events if i[1] is event]:
        _events.discard(item)


def notify() -> None:
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
