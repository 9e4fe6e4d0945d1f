"""SMS channels on Twilio, end to end: a real `frontdesk serve`, Twilio's messaging webhook
and status callbacks signed as Twilio signs them, and replies sent through (a stand-in for)
Twilio's REST API."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from frontdesk.telephony import twilio
from tests.fakes.twilio_rest import FakeTwilio
from tests.fixtures.databases import create_database, drop_database
from tests.fixtures.server import RunningServer, free_port, frontdesk_server

pytestmark = pytest.mark.slow
OURS = "+14155550100"  # a number of the fake Twilio account
CUSTOMER = "+14155550123"
T = TypeVar("T")


@dataclass
class SMSServer:
    server: RunningServer
    http: httpx.AsyncClient
    headers: dict[str, str]
    twilio: FakeTwilio

    @property
    def webhook(self) -> str:
        return f"{self.server.url}/telephony/twilio/sms"


async def eventually(check: Callable[[], Awaitable[T | None]], within: float = 15) -> T:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError("timed out")


@pytest.fixture(scope="module")
async def sms_server(tmp_root: Path) -> AsyncIterator[SMSServer]:
    fake = FakeTwilio().start()
    url = await create_database(tmp_root)
    port = free_port()
    env = {
        "FRONTDESK_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "FRONTDESK_TWILIO_API_URL": fake.base_url,
        "FRONTDESK_ALLOW_PRIVATE_URLS": "true",
        "FRONTDESK_WORKER_POLL_SECONDS": "0.1",
    }
    try:
        with frontdesk_server(tmp_root / f"sms-{time.time_ns()}", url, env, port=port) as server:
            async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
                account = {"email": "texts@example.com", "password": "a-long-password"}
                await http.post(
                    "/v1/auth/register", json={**account, "first_name": "T", "last_name": "S"}
                )
                token = (await http.post("/v1/auth/login", json=account)).json()["token"]
                headers = {"Authorization": f"Bearer {token}"}
                await http.patch(
                    "/v1/workspace",
                    headers=headers,
                    json={
                        "telephony": {
                            "provider": "twilio",
                            "twilio_account_sid": fake.account_sid,
                            "twilio_auth_token": fake.auth_token,
                        }
                    },
                )
                agent = await http.post(
                    "/v1/agents",
                    headers=headers,
                    json={"name": "Texter", "type": "chat", "llm": {"provider": "scripted"}},
                )
                await http.post(
                    "/v1/phone-numbers",
                    headers=headers,
                    json={"phone_number": OURS, "provider": "twilio"},
                )
                made = await http.post(
                    "/v1/channels",
                    headers=headers,
                    json={
                        "type": "sms",
                        "name": "Texts",
                        "agent_id": agent.json()["id"],
                        "config": {"phone_number": OURS},
                    },
                )
                assert made.status_code == 201, made.text
                yield SMSServer(server, http, headers, fake)
            log = server.log.read_text()
            assert "Traceback" not in log, log[-5000:]
    finally:
        fake.stop()
        await drop_database(url)


async def _texts(s: SMSServer, **query: str) -> list[dict[str, Any]]:
    page = await s.http.get("/v1/sms-messages", headers=s.headers, params={"limit": 100, **query})
    return list(page.json()["items"])


async def test_a_forged_signature_is_refused(sms_server: SMSServer) -> None:
    params = {"MessageSid": "SM" + "9" * 32, "From": CUSTOMER, "To": OURS, "Body": "hi"}
    forged = twilio.signature(sms_server.webhook, params, "not-the-auth-token")
    response = await sms_server.http.post(
        "/telephony/twilio/sms", data=params, headers={"X-Twilio-Signature": forged}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "TWILIO_SIGNATURE_INVALID"
    unsigned = await sms_server.http.post("/telephony/twilio/sms", data=params)
    assert unsigned.status_code == 403
    assert await _texts(sms_server) == []
    # A number without an sms channel: nothing to do, and nothing said.
    elsewhere = await sms_server.http.post(
        "/telephony/twilio/sms", data={**params, "To": "+14155550199"}
    )
    assert elsewhere.status_code == 200
    assert "<Response></Response>" in elsewhere.text


async def test_texts_through_twilio(sms_server: SMSServer) -> None:
    fake = sms_server.twilio
    callback = await fake.text(sms_server.webhook, CUSTOMER, OURS, "Do you deliver?")
    assert callback.status_code == 200
    sent = await eventually(
        lambda: asyncio.sleep(0, [m for m in fake.messages if m.to == CUSTOMER])
    )
    assert (sent[0].from_, sent[0].body) == (OURS, "You said: Do you deliver?")
    assert sent[0].status_callback is not None
    assert "/telephony/twilio/sms/status" in sent[0].status_callback

    async def delivered() -> list[dict[str, Any]]:
        return [
            t for t in await _texts(sms_server, direction="outbound") if t["status"] == "delivered"
        ]

    (reply,) = await eventually(delivered)
    assert reply["provider_message_id"] == sent[0].sid
    assert all(c.status_code == 204 for c in sent[0].callbacks)
    conversation = reply["conversation_id"]
    detail = (
        await sms_server.http.get(f"/v1/conversations/{conversation}", headers=sms_server.headers)
    ).json()
    assert detail["channel"] == "sms"
    assert detail["messages"][-1]["delivery_status"] == "delivered"

    # Twilio sends the same webhook again: it is one text.
    inbound = await _texts(sms_server, direction="inbound")
    again = await sms_server.http.post(
        "/telephony/twilio/sms",
        data=callback.params,
        headers={
            "X-Twilio-Signature": twilio.signature(
                sms_server.webhook, callback.params, fake.auth_token
            )
        },
    )
    assert again.status_code == 200
    assert len(await _texts(sms_server, direction="inbound")) == len(inbound)

    # STOP: Twilio and Frontdesk both stop texting the number.
    await fake.text(sms_server.webhook, CUSTOMER, OURS, "STOP")
    refused = await sms_server.http.post(
        f"/v1/conversations/{conversation}/messages",
        headers=sms_server.headers,
        json={"content": "Wait!", "sender_type": "member"},
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "SMS_OPTED_OUT"
    await fake.text(sms_server.webhook, CUSTOMER, OURS, "hello?")
    await asyncio.sleep(1.0)
    assert len([m for m in fake.messages if m.to == CUSTOMER]) == 1


async def test_an_undelivered_text(sms_server: SMSServer) -> None:
    fake = sms_server.twilio
    lost = "+14155550124"
    fake.undeliverable.add(lost)
    await fake.text(sms_server.webhook, lost, OURS, "anyone there")

    async def undelivered() -> list[dict[str, Any]]:
        found = await _texts(sms_server, phone_number=lost, direction="outbound")
        return [t for t in found if t["status"] == "undelivered"]

    (reply,) = await eventually(undelivered)
    assert "30003" in reply["error"]
