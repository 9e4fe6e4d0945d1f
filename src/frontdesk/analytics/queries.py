"""The figures of the analytics routes, each computed by the database (aggregates and GROUP BY;
no loop over rows in Python), the same way on SQLite and PostgreSQL.

Series are zero-filled: the day buckets (each with its own UTC bounds in the workspace's zone)
are a small derived table joined to the rows, so an empty day is a row with 0."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Numeric,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.agents.models import Agent
from frontdesk.analytics.periods import Period
from frontdesk.calls.models import Call
from frontdesk.conversations.models import Conversation, Message
from frontdesk.crm.models import Contact
from frontdesk.db.types import UTCDateTime

LEAD_STATUSES = ("new", "qualifying", "qualified", "booked", "disqualified", "nurturing")
CONVERTED = ("qualified", "booked")
SENTIMENTS = ("positive", "neutral", "negative")
# Calls that never reached anybody.
FAILED = ("failed", "busy", "no_answer")
IN_FLIGHT = ("queued", "initiated", "in_progress", "paused")
# Written out (not bound parameters) so that the planner matches the partial indexes
# `ix_messages_replies` and `ix_conversations_open` in every plan.
REPLY = text("messages.sender_type = 'agent'")
OPEN = text("conversations.status IN ('active', 'pending')")
DIRECTIONS = {"inbound": "inbound", "outbound": "outbound", "widget": "web", "web": "web"}


@dataclass(frozen=True)
class Filters:
    workspace_id: uuid.UUID
    period: Period
    agent_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    type_of_call: str | None = None  # inbound, outbound, widget (a browser call)

    @property
    def direction(self) -> str | None:
        return DIRECTIONS.get(self.type_of_call) if self.type_of_call else None

    def calls(self, in_period: bool = True) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = [Call.workspace_id == self.workspace_id]
        if in_period:
            out += [Call.created_at >= self.period.since, Call.created_at < self.period.until]
        if self.agent_id:
            out.append(Call.agent_id == self.agent_id)
        if self.campaign_id:
            out.append(Call.campaign_id == self.campaign_id)
        if self.direction:
            out.append(Call.direction == self.direction)
        return out

    def conversations(self, in_period: bool = True) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = [Conversation.workspace_id == self.workspace_id]
        if in_period:
            out += [
                Conversation.created_at >= self.period.since,
                Conversation.created_at < self.period.until,
            ]
        if self.agent_id:
            out.append(Conversation.agent_id == self.agent_id)
        if self.campaign_id or self.direction:
            # A call's filters reach chats through the calls' conversations.
            calls = select(Call.conversation_id).where(*self.calls(in_period=False))
            out.append(Conversation.id.in_(calls))
        return out

    def contacts(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = [
            Contact.workspace_id == self.workspace_id,
            Contact.created_at >= self.period.since,
            Contact.created_at < self.period.until,
            Contact.lead_status.is_not(None),
        ]
        if self.agent_id or self.campaign_id or self.direction:
            talked = select(Conversation.contact_id).where(*self.conversations(in_period=False))
            out.append(Contact.id.in_(talked))
        return out


def bucket_table(period: Period, group_by: str = "day") -> Any:
    rows = [
        select(
            literal(label.isoformat(), String).label("label"),
            literal(lo, UTCDateTime).label("lo"),
            literal(hi, UTCDateTime).label("hi"),
        )
        for label, lo, hi in period.buckets(group_by)
    ]
    return union_all(*rows).subquery("buckets")


def percent(part: float | int | Decimal | None, whole: float | int | Decimal | None) -> float:
    return round(float(part or 0) * 100 / float(whole), 2) if whole else 0.0


def rounded(value: Any, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def _seconds_between(session: AsyncSession, later: Any, earlier: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _latency() -> Any:
    return Message.response_ms


def _tokens() -> Any:
    return Message.ai_metadata["tokens_used"].as_integer()


def _cost() -> Any:
    return cast(Message.ai_metadata["cost"].as_string(), Numeric(18, 8))


def _agent_messages(f: Filters, *columns: Any, join: bool = False) -> Select[Any]:
    """`columns` over the agents' replies in the period, in conversations the filters keep
    (joined to their conversations when the filters or the columns need them)."""
    stmt = (
        select(*columns)
        .select_from(Message)
        .where(
            Message.workspace_id == f.workspace_id,
            REPLY,
            Message.created_at >= f.period.since,
            Message.created_at < f.period.until,
        )
    )
    if join or f.agent_id or f.campaign_id or f.direction:
        stmt = stmt.join(Conversation, Conversation.id == Message.conversation_id).where(
            *f.conversations(in_period=False)
        )
    return stmt


async def series(
    session: AsyncSession,
    period: Period,
    model: Any,
    conditions: list[ColumnElement[bool]],
    columns: dict[str, Any],
    group_by: str = "day",
) -> list[dict[str, Any]]:
    """Per bucket: each of `columns` (aggregates over `model`'s rows created in the bucket)."""
    buckets = bucket_table(period, group_by)
    joined = and_(model.created_at >= buckets.c.lo, model.created_at < buckets.c.hi, *conditions)
    stmt = (
        select(buckets.c.label, *[c.label(name) for name, c in columns.items()])
        .select_from(buckets)
        .outerjoin(model, joined)
        .group_by(buckets.c.label)
        .order_by(buckets.c.label)
    )
    rows = (await session.execute(stmt)).mappings().all()
    return [
        {"date": row["label"], **{name: int(row[name] or 0) for name in columns}} for row in rows
    ]


# -- routes -------------------------------------------------------------------------------------


@dataclass
class OverviewParts:
    """Sums and counts the overview is made of: added up across periods (rolled-up days and
    live ones), then divided once."""

    conversations: int = 0
    agents: set[uuid.UUID] = field(default_factory=set)
    messages: int = 0
    rating_sum: float = 0
    ratings: int = 0
    latency_sum: float = 0
    latencies: int = 0
    leads: int = 0
    converted: int = 0

    def __add__(self, other: OverviewParts) -> OverviewParts:
        return OverviewParts(
            self.conversations + other.conversations,
            self.agents | other.agents,
            self.messages + other.messages,
            self.rating_sum + other.rating_sum,
            self.ratings + other.ratings,
            self.latency_sum + other.latency_sum,
            self.latencies + other.latencies,
            self.leads + other.leads,
            self.converted + other.converted,
        )


async def overview_parts(session: AsyncSession, f: Filters) -> OverviewParts:
    c = Conversation
    totals = (
        await session.execute(
            select(
                func.count(c.id),
                func.sum(c.message_count),
                func.sum(c.rating),
                func.count(c.rating),
            ).where(*f.conversations())
        )
    ).one()
    agents = set(
        (await session.scalars(select(c.agent_id).where(*f.conversations()).distinct())).all()
    )
    response = (
        await session.execute(_agent_messages(f, func.sum(_latency()), func.count(_latency())))
    ).one()
    leads = await lead_counts(session, f)
    return OverviewParts(
        conversations=totals[0],
        agents={a for a in agents if a is not None},
        messages=int(totals[1] or 0),
        rating_sum=float(totals[2] or 0),
        ratings=totals[3],
        latency_sum=float(response[0] or 0),
        latencies=response[1],
        leads=leads[0],
        converted=leads[1],
    )


async def lead_counts(session: AsyncSession, f: Filters) -> tuple[int, int]:
    """New leads of the period, and how many of them are qualified or booked."""
    leads = (
        await session.execute(
            select(
                func.count(Contact.id),
                func.count(case((Contact.lead_status.in_(CONVERTED), 1))),
            ).where(*f.contacts())
        )
    ).one()
    return int(leads[0]), int(leads[1])


async def active_conversations(session: AsyncSession, f: Filters) -> int:
    """Conversations of the period that are still open (a state now, not a sum of days)."""
    c = Conversation
    return int(await session.scalar(select(func.count(c.id)).where(*f.conversations(), OPEN)) or 0)


def overview_of(parts: OverviewParts, active: int) -> dict[str, Any]:
    return {
        "total_conversations": parts.conversations,
        "active_conversations": active,
        "active_agents": len(parts.agents),
        "avg_response_time_ms": rounded(parts.latency_sum / parts.latencies, 1)
        if parts.latencies
        else None,
        "user_satisfaction": rounded(parts.rating_sum / parts.ratings) if parts.ratings else None,
        "total_leads": parts.leads,
        "avg_messages_per_conversation": rounded(parts.messages / parts.conversations)
        if parts.conversations
        else 0.0,
        "conversion_rate": percent(parts.converted, parts.leads),
    }


async def overview(session: AsyncSession, f: Filters) -> dict[str, Any]:
    return overview_of(await overview_parts(session, f), await active_conversations(session, f))


async def conversations(session: AsyncSession, f: Filters, group_by: str) -> dict[str, Any]:
    c = Conversation
    timeline = await series(
        session,
        f.period,
        c,
        f.conversations(in_period=False),
        {"count": func.count(c.id)},
        group_by,
    )
    by_channel = (
        await session.execute(
            select(c.channel, func.count(c.id))
            .where(*f.conversations())
            .group_by(c.channel)
            .order_by(func.count(c.id).desc(), c.channel)
        )
    ).all()
    duration = await session.scalar(
        select(func.avg(_seconds_between(session, c.ended_at, c.created_at))).where(
            *f.conversations(), c.ended_at.is_not(None)
        )
    )
    return {
        "timeline": [{"date": p["date"], "count": p["count"]} for p in timeline],
        "by_channel": [{"channel": ch, "count": n} for ch, n in by_channel],
        "avg_duration_seconds": rounded(duration, 1),
    }


async def costs(session: AsyncSession, f: Filters) -> dict[str, Any]:
    # A call's cost includes its model's tokens: the estimate is chats' tokens plus calls.
    chat_cost = case((Conversation.channel != "voice", _cost()), else_=0)
    totals = (
        await session.execute(
            _agent_messages(
                f, func.sum(_tokens()), func.sum(_cost()), func.sum(chat_cost), join=True
            )
        )
    ).one()
    model = Message.ai_metadata["model"].as_string()
    by_model = (
        await session.execute(
            _agent_messages(f, model, func.sum(_tokens()), func.sum(_cost()), func.count())
            .group_by(model)
            .order_by(func.sum(_cost()).desc(), model)
        )
    ).all()
    per_agent = (
        await session.execute(
            _agent_messages(
                f, Conversation.agent_id, func.sum(_tokens()), func.sum(chat_cost), join=True
            ).group_by(Conversation.agent_id)
        )
    ).all()
    call_costs = dict(
        (
            await session.execute(
                select(Call.agent_id, func.sum(Call.cost)).where(*f.calls()).group_by(Call.agent_id)
            )
        ).all()
    )
    call_cost = sum((Decimal(v or 0) for v in call_costs.values()), Decimal(0))
    tokens = {a: int(t or 0) for a, t, _ in per_agent}
    spent = {a: Decimal(c or 0) for a, _, c in per_agent}
    agent_ids = {a for a in [*tokens, *call_costs] if a is not None}
    names = await agent_names(session, agent_ids)
    by_agent = [
        {
            "agent_id": str(agent),
            "agent_name": names.get(agent),
            "tokens": tokens.get(agent, 0),
            "cost": rounded(spent.get(agent, Decimal(0)) + Decimal(call_costs.get(agent) or 0), 6),
        }
        for agent in agent_ids
    ]
    by_agent.sort(key=lambda a: (-float(a["cost"] or 0), str(a["agent_id"])))
    return {
        "total_tokens": int(totals[0] or 0),
        "llm_cost": rounded(totals[1] or 0, 6),
        "call_cost": rounded(call_cost, 6),
        "estimated_cost": rounded(Decimal(totals[2] or 0) + call_cost, 6),
        "by_model": [
            {"model": m, "tokens": int(t or 0), "cost": rounded(c or 0, 6), "messages": n}
            for m, t, c, n in by_model
        ],
        "by_agent": by_agent,
    }


async def agent_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(ids)))
    return {a: n for a, n in rows.all()}


