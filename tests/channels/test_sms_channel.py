"""SMS channels on the simulated phone network: texts in, the agent's answers out as texts,
members taking over, STOP and START, and one contact across channels."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.jobs.worker import Worker
from frontdesk.telephony import sms as texts
from frontdesk.tenancy.models import Workspace
from tests.channels.test_channels_api import agent, channel, number
from tests.fixtures.factories import Account

OURS = "+14155550180"
CUSTOMER = "+14155550123"


async def sms_channel(
    client: httpx.AsyncClient, owner: Account, phone: str = OURS
) -> dict[str, Any]:
    await number(client, owner, phone)
    return await channel(
        client,
        owner,
        type="sms",
        name="Texts",
        agent_id=await agent(client, owner, "chat"),
        config={"phone_number": phone},
    )


async def text(
    client: httpx.AsyncClient, owner: Account, body: str, sender: str = CUSTOMER, to: str = OURS
) -> dict[str, Any]:
    sent = await client.post(
        "/telephony/simulated/sms",
        headers=owner.headers,
        json={"from": sender, "to": to, "body": body},
    )
    assert sent.status_code == 202, sent.text
    return dict(sent.json())


async def texted_to(client: httpx.AsyncClient, owner: Account, phone: str = CUSTOMER) -> list[Any]:
    """The texts that went out to `phone`, oldest first."""
    page = await client.get(
        f"/v1/sms-messages?phone_number={phone}&direction=outbound&limit=100",
        headers=owner.headers,
    )
    return list(reversed(page.json()["items"]))


async def messages(client: httpx.AsyncClient, owner: Account, conversation_id: str) -> list[Any]:
    detail = await client.get(f"/v1/conversations/{conversation_id}", headers=owner.headers)
    return list(detail.json()["messages"])


async def test_texts_answered_taken_over_stopped_and_started(
    client: httpx.AsyncClient, owner: Account, worker: Worker, session: AsyncSession
) -> None:
    made = await sms_channel(client, owner)
    first = await text(client, owner, "Hi, are you open on Saturday?")
    await worker.run_until_idle()
    conversation_id = first["conversation_id"]
    conversation = (
        await client.get(f"/v1/conversations/{conversation_id}", headers=owner.headers)
    ).json()
    assert conversation["channel"] == "sms"
    assert conversation["channel_id"] == made["id"]
    assert conversation["contact_id"]
    (answer,) = await texted_to(client, owner)
    assert answer["body"] == "You said: Hi, are you open on Saturday?"
    assert (answer["from_number"], answer["status"]) == (OURS, "delivered")
    reply = (await messages(client, owner, conversation_id))[-1]
    assert reply["sender_type"] == "agent"
    assert reply["delivery_status"] == "delivered"
    assert answer["message_id"] == reply["id"]

    # The same number joins the same conversation.
    second = await text(client, owner, "And on Sunday?")
    assert second["conversation_id"] == conversation_id
    await worker.run_until_idle()
    assert [t["body"] for t in await texted_to(client, owner)][-1] == "You said: And on Sunday?"

    # A member takes over: the agent goes quiet, the member's reply is texted.
    me = (await client.get("/v1/members", headers=owner.headers)).json()["items"][0]
    assigned = await client.post(
        f"/v1/conversations/{conversation_id}/assign",
        headers=owner.headers,
        json={"member_id": me["id"]},
    )
    assert assigned.status_code == 200
    await text(client, owner, "Can I talk to a person?")
    await worker.run_until_idle()
    assert len(await texted_to(client, owner)) == 2
    human = await client.post(
        f"/v1/conversations/{conversation_id}/messages",
        headers=owner.headers,
        json={"content": "Hi, Sam here. Yes, we open at ten.", "sender_type": "member"},
    )
    assert human.status_code == 200, human.text
    assert human.json()["delivery_status"] == "queued"
    note = await client.post(
        f"/v1/conversations/{conversation_id}/messages",
        headers=owner.headers,
        json={"content": "VIP customer", "sender_type": "note"},
    )
    assert note.status_code == 200
    await worker.run_until_idle()
    sent = await texted_to(client, owner)
    assert [t["body"] for t in sent][-1] == "Hi, Sam here. Yes, we open at ten."
    assert sent[-1]["status"] == "delivered"
    assert len(sent) == 3  # the note stayed inside

    # The customer cannot post into an SMS conversation through the API: they text.
    as_customer = await client.post(
        f"/v1/conversations/{conversation_id}/messages",
        headers=owner.headers,
        json={"content": "pretending"},
    )
    assert as_customer.status_code == 409
    assert as_customer.json()["code"] == "CUSTOMER_ON_PHONE_NETWORK"

    # STOP: recorded on the contact; nothing more goes out, from anybody.
    stopped = await text(client, owner, "Stop")
    assert stopped["opted"] == "out"
    contact_id = conversation["contact_id"]
    contact = (await client.get(f"/v1/contacts/{contact_id}", headers=owner.headers)).json()
    assert contact["sms_opted_out_at"] is not None
    before = len(await messages(client, owner, conversation_id))
    refused = await client.post(
        f"/v1/conversations/{conversation_id}/messages",
        headers=owner.headers,
        json={"content": "Are you sure?", "sender_type": "member"},
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "SMS_OPTED_OUT"
    assert "START" in refused.json()["error"]
    assert len(await messages(client, owner, conversation_id)) == before
    await client.post(
        f"/v1/conversations/{conversation_id}/assign",
        headers=owner.headers,
        json={"member_id": None},
    )
    await text(client, owner, "one more thing")
    await worker.run_until_idle()
    workspace = await session.get_one(Workspace, owner.workspace.id)
    with pytest.raises(texts.OptedOut):
        await texts.queue(session, workspace, CUSTOMER, "A campaign's offer")
    assert len(await texted_to(client, owner)) == 3
    lines = [
        m for m in await messages(client, owner, conversation_id) if m["sender_type"] == "system"
    ]
    assert "opted out" in lines[0]["content"]

    # START opts back in: replies go out again.
    started = await text(client, owner, "START")
    assert started["opted"] == "in"
    contact = (await client.get(f"/v1/contacts/{contact_id}", headers=owner.headers)).json()
    assert contact["sms_opted_out_at"] is None
    await worker.run_until_idle()
    assert len(await texted_to(client, owner)) == 3  # START itself is not answered
    await text(client, owner, "Great, book me for Saturday")
    await worker.run_until_idle()
    sent = await texted_to(client, owner)
    assert sent[-1]["body"] == "You said: Great, book me for Saturday"
    assert len(sent) == 4


async def test_one_contact_across_texts_calls_and_the_widget(
    client: httpx.AsyncClient, owner: Account, worker: Worker
) -> None:
    await sms_channel(client, owner)
    texted = await text(client, owner, "hello")
    conversation = (
        await client.get(f"/v1/conversations/{texted['conversation_id']}", headers=owner.headers)
    ).json()
    contact_id = conversation["contact_id"]
    inbound = await agent(client, owner, "inbound")
    call = await client.post(
        "/v1/calls",
        headers=owner.headers,
        json={"agent_id": inbound, "phone": "+1 (415) 555-0123", "name": "Dana"},
    )
    assert call.status_code == 201, call.text
    widget = await agent(client, owner, "widget")
    visited = await client.post(
        "/v1/public/conversations",
        json={
            "agent_id": widget,
            "visitor": {"name": "Dana", "email": "dana@example.com", "phone_number": CUSTOMER},
        },
    )
    assert visited.status_code == 201, visited.text
    # Later the visitor comes back with the e-mail alone: still the same person.
    again = await client.post(
        "/v1/public/conversations",
        json={"agent_id": widget, "visitor": {"email": "DANA@example.com"}},
    )
    assert again.status_code == 201
    contact = (await client.get(f"/v1/contacts/{contact_id}", headers=owner.headers)).json()
    assert contact["email"] == "dana@example.com"
    page = await client.get(f"/v1/contacts/{contact_id}/conversations", headers=owner.headers)
    assert sorted(c["channel"] for c in page.json()["items"]) == [
        "sms",
        "voice",
        "web_chat",
        "web_chat",
    ]
    contacts = (await client.get("/v1/contacts", headers=owner.headers)).json()
    assert contacts["total"] == 1


async def test_undeliverable_texts_and_ended_conversations(
    client: httpx.AsyncClient, owner: Account, worker: Worker
) -> None:
    await sms_channel(client, owner)
    unreachable = "+14155550195"  # the simulated network's failing range
    first = await text(client, owner, "hi", sender=unreachable)
    await worker.run_until_idle()
    (answer,) = await texted_to(client, owner, unreachable)
    assert answer["status"] == "undelivered"
    reply = (await messages(client, owner, first["conversation_id"]))[-1]
    assert reply["delivery_status"] == "undelivered"

    ended = await client.post(
        f"/v1/conversations/{first['conversation_id']}/status",
        headers=owner.headers,
        json={"status": "ended"},
    )
    assert ended.status_code == 200
    later = await text(client, owner, "hi again", sender=unreachable)
    assert later["conversation_id"] != first["conversation_id"]


async def test_bad_simulated_texts(
    client: httpx.AsyncClient, owner: Account, stranger: Account
) -> None:
    await sms_channel(client, owner)
    cases = [
        ({"from": CUSTOMER, "to": "+14155550181", "body": "hi"}, 404, "SMS_CHANNEL_NOT_FOUND"),
        ({"from": "12", "to": OURS, "body": "hi"}, 400, "VALIDATION_ERROR"),
        ({"from": CUSTOMER, "to": OURS, "body": "x" * 1601}, 400, "VALIDATION_ERROR"),
        ({"from": CUSTOMER, "to": OURS}, 400, "VALIDATION_ERROR"),
    ]
    for body, code, error in cases:
        response = await client.post("/telephony/simulated/sms", headers=owner.headers, json=body)
        assert (response.status_code, response.json()["code"]) == (code, error), body
    theirs = await client.post(
        "/telephony/simulated/sms",
        headers=stranger.headers,
        json={"from": CUSTOMER, "to": OURS, "body": "hi"},
    )
    assert theirs.status_code == 404
    assert (await client.post("/telephony/simulated/sms", json={})).status_code == 401
