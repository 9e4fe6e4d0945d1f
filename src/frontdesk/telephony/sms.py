"""Text messages through the workspace's phone network (Twilio, or the simulated network),
each kept in `sms_messages` with what became of it.

Every outgoing text passes `record_outbound`, which refuses a number that texted STOP: neither
the agent, a member, an action, a campaign nor a workflow can text it until it texts START.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import structlog
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from frontdesk.agents.models import Agent
from frontdesk.conversations.models import Conversation, Message
from frontdesk.crm import gdpr
from frontdesk.crm.models import Contact
from frontdesk.errors import AppError, Conflict
from frontdesk.events import service as event_service
from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import get_clock
from frontdesk.jobs.registry import JobContext, RetryPolicy, job_handler
from frontdesk.settings import get_settings
from frontdesk.telephony import registry
from frontdesk.telephony import service as number_service
from frontdesk.telephony.models import SMSMessage
from frontdesk.telephony.provider import TelephonyError
from frontdesk.tenancy.models import Workspace

log = structlog.get_logger("frontdesk.telephony")
MAX_BODY = 1600  # Twilio's limit for one message (ten segments)
DELIVER_JOB = "sms.deliver"
# How far along a text is: a late or repeated status callback never moves it back.
_RANK = {"queued": 0, "sent": 1, "delivered": 2, "undelivered": 2, "failed": 2, "not_sent": 2}


class OptedOut(Conflict):
    code = "SMS_OPTED_OUT"


async def opted_out(session: AsyncSession, workspace_id: uuid.UUID, phone: str) -> bool:
    """Whether `phone` texted STOP to the workspace (and not START since)."""
    found = await session.scalar(
        select(Contact.id).where(
            Contact.workspace_id == workspace_id,
            Contact.phone_number == phone,
            Contact.sms_opted_out_at.is_not(None),
        )
    )
    return found is not None


def status_url(sms: SMSMessage) -> str:
    """Where the network reports what became of a text (Twilio's StatusCallback)."""
    base = get_settings().public_url.rstrip("/")
    return f"{base}/telephony/twilio/sms/status?sms_id={sms.id}"


async def record_outbound(
    session: AsyncSession,
    workspace: Workspace,
    to: str,
    body: str,
    *,
    sender: str | None = None,
    conversation: Conversation | None = None,
    contact: Contact | None = None,
    message: Message | None = None,
) -> SMSMessage:
    """A text to send, stored as `queued`; raises `OptedOut` for a number that texted STOP and
    409 `SMS_NO_SENDER` when the workspace has no number to text from."""
    if await opted_out(session, workspace.id, to):
        raise OptedOut(
            f"{to} has opted out of text messages (replied STOP): nothing can be texted to it "
            "until it texts START",
            details={"phone_number": to},
        )
    if sender is None:
        agent = (
            await session.get(Agent, conversation.agent_id)
            if conversation is not None and conversation.agent_id
            else None
        )
        sender = await number_service.caller_id(
            session,
            workspace.id,
            workspace.telephony_provider,
            agent.phone_number if agent else None,
        )
    if sender is None:
        raise AppError(
            "The workspace has no phone number to text from; add one under /v1/phone-numbers",
            "SMS_NO_SENDER",
            409,
        )
    sms = SMSMessage(
        id=uuid.uuid4(),
        workspace_id=workspace.id,
        contact_id=contact.id if contact else (conversation.contact_id if conversation else None),
        conversation_id=conversation.id if conversation else None,
        call_id=_call_id(conversation),
        message_id=message.id if message else None,
        direction="outbound",
        from_number=sender,
        to_number=to,
        body=body[:MAX_BODY],
        provider=workspace.telephony_provider,
        status="queued",
    )
    session.add(sms)
    if message is not None:
        message.delivery_status = "queued"
    await session.flush()
    return sms


async def transmit(
    session: AsyncSession, http: httpx.AsyncClient, workspace: Workspace, sms: SMSMessage
) -> None:
    """Hand a queued text to the network; a refusal marks it `failed` with the reason.
    A network that could not be reached raises `TelephonyError` (transient: try again)."""
    provider = registry.provider_for(workspace, None, http)
    try:
        sent = await provider.send_sms(sms.to_number, sms.from_number, sms.body, status_url(sms))
    except TelephonyError as exc:
        status = exc.details.get("http_status")
        if status is None or status >= 500 or status == 429:
            raise
        await report_status(session, sms, "failed", exc.message)
        return
    sms.provider_message_id = sent.sid
    await report_status(session, sms, sent.status)


async def queue(
    session: AsyncSession,
    workspace: Workspace,
    to: str,
    body: str,
    **kwargs: Any,
) -> SMSMessage:
    """Send a text durably: stored and handed to the network by a job, both committed with the
    caller's transaction."""
    sms = await record_outbound(session, workspace, to, body, **kwargs)
    await job_service.enqueue(
        session,
        DELIVER_JOB,
        {"sms_id": str(sms.id)},
        unique_key=f"sms:{sms.id}",
        workspace_id=workspace.id,
    )
    return sms


@job_handler(DELIVER_JOB, retry=RetryPolicy((10, 60, 300, 1800)), timeout=60)
async def deliver(ctx: JobContext, payload: dict[str, Any]) -> None:
    async with ctx.sessionmaker() as session:
        sms = await session.get(SMSMessage, uuid.UUID(payload["sms_id"]))
        if sms is None or sms.status != "queued":
            return
        if await opted_out(session, sms.workspace_id, sms.to_number):
            await report_status(session, sms, "not_sent", "the number opted out (STOP)")
            await session.commit()
            return
        workspace = await session.get_one(Workspace, sms.workspace_id)
        try:
            await transmit(session, ctx.http, workspace, sms)
        except TelephonyError as exc:
            if not ctx.is_last_attempt:
                raise
            await report_status(session, sms, "failed", exc.message)
        await session.commit()


async def report_status(
    session: AsyncSession, sms: SMSMessage, status: str, error: str | None = None
) -> None:
    """What the network says became of a text (also its conversation message's status). A
    status never moves a text back (callbacks come late, twice, or before the API's answer):
    the update only applies to a row that is still behind, as the database has it."""
    rank = _RANK.get(status)
    if rank is None:
        return
    await session.flush()
    behind = [s for s, r in _RANK.items() if r < rank]
    values: dict[str, Any] = {"status": status, "updated_at": get_clock().now()}
    if error:
        values["error"] = error[:2000]
    moved = await session.execute(
        update(SMSMessage)
        .where(SMSMessage.id == sms.id, SMSMessage.status.in_(behind))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not getattr(moved, "rowcount", 0):
        return
    for key, value in values.items():
        set_committed_value(sms, key, value)
    message = await session.get(Message, sms.message_id) if sms.message_id else None
    if message is not None:
        message.delivery_status = status
        await session.flush()
        await event_service.emit(
            session,
            sms.workspace_id,
            "message.updated",
            {
                "id": str(message.conversation_id),
                "message": {
                    "id": str(message.id),
                    "conversation_id": str(message.conversation_id),
                    "delivery_status": status,
                    "error": sms.error,
                },
            },
            contact_id=sms.contact_id,
        )


async def send(
    session: AsyncSession,
    http: httpx.AsyncClient,
    conversation: Conversation,
    contact: Contact | None,
    to: str,
    body: str,
) -> tuple[bool, dict[str, Any], str | None]:
    """Text `body` to `to` now, for an action during a conversation; returns (ok, result,
    error) for the action's record."""
    workspace = await session.get_one(Workspace, conversation.workspace_id)
    try:
        sms = await record_outbound(
            session, workspace, to, body, conversation=conversation, contact=contact
        )
    except AppError as exc:
        return False, {"to": to}, exc.message
    try:
        await transmit(session, http, workspace, sms)
    except TelephonyError as exc:
        await report_status(session, sms, "failed", exc.message)
    result = {"message_id": str(sms.id), "to": to, "body": sms.body, "status": sms.status}
    return sms.status in ("sent", "delivered"), result, sms.error


def _call_id(conversation: Conversation | None) -> uuid.UUID | None:
    raw = (conversation.extra or {}).get("call_id") if conversation is not None else None
    return uuid.UUID(raw) if raw else None


async def contact_exporter(session: AsyncSession, contact: Contact) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(SMSMessage)
        .where(SMSMessage.contact_id == contact.id)
        .order_by(SMSMessage.created_at)
    )
    return [
        {
            "id": str(m.id),
            "direction": m.direction,
            "from": m.from_number,
            "to": m.to_number,
            "body": m.body,
            "status": m.status,
            "created_at": m.created_at.isoformat(),
        }
        for m in rows.all()
    ]


gdpr.register_contact_table("sms_messages")
gdpr.register_exporter("sms_messages", contact_exporter)
