"""Graceful drain on a real `frontdesk serve`: SIGTERM with a live call stops new calls, reports
not ready, lets the call finish, then exits; the deadline bounds the wait."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.calls.conftest import SCRIPT
from tests.calls.test_web_calls import Browser
from tests.fixtures.databases import create_database, drop_database
from tests.fixtures.server import frontdesk_server

pytestmark = pytest.mark.slow


@pytest.fixture
async def database(tmp_root: Path) -> AsyncIterator[str]:
    url = await create_database(tmp_root)
    try:
        yield url
    finally:
        await drop_database(url)


async def _web_call(http: httpx.AsyncClient) -> tuple[dict[str, str], dict[str, Any]]:
    account = {"email": "drain@example.com", "password": "a-long-password"}
    await http.post("/v1/auth/register", json={**account, "first_name": "D", "last_name": "R"})
    token = (await http.post("/v1/auth/login", json=account)).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    agent = await http.post(
        "/v1/agents",
        headers=headers,
        json={
            "name": "Ava",
            "type": "widget",
            "greeting_message": "Hello, this is Ava.",
            "llm": {"provider": "scripted", "script": SCRIPT},
            "allowed_idle_time_seconds": 120,
        },
    )
    started = await http.post(f"/v1/agents/{agent.json()['id']}/web-call", headers=headers)
    assert started.status_code == 201, started.text
    return headers, {**started.json(), "agent_id": agent.json()["id"]}


async def _ready(http: httpx.AsyncClient) -> httpx.Response:
    return await http.get("/readiness")


async def _until(check: Any, within: float = 15.0) -> Any:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = await check()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


async def test_sigterm_lets_a_live_call_finish(tmp_root: Path, database: str) -> None:
    with frontdesk_server(
        tmp_root / f"drain-{time.time_ns()}", database, {"FRONTDESK_DRAIN_SECONDS": "60"}
    ) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            headers, started = await _web_call(http)
            browser = Browser(await connect(started["websocket_url"], compression=None))
            await browser.event(lambda e: e.get("role") == "agent")
            ready = await _ready(http)
            assert ready.status_code == 200, ready.text
            assert ready.json()["active_calls"] == 1
            assert ready.json()["draining"] is False

            server.process.send_signal(signal.SIGTERM)

            async def draining() -> httpx.Response | None:
                answer = await _ready(http)
                return answer if answer.status_code == 503 else None

            refused = await _until(draining)
            assert refused.json()["draining"] is True
            assert refused.json()["active_calls"] == 1
            again = await http.post(f"/v1/agents/{started['agent_id']}/web-call", headers=headers)
            assert again.status_code == 503
            assert again.json()["code"] == "SERVER_DRAINING"
            assert again.headers["retry-after"] == "5"

            # The call goes on while the process waits for it.
            await asyncio.sleep(1.0)
            assert server.process.poll() is None
            assert browser.closed_code is None
            await browser.ws.send(json.dumps({"type": "hangup"}))
            await browser.event(lambda e: e.get("type") == "ended")
            await browser.close()
        assert await asyncio.to_thread(server.process.wait, 20) == 0
        assert "Traceback" not in server.log.read_text()


async def test_the_drain_deadline_bounds_the_wait(tmp_root: Path, database: str) -> None:
    with frontdesk_server(
        tmp_root / f"drain-{time.time_ns()}", database, {"FRONTDESK_DRAIN_SECONDS": "1"}
    ) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            _, started = await _web_call(http)
            browser = Browser(await connect(started["websocket_url"], compression=None))
            await browser.event(lambda e: e.get("role") == "agent")
            begun = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(server.process.wait, 30) == 0
            assert time.monotonic() - begun < 15
            await browser.close()
