"""The dispatcher: what gets dialed, within which limits, when; outcomes, retries, completion.
Calls are claimed and their dial jobs queued; the phone network's answers are reported the way
the network reports them (`progress.report`) or the media session ends them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.calls import dialer, progress
from frontdesk.calls.models import Call
from frontdesk.campaigns import hours
from frontdesk.campaigns.models import CampaignRecipient
from frontdesk.events.models import Event
from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import ManualClock
from frontdesk.jobs.models import Job
from frontdesk.jobs.worker import Worker
from frontdesk.tenancy.roles import Role
from tests.campaigns.test_campaigns_api import ALWAYS, agent, campaign
from tests.fixtures.factories import Account, make_account, make_workspace


async def _calls(session: AsyncSession, campaign_id: str, status: str | None = None) -> list[Call]:
    stmt = select(Call).where(Call.campaign_id == uuid.UUID(campaign_id))
    if status:
        stmt = stmt.where(Call.status == status)
    return list((await session.scalars(stmt.order_by(Call.created_at))).all())


async def _dial_jobs(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).where(Job.kind == dialer.DIAL_JOB)) or 0)


async def _end(session: AsyncSession, call: Call, status: str) -> None:
    """A call ends: unanswered ones as the network reports them, answered ones as the media
    session records them."""
    if status in ("busy", "no_answer", "failed"):
        await progress.report(session, call, status)
    else:
        call.status = status
        call.end_call_reason = "voicemail" if status == "hangup_on_voicemail" else "human_goodbye"
        await progress.after_call(session, call)
    await session.flush()


async def test_a_campaign_is_dialed_within_its_limit_retried_and_completed(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession, clock: ManualClock
) -> None:
    sam = await agent(client, owner)
    numbers = [f"+1415555010{i}" for i in range(4)]
    created = (
        await campaign(
            client,
            owner,
            sam["id"],
            phone_numbers=numbers,
            max_concurrent_calls=2,
            retry={"max_attempts": 2, "retry_after_minutes": 10, "on": ["busy"]},
        )
    ).json()
    await client.post(f"/v1/campaigns/{created['id']}/launch", headers=owner.headers)
    assert await dialer.dispatch_family(session, owner.workspace.id) == 2
    assert await dialer.dispatch_family(session, owner.workspace.id) == 0  # at its limit
    first, second = await _calls(session, created["id"])
    assert (first.status, first.direction, first.phone_number_to) == (
        "initiated",
        "outbound",
        numbers[0],
    )
    assert await _dial_jobs(session) == 2
    await _end(session, first, "busy")  # retried in 10 minutes
    assert await dialer.dispatch_family(session, owner.workspace.id) == 1
    await _end(session, second, "completed")
    assert await dialer.dispatch_family(session, owner.workspace.id) == 1
    for call in await _calls(session, created["id"], "initiated"):
        await _end(session, call, "no_answer")  # not retried: only busy is
    assert await dialer.dispatch_family(session, owner.workspace.id) == 0  # the retry waits
    wake_ups = (
        await session.scalars(
            select(Job.run_at).where(Job.kind == dialer.DISPATCH_JOB, Job.run_at > clock.now())
        )
    ).all()
    assert any(abs((w - clock.now()).total_seconds() - 600) < 2 for w in wake_ups)
    clock.advance(601)
    assert await dialer.dispatch_family(session, owner.workspace.id) == 1
    retried = (await _calls(session, created["id"], "initiated"))[0]
    assert retried.phone_number_to == numbers[0]
    await _end(session, retried, "busy")  # the second busy: out of attempts
    stats = (await client.get(f"/v1/campaigns/{created['id']}/stats", headers=owner.headers)).json()
    assert stats["status"] == "completed"
    assert stats["by_status"] == {"busy": 1, "completed": 1, "no_answer": 2}
    assert stats["attempts"] == 5
    assert stats["calls"] == 5
    assert stats["in_flight"] == 0
    assert stats["completion_rate"] == 1.0
    assert stats["answer_rate"] == 0.25
    completed = await session.scalar(
        select(func.count()).where(
            Event.workspace_id == owner.workspace.id, Event.type == "campaign.completed"
        )
    )
    assert completed == 1


async def test_an_agency_and_its_subaccounts_share_the_agencys_limit(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession, clock: ManualClock
) -> None:
    owner.workspace.concurrency = 3
    child = await make_workspace(session, "Shop", parent=owner.workspace)
    child.concurrency = 10
    child_owner = await make_account(session, Role.owner, workspace=child)
    await session.flush()
    raised = await client.patch(
        "/v1/workspace", headers=child_owner.headers, json={"concurrency": 50}
    )
    assert raised.status_code == 403
    assert raised.json()["code"] == "CONCURRENCY_SET_BY_AGENCY"
    for account in (owner, child_owner):
        sam = await agent(client, account)
        created = (
            await campaign(
                client,
                account,
                sam["id"],
                phone_numbers=[f"+1212555010{i}" for i in range(4)],
                max_concurrent_calls=10,
            )
        ).json()
        await client.post(f"/v1/campaigns/{created['id']}/launch", headers=account.headers)
    assert await dialer.dispatch_family(session, child.id) == 3  # one dispatch for the family
    live = await session.scalar(
        select(func.count()).where(
            Call.workspace_id.in_([owner.workspace.id, child.id]), Call.status == "initiated"
        )
    )
    assert live == 3
    assert await dialer.dispatch_family(session, owner.workspace.id) == 0


async def test_outside_calling_hours_nobody_is_called_until_they_open(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession, clock: ManualClock
) -> None:
    sam = await agent(client, owner)
    now = clock.now().astimezone(UTC)
    closed = {"start": "00:00", "end": "00:01", "days": [((now.isoweekday()) % 7) + 1]}
    created = (
        await campaign(
            client,
            owner,
            sam["id"],
            phone_numbers=["+442071838750"],  # London
            calling_hours=closed,
        )
    ).json()
    await client.post(f"/v1/campaigns/{created['id']}/launch", headers=owner.headers)
    assert await dialer.dispatch_family(session, owner.workspace.id) == 0
    opening = hours.next_opening(closed, "Europe/London", now)
    assert opening is not None
    scheduled = (
        await session.scalars(select(Job.run_at).where(Job.kind == dialer.DISPATCH_JOB))
    ).all()
    assert opening.replace(microsecond=0) in {s.replace(microsecond=0) for s in scheduled}
    clock.advance((opening - now).total_seconds() + 1)
    assert await dialer.dispatch_family(session, owner.workspace.id) == 1


async def test_a_dial_interrupted_by_a_crash_is_not_redialed_at_once_nor_lost(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession, clock: ManualClock
) -> None:
    sam = await agent(client, owner)
    created = (await campaign(client, owner, sam["id"], phone_numbers=["+14155550101"])).json()
    await client.post(f"/v1/campaigns/{created['id']}/launch", headers=owner.headers)
    await dialer.dispatch_family(session, owner.workspace.id)
    (call,) = await _calls(session, created["id"])
    call.dial_started_at = clock.now()  # a worker began dialing, then died
    await session.flush()
    await progress.report(session, call, "failed", detail="dial_interrupted")
    recipient = await session.get_one(CampaignRecipient, call.recipient_id)
    assert (recipient.status, recipient.attempts) == ("pending", 0)
    assert await dialer.dispatch_family(session, owner.workspace.id) == 0  # not at once
    clock.advance(31)
    assert await dialer.dispatch_family(session, owner.workspace.id) == 1


def test_calling_hours_across_daylight_saving_changes() -> None:
    window = {"start": "02:30", "end": "05:00", "days": [7]}
    # 2026-03-08 is a Sunday: New York skips 02:00-03:00. The window opens at 03:00 EDT.
    before = datetime(2026, 3, 8, 5, 0, tzinfo=UTC)  # 00:00 EST
    opening = hours.next_opening(window, "America/New_York", before)
    assert opening == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
    # On 2026-11-01 02:30 happens once after the clocks go back (EST): 07:30 UTC.
    autumn = hours.next_opening(window, "America/New_York", datetime(2026, 11, 1, 4, tzinfo=UTC))
    assert autumn == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)
    assert hours.is_open(window, "America/New_York", datetime(2026, 11, 1, 8, tzinfo=UTC))
    assert not hours.is_open(window, "America/New_York", datetime(2026, 11, 1, 11, tzinfo=UTC))
    assert hours.is_open(None, "Asia/Tokyo", before)  # no hours: any time
    assert ALWAYS["days"] == [1, 2, 3, 4, 5, 6, 7]


async def test_calls_whose_process_died_are_swept(
    client: httpx.AsyncClient,
    owner: Account,
    session: AsyncSession,
    clock: ManualClock,
    worker: Worker,
) -> None:
    sam = await agent(client, owner)
    created = (
        await campaign(
            client,
            owner,
            sam["id"],
            phone_numbers=["+14155550101", "+14155550102"],
            max_concurrent_calls=2,
        )
    ).json()
    await client.post(f"/v1/campaigns/{created['id']}/launch", headers=owner.headers)
    await dialer.dispatch_family(session, owner.workspace.id)
    answered, ringing = await _calls(session, created["id"])
    answered.status, answered.start_time = "in_progress", clock.now()
    answered.heartbeat_at = clock.now()
    await session.flush()
    clock.advance(60)
    await job_service.enqueue(session, dialer.SWEEP_JOB)
    await session.commit()
    await worker.run_until_idle()
    await session.refresh(answered)
    assert answered.status == "in_progress"  # its heartbeat is recent enough
    clock.advance(200)
    await job_service.enqueue(session, dialer.SWEEP_JOB)
    await session.commit()
    await worker.run_until_idle()
    await session.refresh(answered)
    await session.refresh(ringing)
    assert (answered.status, answered.end_detail) == ("failed", "lost")
    assert (ringing.status, ringing.end_detail) == ("failed", "no_progress")
    stats = (await client.get(f"/v1/campaigns/{created['id']}/stats", headers=owner.headers)).json()
    assert stats["by_status"] == {"failed": 2}
    assert stats["status"] == "completed"
