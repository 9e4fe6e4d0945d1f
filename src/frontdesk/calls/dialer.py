"""Outbound dialing: which queued calls and campaign recipients are dialed now, without ever
exceeding a workspace's, its agency's or a campaign's concurrency, also with several workers.

One `calls.dispatch` job serves a family of workspaces (an agency and its subaccounts). It locks
the family's root row (PostgreSQL; SQLite has one writer at a time), counts the live calls,
claims what fits (a queued call or a recipient becomes an `initiated` call) and enqueues a
`calls.dial` job for each, all in one transaction: a crash loses nothing and dials nobody twice.
A dispatch runs whenever a call is queued, a campaign launched or resumed, and a call ends (its
slot frees up); it also schedules itself for the next moment something becomes due (a retry, a
campaign's start, calling hours opening).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.calls.models import Call
from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import get_clock
from frontdesk.jobs.registry import NO_RETRY, JobContext, RetryPolicy, job_handler
from frontdesk.jobs.scheduler import periodic
from frontdesk.settings import get_settings
from frontdesk.tenancy.models import Workspace

log = structlog.get_logger("frontdesk.dialer")
DISPATCH_JOB = "calls.dispatch"
DIAL_JOB = "calls.dial"
LIVE = ("initiated", "in_progress")
_REQUESTED = "frontdesk.dispatch_requested"


async def family_root(session: AsyncSession, workspace_id: uuid.UUID) -> uuid.UUID:
    parent = await session.scalar(select(Workspace.parent_id).where(Workspace.id == workspace_id))
    return parent or workspace_id


async def request_dispatch(
    session: AsyncSession, workspace_id: uuid.UUID, at: datetime | None = None
) -> None:
    """Ask for a dispatch of the workspace's family (once per transaction for "now")."""
    root = await family_root(session, workspace_id)
    if at is None:
        requested: set[uuid.UUID] = session.info.setdefault(_REQUESTED, set())
        if root in requested:
            return
        requested.add(root)
        await job_service.enqueue(session, DISPATCH_JOB, {"workspace_id": str(root)})
        return
    # A timed wake-up: one job per family and moment (to the second).
    key = f"dispatch:{root}:{at.replace(microsecond=0).isoformat()}"
    await job_service.enqueue(
        session,
        DISPATCH_JOB,
        {"workspace_id": str(root)},
        run_at=at,
        unique_key=key,
        workspace_id=root,
    )


class Capacity:
    """Free call slots of each workspace of a family, under its own limit and the family's."""

    def __init__(
        self, limits: dict[uuid.UUID, int], active: dict[uuid.UUID, int], family: int | None
    ) -> None:
        self.free = {w: max(0, limits[w] - active.get(w, 0)) for w in limits}
        self.family_free = None if family is None else max(0, family - sum(active.values()))

    def room(self, workspace_id: uuid.UUID) -> int:
        mine = self.free.get(workspace_id, 0)
        return mine if self.family_free is None else min(mine, self.family_free)

    def take(self, workspace_id: uuid.UUID, count: int) -> None:
        self.free[workspace_id] -= count
        if self.family_free is not None:
            self.family_free -= count


async def _capacity(session: AsyncSession, root_id: uuid.UUID) -> tuple[Capacity, list[Workspace]]:
    lock = select(Workspace).where(Workspace.id == root_id)
    if session.get_bind().dialect.name == "postgresql":
        lock = lock.with_for_update()
    root = await session.scalar(lock)
    if root is None:
        return Capacity({}, {}, None), []
    children = list(
        (await session.scalars(select(Workspace).where(Workspace.parent_id == root_id))).all()
    )
    family = [root, *children]
    default = get_settings().call_concurrency
    limits = {w.id: w.concurrency or default for w in family}
    rows = await session.execute(
        select(Call.workspace_id, func.count())
        .where(Call.workspace_id.in_(limits), Call.status.in_(LIVE))
        .group_by(Call.workspace_id)
    )
    active = {workspace_id: int(count) for workspace_id, count in rows.all()}
    return Capacity(limits, active, root.concurrency if children else None), family


async def _claim_queued(
    session: AsyncSession, workspace_id: uuid.UUID, limit: int, now: datetime
) -> list[Call]:
    stmt = (
        select(Call)
        .where(
            Call.workspace_id == workspace_id,
            Call.status == "queued",
            Call.dial_at <= now,
        )
        .order_by(Call.dial_at, Call.created_at)
        .limit(limit)
    )
    calls = list((await session.scalars(stmt)).all())
    for call in calls:
        call.status = "initiated"
    return calls


async def enqueue_dial(session: AsyncSession, call: Call) -> None:
    await job_service.enqueue(
        session,
        DIAL_JOB,
        {"call_id": str(call.id)},
        unique_key=f"dial:{call.id}",
        workspace_id=call.workspace_id,
    )


