"""A real `frontdesk serve` for call tests, with a workspace on Twilio and helpers to call it."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.agents.models import Agent
from frontdesk.calls import service as call_service
from frontdesk.calls.models import Call
from frontdesk.telephony import twilio
from frontdesk.tenancy.scope import system_scope
from tests.fakes.twilio_caller import TwilioCaller
from tests.fixtures.databases import create_database, drop_database
from tests.fixtures.receiver import Receiver
from tests.fixtures.server import RunningServer, frontdesk_server

PUBLIC_URL = "https://voice.example.test"
ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "twilio-auth-token-for-tests"
SCRIPT = [
    {"match": "hours", "reply": "We are open from nine to five, Monday to Friday."},
    {
        "match": "tell me about",
        "reply": "We offer cleanings, fillings and whitening. Our team has ten dentists. "
        "We also take emergency appointments every day of the week.",
    },
    {"match": "bye", "reply": "Goodbye, have a nice day."},
    {"match": ".*", "reply": "Could you say that again?"},
]


@dataclass
class VoiceServer:
    server: RunningServer
    http: httpx.AsyncClient
    headers: dict[str, str]
    receiver: Receiver

    @property
    def ws_base(self) -> str:
        return self.server.url.replace("http://", "ws://")

    async def agent(self, number: str, **fields: Any) -> dict[str, Any]:
        """An inbound agent answering `number` on Twilio."""
        body: dict[str, Any] = {
            "name": "Ava",
            "type": "inbound",
            "prompt": "You are Ava of Bright Smile Dental.",
            "greeting_message": "Hello, this is Ava from Bright Smile Dental.",
            "llm": {"provider": "scripted", "script": SCRIPT},
            "voice": {"initial_pause_seconds": 0.2},
            "patience_level": "low",
            "min_words_to_interrupt": 0,
            **fields,
        }
        agent = await self.http.post("/v1/agents", headers=self.headers, json=body)
        assert agent.status_code == 201, agent.text
        created = await self.http.post(
            "/v1/phone-numbers",
            headers=self.headers,
            json={"phone_number": number, "agent_id": agent.json()["id"], "provider": "twilio"},
        )
        assert created.status_code == 201, created.text
        return dict(agent.json())

    async def twilio_webhook(
        self, path: str, params: dict[str, str], token: str = AUTH_TOKEN
    ) -> httpx.Response:
        signature = twilio.signature(PUBLIC_URL + path, params, token)
        return await self.http.post(path, data=params, headers={"X-Twilio-Signature": signature})

    async def dial(self, to: str, caller: str = "+14155550100") -> TwilioCaller:
        """An inbound call to `to`, as Twilio makes it: the voice webhook, then the stream."""
        call_sid = "CA" + str(time.time_ns())[-32:].rjust(32, "0")
        answer = await self.twilio_webhook(
            "/telephony/twilio/voice",
            {"CallSid": call_sid, "AccountSid": ACCOUNT_SID, "From": caller, "To": to},
        )
        assert answer.status_code == 200, answer.text
        stream_url = re.search(r'<Stream url="([^"]+)"', answer.text)
        assert stream_url is not None, answer.text
        assert stream_url.group(1) == "wss://voice.example.test/telephony/twilio/media"
        parameters = dict(re.findall(r'<Parameter name="([^"]+)" value="([^"]+)"/>', answer.text))
        return TwilioCaller(f"{self.ws_base}/telephony/twilio/media", parameters)

    async def finished_call(self, call_id: str, analysed: bool = True) -> dict[str, Any]:
        """The call once it has ended (and been analysed)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            response = await self.http.get(f"/v1/calls/{call_id}", headers=self.headers)
            body = dict(response.json())
            if body["status"] not in ("initiated", "in_progress") and (
                not analysed or body["cost"] is not None
            ):
                return body
            await asyncio.sleep(0.2)
        raise AssertionError(f"call {call_id} did not finish: {body}")


@pytest.fixture(scope="module")
async def voice_server(tmp_root: Path) -> AsyncIterator[VoiceServer]:
    url = await create_database(tmp_root)
    receiver = Receiver().start()
    try:
        with frontdesk_server(
            tmp_root / f"voice-{time.time_ns()}",
            url,
            {"FRONTDESK_PUBLIC_URL": PUBLIC_URL, "FRONTDESK_WORKER_POLL_SECONDS": "0.1"},
        ) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                account = {"email": "voice@example.com", "password": "a-long-password"}
                registered = await http.post(
                    "/v1/auth/register", json={**account, "first_name": "V", "last_name": "C"}
                )
                assert registered.status_code == 201, registered.text
                token = (await http.post("/v1/auth/login", json=account)).json()["token"]
                headers = {"Authorization": f"Bearer {token}"}
                patched = await http.patch(
                    "/v1/workspace",
                    headers=headers,
                    json={
                        "telephony": {
                            "provider": "twilio",
                            "twilio_account_sid": ACCOUNT_SID,
                            "twilio_auth_token": AUTH_TOKEN,
                        }
                    },
                )
                assert patched.status_code == 200, patched.text
                yield VoiceServer(server, http, headers, receiver)
            log = server.log.read_text()
            assert "Traceback" not in log, log[-5000:]
    finally:
        receiver.stop()
        await drop_database(url)


def received_json(receiver: Receiver) -> Iterator[dict[str, Any]]:
    for item in receiver.received:
        yield json.loads(item.body)


async def open_inbound_call(
    session: AsyncSession, agent_id: uuid.UUID, phone: str | None = "+14155550142"
) -> Call:
    """An inbound Twilio call to the agent, open and committed, as the voice webhook makes it."""
    agent = await session.get_one(Agent, agent_id)
    scope = system_scope(agent.workspace_id)
    contact = await call_service.contact_for_phone(session, scope, phone)
    call = await call_service.open_call(
        session,
        scope,
        agent,
        direction="inbound",
        provider="twilio",
        contact=contact,
        phone_from=phone,
        phone_to="+14155550199",
    )
    await session.commit()
    return call
