"""The figures of the analytics routes, each computed by the database (aggregates and GROUP BY;
no loop over rows in Python), the same way on SQLite and PostgreSQL.

Series are zero-filled: the day buckets (each with its own UTC bounds in the workspace's zone)
are a small derived table joined to the rows, so an empty day is a row with 0."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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
    return Message.ai_metadata["latency_ms"].as_float()


def _tokens() -> Any:
    return Message.ai_metadata["tokens_used"].as_integer()


def _cost() -> Any:
    return cast(Message.ai_metadata["cost"].as_string(), Numeric(18, 8))


def _agent_messages(f: Filters, *columns: Any) -> Select[Any]:
    """`columns` over the agents' replies in the period, in conversations the filters keep."""
    return (
        select(*columns)
        .select_from(Message)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .where(
            Message.workspace_id == f.workspace_id,
            Message.sender_type == "agent",
            Message.created_at >= f.period.since,
            Message.created_at < f.period.until,
            *f.conversations(in_period=False),
        )
    )


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


async def overview(session: AsyncSession, f: Filters) -> dict[str, Any]:
    c = Conversation
    conversations = (
        await session.execute(
            select(
                func.count(c.id),
                func.count(case((c.status.in_(("active", "pending")), 1))),
                func.count(func.distinct(c.agent_id)),
                func.avg(c.message_count),
                func.avg(c.rating),
            ).where(*f.conversations())
        )
    ).one()
    response = await session.scalar(_agent_messages(f, func.avg(_latency())))
    leads = (
        await session.execute(
            select(
                func.count(Contact.id),
                func.count(case((Contact.lead_status.in_(CONVERTED), 1))),
            ).where(*f.contacts())
        )
    ).one()
    return {
        "total_conversations": conversations[0],
        "active_conversations": conversations[1],
        "active_agents": conversations[2],
        "avg_response_time_ms": rounded(response, 1),
        "user_satisfaction": rounded(conversations[4]),
        "total_leads": leads[0],
        "avg_messages_per_conversation": rounded(conversations[3]) or 0.0,
        "conversion_rate": percent(leads[1], leads[0]),
    }


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
            _agent_messages(f, func.sum(_tokens()), func.sum(_cost()), func.sum(chat_cost))
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
                f, Conversation.agent_id, func.sum(_tokens()), func.sum(chat_cost)
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
                _agent_messages(f, Conversation.agent_id, func.avg(_latency())).group_by(
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


async def calls(session: AsyncSession, f: Filters) -> dict[str, Any]:
    totals = (
        await session.execute(
            select(
                func.count(Call.id),
                func.count(case((Call.status == "completed", 1))),
                func.count(case((Call.status.in_(FAILED), 1))),
                func.avg(Call.duration),
                func.sum(Call.cost),
            ).where(*f.calls())
        )
    ).one()
    total = totals[0]
    by_status = (
        await session.execute(
            select(Call.status, func.count(Call.id))
            .where(*f.calls())
            .group_by(Call.status)
            .order_by(func.count(Call.id).desc(), Call.status)
        )
    ).all()
    by_reason = (
        await session.execute(
            select(Call.end_call_reason, func.count(Call.id))
            .where(*f.calls(), Call.end_call_reason.is_not(None))
            .group_by(Call.end_call_reason)
            .order_by(func.count(Call.id).desc(), Call.end_call_reason)
        )
    ).all()
    ended = sum(n for _, n in by_reason)
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
    return {
        "total_calls": total,
        "completed_calls": totals[1],
        "failed_calls": totals[2],
        "average_duration": rounded(totals[3], 1),
        "success_rate": percent(totals[1], total),
        "cost_per_call": rounded(Decimal(totals[4] or 0) / total, 6) if total else None,
        "total_cost": rounded(totals[4] or 0, 6),
        "by_status": [
            {"status": s, "count": n, "percentage": percent(n, total)} for s, n in by_status
        ],
        "by_end_call_reason": [
            {"reason": r, "count": n, "percentage": percent(n, ended)} for r, n in by_reason
        ],
        "daily": daily,
    }


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