async def agents(session: AsyncSession, f: Filters) -> dict[str, Any]:
    c = Conversation
    chats = (
        await session.execute(
            select(c.agent_id, func.count(c.id), func.avg(c.rating))
            .where(*f.conversations(), c.agent_id.is_not(None))
            .group_by(c.agent_id)
        )
    ).all()
    response = {
        a: v
        for a, v in (
            await session.execute(
                _agent_messages(f, Conversation.agent_id, func.avg(_latency()), join=True).group_by(
                    Conversation.agent_id
                )
            )
        ).all()
    }
    minutes = {
        a: (seconds, n)
        for a, seconds, n in (
            await session.execute(
                select(Call.agent_id, func.sum(Call.duration), func.count(Call.id))
                .where(*f.calls(), Call.agent_id.is_not(None))
                .group_by(Call.agent_id)
            )
        ).all()
    }
    counts = {a: (n, r) for a, n, r in chats}
    ids: set[uuid.UUID] = {a for a in [*counts, *minutes] if a is not None}
    names = await agent_names(session, ids)
    out = []
    for agent in ids:
        n, rating = counts.get(agent, (0, None))
        seconds, calls = minutes.get(agent, (0, 0))
        out.append(
            {
                "agent_id": str(agent),
                "agent_name": names.get(agent),
                "conversation_count": n,
                "call_count": calls,
                "avg_response_time_ms": rounded(response.get(agent), 1),
                "satisfaction": rounded(rating),
                "minutes_used": round(float(seconds or 0) / 60, 2),
            }
        )
    out.sort(key=lambda a: (-a["conversation_count"], -a["minutes_used"], a["agent_id"]))
    return {"agents": out}


