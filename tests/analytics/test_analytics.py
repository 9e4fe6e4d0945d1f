"""Analytics on a generated data set whose answers are known: 1,000 conversations, 500 calls,
their messages and 200 leads over 40 days around the end of daylight-saving time in Berlin
(25 October 2026 has 25 hours). Every figure is checked exactly, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.agents.models import Agent
from frontdesk.analytics import rollups
from frontdesk.calls.models import Call
from frontdesk.campaigns.models import Campaign
from frontdesk.conversations.models import Conversation, Message
from frontdesk.crm.models import Contact
from frontdesk.jobs.clock import ManualClock, set_clock
from frontdesk.tenancy.models import Workspace
from tests.fixtures.factories import Account

BERLIN = ZoneInfo("Europe/Berlin")
FIRST = date(2026, 10, 1)
DAYS = 40
LAST = FIRST + timedelta(days=DAYS - 1)
CHANNELS = ("web_chat", "api", "sms", "voice")
SENTIMENTS = ("positive", "neutral", "negative", None)
CALL_STATUSES = (
    "completed",
    "completed",
    "completed",
    "failed",
    "no_answer",
    "busy",
    "hangup_on_voicemail",
)
REASONS = ("human_goodbye", "agent_goodbye", "voicemail", "max_duration")
DIRECTIONS = ("inbound", "outbound", "web")
LEAD_STATUSES = ("new", "qualifying", "qualified", "booked", "disqualified", "nurturing")


def local(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), BERLIN).astimezone(UTC)


def when(n: int) -> tuple[date, datetime]:
    """Row n's local day, and a time on it that lands near midnight for some rows (the edges of
    the day buckets are where a wrong time zone shows)."""
    day = FIRST + timedelta(days=n % DAYS)
    hour, minute = [(0, 5), (23, 55), (12, 0), (2, 30), (1, 30)][n % 5]
    return day, local(day, hour, minute)


@dataclass
class Data:
    agents: tuple[uuid.UUID, uuid.UUID]
    campaign: uuid.UUID
    conversations: list[dict[str, Any]]
    calls: list[dict[str, Any]]
    replies: list[dict[str, Any]]
    leads: list[dict[str, Any]]


@pytest.fixture
async def data(session: AsyncSession, owner: Account) -> Data:
    workspace = await session.get_one(Workspace, owner.workspace.id)
    workspace.timezone = "Europe/Berlin"
    agents = []
    for name in ("Ava", "Ben"):
        agent = Agent(
            workspace_id=workspace.id, name=name, type="chat", llm={"provider": "scripted"}
        )
        session.add(agent)
        agents.append(agent)
    await session.flush()
    a, b = agents[0].id, agents[1].id
    outreach = Campaign(workspace_id=workspace.id, name="Outreach", agent_id=a)
    session.add(outreach)
    await session.flush()
    campaign = outreach.id
    conversations, calls, replies, leads = [], [], [], []
    rows: list[Any] = []
    for i in range(1000):
        day, created = when(i)
        ended = i % 5 != 0
        c: dict[str, Any] = {
            "id": uuid.uuid4(),
            "day": day,
            "created": created,
            "agent": a if i % 2 == 0 else b,
            "channel": CHANNELS[i % 4],
            "status": "ended" if ended else "active",
            "sentiment": SENTIMENTS[i % 4],
            "rating": (i % 5) + 1 if i % 3 == 0 else None,
            "messages": i % 7 + 1,
            "seconds": (i % 10) * 60 if ended else None,
            "phrases": ["billing issue"] + (["Account access"] if i % 3 == 0 else []),
        }
        conversations.append(c)
        rows.append(
            Conversation(
                id=c["id"],
                workspace_id=workspace.id,
                agent_id=c["agent"],
                channel=c["channel"],
                status=c["status"],
                sentiment=c["sentiment"],
                rating=c["rating"],
                message_count=c["messages"],
                key_phrases=c["phrases"],
                ended_at=created + timedelta(seconds=c["seconds"]) if ended else None,
                tags=[],
                custom_variables={},
                extra={},
                executed_actions=[],
                unread_count=0,
                created_at=created,
                updated_at=created,
            )
        )
        if i % 3 == 1:  # an agent's reply in a third of them
            r = {
                "agent": c["agent"],
                "channel": c["channel"],
                "latency": 100 + (i % 5) * 100,
                "tokens": 50 + i % 11,
                "cost": Decimal("0.0001") * (i % 3 + 1),
                "model": "small" if i % 2 else "large",
            }
            replies.append(r)
            rows.append(
                Message(
                    conversation_id=c["id"],
                    workspace_id=workspace.id,
                    sender_type="agent",
                    content="ok",
                    attachments=[],
                    ai_metadata={
                        "latency_ms": r["latency"],
                        "tokens_used": r["tokens"],
                        "cost": str(r["cost"]),
                        "model": r["model"],
                    },
                    response_ms=r["latency"],
                    created_at=created + timedelta(seconds=1),
                    updated_at=created,
                )
            )
    for j in range(500):
        day, created = when(j * 3 + 1)
        status = CALL_STATUSES[j % len(CALL_STATUSES)]
        call = {
            "day": day,
            "agent": a if j % 2 == 0 else b,
            "campaign": campaign if j % 4 == 0 else None,
            "direction": DIRECTIONS[j % 3],
            "status": status,
            "duration": 30 + j % 60 if status == "completed" else 0,
            "reason": REASONS[j % 4] if status == "completed" else None,
            "cost": Decimal("0.10") + Decimal("0.01") * (j % 3),
            "sentiment": ("positive", "negative")[j % 2] if status == "completed" else None,
            "actions": [{"name": "book"}] * (j % 3),
        }
        calls.append(call)
        rows.append(
            Call(
                workspace_id=workspace.id,
                agent_id=call["agent"],
                campaign_id=call["campaign"],
                direction=call["direction"],
                provider="simulated",
                status=status,
                end_call_reason=call["reason"],
                duration=call["duration"],
                cost=call["cost"],
                sentiment=call["sentiment"],
                phone_number_to="+14155550123",
                phone_number_from="+14155550100",
                emotions=[],
                key_phrases=[],
                executed_actions=call["actions"],
                prompt_variables={},
                cost_breakdown={},
                latency={},
                turns=[],
                extra={},
                created_at=created,
                updated_at=created,
            )
        )
    for k in range(200):
        day, created = when(k * 7 + 2)
        lead = {"day": day, "status": LEAD_STATUSES[k % 6]}
        leads.append(lead)
        rows.append(
            Contact(
                workspace_id=workspace.id,
                name=f"Lead {k}",
                lead_status=lead["status"],
                tags=[],
                extra={},
                search_text="",
                created_at=created,
                updated_at=created,
            )
        )
    session.add_all(rows)
    await session.commit()
    return Data((a, b), campaign, conversations, calls, replies, leads)


RANGE = {"start_date": FIRST.isoformat(), "end_date": LAST.isoformat()}


async def get(client: httpx.AsyncClient, owner: Account, path: str, **query: Any) -> Any:
    response = await client.get(
        f"/v1/analytics/{path}", headers=owner.headers, params={**RANGE, **query}
    )
    assert response.status_code == 200, response.text
    return response.json()


def pct(part: int, whole: int) -> float:
    return round(part * 100 / whole, 2) if whole else 0.0


async def test_overview_and_conversations(
    client: httpx.AsyncClient, owner: Account, data: Data
) -> None:
    conversations = data.conversations
    rated = [c["rating"] for c in conversations if c["rating"]]
    converted = sum(1 for lead in data.leads if lead["status"] in ("qualified", "booked"))
    overview = await get(client, owner, "overview")
    assert overview == {
        "total_conversations": 1000,
        "active_conversations": sum(1 for c in conversations if c["status"] == "active"),
        "active_agents": 2,
        "avg_response_time_ms": round(
            sum(r["latency"] for r in data.replies) / len(data.replies), 1
        ),
        "user_satisfaction": round(sum(rated) / len(rated), 2),
        "total_leads": 200,
        "avg_messages_per_conversation": round(sum(c["messages"] for c in conversations) / 1000, 2),
        "conversion_rate": pct(converted, 200),
    }

    daily = await get(client, owner, "conversations")
    per_day = Counter(c["day"].isoformat() for c in conversations)
    assert daily["timeline"] == [
        {
            "date": (FIRST + timedelta(days=n)).isoformat(),
            "count": per_day[(FIRST + timedelta(days=n)).isoformat()],
        }
        for n in range(DAYS)
    ]
    assert sum(p["count"] for p in daily["timeline"]) == 1000
    assert {b["channel"]: b["count"] for b in daily["by_channel"]} == Counter(
        c["channel"] for c in conversations
    )
    durations = [c["seconds"] for c in conversations if c["seconds"] is not None]
    assert daily["avg_duration_seconds"] == round(sum(durations) / len(durations), 1)

    weekly = await get(client, owner, "conversations", group_by="week")
    assert weekly["timeline"][0]["date"] == "2026-09-28"  # the Monday of the first week
    assert sum(p["count"] for p in weekly["timeline"]) == 1000

    # A shorter range, and one agent.
    ava = await get(
        client,
        owner,
        "overview",
        agent_id=str(data.agents[0]),
        start_date="2026-10-25",
        end_date="2026-10-25",
    )
    expected = [
        c for c in conversations if c["agent"] == data.agents[0] and c["day"] == date(2026, 10, 25)
    ]
    assert ava["total_conversations"] == len(expected) > 0


async def test_calls_sentiment_and_export(
    client: httpx.AsyncClient, owner: Account, data: Data
) -> None:
    calls = data.calls
    statuses = Counter(c["status"] for c in calls)
    completed = statuses["completed"]
    failed = statuses["failed"] + statuses["no_answer"] + statuses["busy"]
    total_cost = sum(c["cost"] for c in calls)
    result = await get(client, owner, "calls")
    assert result["total_calls"] == 500
    assert result["completed_calls"] == completed
    assert result["failed_calls"] == failed
    assert result["average_duration"] == round(sum(c["duration"] for c in calls) / 500, 1)
    assert result["success_rate"] == pct(completed, 500)
    assert result["cost_per_call"] == round(float(total_cost / 500), 6)
    assert {s["status"]: (s["count"], s["percentage"]) for s in result["by_status"]} == {
        s: (n, pct(n, 500)) for s, n in statuses.items()
    }
    reasons = Counter(c["reason"] for c in calls if c["reason"])
    ended = sum(reasons.values())
    assert {r["reason"]: (r["count"], r["percentage"]) for r in result["by_end_call_reason"]} == {
        r: (n, pct(n, ended)) for r, n in reasons.items()
    }
    per_day = Counter(c["day"].isoformat() for c in calls)
    assert [(d["date"], d["total"]) for d in result["daily"]] == [
        ((FIRST + timedelta(days=n)).isoformat(), per_day[(FIRST + timedelta(days=n)).isoformat()])
        for n in range(DAYS)
    ]

    outbound = await get(
        client, owner, "calls", type_of_call="outbound", campaign_id=str(data.campaign)
    )
    assert outbound["total_calls"] == sum(
        1 for c in calls if c["direction"] == "outbound" and c["campaign"] == data.campaign
    )
    widget = await get(client, owner, "calls", type_of_call="widget")
    assert widget["total_calls"] == sum(1 for c in calls if c["direction"] == "web")

    sentiment = await get(client, owner, "sentiment")
    counts = Counter(c["sentiment"] for c in data.conversations if c["sentiment"])
    judged = sum(counts.values())
    assert {k: sentiment[k] for k in ("positive", "neutral", "negative")} == dict(counts)
    assert sentiment["positive_percentage"] == pct(counts["positive"], judged)
    assert len(sentiment["daily"]) == DAYS

    phrases = await get(client, owner, "top-phrases", limit=5)
    accounts = sum(1 for c in data.conversations if len(c["phrases"]) == 2)
    assert phrases == [
        {"phrase": "billing issue", "count": 1000, "frequency": 100.0},
        {"phrase": "account access", "count": accounts, "frequency": pct(accounts, 1000)},
    ]

    exported = await get(client, owner, "export")
    assert exported["duration_metrics"]["total_calls"] == 500
    assert exported["duration_metrics"]["total_minutes"] == round(
        sum(c["duration"] for c in calls) / 60, 2
    )
    books = sum(len(c["actions"]) for c in calls)
    (book,) = exported["executed_actions"]["items"]
    assert (book["name"], book["value"]) == ("book", books)
    assert sum(p["value"] for p in book["series"]) == books
    assert len(book["series"]) == DAYS
    assert {i["status"]: i["value"] for i in exported["call_status_stat"]["items"]} == dict(
        statuses
    )
    assert len(exported["recent_call_history"]["items"]) == 20
    minutes = {
        str(a): sum(c["duration"] for c in calls if c["agent"] == a) / 60 for a in data.agents
    }
    assert {
        p["model_id"]: p["minutes_used"]
        for p in exported["assistant_performance"]["by_minutes_used"]
    } == {a: round(m, 2) for a, m in minutes.items()}
    positive = sum(1 for c in calls if c["sentiment"] == "positive")
    assert exported["sentiment_stat"]["positive_percentage"] == pct(
        positive, sum(1 for c in calls if c["sentiment"])
    )
    as_csv = await client.get(
        "/v1/analytics/export", headers=owner.headers, params={**RANGE, "format": "csv"}
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert {
        "section": "duration_metrics",
        "name": "total_calls",
        "date": "",
        "value": "500",
        "percentage": "",
    } in rows


async def test_costs_agents_funnel_and_activity(
    client: httpx.AsyncClient, owner: Account, data: Data
) -> None:
    costs = await get(client, owner, "costs")
    assert costs["total_tokens"] == sum(r["tokens"] for r in data.replies)
    llm = sum(r["cost"] for r in data.replies)
    chat_llm = sum(r["cost"] for r in data.replies if r["channel"] != "voice")
    call_cost = sum(c["cost"] for c in data.calls)
    assert costs["llm_cost"] == round(float(llm), 6)
    assert costs["call_cost"] == round(float(call_cost), 6)
    assert costs["estimated_cost"] == round(float(chat_llm + call_cost), 6)
    assert {m["model"]: m["tokens"] for m in costs["by_model"]} == {
        model: sum(r["tokens"] for r in data.replies if r["model"] == model)
        for model in ("small", "large")
    }
    assert len(costs["by_agent"]) == 2

    agents = (await get(client, owner, "agents"))["agents"]
    ava = next(a for a in agents if a["agent_id"] == str(data.agents[0]))
    mine = [c for c in data.conversations if c["agent"] == data.agents[0]]
    rated = [c["rating"] for c in mine if c["rating"]]
    assert ava["agent_name"] == "Ava"
    assert ava["conversation_count"] == len(mine)
    assert ava["satisfaction"] == round(sum(rated) / len(rated), 2)
    assert ava["minutes_used"] == round(
        sum(c["duration"] for c in data.calls if c["agent"] == data.agents[0]) / 60, 2
    )
    latencies = [r["latency"] for r in data.replies if r["agent"] == data.agents[0]]
    assert ava["avg_response_time_ms"] == round(sum(latencies) / len(latencies), 1)

    funnel = await get(client, owner, "funnel")
    statuses = Counter(lead["status"] for lead in data.leads)
    assert funnel["total_leads"] == 200
    assert [(s["status"], s["count"]) for s in funnel["stages"]] == [
        (s, statuses[s]) for s in LEAD_STATUSES
    ]

    activity = await get(client, owner, "activity")
    per_day = Counter(lead["day"].isoformat() for lead in data.leads)
    assert [(d["date"], d["new_leads"]) for d in activity["daily"]] == [
        ((FIRST + timedelta(days=n)).isoformat(), per_day[(FIRST + timedelta(days=n)).isoformat()])
        for n in range(DAYS)
    ]
    assert activity["total"] == 200


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start_date": "2026-10-10", "end_date": "2026-10-01"}, "start_date"),
        ({"start_date": "2026-01-01", "end_date": "2026-06-01"}, "end_date"),
        ({"start_date": "yesterday"}, "start_date"),
        # Outside what date arithmetic holds (these were 500s: OverflowError).
        ({"end_date": "0001-01-01"}, "end_date"),
        ({"start_date": "0001-01-01", "end_date": "0001-01-02"}, "start_date"),
        ({"start_date": "9999-12-30", "end_date": "9999-12-31"}, "start_date"),
        ({"end_date": "9999-12-31"}, "end_date"),
        ({"type_of_call": "fax"}, "type_of_call"),
        ({"agent_id": "nope"}, "agent_id"),
    ],
)
async def test_bad_ranges(
    client: httpx.AsyncClient, owner: Account, query: dict[str, str], field: str
) -> None:
    response = await client.get("/v1/analytics/overview", headers=owner.headers, params=query)
    assert response.status_code == 400
    assert field in response.json()["details"]


async def test_an_empty_workspace_has_zeros(client: httpx.AsyncClient, owner: Account) -> None:
    overview = await get(client, owner, "overview")
    assert overview["total_conversations"] == 0
    assert overview["user_satisfaction"] is None
    calls = await get(client, owner, "calls")
    assert calls["success_rate"] == 0.0
    assert calls["cost_per_call"] is None
    assert len(calls["daily"]) == DAYS
    assert all(d["total"] == 0 for d in calls["daily"])
    assert await get(client, owner, "top-phrases") == []


async def test_a_visitor_rates_the_chat(client: httpx.AsyncClient, owner: Account) -> None:
    agent = await client.post(
        "/v1/agents",
        headers=owner.headers,
        json={"name": "W", "type": "widget", "llm": {"provider": "scripted"}},
    )
    started = (
        await client.post("/v1/public/conversations", json={"agent_id": agent.json()["id"]})
    ).json()
    url = f"/v1/public/conversations/{started['conversation_id']}/rating"
    token = {"Authorization": f"Bearer {started['visitor_token']}"}
    assert (await client.post(url, json={"rating": 5})).status_code == 401
    for bad in ({"rating": 0}, {"rating": 6}, {"rating": "good"}, {}):
        assert (await client.post(url, headers=token, json=bad)).status_code == 400
    rated = await client.post(url, headers=token, json={"rating": 4, "comment": "Quick answers"})
    assert rated.status_code == 200, rated.text
    today = datetime.now(UTC).date().isoformat()
    overview = await client.get(
        "/v1/analytics/overview",
        headers=owner.headers,
        params={"start_date": today, "end_date": today},
    )
    assert overview.json()["user_satisfaction"] == 4.0
    detail = await client.get(
        f"/v1/conversations/{started['conversation_id']}", headers=owner.headers
    )
    assert (detail.json()["rating"], detail.json()["rating_comment"]) == (4, "Quick answers")


@pytest.mark.parametrize("through", [date(2026, 10, 20), date(2026, 10, 25), date(2026, 11, 30)])
async def test_rollups_answer_as_live(
    client: httpx.AsyncClient, owner: Account, data: Data, session: AsyncSession, through: date
) -> None:
    """Days rolled up (part or all of the range) plus the rest live: the same figures."""
    variants: list[dict[str, str]] = [
        {},
        {"agent_id": str(data.agents[1])},
        {"campaign_id": str(data.campaign)},
        {"type_of_call": "inbound"},
        {"start_date": "2026-10-25", "end_date": "2026-10-26"},
    ]
    live = {
        (path, i): await get(client, owner, path, **query)
        for path in ("overview", "calls")
        for i, query in enumerate(variants)
    }
    previous = set_clock(ManualClock(local(through + timedelta(days=1), 12, 0)))
    try:
        rolled = await rollups.roll_up(session, owner.workspace.id, "Europe/Berlin")
        await session.commit()
    finally:
        set_clock(previous)
    assert rolled == (through - FIRST).days + 1
    for (path, i), expected in live.items():
        assert await get(client, owner, path, **variants[i]) == expected, (path, variants[i])
    # Rolling again re-rolls the last days only, and changes nothing.
    previous = set_clock(ManualClock(local(through + timedelta(days=1), 13, 0)))
    try:
        assert await rollups.roll_up(session, owner.workspace.id, "Europe/Berlin") == 3
        await session.commit()
    finally:
        set_clock(previous)
    assert await get(client, owner, "overview") == live[("overview", 0)]
