"""Live events for dashboards: per-workspace broadcast, in-process or through Redis pub/sub.

With Redis every process publishes to `frontdesk:live:<workspace_id>` and one listener per
process hands messages to that process's subscribers, so an event fanned out by a worker process
reaches an SSE client connected to any API process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = structlog.get_logger("frontdesk.live")
CHANNEL_PREFIX = "frontdesk:live:"
CONTROL_CHANNEL = "frontdesk:control"
QUEUE_SIZE = 1000


class LiveBroker:
    """In-process broadcast; also the local half of the Redis broker."""

    def __init__(self) -> None:
        self._queues: dict[uuid.UUID, set[asyncio.Queue[dict[str, Any]]]] = {}
        self._control: list[Callable[[dict[str, Any]], None]] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def publish(self, workspace_id: uuid.UUID, message: dict[str, Any]) -> None:
        self.dispatch(workspace_id, message)

    def dispatch(self, workspace_id: uuid.UUID, message: dict[str, Any]) -> None:
        for queue in list(self._queues.get(workspace_id, ())):
            try:
                queue.put_nowait(message)
            except asyncio.QueueFull:
                log.warning("live_subscriber_lagging", workspace_id=str(workspace_id))

    @contextlib.asynccontextmanager
    async def subscribe(
        self, workspace_id: uuid.UUID
    ) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._queues.setdefault(workspace_id, set()).add(queue)
        try:
            yield queue
        finally:
            subscribers = self._queues.get(workspace_id)
            if subscribers is not None:
                subscribers.discard(queue)
                if not subscribers:
                    self._queues.pop(workspace_id, None)

    async def check_health(self) -> None:
        return None

    # Control messages reach every process (e.g. "hang up call X" for whichever holds it).

    def on_control(self, handler: Callable[[dict[str, Any]], None]) -> None:
        self._control.append(handler)

    async def publish_control(self, message: dict[str, Any]) -> None:
        self.dispatch_control(message)

    def dispatch_control(self, message: dict[str, Any]) -> None:
        for handler in list(self._control):
            try:
                handler(message)
            except Exception:
                log.exception("control_handler_failed", message_type=message.get("type"))


class RedisLiveBroker(LiveBroker):
    def __init__(self, url: str) -> None:
        from redis.asyncio import Redis  # only with Redis configured: its import costs start-up

        super().__init__()
        self._redis: Redis = Redis.from_url(url)
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen())
            await asyncio.wait_for(self._ready.wait(), 10)

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        await self._redis.aclose()

    async def publish(self, workspace_id: uuid.UUID, message: dict[str, Any]) -> None:
        await self._redis.publish(f"{CHANNEL_PREFIX}{workspace_id}", json.dumps(message))

    async def publish_control(self, message: dict[str, Any]) -> None:
        await self._redis.publish(CONTROL_CHANNEL, json.dumps(message))

    async def check_health(self) -> None:
        await self._redis.ping()

    async def _listen(self) -> None:
        while True:
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.psubscribe(f"{CHANNEL_PREFIX}*")
                    await pubsub.subscribe(CONTROL_CHANNEL)
                    self._ready.set()
                    async for raw in pubsub.listen():
                        if raw.get("type") == "message":
                            with contextlib.suppress(ValueError):
                                self.dispatch_control(json.loads(raw["data"]))
                            continue
                        if raw.get("type") != "pmessage":
                            continue
                        channel = raw["channel"].decode()
                        try:
                            workspace_id = uuid.UUID(channel[len(CHANNEL_PREFIX) :])
                            self.dispatch(workspace_id, json.loads(raw["data"]))
                        except ValueError:
                            log.warning("live_message_malformed", channel=channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("live_listener_failed")
                await asyncio.sleep(1)


def create_broker(redis_url: str | None) -> LiveBroker:
    return RedisLiveBroker(redis_url) if redis_url else LiveBroker()
