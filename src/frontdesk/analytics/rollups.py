"""Daily rollups: finished days of a workspace summed into small tables, so that the overview
and call figures of a month read a few hundred rows instead of a million messages.

A job (`analytics.roll_up`, hourly) rolls up each workspace's days up to yesterday in its time
zone, and rolls the last `REROLL_DAYS` again each time (a call that ended after midnight, an
analysis or a rating that came late). Queries read rolled days from the tables and the days
after them live, and add the two; a filter the rollups do not keep (a campaign or a type of
call, for the conversation figures) and a time zone changed since are answered live.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Uuid,
    and_,
    case,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.analytics import queries
from frontdesk.analytics.periods import Period
from frontdesk.calls.models import Call
from frontdesk.conversations.models import Conversation, Message
from frontdesk.db.base import Base
from frontdesk.jobs.clock import get_clock
from frontdesk.jobs.registry import JobContext, job_handler
from frontdesk.jobs.scheduler import periodic
from frontdesk.tenancy.models import Workspace

log = structlog.get_logger("frontdesk.analytics")
ROLL_UP_JOB = "analytics.roll_up"
REROLL_DAYS = 3
CHUNK_DAYS = 31


class RollupState(Base):
    """How far a workspace's days are rolled up, and in which time zone."""

    __tablename__ = "analytics_rollup_state"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    timezone: Mapped[str] = mapped_column(String(64))
    rolled_through: Mapped[str] = mapped_column(String(10))  # a local date, YYYY-MM-DD


def _table(name: str, *columns: Column[Any]) -> Table:
    return Table(
        name,
        Base.metadata,
        Column(
            "workspace_id", Uuid, ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False
        ),
        Column("day", String(10), nullable=False),
        *columns,
        Index(f"ix_{name}_workspace_day", "workspace_id", "day"),
    )


daily_conversations = _table(
    "analytics_daily_conversations",
    Column("agent_id", Uuid),
    Column("conversations", Integer, nullable=False),
    Column("messages", Integer, nullable=False),
    Column("rating_sum", Float, nullable=False),
    Column("ratings", Integer, nullable=False),
)
daily_replies = _table(
    "analytics_daily_replies",
    Column("agent_id", Uuid),
    Column("latency_sum", Float, nullable=False),
    Column("latencies", Integer, nullable=False),
)
daily_calls = _table(
    "analytics_daily_calls",
    Column("agent_id", Uuid),
    Column("campaign_id", Uuid),
    Column("direction", String(10)),
    Column("status", String(30)),
    Column("end_call_reason", String(40)),
    Column("calls", Integer, nullable=False),
    Column("duration_sum", Float, nullable=False),
    Column("durations", Integer, nullable=False),
    Column("cost", Numeric(18, 6), nullable=False),
)
TABLES = (daily_conversations, daily_replies, daily_calls)


async def _first_day(session: AsyncSession, workspace_id: uuid.UUID, zone: Any) -> date | None:
    earliest = [
        await session.scalar(
            select(func.min(model.created_at)).where(model.workspace_id == workspace_id)
        )
        for model in (Conversation, Call)
    ]
    found = [e for e in earliest if e is not None]
    return min(found).astimezone(zone).date() if found else None


