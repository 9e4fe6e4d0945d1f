"""Whole campaigns on the simulated phone network, with real processes: the dialer in job
workers, answered calls talking (synthesized speech both ways) with the agent over Media Streams.
On SQLite one `frontdesk serve`; on PostgreSQL an API process and two workers."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.databases import backend, create_database, drop_database
from tests.fixtures.receiver import Receiver
from tests.fixtures.server import free_port, frontdesk_server, frontdesk_worker

pytestmark = pytest.mark.slow
ALWAYS = {"start": "00:00", "end": "23:59", "days": [1, 2, 3, 4, 5, 6, 7]}
# People who answer say hello and no thanks; the other scenarios are the built-in number ranges.
SCENARIOS = [
    {
        "match": "+1415555010?",
        "scenario": "answer",
        "lines": ["Hello?", "No thanks, goodbye."],
        "ring_seconds": 0.5,
    },
    {
        "match": "+1415555011?",
        "scenario": "answer",
        "lines": ["Hello?", "No thanks, goodbye."],
        "ring_seconds": 0.5,
    },
]
SCRIPT = [{"match": "bye", "reply": "Goodbye!"}, {"match": ".*", "reply": "Sorry?"}]


@dataclass
class Deployment:
    url: str
    http: httpx.AsyncClient
    headers: dict[str, str]
    agent_id: str
    receiver: Receiver
    workers: list[Any]
    start_worker: Any

    async def campaign(self, numbers: list[str], **fields: Any) -> str:
        body = {
            "name": "Reminders",
            "agent_id": self.agent_id,
            "phone_numbers": numbers,
            "calling_hours": ALWAYS,
            **fields,
        }
        created = await self.http.post("/v1/campaigns", headers=self.headers, json=body)
        assert created.status_code == 201, created.text
        launched = await self.http.post(
            f"/v1/campaigns/{created.json()['id']}/launch", headers=self.headers
        )
        assert launched.status_code == 200, launched.text
        return str(created.json()["id"])

    async def stats(self, campaign_id: str) -> dict[str, Any]:
        response = await self.http.get(f"/v1/campaigns/{campaign_id}/stats", headers=self.headers)
        return dict(response.json())

    async def until_done(self, campaign_id: str, within: float = 240) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            stats = await self.stats(campaign_id)
            if stats["status"] == "completed":
                return stats
            await asyncio.sleep(1)
        raise AssertionError(f"the campaign did not complete: {stats}")

    async def calls(self, campaign_id: str) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = []
        while True:
            page = await self.http.get(
                f"/v1/calls?campaign_id={campaign_id}&limit=100&offset={len(calls)}",
                headers=self.headers,
            )
            calls += page.json()["items"]
            if len(calls) >= page.json()["total"]:
                return calls

    async def until_dialed(self, campaign_id: str, count: int, within: float = 60) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if len(await self.calls(campaign_id)) >= count:
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"fewer than {count} calls were made")

    async def recipients(self, campaign_id: str) -> list[dict[str, Any]]:
        page = await self.http.get(
            f"/v1/campaigns/{campaign_id}/recipients?limit=100", headers=self.headers
        )
        return list(page.json()["items"])


def most_at_once(calls: list[dict[str, Any]]) -> int:
    """The most calls that were live (dialed and not yet ended) at the same moment."""
    moments = []
    for call in calls:
        moments.append((datetime.fromisoformat(call["created_at"]), 1))
        moments.append((datetime.fromisoformat(call["end_time"]), -1))
    live = peak = 0
    for _, change in sorted(moments, key=lambda m: (m[0], m[1])):
        live += change
        peak = max(peak, live)
    return peak


@pytest.fixture(scope="module")
def scenarios(tmp_root: Path) -> Path:
    path = tmp_root / "scenarios.json"
    path.write_text(json.dumps(SCENARIOS))
    return path


async def _deploy(
    tmp_root: Path, scenarios: Path, workers: int, embedded: bool
) -> AsyncIterator[Deployment]:
    url = await create_database(tmp_root)
    receiver = Receiver().start()
    port = free_port()
    data = tmp_root / f"campaign-{time.time_ns()}"
    env = {
        "FRONTDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "FRONTDESK_SIMULATED_SCENARIOS": str(scenarios),
        "FRONTDESK_WORKER_POLL_SECONDS": "0.2",
        "FRONTDESK_JOB_LEASE_SECONDS": "5",
        "FRONTDESK_SCHEDULER_INTERVAL_SECONDS": "2",
    }
    try:
        with ExitStack() as stack:
            server = stack.enter_context(
                frontdesk_server(data, url, env, command="serve" if embedded else "api", port=port)
            )
            processes = [
                stack.enter_context(frontdesk_worker(data, url, env)) for _ in range(workers)
            ]

            def start_worker() -> Any:
                process = stack.enter_context(frontdesk_worker(data, url, env))
                processes.append(process)
                return process

            async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                account = {"email": "camp@example.com", "password": "a-long-password"}
                await http.post(
                    "/v1/auth/register", json={**account, "first_name": "C", "last_name": "P"}
                )
                token = (await http.post("/v1/auth/login", json=account)).json()["token"]
                headers = {"Authorization": f"Bearer {token}"}
                agent = await http.post(
                    "/v1/agents",
                    headers=headers,
                    json={
                        "name": "Sam",
                        "type": "outbound",
                        "greeting_message": "Hi, this is Sam from Bright Smile Dental.",
                        "llm": {"provider": "scripted", "script": SCRIPT},
                        "patience_level": "low",
                        "is_recording": False,
                    },
                )
                webhook = await http.post(
                    "/v1/webhooks",
                    headers=headers,
                    json={"url": receiver.url, "events": ["campaign.completed"]},
                )
                assert webhook.status_code == 201, webhook.text
                receiver.secret = webhook.json()["secret"]
                yield Deployment(
                    server.url, http, headers, agent.json()["id"], receiver, processes, start_worker
                )
            log = "".join(p.read_text() for p in data.glob("*.log"))
            assert "Traceback" not in log, log[-6000:]
    finally:
        receiver.stop()
        await drop_database(url)


@pytest.fixture(scope="module")
async def deployment(tmp_root: Path, scenarios: Path) -> AsyncIterator[Deployment]:
    embedded = backend() == "sqlite"  # PostgreSQL: an API process and two workers
    async for deployed in _deploy(tmp_root, scenarios, 0 if embedded else 2, embedded):
        yield deployed


def _numbers() -> tuple[list[str], dict[str, str]]:
    """30 recipients and the outcome each should end with."""
    expected: dict[str, str] = {}
    for i in range(10):
        expected[f"+141555501{i:02d}"] = "completed"  # answer, talk, hang up
    for i in range(6):
        expected[f"+141555501{50 + i}"] = "busy"
        expected[f"+141555501{60 + i}"] = "no_answer"
    for i in range(3):
        expected[f"+141555501{70 + i}"] = "voicemail"
        expected[f"+141555501{80 + i}"] = "completed"  # answers, then hangs up after 2-6 s
    for i in range(2):
        expected[f"+141555501{90 + i}"] = "failed"
    return list(expected), expected


async def test_a_whole_campaign_within_its_limit(deployment: Deployment) -> None:
    numbers, expected = _numbers()
    campaign = await deployment.campaign(
        numbers,
        max_concurrent_calls=3,
        retry={"max_attempts": 2, "retry_after_minutes": 0.05, "on": ["busy", "no_answer"]},
    )
    stats = await deployment.until_done(campaign)
    calls = await deployment.calls(campaign)
    assert most_at_once(calls) <= 3
    recipients = await deployment.recipients(campaign)
    outcome = {r["phone_number"]: r["status"] for r in recipients}
    assert outcome == expected
    attempts = {r["phone_number"]: r["attempts"] for r in recipients}
    for number, status in expected.items():
        assert attempts[number] == (2 if status in ("busy", "no_answer") else 1), number
    assert stats["recipients"] == 30
    assert sum(stats["by_status"].values()) == 30
    assert stats["attempts"] == stats["calls"] == len(calls) == 42
    assert stats["completion_rate"] == 1.0
    assert stats["in_flight"] == 0
    answered = [c for c in calls if c["phone_number_to"] < "+14155550110"]
    assert all("Goodbye!" in (c["transcript"] or "") for c in answered)
    for _ in range(50):
        events = [json.loads(r.body) for r in deployment.receiver.received]
        done = [e for e in events if e["event"] == "campaign.completed"]
        if done:
            break
        await asyncio.sleep(0.2)
    assert done[0]["data"]["id"] == campaign
    assert done[0]["data"]["stats"]["recipients"] == 30
    assert all(r.signature_ok for r in deployment.receiver.received)


async def test_pause_and_resume(deployment: Deployment) -> None:
    numbers = [f"+141555501{10 + i}" for i in range(6)]
    campaign = await deployment.campaign(numbers, max_concurrent_calls=2)
    await deployment.until_dialed(campaign, 2)
    paused = await deployment.http.post(
        f"/v1/campaigns/{campaign}/pause", headers=deployment.headers
    )
    assert paused.json()["status"] == "paused"
    stats = await deployment.stats(campaign)
    for _ in range(150):  # the calls in progress finish
        if stats["in_flight"] == 0:
            break
        await asyncio.sleep(0.2)
        stats = await deployment.stats(campaign)
    assert stats["in_flight"] == 0
    await asyncio.sleep(4)  # and nobody new is dialed
    still = await deployment.stats(campaign)
    assert still["calls"] == stats["calls"] < 6
    assert still["by_status"].get("pending", 0) == 6 - still["calls"]
    await deployment.http.post(f"/v1/campaigns/{campaign}/resume", headers=deployment.headers)
    stats = await deployment.until_done(campaign)
    assert stats["by_status"] == {"completed": 6}


@pytest.fixture
async def two_workers(tmp_root: Path, scenarios: Path) -> AsyncIterator[Deployment]:
    async for deployed in _deploy(tmp_root, scenarios, 2, embedded=False):
        yield deployed


async def test_a_worker_killed_mid_campaign_loses_nobody(two_workers: Deployment) -> None:
    numbers = [f"+141555501{i:02d}" for i in range(10)]
    campaign = await two_workers.campaign(numbers, max_concurrent_calls=3)
    await two_workers.until_dialed(campaign, 4)
    victim = two_workers.workers[0]
    os.kill(victim.pid, signal.SIGKILL)  # its jobs and the callees it was playing die with it
    victim.wait(5)
    two_workers.start_worker()
    stats = await two_workers.until_done(campaign)
    recipients = await two_workers.recipients(campaign)
    assert len(recipients) == 10
    assert stats["by_status"].get("pending", 0) == 0
    calls = await two_workers.calls(campaign)
    assert most_at_once(calls) <= 3
    by_number: dict[str, list[dict[str, Any]]] = {}
    for call in calls:
        by_number.setdefault(call["phone_number_to"], []).append(call)
    for number, made in by_number.items():
        # Nobody was dialed twice at once.
        assert most_at_once(made) == 1, number
