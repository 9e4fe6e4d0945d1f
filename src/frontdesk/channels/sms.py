"""SMS channels: texts to a channel's number become conversations in the inbox, answered by the
channel's agent (and by members) with texts.

A text from a number joins that contact's open SMS conversation on the channel, else starts
one (the number is the contact: `for_phones` finds it or creates it). The agent's answer is a
job enqueued with the text, so a text that arrived is answered even if the process stops. STOP
and its synonyms opt the number out (recorded on the contact; nothing more is texted to it, by
anybody); START opts it back in. Neither is answered: the phone network confirms them itself
(Twilio's Advanced Opt-Out).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.agents.models import Agent
from frontdesk.channels.models import Channel
from frontdesk.conversations import schemas as conversation_schemas
from frontdesk.conversations import service as conversation_service
from frontdesk.conversations.models import Conversation, Message
from frontdesk.crm import contacts as contact_service
from frontdesk.crm.models import Contact
from frontdesk.engine import turn
from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import get_clock
from frontdesk.jobs.registry import JobContext, RetryPolicy, job_handler
from frontdesk.telephony import sms as texts
from frontdesk.telephony.models import SMSMessage
from frontdesk.tenancy.models import Workspace

log = structlog.get_logger("frontdesk.channels")
REPLY_JOB = "sms.reply"
# The keywords carriers and Twilio honour, as the whole text (any case, trailing punctuation).
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"})
OPT_IN = frozenset({"START", "UNSTOP", "YES", "OPTIN"})


@dataclass
class Received:
    sms: SMSMessage
    conversation: Conversation | None
    duplicate: bool = False
    keyword: str | None = None  # "opt_out" or "opt_in"


def keyword(body: str) -> str:
    return body.strip().rstrip(".!").strip().upper()


async def _open_conversation(
    session: AsyncSession, channel: Channel, contact: Contact
) -> Conversation | None:
    return await session.scalar(
        select(Conversation)
        .where(
            Conversation.workspace_id == channel.workspace_id,
            Conversation.channel_id == channel.id,
            Conversation.contact_id == contact.id,
            Conversation.status.in_(("active", "pending")),
        )
        .order_by(Conversation.created_at.desc())
        .limit(1)
    )


async def _start_conversation(
    session: AsyncSession, channel: Channel, contact: Contact, customer: str
) -> Conversation:
    agent = await session.get_one(Agent, channel.agent_id)
    conversation = conversation_service.build(
        channel.workspace_id,
        agent,
        "sms",
        contact,
        None,
        {"sms": {"customer": customer, "number": channel.phone_number}},
    )
    conversation.channel_id = channel.id
    session.add(conversation)
    await session.flush()
    await conversation_service.started(session, channel.workspace_id, [conversation])
    return conversation


async def receive(
    session: AsyncSession,
    channel: Channel,
    from_: str,
    body: str,
    *,
    provider: str,
    provider_message_id: str | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> Received:
    """A text to the channel's number, in the caller's transaction: stored in its conversation,
    and its answer enqueued (or the number opted out or in)."""
    if provider_message_id:
        seen = await session.scalar(
            select(SMSMessage).where(
                SMSMessage.provider == provider,
                SMSMessage.provider_message_id == provider_message_id,
                SMSMessage.direction == "inbound",
            )
        )
        if seen is not None:  # the network sent the same text again
            return Received(seen, None, duplicate=True)
    assert channel.phone_number is not None
    contact = (await contact_service.for_phones(session, channel.workspace_id, [(from_, None)]))[
        from_
    ]
    conversation = await _open_conversation(session, channel, contact)
    if conversation is None:
        conversation = await _start_conversation(session, channel, contact, from_)
    content = body.strip() or ("(a picture or file)" if attachments else "(an empty text)")
    stored = await conversation_service.add_customer_message(
        session,
        conversation,
        conversation_schemas.MessageCreate(
            content=content[:10_000],
            attachments=[conversation_schemas.Attachment(**a) for a in attachments or []][:10],
        ),
    )
    sms = SMSMessage(
        id=uuid.uuid4(),
        workspace_id=channel.workspace_id,
        contact_id=contact.id,
        conversation_id=conversation.id,
        message_id=stored.id,
        direction="inbound",
        from_number=from_,
        to_number=channel.phone_number,
        body=body,
        provider=provider,
        provider_message_id=provider_message_id,
        status="received",
    )
    session.add(sms)
    word = keyword(body)
    received = Received(sms, conversation)
    if word in OPT_OUT:
        received.keyword = "opt_out"
        if contact.sms_opted_out_at is None:
            contact.sms_opted_out_at = get_clock().now()
        await conversation_service.add_agent_line(
            session,
            conversation,
            f"{from_} opted out of text messages ({word}): nothing more is texted to it "
            "until it texts START.",
            "sms_opt_out",
            sender_type="system",
        )
    elif word in OPT_IN and contact.sms_opted_out_at is not None:
        received.keyword = "opt_in"
        contact.sms_opted_out_at = None
        await conversation_service.add_agent_line(
            session,
            conversation,
            f"{from_} opted back in to text messages ({word}).",
            "sms_opt_in",
            sender_type="system",
        )
    elif contact.sms_opted_out_at is None and conversation_service.can_reply(conversation):
        await job_service.enqueue(
            session,
            REPLY_JOB,
            {"conversation_id": str(conversation.id), "message_id": str(stored.id)},
            unique_key=f"sms-reply:{stored.id}",
            workspace_id=channel.workspace_id,
        )
    await session.flush()
    return received


@job_handler(REPLY_JOB, retry=RetryPolicy((10, 60)), timeout=180)
async def reply(ctx: JobContext, payload: dict[str, Any]) -> None:
    """The agent answers the texts of a conversation that are still unanswered."""
    async with ctx.sessionmaker() as session:
        conversation = await session.get(Conversation, uuid.UUID(payload["conversation_id"]))
        if conversation is None or not conversation_service.can_reply(conversation):
            return
        agent = await session.get(Agent, conversation.agent_id)
        if agent is None or not agent.enabled:
            return
        last = await session.scalar(
            select(Message)
            .where(
                Message.conversation_id == conversation.id,
                Message.sender_type.in_(("user", "agent", "member")),
            )
            .order_by(Message.created_at.desc(), Message.id.desc())
            .limit(1)
        )
        if last is None or last.sender_type != "user":
            return  # answered already (texts that came together get one answer)
        contact = (
            await session.get(Contact, conversation.contact_id) if conversation.contact_id else None
        )
        if contact is not None and contact.sms_opted_out_at is not None:
            return
        async for item in turn.respond(session, ctx.http, conversation):
            if isinstance(item, turn.Done):
                await conversation_service.finish_reply(
                    session, conversation, item.message, item.ended
                )
        await session.commit()


async def deliver(session: AsyncSession, conversation: Conversation, message: Message) -> None:
    """Text a reply of an SMS conversation to the customer, from the channel's number. A
    member's reply to a number that opted out is refused (409 `SMS_OPTED_OUT`); the agent's is
    kept, marked `not_sent`."""
    info = (conversation.extra or {}).get("sms") or {}
    contact = (
        await session.get(Contact, conversation.contact_id) if conversation.contact_id else None
    )
    to = info.get("customer") or (contact.phone_number if contact else None)
    if not to:
        message.delivery_status = "not_sent"
        return
    workspace = await session.get_one(Workspace, conversation.workspace_id)
    try:
        await texts.queue(
            session,
            workspace,
            to,
            message.content,
            sender=info.get("number"),
            conversation=conversation,
            contact=contact,
            message=message,
        )
    except texts.OptedOut:
        if message.sender_type == "member":
            raise
        message.delivery_status = "not_sent"
        await session.flush()


conversation_service.DELIVERERS["sms"] = deliver
