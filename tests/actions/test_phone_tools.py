"""The booking calendar, texts and transfers as the agent's tools: through the engine in a chat,
through a dry run, and refused where they must be (double booking, time-zone edges)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.actions import booking
from frontdesk.actions.models import Action, Booking
from frontdesk.events.models import Event
from frontdesk.settings import get_settings
from frontdesk.telephony.models import SMSMessage
from tests.fakes.twilio_rest import FakeTwilio
from tests.fixtures.factories import Account

CALENDAR = {
    "duration_minutes": 30,
    "timezone": "Europe/Berlin",
    "availability": {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "12:00"},
    "days_ahead": 14,
}


def next_monday() -> date:
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    return today + timedelta(days=7 - today.weekday())


async def _action(
    client: httpx.AsyncClient, account: Account, name: str, type_: str, config: dict[str, Any]
) -> dict[str, Any]:
    created = await client.post(
        "/v1/actions", headers=account.headers, json={"name": name, "type": type_, "config": config}
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


async def _chat(
    client: httpx.AsyncClient,
    account: Account,
    script: list[dict[str, Any]],
    action_ids: list[str],
    phone: str = "+14155550123",
) -> tuple[str, str]:
    """An agent whose model calls the tools the script says, and a conversation with a contact."""
    agent = (
        await client.post(
            "/v1/agents",
            headers=account.headers,
            json={"name": "Ava", "type": "chat", "llm": {"provider": "scripted", "script": script}},
        )
    ).json()
    await client.post(
        f"/v1/agents/{agent['id']}/actions",
        headers=account.headers,
        json={"action_ids": action_ids},
    )
    contact = (
        await client.post(
            "/v1/contacts",
            headers=account.headers,
            json={"name": "Dana", "phone_number": phone, "lead_status": "qualifying"},
        )
    ).json()
    conversation = (
        await client.post(
            "/v1/conversations",
            headers=account.headers,
            json={"agent_id": agent["id"], "contact_id": contact["id"]},
        )
    ).json()
    return conversation["id"], contact["id"]


async def _say(
    client: httpx.AsyncClient, account: Account, conversation: str, text: str
) -> dict[str, Any]:
    sent = await client.post(
        f"/v1/conversations/{conversation}/messages",
        headers=account.headers,
        json={"content": text},
    )
    assert sent.status_code == 200, sent.text
    return dict(sent.json())


async def test_booking_through_the_engine_and_no_double_booking(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    calendar = await _action(client, owner, "book_visit", "real_time_booking", CALENDAR)
    slot = f"{next_monday().isoformat()} 10:00"
    script = [{"match": "book", "call": "book_visit", "arguments": {"start": slot}}]
    first, contact_id = await _chat(client, owner, script, [calendar["id"]])
    await _say(client, owner, first, "Please book Monday at ten")
    booked = (await session.scalars(select(Booking))).all()
    assert len(booked) == 1
    assert booked[0].starts_at == datetime.fromisoformat(slot).replace(
        tzinfo=ZoneInfo("Europe/Berlin")
    ).astimezone(UTC)
    contact = (await client.get(f"/v1/contacts/{contact_id}", headers=owner.headers)).json()
    assert contact["lead_status"] == "booked"
    event = await session.scalar(select(Event).where(Event.type == "meeting.booked"))
    assert event is not None
    assert event.data["booking_id"] == str(booked[0].id)
    detail = (await client.get(f"/v1/conversations/{first}", headers=owner.headers)).json()
    (record,) = detail["executed_actions"]
    assert record["ok"] is True
    assert record["result"]["starts_at"].endswith("10:00")

    second, _ = await _chat(client, owner, script, [calendar["id"]], phone="+14155550124")
    await _say(client, owner, second, "Please book Monday at ten")
    assert await session.scalar(select(func.count()).select_from(Booking)) == 1
    detail = (await client.get(f"/v1/conversations/{second}", headers=owner.headers)).json()
    (refused,) = detail["executed_actions"]
    assert (
        refused["ok"] is False
        and "booked by someone else" in refused["error"]
        or ("not a free slot" in refused["error"])
    )
    assert f"Monday {next_monday().isoformat()} 10:30" in refused["result"]["free_slots"]


async def test_the_database_refuses_a_second_booking_of_a_slot(
    session: AsyncSession, owner: Account
) -> None:
    action = Action(
        workspace_id=owner.workspace.id, name="cal", type="real_time_booking", config=CALENDAR
    )
    session.add(action)
    await session.flush()
    start = datetime(2030, 1, 7, 9, tzinfo=UTC)

    def slot() -> Booking:
        return Booking(
            workspace_id=owner.workspace.id,
            action_id=action.id,
            starts_at=start,
            ends_at=start + timedelta(minutes=30),
            timezone="UTC",
            status="confirmed",
        )

    session.add(slot())
    await session.flush()

    async def book_again() -> None:
        async with session.begin_nested():
            session.add(slot())
            await session.flush()

    with pytest.raises(IntegrityError):
        await book_again()


def test_slots_keep_wall_clock_hours_across_daylight_saving_changes() -> None:
    action = Action(
        name="cal",
        type="real_time_booking",
        config={**CALENDAR, "availability": {"days": [7], "start": "01:00", "end": "04:00"}},
    )
    calendar = booking.Calendar.of(action)
    spring = calendar.day_slots(date(2026, 3, 29))  # Berlin skips 02:00-03:00
    local = [s.astimezone(calendar.zone).strftime("%H:%M") for s in spring]
    assert local == ["01:00", "01:30", "03:00", "03:30"]
    autumn = calendar.day_slots(date(2026, 10, 25))  # 02:00-03:00 happens twice
    assert [s.astimezone(calendar.zone).strftime("%H:%M") for s in autumn] == [
        "01:00",
        "01:30",
        "02:00",
        "02:30",
        "03:00",
        "03:30",
    ]
    assert autumn[2] == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # the first 02:00 (summer time)
    assert calendar.day_slots(date(2026, 3, 30)) == []  # a Monday: not a calendar day


async def test_dry_runs_do_nothing(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    calendar = await _action(client, owner, "cal", "real_time_booking", CALENDAR)
    url = f"/v1/actions/{calendar['id']}/run"
    slots = (await client.post(url, headers=owner.headers, json={})).json()
    assert slots["ok"]
    assert slots["result"]["timezone"] == "Europe/Berlin"
    assert len(slots["result"]["free_slots"]) == 5
    monday = f"{next_monday().isoformat()} 09:30"
    check = await client.post(
        url, headers=owner.headers, json={"variables": [{"key": "start", "value": monday}]}
    )
    assert check.json()["result"]["available"] is True
    text = await _action(
        client, owner, "text", "send_sms", {"message": "Hi {{contact_name}}, see you {{when}}."}
    )
    dry = await client.post(
        f"/v1/actions/{text['id']}/run",
        headers=owner.headers,
        json={
            "variables": [
                {"key": "contact_name", "value": "Dana"},
                {"key": "when", "value": "Monday"},
            ]
        },
    )
    assert dry.json()["result"] == {"to": None, "body": "Hi Dana, see you Monday.", "sent": False}
    assert await session.scalar(select(func.count()).select_from(Booking)) == 0
    assert await session.scalar(select(func.count()).select_from(SMSMessage)) == 0


async def test_a_text_goes_out_on_the_simulated_network_and_a_chat_transfer_waits_for_people(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    text = await _action(
        client,
        owner,
        "text_link",
        "send_sms",
        {"message": "Hi {{contact_name}}, here is the link."},
    )
    handover = await _action(
        client, owner, "to_sales", "live_transfer", {"phone_number": "+14155550999"}
    )
    script = [
        {"match": "link", "call": "text_link", "arguments": {}},
        {"match": "person", "call": "to_sales", "arguments": {}},
    ]
    conversation, _ = await _chat(client, owner, script, [text["id"], handover["id"]])
    await _say(client, owner, conversation, "Can you text me the link?")
    (sms,) = (await session.scalars(select(SMSMessage))).all()
    assert (sms.to_number, sms.body, sms.status, sms.provider) == (
        "+14155550123",
        "Hi Dana, here is the link.",
        "delivered",
        "simulated",
    )
    await _say(client, owner, conversation, "I want to talk to a person")
    detail = (await client.get(f"/v1/conversations/{conversation}", headers=owner.headers)).json()
    assert detail["status"] == "pending"
    assert detail["messages"][-1]["content"] == "Let me transfer you now."


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    settings = get_settings()
    previous = settings.twilio_api_url
    settings.twilio_api_url = fake.base_url
    yield fake
    settings.twilio_api_url = previous
    fake.stop()


async def test_a_text_goes_out_through_twilio(
    client: httpx.AsyncClient, owner: Account, twilio: FakeTwilio
) -> None:
    await client.patch(
        "/v1/workspace",
        headers=owner.headers,
        json={
            "telephony": {
                "provider": "twilio",
                "twilio_account_sid": twilio.account_sid,
                "twilio_auth_token": twilio.auth_token,
            }
        },
    )
    await client.post(
        "/v1/phone-numbers",
        headers=owner.headers,
        json={"phone_number": "+14155550100", "provider": "twilio"},
    )
    text = await _action(client, owner, "text_link", "send_sms", {"message": "Your code is 1234."})
    conversation, _ = await _chat(
        client, owner, [{"match": "code", "call": "text_link"}], [text["id"]]
    )
    await _say(client, owner, conversation, "Send me the code")
    (sent,) = twilio.messages
    assert (sent.to, sent.from_, sent.body) == (
        "+14155550123",
        "+14155550100",
        "Your code is 1234.",
    )


async def test_the_phone_network_inventory(
    client: httpx.AsyncClient, owner: Account, twilio: FakeTwilio
) -> None:
    simulated = await client.get("/v1/phone-numbers/inventory", headers=owner.headers)
    assert simulated.json() == []
    twilio.numbers = ["+14155550100", "+14155550177"]
    await client.patch(
        "/v1/workspace",
        headers=owner.headers,
        json={
            "telephony": {
                "provider": "twilio",
                "twilio_account_sid": twilio.account_sid,
                "twilio_auth_token": "not-the-right-token",
            }
        },
    )
    refused = await client.get("/v1/phone-numbers/inventory", headers=owner.headers)
    assert refused.status_code == 502
    assert refused.json()["code"] == "TELEPHONY_ERROR"
    assert "not-the-right-token" not in refused.text
    await client.patch(
        "/v1/workspace",
        headers=owner.headers,
        json={"telephony": {"twilio_auth_token": twilio.auth_token}},
    )
    await client.post(
        "/v1/phone-numbers",
        headers=owner.headers,
        json={"phone_number": "+14155550100", "provider": "twilio"},
    )
    listed = (await client.get("/v1/phone-numbers/inventory", headers=owner.headers)).json()
    assert listed == [
        {"phone_number": "+14155550100", "added": True},
        {"phone_number": "+14155550177", "added": False},
    ]