@dataclass
class CallParts:
    statuses: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    duration_sum: float = 0
    durations: int = 0
    cost: Decimal = Decimal(0)
    daily: dict[str, Counter[str]] = field(default_factory=dict)  # day: total/completed/failed

    def __add__(self, other: CallParts) -> CallParts:
        return CallParts(
            self.statuses + other.statuses,
            self.reasons + other.reasons,
            self.duration_sum + other.duration_sum,
            self.durations + other.durations,
            self.cost + other.cost,
            {**self.daily, **other.daily},
        )


async def call_parts(session: AsyncSession, f: Filters) -> CallParts:
    totals = (
        await session.execute(
            select(func.sum(Call.duration), func.count(Call.duration), func.sum(Call.cost)).where(
                *f.calls()
            )
        )
    ).one()
    statuses = await session.execute(
        select(Call.status, func.count(Call.id)).where(*f.calls()).group_by(Call.status)
    )
    reasons = await session.execute(
        select(Call.end_call_reason, func.count(Call.id))
        .where(*f.calls(), Call.end_call_reason.is_not(None))
        .group_by(Call.end_call_reason)
    )
    daily = await series(
        session,
        f.period,
        Call,
        f.calls(in_period=False),
        {
            "total": func.count(Call.id),
            "completed": func.count(case((Call.status == "completed", 1))),
            "failed": func.count(case((Call.status.in_(FAILED), 1))),
        },
    )
    return CallParts(
        Counter({str(s): int(n) for s, n in statuses.all()}),
        Counter({str(r): int(n) for r, n in reasons.all()}),
        float(totals[0] or 0),
        totals[1],
        Decimal(totals[2] or 0),
        {d["date"]: Counter({k: d[k] for k in ("total", "completed", "failed")}) for d in daily},
    )


