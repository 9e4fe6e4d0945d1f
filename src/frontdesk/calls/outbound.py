"""Outbound calls made through the API: queued, then dialed by the dispatcher."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.agents.models import Agent
from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.calls import dialer, schemas
from frontdesk.calls.models import Call
from frontdesk.calls.service import contact_for_phone, open_call
from frontdesk.errors import AppError
from frontdesk.jobs.clock import get_clock
from frontdesk.settings import get_settings
from frontdesk.telephony import service as number_service
from frontdesk.telephony.models import PhoneNumber
from frontdesk.tenancy.models import Workspace
from frontdesk.tenancy.scope import WorkspaceScope

AVERAGE_CALL_SECONDS = 90  # for the eta of a call that waits for a free line


async def _from_number(
    session: AsyncSession, scope: WorkspaceScope, agent: Agent, wanted: str | None, provider: str
) -> str:
    if wanted is not None and provider == "twilio":
        owned = await session.scalar(
            scope.apply(select(PhoneNumber.id), PhoneNumber).where(
                PhoneNumber.phone_number == wanted
            )
        )
        if owned is None:
            raise AppError(
                f"{wanted} is not one of the workspace's numbers; add it under /v1/phone-numbers",
                "FROM_NUMBER_NOT_OWNED",
                400,
                details={"from_number": "not a number of this workspace"},
            )
    chosen = await number_service.caller_id(
        session, scope.workspace_id, provider, wanted or agent.phone_number
    )
    if chosen is None:
        raise AppError(
            "The workspace has no number to call from; add one under /v1/phone-numbers",
            "FROM_NUMBER_MISSING",
            400,
        )
    return chosen


async def queue_outbound(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, data: schemas.CallCreate
) -> tuple[Call, int]:
    """An outbound call, queued: dialed as soon as the workspace has a free line."""
    agent = await scope.get(session, Agent, data.agent_id, "agent")
    workspace = await session.get_one(Workspace, scope.workspace_id)
    provider = workspace.telephony_provider
    phone_from = await _from_number(session, scope, agent, data.from_number, provider)
    contact = await contact_for_phone(session, scope, data.phone, data.name)
    if contact is not None and (data.lead_email or data.lead_timezone):
        if data.lead_email and not contact.email:
            contact.email = str(data.lead_email).lower()
        if data.lead_timezone:
            contact.extra = {**(contact.extra or {}), "timezone": data.lead_timezone}
    call = await open_call(
        session,
        scope,
        agent,
        direction="outbound",
        provider=provider,
        contact=contact,
        phone_from=phone_from,
        phone_to=data.phone,
        custom_variables=data.custom_variables,
        prompt_override=data.prompt,
        greeting_override=data.greeting,
        status="queued",
    )
    now = get_clock().now()
    call.dial_at, call.lead_name = now, data.name
    call.extra = {
        **(call.extra or {}),
        **({"lead_email": str(data.lead_email)} if data.lead_email else {}),
        **({"lead_timezone": data.lead_timezone} if data.lead_timezone else {}),
    }
    await session.flush()
    await dialer.request_dispatch(session, workspace.id)
    await audit_service.record(session, auth, "call.create", "call", call.id)
    return call, await _eta(session, workspace, call)


async def _eta(session: AsyncSession, workspace: Any, call: Call) -> int:
    """Seconds until the call is likely dialed: at once with a free line, else after the calls
    ahead of it have had their turn."""
    limit = workspace.concurrency or get_settings().call_concurrency
    live = await session.scalar(
        select(func.count()).where(Call.workspace_id == workspace.id, Call.status.in_(dialer.LIVE))
    )
    ahead = await session.scalar(
        select(func.count()).where(
            Call.workspace_id == workspace.id,
            Call.status == "queued",
            Call.dial_at <= call.dial_at,
            Call.id != call.id,
        )
    )
    waiting = int(live or 0) + int(ahead or 0) - limit + 1
    return 1 if waiting <= 0 else 1 + -(-waiting // limit) * AVERAGE_CALL_SECONDS
