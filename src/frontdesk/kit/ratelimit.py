"""Fixed-window rate limits: in-process counters embedded, Redis counters when configured.

The state of the limit that applied to a request is put on the ASGI scope; the HTTP middleware turns
it into `X-RateLimit-*` headers on the response, errors included.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from starlette.types import Scope

from frontdesk.errors import RateLimited, ServiceUnavailable

STATE_KEY = "frontdesk.ratelimit"


@dataclass(frozen=True, slots=True)
class LimitState:
    limit: int
    remaining: int
    reset: int  # unix seconds

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"x-ratelimit-limit", str(self.limit).encode()),
            (b"x-ratelimit-remaining", str(self.remaining).encode()),
            (b"x-ratelimit-reset", str(self.reset).encode()),
        ]


class RateLimiter:
    def __init__(self, redis_url: str | None = None, prefix: str = "frontdesk") -> None:
        storage: Storage
        if redis_url:
            storage = RedisStorage(
                "async+" + redis_url,
                implementation="redispy",
                key_prefix=f"{prefix}:rl",
                wrap_exceptions=True,
            )
        else:
            storage = MemoryStorage()
        self.storage = storage
        self._strategy = FixedWindowRateLimiter(storage)
        self._items: dict[str, RateLimitItem] = {}

    def _item(self, limit: str) -> RateLimitItem:
        item = self._items.get(limit)
        if item is None:
            item = self._items[limit] = parse(limit)
        return item

    async def hit(self, limit: str, *key: str) -> LimitState:
        """Count one request against `limit` for `key`; raise RateLimited when over it."""
        item = self._item(limit)
        try:
            allowed = await self._strategy.hit(item, *key)
            stats = await self._strategy.get_window_stats(item, *key)
        except StorageError as exc:
            raise ServiceUnavailable(
                "The rate limit store (Redis) is unreachable", "CACHE_UNAVAILABLE"
            ) from exc
        reset = math.ceil(stats.reset_time)
        state = LimitState(item.amount, max(stats.remaining, 0), reset)
        if not allowed:
            retry_after = max(1, math.ceil(stats.reset_time - time.time()))
            raise RateLimited(
                f"Rate limit of {limit} exceeded; retry in {retry_after} s",
                details={"limit": limit, "retry_after": retry_after},
                headers={
                    "Retry-After": str(retry_after),
                    **{k.decode(): v.decode() for k, v in state.headers()},
                },
            )
        return state

    async def check_health(self) -> None:
        if not await self.storage.check():
            raise ConnectionError("rate limit storage unreachable")

    async def reset(self) -> None:
        await self.storage.reset()


def remember(scope: Scope, state: LimitState) -> None:
    scope.setdefault("state", {})[STATE_KEY] = state
