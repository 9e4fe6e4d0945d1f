"""Campaigns: their recipients, launch, pause, resume, cancel and statistics."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from phonenumbers import timezone as number_zones
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.agents.models import Agent
from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.calls.dialer import LIVE, request_dispatch
from frontdesk.calls.models import Call
from frontdesk.campaigns import schemas
from frontdesk.campaigns.models import Campaign, CampaignRecipient
from frontdesk.crm import gdpr
from frontdesk.crm.models import Contact, Phonebook, PhonebookEntry
from frontdesk.errors import AppError, Conflict, NotFound
from frontdesk.jobs.clock import get_clock
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.tenancy.scope import WorkspaceScope

FINAL = ("completed", "no_answer", "busy", "voicemail", "failed", "cancelled", "skipped")
STRUCTURE = ("agent_id", "from_number", "start_time", "timezone")


class CannotLaunch(AppError):
    status = 409
    code = "CAMPAIGN_CANNOT_LAUNCH"


def to_schema(campaign: Campaign) -> schemas.Campaign:
    return schemas.Campaign(
        id=campaign.id,
        name=campaign.name,
        agent_id=campaign.agent_id,
        status=campaign.status,
        from_number=campaign.from_number,
        start_time=campaign.start_time,
        end_time=campaign.end_time,
        calling_hours=schemas.CallingHours.model_validate(campaign.calling_hours)
        if campaign.calling_hours
        else None,
        timezone=campaign.timezone,
        max_concurrent_calls=campaign.max_concurrent_calls,
        retry=schemas.Retry.model_validate(campaign.retry or {}),
        custom_variables=campaign.custom_variables or {},
        recipient_count=campaign.recipient_count,
        launched_at=campaign.launched_at,
        paused_at=campaign.paused_at,
        completed_at=campaign.completed_at,
        cancelled_at=campaign.cancelled_at,
        created_at=campaign.created_at,
        updated_at=campaign.updated_at,
    )


def zone_of(number: str, fallback: str) -> str:
    """The time zone of a number's area when it has exactly one, else `fallback`."""
    try:
        zones = number_zones.time_zones_for_number(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return fallback
    return zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else fallback


async def get(session: AsyncSession, scope: WorkspaceScope, campaign_id: uuid.UUID) -> Campaign:
    return await scope.get(session, Campaign, campaign_id, "campaign")


async def _people(
    session: AsyncSession, scope: WorkspaceScope, data: schemas.Recipients
) -> list[tuple[str, str | None, uuid.UUID | None, str | None]]:
    """(phone, name, contact id, time zone) of everyone named, in order."""
    people: list[tuple[str, str | None, uuid.UUID | None, str | None]] = [
        (number, None, None, None) for number in data.phone_numbers or []
    ]
    if data.phonebook_id is not None:
        await scope.get(session, Phonebook, data.phonebook_id, "phonebook")
        entries = await session.scalars(
            select(PhonebookEntry)
            .where(PhonebookEntry.phonebook_id == data.phonebook_id)
            .order_by(PhonebookEntry.created_at)
        )
        people += [(e.phone_number, e.name, None, None) for e in entries.all()]
    if data.contact_ids:
        wanted = set(data.contact_ids)
        contacts = (
            await session.scalars(
                scope.apply(select(Contact), Contact).where(Contact.id.in_(wanted))
            )
        ).all()
        missing = wanted - {c.id for c in contacts}
        if missing:
            raise NotFound("contact", "CONTACT_NOT_FOUND")
        without = [str(c.id) for c in contacts if not c.phone_number]
        if without:
            raise AppError(
                "Some contacts have no phone number",
                "CONTACT_WITHOUT_PHONE",
                400,
                details={"contact_ids": without},
            )
        people += [
            (c.phone_number, c.name, c.id, (c.extra or {}).get("timezone"))
            for c in contacts
            if c.phone_number
        ]
    return people


async def add_recipients(
    session: AsyncSession, campaign: Campaign, people: Iterable[tuple[str, str | None, Any, Any]]
) -> tuple[int, int]:
    """Add recipients, skipping numbers the campaign has; returns (added, duplicates)."""
    existing = set(
        (
            await session.scalars(
                select(CampaignRecipient.phone_number).where(
                    CampaignRecipient.campaign_id == campaign.id
                )
            )
        ).all()
    )
    now = get_clock().now()
    start = max(now, campaign.start_time) if campaign.start_time else now
    rows: list[dict[str, Any]] = []
    duplicates = 0
    zones = set(campaign.timezones or [])
    for phone, name, contact_id, zone in people:
        if phone in existing:
            duplicates += 1
            continue
        existing.add(phone)
        zone = zone or zone_of(phone, campaign.timezone)
        zones.add(zone)
        rows.append(
            {
                "id": uuid.uuid4(),
                "campaign_id": campaign.id,
                "workspace_id": campaign.workspace_id,
                "phone_number": phone,
                "contact_id": contact_id,
                "name": name,
                "timezone": zone,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": start,
                # Distinct times keep the order given: recipients are called in that order.
                "created_at": now + timedelta(microseconds=len(rows)),
                "updated_at": now,
            }
        )
    for offset in range(0, len(rows), 1000):
        await session.execute(insert(CampaignRecipient), rows[offset : offset + 1000])
    campaign.recipient_count += len(rows)
    campaign.timezones = sorted(zones)
    await session.flush()
    return len(rows), duplicates


async def create(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, data: schemas.CampaignCreate
) -> Campaign:
    await scope.get(session, Agent, data.agent_id, "agent")
    campaign = Campaign(
        workspace_id=scope.workspace_id,
        name=data.name,
        agent_id=data.agent_id,
        status="draft",
        from_number=data.from_number,
        start_time=data.start_time,
        end_time=data.end_time,
        calling_hours=data.calling_hours.model_dump() if data.calling_hours else None,
        timezone=data.timezone or "UTC",
        max_concurrent_calls=data.max_concurrent_calls or 1,
        retry=(data.retry or schemas.Retry()).model_dump(),
        custom_variables=dict(data.custom_variables or {}),
        recipient_count=0,
        timezones=[],
    )
    session.add(campaign)
    await session.flush()
    await add_recipients(session, campaign, await _people(session, scope, data))
    await audit_service.record(session, auth, "campaign.create", "campaign", campaign.id)
    return campaign


async def add(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    campaign_id: uuid.UUID,
    data: schemas.Recipients,
) -> schemas.RecipientsAdded:
    campaign = await get(session, scope, campaign_id)
    if campaign.status in ("completed", "cancelled"):
        raise Conflict(
            f"The campaign is {campaign.status}; recipients cannot be added", "CAMPAIGN_CLOSED"
        )
    added, duplicates = await add_recipients(session, campaign, await _people(session, scope, data))
    if campaign.status == "active" and added:
        await request_dispatch(session, campaign.workspace_id)
    await audit_service.record(
        session, auth, "campaign.recipients", "campaign", campaign.id, {"added": added}
    )
    return schemas.RecipientsAdded(
        added=added, duplicates=duplicates, recipient_count=campaign.recipient_count
    )


async def update_campaign(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    campaign_id: uuid.UUID,
    data: schemas.CampaignUpdate,
) -> Campaign:
    campaign = await get(session, scope, campaign_id)
    fields = data.model_fields_set
    if campaign.status in ("completed", "cancelled"):
        raise Conflict(f"A {campaign.status} campaign cannot change", "CAMPAIGN_CLOSED")
    if campaign.status != "draft" and fields & set(STRUCTURE):
        raise Conflict(
            f"{', '.join(sorted(fields & set(STRUCTURE)))} can change only while the campaign "
            "is a draft",
            "CAMPAIGN_NOT_DRAFT",
        )
    if "agent_id" in fields and data.agent_id is not None:
        await scope.get(session, Agent, data.agent_id, "agent")
    for field in fields:
        value = getattr(data, field)
        if field in ("calling_hours", "retry") and value is not None:
            value = value.model_dump()
        setattr(campaign, field, value)
    start, end = campaign.start_time, campaign.end_time
    if start and end and start >= end:
        raise AppError("start_time must be before end_time", "VALIDATION_ERROR", 400)
    await session.flush()
    if campaign.status == "active":
        await request_dispatch(session, campaign.workspace_id)
    await audit_service.record(
        session, auth, "campaign.update", "campaign", campaign.id, {"fields": sorted(fields)}
    )
    return campaign


async def delete(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, campaign_id: uuid.UUID
) -> None:
    campaign = await get(session, scope, campaign_id)
    if campaign.status in ("active", "paused"):
        raise Conflict("Cancel the campaign before deleting it", "CAMPAIGN_ACTIVE")
    await session.delete(campaign)
    await session.flush()
    await audit_service.record(session, auth, "campaign.delete", "campaign", campaign_id)


async def _reasons_not_to_launch(
    session: AsyncSession, campaign: Campaign, now: datetime
) -> list[tuple[str, str]]:
    from frontdesk.campaigns.dialing import from_number
    from frontdesk.tenancy.models import Workspace

    reasons = []
    if campaign.status != "draft":
        reasons.append(("not_draft", f"only a draft can be launched; it is {campaign.status}"))
    if campaign.recipient_count == 0:
        reasons.append(("no_recipients", "it has no recipients"))
    agent = await session.get(Agent, campaign.agent_id) if campaign.agent_id else None
    if agent is None:
        reasons.append(("no_agent", "its agent was deleted"))
    elif not agent.enabled:
        reasons.append(("agent_disabled", "its agent is disabled"))
    if campaign.end_time is not None and campaign.end_time <= now:
        reasons.append(("window_ended", "its end time has passed"))
    workspace = await session.get_one(Workspace, campaign.workspace_id)
    if (
        agent is not None
        and workspace.telephony_provider == "twilio"
        and not await from_number(session, campaign, agent, "twilio")
    ):
        reasons.append(("no_from_number", "it has no number to call from"))
    return reasons


async def launch(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, campaign_id: uuid.UUID
) -> Campaign:
    campaign = await get(session, scope, campaign_id)
    now = get_clock().now()
    reasons = await _reasons_not_to_launch(session, campaign, now)
    if reasons:
        raise CannotLaunch(
            "The campaign cannot be launched: " + "; ".join(text for _, text in reasons),
            details={"reasons": [code for code, _ in reasons]},
        )
    campaign.status, campaign.launched_at = "active", now
    start = max(now, campaign.start_time) if campaign.start_time else now
    await session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.status == "pending")
        .values(next_attempt_at=start)
    )
    await session.flush()
    await request_dispatch(session, campaign.workspace_id)
    await audit_service.record(session, auth, "campaign.launch", "campaign", campaign.id)
    return campaign


