"""A campaign's part of a dispatch: its due recipients become calls within its concurrency and
calling hours; a call's end becomes its recipient's outcome (a retry, or final); the campaign
completes when nobody is left to call."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.agents.models import Agent
from frontdesk.calls import service as call_service
from frontdesk.calls.dialer import DIAL_JOB, LIVE, Capacity
from frontdesk.calls.models import Call
from frontdesk.campaigns import hours
from frontdesk.campaigns.models import Campaign, CampaignRecipient
from frontdesk.crm import contacts as contact_service
from frontdesk.events import service as event_service
from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import get_clock
from frontdesk.telephony import service as number_service
from frontdesk.tenancy.models import Workspace
from frontdesk.tenancy.scope import system_scope

log = structlog.get_logger("frontdesk.campaigns")
OUTCOMES = {
    "completed": "completed",
    "hangup_on_voicemail": "voicemail",
    "no_answer": "no_answer",
    "busy": "busy",
    "failed": "failed",
}
FINAL = ("completed", "no_answer", "busy", "voicemail", "failed", "cancelled", "skipped")
INTERRUPTED_RETRY_SECONDS = 30


async def _lock(session: AsyncSession, campaign_id: Any) -> Campaign | None:
    stmt = select(Campaign).where(Campaign.id == campaign_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return await session.scalar(stmt)


async def dial_campaigns(
    session: AsyncSession,
    workspace_id: Any,
    capacity: Capacity,
    now: datetime,
    next_due: list[datetime],
) -> int:
    campaigns = (
        await session.scalars(
            select(Campaign)
            .where(Campaign.workspace_id == workspace_id, Campaign.status == "active")
            .order_by(Campaign.launched_at, Campaign.id)
        )
    ).all()
    started = 0
    for campaign in campaigns:
        if campaign.end_time is not None:
            if now >= campaign.end_time:
                await _expire(session, campaign, now)
                continue
            next_due.append(campaign.end_time)
        live = await session.scalar(
            select(func.count()).where(Call.campaign_id == campaign.id, Call.status.in_(LIVE))
        )
        room = min(capacity.room(workspace_id), campaign.max_concurrent_calls - int(live or 0))
        if room <= 0:
            continue
        recipients = await _due(session, campaign, room, now, next_due)
        agent = await session.get(Agent, campaign.agent_id) if campaign.agent_id else None
        if recipients and (agent is None or not agent.enabled):
            campaign.status, campaign.paused_at = "paused", now
            log.warning("campaign_paused_agent_unavailable", campaign_id=str(campaign.id))
            continue
        if recipients:
            assert agent is not None
            await _start_calls(session, campaign, agent, recipients)
        capacity.take(workspace_id, len(recipients))
        started += len(recipients)
        if not recipients and not live:
            await complete_if_done(session, campaign)
    return started


async def _due(
    session: AsyncSession, campaign: Campaign, limit: int, now: datetime, next_due: list[datetime]
) -> list[CampaignRecipient]:
    zones = campaign.timezones or [campaign.timezone]
    open_zones = [z for z in zones if hours.is_open(campaign.calling_hours, z, now)]
    for zone in set(zones) - set(open_zones):
        opening = hours.next_opening(campaign.calling_hours, zone, now)
        if opening is not None:
            next_due.append(opening)
    pending = select(CampaignRecipient).where(
        CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.status == "pending"
    )
    if len(open_zones) < len(zones):
        pending = pending.where(CampaignRecipient.timezone.in_(open_zones))
    due = list(
        (
            await session.scalars(
                pending.where(CampaignRecipient.next_attempt_at <= now)
                .order_by(CampaignRecipient.next_attempt_at, CampaignRecipient.created_at)
                .limit(limit)
            )
        ).all()
    )
    if len(due) < limit:
        later = await session.scalar(
            select(func.min(CampaignRecipient.next_attempt_at)).where(
                CampaignRecipient.campaign_id == campaign.id,
                CampaignRecipient.status == "pending",
                CampaignRecipient.next_attempt_at > now,
            )
        )
        if later is not None:
            next_due.append(later)
    return due


async def from_number(
    session: AsyncSession, campaign: Campaign, agent: Agent, provider: str
) -> str | None:
    """The number a campaign calls from: its own, its agent's, or the workspace's first."""
    return await number_service.caller_id(
        session, campaign.workspace_id, provider, campaign.from_number or agent.phone_number
    )


async def _start_calls(
    session: AsyncSession, campaign: Campaign, agent: Agent, recipients: list[CampaignRecipient]
) -> None:
    """Calls for due recipients, with their contacts, conversations and dial jobs: a handful
    of statements for the whole batch."""
    scope = system_scope(campaign.workspace_id)
    contacts = await contact_service.for_phones(
        session, campaign.workspace_id, [(r.phone_number, r.name) for r in recipients]
    )
    workspace = await session.get_one(Workspace, campaign.workspace_id)
    caller_id = await from_number(session, campaign, agent, workspace.telephony_provider)
    calls = await call_service.open_calls(
        session,
        scope,
        agent,
        [
            call_service.NewCall(
                direction="outbound",
                provider=workspace.telephony_provider,
                contact=contacts[r.phone_number],
                phone_from=caller_id,
                phone_to=r.phone_number,
                custom_variables=dict(campaign.custom_variables or {}),
                campaign_id=campaign.id,
                recipient_id=r.id,
                lead_name=r.name,
            )
            for r in recipients
        ],
    )
    for recipient, call in zip(recipients, calls, strict=True):
        recipient.contact_id = call.contact_id
        recipient.status = "calling"
        recipient.attempts += 1
        recipient.last_call_id = call.id
    await session.flush()
    await job_service.enqueue_many(
        session,
        DIAL_JOB,
        [{"call_id": str(call.id)} for call in calls],
        workspace_id=campaign.workspace_id,
    )


async def record_outcome(session: AsyncSession, call: Call) -> None:
    """A campaign call ended: retry its recipient, or give them their final status."""
    recipient = await session.get(CampaignRecipient, call.recipient_id)
    if recipient is None or recipient.last_call_id != call.id:
        return
    campaign = await _lock(session, recipient.campaign_id)
    if campaign is None:
        return
    now = get_clock().now()
    outcome = OUTCOMES.get(call.status, "failed")
    recipient.last_outcome = outcome if call.end_detail != "dial_interrupted" else "interrupted"
    retry = campaign.retry or {}
    open_campaign = campaign.status in ("active", "paused")
    if call.end_detail == "dial_interrupted" and open_campaign:
        # Our side failed mid-dial: the attempt does not count, and nobody was called twice.
        recipient.attempts = max(0, recipient.attempts - 1)
        recipient.status = "pending"
        recipient.next_attempt_at = now + timedelta(seconds=INTERRUPTED_RETRY_SECONDS)
    elif (
        open_campaign
        and outcome in retry.get("on", [])
        and recipient.attempts < int(retry.get("max_attempts", 1))
    ):
        recipient.status = "pending"
        minutes = float(retry.get("retry_after_minutes", 60))
        recipient.next_attempt_at = now + timedelta(minutes=minutes)
    else:
        recipient.status = "cancelled" if campaign.status == "cancelled" else outcome
    await session.flush()
    await complete_if_done(session, campaign)


async def complete_if_done(session: AsyncSession, campaign: Campaign) -> None:
    if campaign.status not in ("active", "paused"):
        return
    open_count = await session.scalar(
        select(func.count()).where(
            CampaignRecipient.campaign_id == campaign.id,
            CampaignRecipient.status.in_(("pending", "calling")),
        )
    )
    if open_count:
        return
    campaign.status = "completed"
    campaign.completed_at = get_clock().now()
    await session.flush()
    from frontdesk.campaigns import service as campaign_service

    stats = await campaign_service.stats_of(session, campaign)
    await event_service.emit(
        session,
        campaign.workspace_id,
        "campaign.completed",
        {
            **campaign_service.to_schema(campaign).model_dump(mode="json"),
            "stats": stats.model_dump(mode="json"),
        },
    )


async def _expire(session: AsyncSession, campaign: Campaign, now: datetime) -> None:
    """The campaign's end time has come: nobody more is called."""
    await session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.status == "pending")
        .values(status="skipped", updated_at=now)
    )
    await complete_if_done(session, campaign)