async def dispatch_family(session: AsyncSession, workspace_id: uuid.UUID) -> int:
    """Claim and queue for dialing what fits now in the workspace's family (the agency and
    its subaccounts); returns how many calls were started."""
    from frontdesk.campaigns import dialing

    root_id = await family_root(session, workspace_id)
    now = get_clock().now()
    capacity, family = await _capacity(session, root_id)
    started = 0
    next_due: list[datetime] = []
    for workspace in family:
        room = capacity.room(workspace.id)
        if room > 0:
            calls = await _claim_queued(session, workspace.id, room, now)
            for call in calls:
                await enqueue_dial(session, call)
            capacity.take(workspace.id, len(calls))
            started += len(calls)
        started += await dialing.dial_campaigns(session, workspace.id, capacity, now, next_due)
        queued_later = await session.scalar(
            select(func.min(Call.dial_at)).where(
                Call.workspace_id == workspace.id, Call.status == "queued", Call.dial_at > now
            )
        )
        if queued_later is not None:
            next_due.append(queued_later)
    if next_due:
        await request_dispatch(session, root_id, at=max(min(next_due), now + timedelta(seconds=1)))
    await session.flush()
    return started


@job_handler(DISPATCH_JOB, retry=RetryPolicy((1, 5, 30, 120)), timeout=120)
async def dispatch(ctx: JobContext, payload: dict[str, Any]) -> None:
    root_id = uuid.UUID(payload["workspace_id"])
    async with ctx.sessionmaker() as session:
        started = await dispatch_family(session, root_id)
        await session.commit()
    if started:
        log.info("calls_dispatched", workspace_id=str(root_id), calls=started)


@job_handler(DIAL_JOB, retry=NO_RETRY, timeout=60)
async def dial(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Place one claimed call through the workspace's phone network."""
    from frontdesk.calls import progress
    from frontdesk.telephony import registry
    from frontdesk.telephony.provider import TelephonyError

    call_id = uuid.UUID(payload["call_id"])
    async with ctx.sessionmaker() as session:
        call = await session.get(Call, call_id)
        if call is None or call.status != "initiated" or call.provider_call_id:
            return
        if call.dial_started_at is not None:
            # A dial that did not finish (its worker died): the call may or may not be ringing;
            # it is not dialed again now. A campaign tries the recipient again later.
            await progress.report(session, call, "failed", detail="dial_interrupted")
            await session.commit()
            return
        call.dial_started_at = get_clock().now()
        workspace = await session.get_one(Workspace, call.workspace_id)
        request = registry.outbound_request(call)
        await session.commit()
    try:
        provider = registry.provider_for(workspace, ctx.sessionmaker, ctx.http)
        sid = await provider.place_call(request)
    except TelephonyError as exc:
        log.warning("dial_failed", call_id=str(call_id), error=exc.message)
        async with ctx.sessionmaker() as session:
            call = await session.get_one(Call, call_id)
            await progress.report(session, call, "failed", detail="dial_failed")
            call.extra = {**(call.extra or {}), "dial_error": exc.message[:500]}
            await session.commit()
        return
    async with ctx.sessionmaker() as session:
        call = await session.get_one(Call, call_id)
        call.provider_call_id = sid
        await session.commit()


SWEEP_JOB = "calls.sweep"
LOST_AFTER = timedelta(seconds=90)  # six missed heartbeats
UNANSWERED_AFTER = timedelta(minutes=3)  # a dialed call the network never reported on


@job_handler(SWEEP_JOB, retry=NO_RETRY, timeout=120)
async def sweep(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Calls whose process died (no heartbeat) or that the network never reported on end as
    failed, so their slots and recipients are not held for ever."""
    from frontdesk.calls import progress
    from frontdesk.calls.service import to_schema
    from frontdesk.events import service as event_service

    now = get_clock().now()
    async with ctx.sessionmaker() as session:
        lost = (
            await session.scalars(
                select(Call).where(
                    Call.status == "in_progress",
                    func.coalesce(Call.heartbeat_at, Call.start_time) < now - LOST_AFTER,
                )
            )
        ).all()
        for call in lost:
            call.status, call.end_call_reason, call.end_detail = "failed", "error", "lost"
            call.end_time = now
            await session.flush()
            await event_service.emit(
                session,
                call.workspace_id,
                "call.ended",
                to_schema(call).model_dump(mode="json"),
                contact_id=call.contact_id,
            )
            await progress.after_call(session, call)
        silent = (
            await session.scalars(
                select(Call).where(
                    Call.status == "initiated",
                    Call.direction == "outbound",
                    Call.created_at < now - UNANSWERED_AFTER,
                )
            )
        ).all()
        for call in silent:
            await progress.report(session, call, "failed", detail="no_progress")
        await session.commit()
    if lost or silent:
        log.warning("calls_swept", lost=len(lost), unanswered=len(silent))


periodic("calls.sweep", "* * * * *", SWEEP_JOB)
