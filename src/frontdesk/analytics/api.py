"""Analytics: the figures a business runs on, for whole days in the workspace's time zone."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from frontdesk.analytics import export as export_service
from frontdesk.analytics import queries, rollups
from frontdesk.analytics.periods import period
from frontdesk.auth.dependencies import ReadAuth
from frontdesk.db.session import Session
from frontdesk.tenancy import service as tenancy_service
from frontdesk.tenancy.scope import scope_of

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])


async def _filters(
    auth: ReadAuth,
    session: Session,
    start_date: Annotated[
        date | None, Query(description="First day (workspace time); default 6 days before end_date")
    ] = None,
    end_date: Annotated[date | None, Query(description="Last day, included; default today")] = None,
    agent_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    type_of_call: Literal["inbound", "outbound", "widget"] | None = None,
) -> queries.Filters:
    workspace = await tenancy_service.get_workspace(session, scope_of(auth))
    return queries.Filters(
        workspace.id,
        period(start_date, end_date, workspace.timezone or "UTC"),
        agent_id,
        campaign_id,
        type_of_call,
    )


Filters = Annotated[queries.Filters, Depends(_filters)]


@router.get("/overview")
async def overview(f: Filters, session: Session) -> dict[str, Any]:
    """Conversations, agents, response time, satisfaction (1-5), leads and conversion."""
    return await rollups.overview(session, f)


@router.get("/conversations")
async def conversations(
    f: Filters, session: Session, group_by: Literal["day", "week"] = "day"
) -> dict[str, Any]:
    """Conversations per day or week (zero-filled), per channel, and their average length."""
    return await queries.conversations(session, f, group_by)


@router.get("/costs")
async def costs(f: Filters, session: Session) -> dict[str, Any]:
    """Tokens and estimated cost, per model and per agent."""
    return await queries.costs(session, f)


@router.get("/agents")
async def agents(f: Filters, session: Session) -> dict[str, Any]:
    """Per agent: conversations, calls, response time, satisfaction, minutes of calls."""
    return await queries.agents(session, f)


@router.get("/calls")
async def calls(f: Filters, session: Session) -> dict[str, Any]:
    """Calls: totals, success rate, cost per call, by status and end-call reason, per day."""
    return await rollups.calls(session, f)


@router.get("/sentiment")
async def sentiment(f: Filters, session: Session) -> dict[str, Any]:
    """Positive, neutral and negative conversations, with percentages and per day."""
    return await queries.sentiment(session, f)


@router.get("/top-phrases")
async def top_phrases(
    f: Filters, session: Session, limit: Annotated[int, Query(ge=1, le=100)] = 20
) -> list[dict[str, Any]]:
    """The key phrases of the period's conversations: `[{phrase, count, frequency}]`, frequency
    being the percentage of conversations with the phrase."""
    return await queries.top_phrases(session, f, limit)


@router.get("/funnel")
async def funnel(f: Filters, session: Session) -> dict[str, Any]:
    """The period's new leads per lead status."""
    return await queries.funnel(session, f)


@router.get("/activity")
async def activity(f: Filters, session: Session) -> dict[str, Any]:
    """New leads per day (zero-filled)."""
    return await queries.activity(session, f)


@router.get("/export", response_model=None, responses={200: {"content": {"text/csv": {}}}})
async def export(
    f: Filters, session: Session, format: Literal["json", "csv"] = "json"
) -> dict[str, Any] | Response:
    """Calls and how they went, for BI tools: executed actions, assistant performance, call
    statuses, recent calls, durations, end-call reasons and sentiment; or the same as CSV."""
    document = await export_service.export(session, f)
    if format == "csv":
        name = f"frontdesk-analytics-{f.period.start}-{f.period.end}.csv"
        return Response(
            export_service.to_csv(document),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return document