async def set_state(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    campaign_id: uuid.UUID,
    action: str,
) -> Campaign:
    """Pause (no new calls; calls in progress finish), resume, or cancel a campaign."""
    campaign = await get(session, scope, campaign_id)
    allowed = {"pause": ("active",), "resume": ("paused",), "cancel": ("draft", "active", "paused")}
    if campaign.status not in allowed[action]:
        raise Conflict(
            f"A {campaign.status} campaign cannot be {action}d", "CAMPAIGN_STATE_CONFLICT"
        )
    now = get_clock().now()
    if action == "pause":
        campaign.status, campaign.paused_at = "paused", now
    elif action == "resume":
        campaign.status = "active"
        await request_dispatch(session, campaign.workspace_id)
    else:
        campaign.status, campaign.cancelled_at = "cancelled", now
        await session.execute(
            update(CampaignRecipient)
            .where(
                CampaignRecipient.campaign_id == campaign.id,
                CampaignRecipient.status == "pending",
            )
            .values(status="cancelled", updated_at=now)
        )
    await session.flush()
    await audit_service.record(session, auth, f"campaign.{action}", "campaign", campaign.id)
    return campaign


async def list_campaigns(
    session: AsyncSession,
    scope: WorkspaceScope,
    pagination: Pagination,
    status: str | None = None,
    agent_id: uuid.UUID | None = None,
) -> tuple[list[Campaign], int]:
    stmt = scope.apply(select(Campaign), Campaign)
    if status:
        stmt = stmt.where(Campaign.status == status)
    if agent_id:
        stmt = stmt.where(Campaign.agent_id == agent_id)
    return await paginate(
        session, stmt.order_by(Campaign.created_at.desc(), Campaign.id), pagination
    )


