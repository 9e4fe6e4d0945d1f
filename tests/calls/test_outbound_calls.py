"""Outbound calls end to end on a real `frontdesk serve`: on the simulated phone network (a text
and a live transfer during the call) and through Twilio's REST API (a fake of it that dials back
into Frontdesk's Media Streams route and reports statuses with signed callbacks)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.twilio_rest import Callee, FakeTwilio
from tests.fixtures.databases import create_database, drop_database
from tests.fixtures.server import RunningServer, free_port, frontdesk_server
from tests.voice.helpers import speech

pytestmark = pytest.mark.slow
TEXT_AND_TRANSFER = "+14155550130"
SCENARIOS = [
    {
        "match": TEXT_AND_TRANSFER,
        "scenario": "answer",
        "lines": ["Hello?", "Can you text me the link?", "I want to talk to a person."],
        "ring_seconds": 0.5,
    }
]
SCRIPT = [
    {"match": "text", "call": "send_link", "reply": "I have sent you the link."},
    {"match": "person", "call": "to_sales"},
    {"match": "bye", "reply": "Goodbye!"},
    {"match": ".*", "reply": "Sure."},
]


@dataclass
class Server:
    running: RunningServer
    http: httpx.AsyncClient
    twilio: FakeTwilio

    async def account(self, email: str) -> dict[str, str]:
        body = {"email": email, "password": "a-long-password"}
        await self.http.post(
            "/v1/auth/register", json={**body, "first_name": "O", "last_name": "B"}
        )
        token = (await self.http.post("/v1/auth/login", json=body)).json()["token"]
        return {"Authorization": f"Bearer {token}"}

    async def agent(self, headers: dict[str, str]) -> str:
        actions = []
        for name, type_, config in (
            ("send_link", "send_sms", {"message": "Here is the link: https://example.com/book"}),
            ("to_sales", "live_transfer", {"phone_number": "+14155550999"}),
        ):
            created = await self.http.post(
                "/v1/actions", headers=headers, json={"name": name, "type": type_, "config": config}
            )
            actions.append(created.json()["id"])
        agent = await self.http.post(
            "/v1/agents",
            headers=headers,
            json={
                "name": "Sam",
                "type": "outbound",
                "greeting_message": "Hi, this is Sam from Bright Smile Dental.",
                "llm": {"provider": "scripted", "script": SCRIPT},
                "patience_level": "low",
            },
        )
        await self.http.post(
            f"/v1/agents/{agent.json()['id']}/actions",
            headers=headers,
            json={"action_ids": actions},
        )
        return str(agent.json()["id"])

    async def call(self, headers: dict[str, str], agent_id: str, phone: str) -> dict[str, Any]:
        queued = await self.http.post(
            "/v1/calls",
            headers=headers,
            json={"agent_id": agent_id, "phone": phone, "name": "Dana"},
        )
        assert queued.status_code == 201, queued.text
        call_id = queued.json()["call_id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            call = (await self.http.get(f"/v1/calls/{call_id}", headers=headers)).json()
            if call["status"] not in ("queued", "initiated", "in_progress"):
                return dict(call)
            await asyncio.sleep(0.3)
        raise AssertionError(f"the call did not end: {call}")


@pytest.fixture(scope="module")
async def server(tmp_root: Path) -> AsyncIterator[Server]:
    url = await create_database(tmp_root)
    scenarios = tmp_root / "outbound-scenarios.json"
    scenarios.write_text(json.dumps(SCENARIOS))
    port = free_port()
    twilio = FakeTwilio(stream_base=f"ws://127.0.0.1:{port}").start()
    env = {
        "FRONTDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "FRONTDESK_TWILIO_API_URL": twilio.base_url,
        "FRONTDESK_SIMULATED_SCENARIOS": str(scenarios),
        "FRONTDESK_WORKER_POLL_SECONDS": "0.2",
    }
    try:
        with frontdesk_server(tmp_root / "outbound", url, env, port=port) as running:
            async with httpx.AsyncClient(base_url=running.url, timeout=30) as http:
                yield Server(running, http, twilio)
            assert "Traceback" not in running.log.read_text()
        assert twilio.errors == []
    finally:
        twilio.stop()
        await drop_database(url)


async def test_a_text_and_a_transfer_during_a_simulated_call(server: Server) -> None:
    headers = await server.account("sim@example.com")
    agent_id = await server.agent(headers)
    call = await server.call(headers, agent_id, TEXT_AND_TRANSFER)
    assert (call["status"], call["end_call_reason"]) == ("completed", "transferred")
    assert call["metadata"]["transferred_to"] == "+14155550999"
    done = {r["name"]: r for r in call["executed_actions"]}
    assert done["send_link"]["ok"]
    assert done["send_link"]["result"]["status"] == "delivered"
    assert done["send_link"]["result"]["to"] == TEXT_AND_TRANSFER
    assert done["to_sales"]["ok"]
    assert done["to_sales"]["result"]["transfer_to"] == "+14155550999"
    transcript = call["transcript"]
    assert "bot: I have sent you the link." in transcript
    assert transcript.rstrip().endswith("bot: Let me transfer you now.")


async def test_calls_through_twilio(server: Server) -> None:
    headers = await server.account("twilio@example.com")
    await server.http.patch(
        "/v1/workspace",
        headers=headers,
        json={
            "telephony": {
                "provider": "twilio",
                "twilio_account_sid": server.twilio.account_sid,
                "twilio_auth_token": server.twilio.auth_token,
            }
        },
    )
    await server.http.post(
        "/v1/phone-numbers",
        headers=headers,
        json={"phone_number": "+14155550100", "provider": "twilio"},
    )
    agent_id = await server.agent(headers)
    hello, bye = await speech("Hello?", 8000), await speech("No thanks, goodbye.", 8000)
    person = await speech("I want to talk to a person.", 8000)
    server.twilio.callees["+14155550141"] = Callee(script=[hello, bye])
    server.twilio.callees["+14155550142"] = Callee(scenario="busy")
    server.twilio.callees["+14155550143"] = Callee(script=[hello, person])

    answered = await server.call(headers, agent_id, "+14155550141")
    assert (answered["status"], answered["end_call_reason"]) == ("completed", "human_goodbye")
    assert "human: no thanks" in answered["transcript"].lower()
    assert "bot: Goodbye!" in answered["transcript"]
    placed = server.twilio.requests_to("/Calls.json")[0]
    assert placed.value("From") == "+14155550100"
    assert placed.value("To") == "+14155550141"
    assert f"call_id={answered['id']}" in (placed.value("StatusCallback") or "")

    busy = await server.call(headers, agent_id, "+14155550142")
    assert (busy["status"], busy["end_call_reason"]) == ("busy", "undefined")

    transferred = await server.call(headers, agent_id, "+14155550143")
    assert transferred["end_call_reason"] == "transferred"
    (transfer,) = server.twilio.transfers
    assert transfer[1] == "+14155550999"