def calls_of(parts: CallParts, period: Period) -> dict[str, Any]:
    total = sum(parts.statuses.values())
    completed = parts.statuses.get("completed", 0)
    failed = sum(parts.statuses.get(s, 0) for s in FAILED)
    ended = sum(parts.reasons.values())
    empty: Counter[str] = Counter()
    return {
        "total_calls": total,
        "completed_calls": completed,
        "failed_calls": failed,
        "average_duration": rounded(parts.duration_sum / parts.durations, 1)
        if parts.durations
        else None,
        "success_rate": percent(completed, total),
        "cost_per_call": rounded(parts.cost / total, 6) if total else None,
        "total_cost": rounded(parts.cost, 6),
        "by_status": [
            {"status": s, "count": n, "percentage": percent(n, total)}
            for s, n in sorted(parts.statuses.items(), key=lambda i: (-i[1], i[0]))
        ],
        "by_end_call_reason": [
            {"reason": r, "count": n, "percentage": percent(n, ended)}
            for r, n in sorted(parts.reasons.items(), key=lambda i: (-i[1], i[0]))
        ],
        "daily": [
            {
                "date": day.isoformat(),
                **{
                    k: parts.daily.get(day.isoformat(), empty).get(k, 0)
                    for k in ("total", "completed", "failed")
                },
            }
            for day in period.days
        ],
    }