async def list_recipients(
    session: AsyncSession,
    scope: WorkspaceScope,
    campaign_id: uuid.UUID,
    pagination: Pagination,
    status: str | None = None,
) -> tuple[list[CampaignRecipient], int]:
    campaign = await get(session, scope, campaign_id)
    stmt = select(CampaignRecipient).where(CampaignRecipient.campaign_id == campaign.id)
    if status:
        stmt = stmt.where(CampaignRecipient.status == status)
    stmt = stmt.order_by(CampaignRecipient.created_at, CampaignRecipient.id)
    return await paginate(session, stmt, pagination)


async def stats_of(session: AsyncSession, campaign: Campaign) -> schemas.Stats:
    rows = await session.execute(
        select(
            CampaignRecipient.status,
            func.count(),
            func.coalesce(func.sum(CampaignRecipient.attempts), 0),
        )
        .where(CampaignRecipient.campaign_id == campaign.id)
        .group_by(CampaignRecipient.status)
    )
    by_status: dict[str, int] = {}
    attempts = 0
    for status, count, tried in rows.all():
        by_status[status] = int(count)
        attempts += int(tried)
    calls = await session.execute(
        select(Call.status, func.count())
        .where(Call.campaign_id == campaign.id)
        .group_by(Call.status)
    )
    calls_by_status = {status: int(count) for status, count in calls.all()}
    total = sum(by_status.values())
    done = sum(n for s, n in by_status.items() if s in FINAL)
    return schemas.Stats(
        campaign_id=campaign.id,
        status=campaign.status,
        recipients=total,
        by_status=by_status,
        attempts=attempts,
        calls=sum(calls_by_status.values()),
        calls_by_status=calls_by_status,
        in_flight=sum(n for s, n in calls_by_status.items() if s in LIVE),
        completion_rate=round(done / total, 4) if total else 0.0,
        answer_rate=round(by_status.get("completed", 0) / total, 4) if total else 0.0,
    )


async def contact_exporter(session: AsyncSession, contact: Contact) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(CampaignRecipient).where(CampaignRecipient.contact_id == contact.id)
    )
    return [
        {
            **schemas.Recipient.model_validate(r).model_dump(mode="json"),
            "campaign_id": str(r.campaign_id),
        }
        for r in rows.all()
    ]


gdpr.register_contact_table("campaign_recipients")
gdpr.register_exporter("campaign_recipients", contact_exporter)
