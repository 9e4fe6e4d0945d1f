"""Forged Twilio webhooks (voice, call status, sms, sms status) are refused with 403
`TWILIO_SIGNATURE_INVALID` and change nothing; only a request signed with the workspace's own auth
token gets through."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.calls.models import Call
from frontdesk.settings import get_settings
from frontdesk.telephony import twilio
from frontdesk.telephony.models import SMSMessage
from tests.fixtures.factories import Account

AUTH_TOKEN = "twilio-auth-token-of-the-workspace"
NUMBER = "+14155550142"
CALLER = "+14155550100"


def _signature(path: str, params: dict[str, str], token: str = AUTH_TOKEN) -> str:
    return twilio.signature(get_settings().public_url.rstrip("/") + path, params, token)


FORGERIES: dict[str, Any] = {
    "missing": None,
    "empty": lambda path, params: "",
    "garbage": lambda path, params: "not-a-signature",
    "another token": lambda path, params: _signature(path, params, "another-accounts-token"),
    "another url": lambda path, params: _signature("/telephony/twilio/elsewhere", params),
    "other params": lambda path, params: _signature(path, {**params, "Body": "changed"}),
    "non-ascii": lambda path, params: "sïgnature\u00ff",
}


async def _post(
    client: httpx.AsyncClient, path: str, params: dict[str, str], forgery: str | None = None
) -> httpx.Response:
    headers: dict[str, str] = {}
    if forgery is None:
        headers["X-Twilio-Signature"] = _signature(path, params)
    elif FORGERIES[forgery] is not None:
        headers["X-Twilio-Signature"] = FORGERIES[forgery](path, params)
    # As bytes, so a non-ASCII header reaches the server as Twilio's side would send it.
    encoded = [(k.encode(), v.encode("latin-1")) for k, v in headers.items()]
    return await client.post(path, data=params, headers=encoded)


@pytest.fixture
async def twilio_workspace(client: httpx.AsyncClient, owner: Account) -> Account:
    """The owner's workspace on Twilio, with a number that answers calls and texts."""
    patched = await client.patch(
        "/v1/workspace",
        headers=owner.headers,
        json={
            "telephony": {
                "provider": "twilio",
                "twilio_account_sid": "AC" + "1" * 32,
                "twilio_auth_token": AUTH_TOKEN,
            }
        },
    )
    assert patched.status_code == 200, patched.text
    agent = await client.post(
        "/v1/agents",
        headers=owner.headers,
        json={"name": "Ava", "type": "inbound", "llm": {"provider": "scripted"}},
    )
    assert agent.status_code == 201, agent.text
    number = await client.post(
        "/v1/phone-numbers",
        headers=owner.headers,
        json={"phone_number": NUMBER, "agent_id": agent.json()["id"], "provider": "twilio"},
    )
    assert number.status_code == 201, number.text
    channel = await client.post(
        "/v1/channels",
        headers=owner.headers,
        json={
            "type": "sms",
            "name": "Texts",
            "agent_id": agent.json()["id"],
            "config": {"phone_number": NUMBER},
        },
    )
    assert channel.status_code == 201, channel.text
    return owner


async def _count(session: AsyncSession, model: type[Any]) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "TWILIO_SIGNATURE_INVALID"


@pytest.mark.parametrize("forgery", list(FORGERIES))
async def test_forged_voice_and_sms_webhooks_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, twilio_workspace: Account, forgery: str
) -> None:
    call = {"CallSid": "CA" + "7" * 32, "From": CALLER, "To": NUMBER}
    _refused(await _post(client, "/telephony/twilio/voice", call, forgery))
    assert await _count(session, Call) == 0
    text = {"MessageSid": "SM" + "7" * 32, "From": CALLER, "To": NUMBER, "Body": "hello"}
    _refused(await _post(client, "/telephony/twilio/sms", text, forgery))
    assert await _count(session, SMSMessage) == 0


@pytest.mark.parametrize("forgery", list(FORGERIES))
async def test_forged_status_callbacks_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, twilio_workspace: Account, forgery: str
) -> None:
    call_sid, message_sid = "CA" + "8" * 32, "SM" + "8" * 32
    answered = await _post(
        client, "/telephony/twilio/voice", {"CallSid": call_sid, "From": CALLER, "To": NUMBER}
    )
    assert answered.status_code == 200, answered.text
    texted = await _post(
        client,
        "/telephony/twilio/sms",
        {"MessageSid": message_sid, "From": CALLER, "To": NUMBER, "Body": "hello"},
    )
    assert texted.status_code == 200, texted.text
    call = await session.scalar(select(Call).where(Call.provider_call_id == call_sid))
    assert call is not None
    before = call.status

    status = {"CallSid": call_sid, "CallStatus": "busy", "To": NUMBER}
    _refused(await _post(client, "/telephony/twilio/status", status, forgery))
    _refused(await _post(client, f"/telephony/twilio/status?call_id={call.id}", status, forgery))
    await session.refresh(call)
    assert call.status == before

    sms_status = {"MessageSid": message_sid, "MessageStatus": "failed", "ErrorCode": "30003"}
    _refused(await _post(client, "/telephony/twilio/sms/status", sms_status, forgery))
    message = await session.scalar(
        select(SMSMessage).where(SMSMessage.provider_message_id == message_sid)
    )
    assert message is not None
    await session.refresh(message)
    assert message.status != "failed"
    assert message.error is None
