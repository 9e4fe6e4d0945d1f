"""A database that cannot take more work is a 503 the client can retry, never a 500."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from frontdesk.app import create_app
from frontdesk.db.engine import create_engine
from frontdesk.settings import Settings


async def test_an_exhausted_pool_is_503_database_busy(settings: Settings) -> None:
    tight = settings.model_copy(
        update={"database_pool_size": 1, "database_max_overflow": 0, "database_pool_timeout": 0.3}
    )
    app: FastAPI = create_app(tight)
    assert app.state.engine.pool.size() == 1
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        async with app.state.engine.connect():  # the pool's one connection, held
            answer = await client.post(
                "/v1/auth/login", json={"email": "a@example.com", "password": "x"}
            )
    assert answer.status_code == 503, answer.text
    assert answer.json()["code"] == "DATABASE_BUSY"
    assert answer.headers["retry-after"] == "1"
    await app.state.engine.dispose()


async def test_pool_settings_reach_the_engine(settings: Settings) -> None:
    engine = create_engine(
        settings.model_copy(update={"database_pool_size": 3, "database_max_overflow": 4})
    )
    assert engine.pool.size() == 3  # type: ignore[attr-defined]
    assert engine.pool._max_overflow == 4  # type: ignore[attr-defined]
    await engine.dispose()
