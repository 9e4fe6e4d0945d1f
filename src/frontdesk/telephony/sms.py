"""Text messages through the workspace's phone network (Twilio, or the simulated network),
each kept in `sms_messages` with what became of it."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.agents.models import Agent
from frontdesk.conversations.models import Conversation
from frontdesk.crm import gdpr
from frontdesk.crm.models import Contact
from frontdesk.telephony import registry
from frontdesk.telephony import service as number_service
from frontdesk.telephony.models import SMSMessage
from frontdesk.telephony.provider import TelephonyError
from frontdesk.tenancy.models import Workspace

MAX_BODY = 1600  # Twilio's limit for one message (ten segments)


async def send(
    session: AsyncSession,
    http: httpx.AsyncClient,
    conversation: Conversation,
    contact: Contact | None,
    to: str,
    body: str,
) -> tuple[bool, dict[str, Any], str | None]:
    """Send `body` to `to` for a conversation; returns (ok, result, error) for the tool record."""
    workspace = await session.get_one(Workspace, conversation.workspace_id)
    agent = await session.get(Agent, conversation.agent_id) if conversation.agent_id else None
    sender = await number_service.caller_id(
        session, workspace.id, workspace.telephony_provider, agent.phone_number if agent else None
    )
    if sender is None:
        return False, {}, "the workspace has no phone number to text from"
    message = SMSMessage(
        workspace_id=workspace.id,
        contact_id=contact.id if contact else None,
        conversation_id=conversation.id,
        call_id=_call_id(conversation),
        direction="outbound",
        from_number=sender,
        to_number=to,
        body=body[:MAX_BODY],
        provider=workspace.telephony_provider,
        status="queued",
    )
    session.add(message)
    await session.flush()
    try:
        provider = registry.provider_for(workspace, None, http)
        message.provider_message_id = await provider.send_sms(to, sender, message.body)
        message.status = "sent"
    except TelephonyError as exc:
        message.status, message.error = "failed", exc.message
    await session.flush()
    result = {
        "message_id": str(message.id),
        "to": to,
        "body": message.body,
        "status": message.status,
    }
    return message.status == "sent", result, message.error


def _call_id(conversation: Conversation) -> Any:
    import uuid

    raw = (conversation.extra or {}).get("call_id")
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