async def _roll(session: AsyncSession, workspace_id: uuid.UUID, period: Period) -> None:
    """Replace the rollup rows of the period's days with fresh sums."""
    first, last = period.start.isoformat(), period.end.isoformat()
    for table in TABLES:
        await session.execute(
            delete(table).where(
                table.c.workspace_id == workspace_id, table.c.day >= first, table.c.day <= last
            )
        )
    buckets = queries.bucket_table(period)

    def during(model: Any) -> Any:
        return and_(
            model.workspace_id == workspace_id,
            model.created_at >= buckets.c.lo,
            model.created_at < buckets.c.hi,
        )

    c = Conversation
    await session.execute(
        insert(daily_conversations).from_select(
            [
                "workspace_id",
                "day",
                "agent_id",
                "conversations",
                "messages",
                "rating_sum",
                "ratings",
            ],
            select(
                c.workspace_id,
                buckets.c.label,
                c.agent_id,
                func.count(c.id),
                func.coalesce(func.sum(c.message_count), 0),
                func.coalesce(func.sum(c.rating), 0),
                func.count(c.rating),
            )
            .select_from(buckets)
            .join(c, during(c))
            .group_by(c.workspace_id, buckets.c.label, c.agent_id),
        )
    )
    latency = Message.response_ms
    await session.execute(
        insert(daily_replies).from_select(
            ["workspace_id", "day", "agent_id", "latency_sum", "latencies"],
            select(
                Message.workspace_id,
                buckets.c.label,
                c.agent_id,
                func.coalesce(func.sum(latency), 0),
                func.count(latency),
            )
            .select_from(buckets)
            .join(Message, and_(during(Message), queries.REPLY))
            .join(c, c.id == Message.conversation_id)
            .group_by(Message.workspace_id, buckets.c.label, c.agent_id),
        )
    )
    await session.execute(
        insert(daily_calls).from_select(
            [
                "workspace_id",
                "day",
                "agent_id",
                "campaign_id",
                "direction",
                "status",
                "end_call_reason",
                "calls",
                "duration_sum",
                "durations",
                "cost",
            ],
            select(
                Call.workspace_id,
                buckets.c.label,
                Call.agent_id,
                Call.campaign_id,
                Call.direction,
                Call.status,
                Call.end_call_reason,
                func.count(Call.id),
                func.coalesce(func.sum(Call.duration), 0),
                func.count(Call.duration),
                func.coalesce(func.sum(Call.cost), 0),
            )
            .select_from(buckets)
            .join(Call, during(Call))
            .group_by(
                Call.workspace_id,
                buckets.c.label,
                Call.agent_id,
                Call.campaign_id,
                Call.direction,
                Call.status,
                Call.end_call_reason,
            ),
        )
    )


async def roll_up(session: AsyncSession, workspace_id: uuid.UUID, timezone: str) -> int:
    """Roll up the workspace's finished days not rolled yet (and the last few again); returns
    how many days were rolled. The caller commits."""
    zone = ZoneInfo(timezone)
    yesterday = get_clock().now().astimezone(zone).date() - timedelta(days=1)
    state = await session.get(RollupState, workspace_id)
    if state is not None and state.timezone != timezone:
        for table in TABLES:  # other days: everything again
            await session.execute(delete(table).where(table.c.workspace_id == workspace_id))
        await session.delete(state)
        await session.flush()
        state = None
    if state is not None:
        first = date.fromisoformat(state.rolled_through) - timedelta(days=REROLL_DAYS - 1)
    else:
        found = await _first_day(session, workspace_id, zone)
        first = found if found is not None else yesterday
    if first > yesterday:
        return 0
    day = first
    while day <= yesterday:
        last = min(day + timedelta(days=CHUNK_DAYS - 1), yesterday)
        await _roll(session, workspace_id, Period(day, last, timezone))
        day = last + timedelta(days=1)
    if state is None:
        state = RollupState(workspace_id=workspace_id, timezone=timezone, rolled_through="")
        session.add(state)
    state.rolled_through = yesterday.isoformat()
    await session.flush()
    return (yesterday - first).days + 1


