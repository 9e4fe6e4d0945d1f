"""The analytics export: the calls of a period and how they went, as one object (executed
actions, assistant performance, call statuses, recent calls, durations, end-call reasons,
sentiment), or as CSV rows for BI tools."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import String, case, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.agents.models import Agent
from frontdesk.analytics import queries
from frontdesk.analytics.queries import Filters
from frontdesk.calls.models import Call

RECENT = 20


async def _executed_actions(session: AsyncSession, f: Filters) -> dict[str, Any]:
    buckets = queries.bucket_table(f.period)
    kept = select(Call.created_at, Call.executed_actions).where(*f.calls()).subquery("kept")
    name: Any
    if session.get_bind().dialect.name == "postgresql":
        action = func.jsonb_array_elements(kept.c.executed_actions).table_valued("value")
        name = action.c.value.op("->>")(literal_column("'name'", String))
    else:
        action = func.json_each(kept.c.executed_actions).table_valued("value")
        name = func.json_extract(action.c.value, "$.name")
    rows = (
        await session.execute(
            select(buckets.c.label, name.label("name"), func.count().label("value"))
            .select_from(kept)
            .join(buckets, (kept.c.created_at >= buckets.c.lo) & (kept.c.created_at < buckets.c.hi))
            .join(action, literal_column("true"))
            .group_by(buckets.c.label, name)
        )
    ).all()
    per_name: dict[str, dict[str, int]] = {}
    for label, action_name, value in rows:
        per_name.setdefault(str(action_name), {})[label] = value
    days = [d.isoformat() for d in f.period.days]
    items: list[dict[str, Any]] = [
        {
            "name": action_name,
            "value": sum(by_day.values()),
            "series": [{"date": d, "value": by_day.get(d, 0)} for d in days],
        }
        for action_name, by_day in per_name.items()
    ]
    items.sort(key=lambda i: (-int(i["value"]), str(i["name"])))
    return {"items": items}


async def _minutes_by_agent(session: AsyncSession, f: Filters) -> dict[Any, tuple[float, int, int]]:
    rows = await session.execute(
        select(
            Call.agent_id,
            func.sum(Call.duration),
            func.count(Call.id),
            func.count(case((Call.status == "completed", 1))),
        )
        .where(*f.calls(), Call.agent_id.is_not(None))
        .group_by(Call.agent_id)
    )
    return {a: (float(s or 0) / 60, n, done) for a, s, n, done in rows.all()}


async def export(session: AsyncSession, f: Filters) -> dict[str, Any]:
    calls = await queries.calls(session, f)
    sentiment = await session.execute(
        select(
            func.count(case((Call.sentiment == "positive", 1))), func.count(Call.sentiment)
        ).where(*f.calls())
    )
    positive, judged = sentiment.one()
    sentiment_daily = await queries.series(
        session,
        f.period,
        Call,
        f.calls(in_period=False),
        {
            "positive": func.count(case((Call.sentiment == "positive", 1))),
            "total": func.count(Call.sentiment),
        },
    )
    now, before = (
        await _minutes_by_agent(session, f),
        await _minutes_by_agent(
            session,
            Filters(f.workspace_id, f.period.previous(), f.agent_id, f.campaign_id, f.type_of_call),
        ),
    )
    names = await queries.agent_names(session, set(now))
    performance = []
    for agent, (minutes, count, done) in now.items():
        previous = before.get(agent, (0.0, 0, 0))[0]
        change = round((minutes - previous) * 100 / previous, 2) if previous else 100.0
        performance.append(
            {
                "model_id": str(agent),
                "name": names.get(agent),
                "minutes_used": round(minutes, 2),
                "calls": count,
                "success_rate": queries.percent(done, count),
                "percentage_change": change,
            }
        )
    performance.sort(key=lambda p: (-float(p["minutes_used"] or 0), str(p["model_id"])))
    recent = (
        await session.execute(
            select(Call, Agent.name)
            .outerjoin(Agent, Agent.id == Call.agent_id)
            .where(*f.calls())
            .order_by(Call.created_at.desc(), Call.id)
            .limit(RECENT)
        )
    ).all()
    totals = (
        await session.execute(
            select(func.sum(Call.duration), func.count(Call.id)).where(*f.calls())
        )
    ).one()
    total_minutes = float(totals[0] or 0) / 60
    return {
        "from_date": f.period.start.isoformat(),
        "to_date": f.period.end.isoformat(),
        "executed_actions": await _executed_actions(session, f),
        "assistant_performance": {"by_minutes_used": performance},
        "call_status_stat": {
            "items": [
                {"status": s["status"], "value": s["count"], "percentage": s["percentage"]}
                for s in calls["by_status"]
            ],
            "series": [
                {"date": d["date"], "completed": d["completed"], "failed": d["failed"]}
                for d in calls["daily"]
            ],
        },
        "recent_call_history": {
            "items": [
                {
                    "call_id": str(call.id),
                    "call_status": call.status,
                    "duration": call.duration,
                    "agent_name": agent_name,
                    "lead_phone_number": call.phone_number_from
                    if call.direction == "inbound"
                    else call.phone_number_to,
                    "created_at": call.created_at.isoformat().replace("+00:00", "Z"),
                }
                for call, agent_name in recent
            ]
        },
        "duration_metrics": {
            "total_minutes": round(total_minutes, 2),
            "average_duration": round(total_minutes / totals[1], 2) if totals[1] else 0.0,
            "total_calls": totals[1],
        },
        "end_call_reason_stat": {
            "items": [
                {"reason": r["reason"], "value": r["count"], "percentage": r["percentage"]}
                for r in calls["by_end_call_reason"]
            ]
        },
        "sentiment_stat": {
            "positive_percentage": queries.percent(positive, judged),
            "series": sentiment_daily,
        },
    }


def to_csv(document: dict[str, Any]) -> str:
    """One row per figure: section, name, date, value, percentage."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "name", "date", "value", "percentage"])
    for item in document["executed_actions"]["items"]:
        writer.writerow(["executed_actions", item["name"], "", item["value"], ""])
        for point in item["series"]:
            writer.writerow(["executed_actions", item["name"], point["date"], point["value"], ""])
    for p in document["assistant_performance"]["by_minutes_used"]:
        writer.writerow(["minutes_used", p["name"] or p["model_id"], "", p["minutes_used"], ""])
    for s in document["call_status_stat"]["items"]:
        writer.writerow(["call_status", s["status"], "", s["value"], s["percentage"]])
    for point in document["call_status_stat"]["series"]:
        writer.writerow(["call_status", "completed", point["date"], point["completed"], ""])
        writer.writerow(["call_status", "failed", point["date"], point["failed"], ""])
    for r in document["end_call_reason_stat"]["items"]:
        writer.writerow(["end_call_reason", r["reason"], "", r["value"], r["percentage"]])
    metrics = document["duration_metrics"]
    for key in ("total_minutes", "average_duration", "total_calls"):
        writer.writerow(["duration_metrics", key, "", metrics[key], ""])
    sentiment = document["sentiment_stat"]
    writer.writerow(["sentiment", "positive", "", "", sentiment["positive_percentage"]])
    for point in sentiment["series"]:
        writer.writerow(["sentiment", "positive", point["date"], point["positive"], ""])
        writer.writerow(["sentiment", "total", point["date"], point["total"], ""])
    for call in document["recent_call_history"]["items"]:
        writer.writerow(
            [
                "recent_call",
                call["call_id"],
                call["created_at"],
                call["duration"],
                call["call_status"],
            ]
        )
    return out.getvalue()