async def calls(session: AsyncSession, f: Filters) -> dict[str, Any]:
    return calls_of(await call_parts(session, f), f.period)


def _sentiment_columns(model: Any) -> dict[str, Any]:
    return {s: func.count(case((model.sentiment == s, 1))) for s in SENTIMENTS}


async def sentiment(session: AsyncSession, f: Filters) -> dict[str, Any]:
    c = Conversation
    counts = (
        (
            await session.execute(
                select(*[v.label(k) for k, v in _sentiment_columns(c).items()]).where(
                    *f.conversations()
                )
            )
        )
        .mappings()
        .one()
    )
    total = sum(counts[s] for s in SENTIMENTS)
    daily = await series(
        session, f.period, c, f.conversations(in_period=False), _sentiment_columns(c)
    )
    return {
        **{s: counts[s] for s in SENTIMENTS},
        **{f"{s}_percentage": percent(counts[s], total) for s in SENTIMENTS},
        "total": total,
        "daily": daily,
    }


async def top_phrases(session: AsyncSession, f: Filters, limit: int) -> list[dict[str, Any]]:
    c = Conversation
    kept = select(c.id, c.key_phrases).where(*f.conversations()).subquery("kept")
    if session.get_bind().dialect.name == "postgresql":
        phrase = func.jsonb_array_elements_text(kept.c.key_phrases).table_valued("value")
    else:
        phrase = func.json_each(kept.c.key_phrases).table_valued("value")
    word = func.lower(phrase.c.value)
    rows = (
        await session.execute(
            select(word.label("phrase"), func.count().label("count"))
            .select_from(kept)
            .join(phrase, text("true"))
            .group_by(word)
            .order_by(func.count().desc(), word)
            .limit(limit)
        )
    ).all()
    total = await session.scalar(select(func.count(c.id)).where(*f.conversations()))
    return [{"phrase": p, "count": n, "frequency": percent(n, total)} for p, n in rows]


async def funnel(session: AsyncSession, f: Filters) -> dict[str, Any]:
    rows = dict(
        (
            await session.execute(
                select(Contact.lead_status, func.count(Contact.id))
                .where(*f.contacts())
                .group_by(Contact.lead_status)
            )
        ).all()
    )
    total = sum(rows.values())
    return {
        "total_leads": total,
        "stages": [
            {"status": s, "count": rows.get(s, 0), "percentage": percent(rows.get(s, 0), total)}
            for s in LEAD_STATUSES
        ],
    }


async def activity(session: AsyncSession, f: Filters) -> dict[str, Any]:
    conditions = [cond for cond in f.contacts() if not _is_time_bound(cond)]
    daily = await series(
        session, f.period, Contact, conditions, {"new_leads": func.count(Contact.id)}
    )
    return {"daily": daily, "total": sum(d["new_leads"] for d in daily)}


def _is_time_bound(condition: ColumnElement[bool]) -> bool:
    left = getattr(condition, "left", None)
    return getattr(left, "key", None) == "created_at"