@job_handler(ROLL_UP_JOB, timeout=1800)
async def roll_up_all(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.sessionmaker() as session:
        workspaces = (await session.execute(select(Workspace.id, Workspace.timezone))).all()
    rolled = 0
    for workspace_id, timezone in workspaces:
        async with ctx.sessionmaker() as session:
            rolled += await roll_up(session, workspace_id, timezone or "UTC")
            await session.commit()
    if rolled:
        log.info("analytics_rolled_up", days=rolled, workspaces=len(workspaces))


periodic(ROLL_UP_JOB, "7 * * * *", ROLL_UP_JOB)


# -- reading ------------------------------------------------------------------------------------


async def _split(session: AsyncSession, f: queries.Filters) -> tuple[Period | None, Period | None]:
    """The period's rolled-up days, and the days after them (read live)."""
    state = await session.get(RollupState, f.workspace_id)
    if state is None or state.timezone != f.period.timezone:
        return None, f.period
    through = date.fromisoformat(state.rolled_through)
    rolled = live = None
    if f.period.start <= through:
        rolled = Period(f.period.start, min(f.period.end, through), f.period.timezone)
    if f.period.end > through:
        live = Period(
            max(f.period.start, through + timedelta(days=1)), f.period.end, f.period.timezone
        )
    return rolled, live


def _days(table: Table, workspace_id: uuid.UUID, period: Period) -> list[Any]:
    return [
        table.c.workspace_id == workspace_id,
        table.c.day >= period.start.isoformat(),
        table.c.day <= period.end.isoformat(),
    ]


async def overview(session: AsyncSession, f: queries.Filters) -> dict[str, Any]:
    if f.campaign_id or f.direction:
        return await queries.overview(session, f)
    rolled, live = await _split(session, f)
    parts = queries.OverviewParts()
    if rolled is not None:
        t, r = daily_conversations, daily_replies
        agent = [t.c.agent_id == f.agent_id] if f.agent_id else []
        totals = (
            await session.execute(
                select(
                    func.sum(t.c.conversations),
                    func.sum(t.c.messages),
                    func.sum(t.c.rating_sum),
                    func.sum(t.c.ratings),
                ).where(*_days(t, f.workspace_id, rolled), *agent)
            )
        ).one()
        agents = await session.scalars(
            select(t.c.agent_id).where(*_days(t, f.workspace_id, rolled), *agent).distinct()
        )
        reply_agent = [r.c.agent_id == f.agent_id] if f.agent_id else []
        replies = (
            await session.execute(
                select(func.sum(r.c.latency_sum), func.sum(r.c.latencies)).where(
                    *_days(r, f.workspace_id, rolled), *reply_agent
                )
            )
        ).one()
        leads, converted = await queries.lead_counts(session, replace(f, period=rolled))
        parts += queries.OverviewParts(
            conversations=int(totals[0] or 0),
            agents={a for a in agents.all() if a is not None},
            messages=int(totals[1] or 0),
            rating_sum=float(totals[2] or 0),
            ratings=int(totals[3] or 0),
            latency_sum=float(replies[0] or 0),
            latencies=int(replies[1] or 0),
            leads=leads,
            converted=converted,
        )
    if live is not None:
        parts += await queries.overview_parts(session, replace(f, period=live))
    return queries.overview_of(parts, await queries.active_conversations(session, f))


async def calls(session: AsyncSession, f: queries.Filters) -> dict[str, Any]:
    rolled, live = await _split(session, f)
    parts = queries.CallParts()
    if rolled is not None:
        t = daily_calls
        where = _days(t, f.workspace_id, rolled)
        if f.agent_id:
            where.append(t.c.agent_id == f.agent_id)
        if f.campaign_id:
            where.append(t.c.campaign_id == f.campaign_id)
        if f.direction:
            where.append(t.c.direction == f.direction)
        totals = (
            await session.execute(
                select(
                    func.sum(t.c.duration_sum), func.sum(t.c.durations), func.sum(t.c.cost)
                ).where(*where)
            )
        ).one()
        statuses = await session.execute(
            select(t.c.status, func.sum(t.c.calls)).where(*where).group_by(t.c.status)
        )
        reasons = await session.execute(
            select(t.c.end_call_reason, func.sum(t.c.calls))
            .where(*where, t.c.end_call_reason.is_not(None))
            .group_by(t.c.end_call_reason)
        )
        daily = await session.execute(
            select(
                t.c.day,
                func.sum(t.c.calls),
                func.sum(case((t.c.status == "completed", t.c.calls), else_=0)),
                func.sum(case((t.c.status.in_(queries.FAILED), t.c.calls), else_=0)),
            )
            .where(*where)
            .group_by(t.c.day)
        )
        parts += queries.CallParts(
            Counter({s: int(n) for s, n in statuses.all()}),
            Counter({r: int(n) for r, n in reasons.all()}),
            float(totals[0] or 0),
            int(totals[1] or 0),
            Decimal(totals[2] or 0),
            {
                d: Counter({"total": int(n), "completed": int(done), "failed": int(bad)})
                for d, n, done, bad in daily.all()
            },
        )
    if live is not None:
        parts += await queries.call_parts(session, replace(f, period=live))
    return queries.calls_of(parts, f.period)
