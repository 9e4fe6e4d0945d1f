"""Conversations: messages from customers, AI replies, human takeover, tags and statuses."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.agents import service as agent_service
from frontdesk.agents.models import Agent, AgentLink
from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.channels.models import Channel
from frontdesk.conversations import schemas
from frontdesk.conversations import search as message_search
from frontdesk.conversations.models import Conversation, Message
from frontdesk.crm import contacts as contact_service
from frontdesk.crm import gdpr
from frontdesk.crm.models import Contact
from frontdesk.engine import prompt
from frontdesk.errors import AppError, Conflict, NotFound
from frontdesk.events import service as event_service
from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import get_clock
from frontdesk.kit import templates
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.tenancy import service as tenancy_service
from frontdesk.tenancy.scope import WorkspaceScope

# Channels whose messages go out through another network (an SMS conversation's replies are
# texted) register a deliverer: it runs in the transaction that stores a reply from the agent or
# a member, and may refuse it (a member's reply to a number that opted out).
Deliverer = Callable[[AsyncSession, Conversation, Message], Awaitable[None]]
DELIVERERS: dict[str, Deliverer] = {}


async def _deliver(session: AsyncSession, conversation: Conversation, message: Message) -> None:
    deliverer = DELIVERERS.get(conversation.channel)
    if deliverer is not None and message.content.strip():
        await deliverer(session, conversation, message)


def to_schema(conversation: Conversation) -> schemas.Conversation:
    return schemas.Conversation.model_validate(conversation)


def message_schema(message: Message) -> schemas.Message:
    return schemas.Message.model_validate(message)


def _event_data(conversation: Conversation, **extra: Any) -> dict[str, Any]:
    return {**to_schema(conversation).model_dump(mode="json"), **extra}


async def _emit(
    session: AsyncSession, conversation: Conversation, type_: str, **extra: Any
) -> None:
    await event_service.emit(
        session,
        conversation.workspace_id,
        type_,
        _event_data(conversation, **extra),
        contact_id=conversation.contact_id,
    )


async def _agent(session: AsyncSession, scope: WorkspaceScope, agent_id: uuid.UUID) -> Agent:
    return await scope.get(session, Agent, agent_id, "agent")


async def messages_of(session: AsyncSession, conversation_id: uuid.UUID) -> list[Message]:
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation_id)
        .order_by(Message.created_at, Message.id)
    )
    return list(rows.all())


async def page_of_messages(
    session: AsyncSession,
    conversation_id: uuid.UUID,
    pagination: Pagination,
    include_notes: bool = True,
) -> tuple[list[Message], int]:
    stmt = select(Message).where(Message.conversation_id == conversation_id)
    if not include_notes:
        stmt = stmt.where(Message.sender_type != "note")
    return await paginate(session, stmt.order_by(Message.created_at, Message.id), pagination)


def _add_message(
    session: AsyncSession,
    conversation: Conversation,
    sender_type: str,
    content: str,
    sender_id: uuid.UUID | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> Message:
    message = _new_message(conversation, sender_type, content, sender_id, attachments)
    _count(session, conversation, message)
    return message


def _new_message(
    conversation: Conversation,
    sender_type: str,
    content: str,
    sender_id: uuid.UUID | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> Message:
    now = get_clock().now()
    return Message(
        id=uuid.uuid4(),
        conversation_id=conversation.id,
        workspace_id=conversation.workspace_id,
        sender_type=sender_type,
        sender_id=sender_id,
        content=content,
        search_text=message_search.index_text(content),
        attachments=attachments or [],
        created_at=now,
        updated_at=now,
    )


def _count(session: AsyncSession, conversation: Conversation, message: Message) -> None:
    """Add the message to the session and to the conversation's counters."""
    session.add(message)
    if message.sender_type != "note":
        conversation.message_count = (conversation.message_count or 0) + 1
        conversation.last_message_at = message.created_at


async def create(
    session: AsyncSession,
    auth: AuthContext | None,
    scope: WorkspaceScope,
    data: schemas.ConversationCreate,
    greet: bool = True,
) -> tuple[Conversation, list[Message]]:
    """Start a conversation; the agent's greeting is its first message (on a call it is stored
    when it is spoken instead: `greet=False`)."""
    agent = await _agent(session, scope, data.agent_id)
    if not agent.enabled:
        raise Conflict("This agent is disabled; enable it first", "AGENT_DISABLED")
    contact = (
        await contact_service.get(session, scope, data.contact_id) if data.contact_id else None
    )
    channel: Channel | None
    if data.channel_id:
        channel = await scope.get(session, Channel, data.channel_id, "channel")
    else:  # the agent's channel of that type, when it has one
        channel = await session.scalar(
            select(Channel)
            .where(Channel.agent_id == agent.id, Channel.type == data.channel)
            .order_by(Channel.created_at)
            .limit(1)
        )
    conversation = Conversation(
        id=uuid.uuid4(),
        workspace_id=scope.workspace_id,
        agent_id=agent.id,
        contact_id=contact.id if contact else None,
        channel=channel.type if channel else data.channel,
        channel_id=channel.id if channel else None,
        status="active",
        tags=[],
        custom_variables=dict(data.custom_variables or {}),
        extra=dict(data.metadata or {}),
        executed_actions=[],
        unread_count=0,
        message_count=0,
    )
    session.add(conversation)
    await session.flush()
    messages = []
    greeting = render_greeting(agent, conversation, contact) if greet else None
    if greeting:
        messages.append(_add_message(session, conversation, "agent", greeting))
    await session.flush()
    await _emit(session, conversation, "conversation.started")
    if auth is not None:
        await audit_service.record(
            session, auth, "conversation.create", "conversation", conversation.id
        )
    return conversation, messages


def build(
    workspace_id: uuid.UUID,
    agent: Agent,
    channel: str,
    contact: Contact | None,
    custom_variables: dict[str, Any] | None,
    extra: dict[str, Any] | None = None,
) -> Conversation:
    """A new conversation row, not yet added to a session (for opening many at once)."""
    now = get_clock().now()
    return Conversation(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        agent_id=agent.id,
        contact_id=contact.id if contact else None,
        channel=channel,
        status="active",
        tags=[],
        custom_variables=dict(custom_variables or {}),
        extra=dict(extra or {}),
        executed_actions=[],
        unread_count=0,
        message_count=0,
        created_at=now,
        updated_at=now,
    )


async def started(
    session: AsyncSession, workspace_id: uuid.UUID, conversations: list[Conversation]
) -> None:
    """`conversation.started` for conversations opened together (one insert for all)."""
    await event_service.emit_many(
        session,
        workspace_id,
        [("conversation.started", _event_data(c), c.contact_id) for c in conversations],
    )


def render_greeting(
    agent: Agent, conversation: Conversation, contact: Contact | None, override: str | None = None
) -> str | None:
    """The agent's greeting (or a per-call override) with its variables filled in."""
    template = override or agent.greeting_message
    if not template:
        return None
    greeting, _ = templates.render(template, prompt.variables(agent, conversation, contact))
    return greeting.strip() or None


async def get(
    session: AsyncSession, scope: WorkspaceScope, conversation_id: uuid.UUID
) -> Conversation:
    return await scope.get(session, Conversation, conversation_id, "conversation")


async def get_with_agent(
    session: AsyncSession, scope: WorkspaceScope, conversation_id: uuid.UUID
) -> tuple[Conversation, agent_service.Linked | None]:
    """The conversation with its agent and the agent's links, in one statement: what a
    customer's message needs before the agent's turn."""
    rows = (
        await session.execute(
            scope.apply(select(Conversation, *agent_service.WITH_LINKS), Conversation)
            .outerjoin(Agent, Agent.id == Conversation.agent_id)
            .outerjoin(AgentLink, AgentLink.agent_id == Agent.id)
            .where(Conversation.id == conversation_id)
            .order_by(AgentLink.created_at, AgentLink.target_id)
        )
    ).all()
    if not rows:
        raise NotFound("conversation")
    return rows[0][0], agent_service.linked([row[1:] for row in rows])


async def read(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, conversation_id: uuid.UUID
) -> tuple[Conversation, list[Message]]:
    """The conversation with its messages; a member reading it clears its unread count."""
    conversation = await get(session, scope, conversation_id)
    if auth.user_id is not None and conversation.unread_count:
        conversation.unread_count = 0
        await session.flush()
    return conversation, await messages_of(session, conversation.id)


def can_reply(conversation: Conversation) -> bool:
    """The AI answers unless a member took over or the conversation is closed."""
    return (
        conversation.assignee_id is None
        and conversation.status in ("active", "pending")
        and conversation.agent_id is not None
    )


async def add_customer_message(
    session: AsyncSession, conversation: Conversation, data: schemas.MessageCreate
) -> Message:
    message = customer_message(conversation, data)
    await store_customer_message(session, conversation, message)
    return message


def customer_message(conversation: Conversation, data: schemas.MessageCreate) -> Message:
    """The customer's message to the conversation, not yet stored (`store_customer_message`)."""
    if conversation.status in ("ended", "archived"):
        raise Conflict("This conversation has ended; start a new one", "CONVERSATION_ENDED")
    attachments = [a.model_dump(exclude_none=True) for a in data.attachments or []]
    return _new_message(conversation, "user", data.content, attachments=attachments)


async def store_customer_message(
    session: AsyncSession, conversation: Conversation, message: Message
) -> None:
    """Add the customer's message, count it unread and record `message.received`."""
    _count(session, conversation, message)
    conversation.unread_count = (conversation.unread_count or 0) + 1
    await session.flush()
    await _emit(
        session,
        conversation,
        "message.received",
        message=message_schema(message).model_dump(mode="json"),
    )


async def add_member_message(
    session: AsyncSession,
    auth: AuthContext,
    conversation: Conversation,
    data: schemas.MessageCreate,
) -> Message:
    if auth.user_id is None:
        raise AppError(
            "Replies and notes come from people; use a user's token", "AUTH_USER_REQUIRED", 403
        )
    kind = "member" if data.sender_type == "member" else "note"
    message = _add_message(session, conversation, kind, data.content, sender_id=auth.user_id)
    await session.flush()
    if kind == "member":
        await _deliver(session, conversation, message)
        await _emit(
            session,
            conversation,
            "message.sent",
            message=message_schema(message).model_dump(mode="json"),
        )
    await audit_service.record(
        session, auth, f"conversation.{kind}_message", "conversation", conversation.id
    )
    return message


async def add_agent_line(
    session: AsyncSession,
    conversation: Conversation,
    content: str,
    kind: str,
    sender_type: str = "agent",
) -> Message:
    """A fixed line the agent spoke (a call's greeting, a reminder, a goodbye), or with
    `sender_type="system"` a line about the conversation from nobody (an SMS opt-out)."""
    message = _add_message(session, conversation, sender_type, content)
    message.ai_metadata = {"kind": kind}
    await session.flush()
    if sender_type == "agent":
        await _deliver(session, conversation, message)
    await _emit(
        session,
        conversation,
        "message.sent",
        message=message_schema(message).model_dump(mode="json"),
    )
    return message


async def revise_to_heard(
    session: AsyncSession, message_id: uuid.UUID, heard: str, interrupted: bool
) -> None:
    """Keep in an agent message only what the caller heard of it (a call cut it short);
    nothing heard removes it. What was generated stays in `ai_metadata.generated`."""
    message = await session.get(Message, message_id)
    if message is None or message.content == heard:
        return
    conversation = await session.get_one(Conversation, message.conversation_id)
    if not heard.strip():
        await session.delete(message)
        conversation.message_count = max(0, (conversation.message_count or 0) - 1)
    else:
        message.ai_metadata = {
            **(message.ai_metadata or {}),
            "generated": message.content,
            "interrupted": interrupted,
        }
        message.content = heard
        message.search_text = message_search.index_text(heard)
    await session.flush()


async def finish_reply(
    session: AsyncSession, conversation: Conversation, message: Message, ended: bool
) -> None:
    """Account for a stored agent reply: counters, the event, and the end tool."""
    conversation.message_count = (conversation.message_count or 0) + 1
    conversation.last_message_at = message.created_at or get_clock().now()
    await session.flush()
    await _deliver(session, conversation, message)
    await _emit(
        session,
        conversation,
        "message.sent",
        message=message_schema(message).model_dump(mode="json"),
    )
    if ended:
        await end(session, conversation, "agent_goodbye")


ANALYZE_JOB = "conversations.analyze"


async def end(
    session: AsyncSession, conversation: Conversation, reason: str, analyze: bool = True
) -> None:
    """End the conversation; its analysis (and the agent's webhook) follow as a job, unless
    the caller analyses it itself (`analyze=False`: a call's transcript is analysed with it)."""
    if conversation.status == "ended":
        return
    conversation.status = "ended"
    conversation.ended_at = get_clock().now()
    conversation.end_reason = reason
    await session.flush()
    await _emit(session, conversation, "conversation.ended", reason=reason)
    if not analyze:
        return
    await job_service.enqueue(
        session,
        ANALYZE_JOB,
        {"conversation_id": str(conversation.id)},
        unique_key=f"analyze:{conversation.id}:{conversation.ended_at.isoformat()}",
        workspace_id=conversation.workspace_id,
    )


async def webhook_document(session: AsyncSession, conversation: Conversation) -> dict[str, Any]:
    """What an agent's `external_webhook_url` receives when a conversation ends."""
    contact = (
        await session.get(Contact, conversation.contact_id) if conversation.contact_id else None
    )
    messages = await messages_of(session, conversation.id)
    lines = [
        f"{'human' if m.sender_type == 'user' else 'bot'}: {m.content}"
        for m in messages
        if m.sender_type in ("user", "agent", "member")
    ]
    return {
        "status": "completed"
        if conversation.status in ("ended", "archived")
        else conversation.status,
        "lead": {
            "name": contact.name if contact else None,
            "phone_number": contact.phone_number if contact else None,
            "email": contact.email if contact else None,
        },
        "conversation": {
            **to_schema(conversation).model_dump(mode="json"),
            "transcript": "\n".join(lines),
        },
        "executed_actions": {r["name"]: r for r in conversation.executed_actions or []},
    }


async def set_status(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    conversation_id: uuid.UUID,
    status: str,
) -> Conversation:
    conversation = await get(session, scope, conversation_id)
    previous = conversation.status
    if status == previous:
        return conversation
    if status == "ended":
        await end(session, conversation, "closed_by_member" if auth.user_id else "closed_by_api")
    else:
        conversation.status = status
        if status in ("active", "pending"):
            conversation.ended_at = None
            conversation.end_reason = None
        await session.flush()
        if status == "pending":
            await _emit(session, conversation, "conversation.pending")
        else:
            await _emit(session, conversation, "conversation.updated", changed=["status"])
    await audit_service.record(
        session,
        auth,
        "conversation.status",
        "conversation",
        conversation.id,
        {"from": previous, "to": status},
    )
    return conversation


async def add_tag(
    session: AsyncSession,
    auth: AuthContext | None,
    scope: WorkspaceScope,
    conversation_id: uuid.UUID,
    tag: str,
) -> Conversation:
    conversation = await get(session, scope, conversation_id)
    if tag not in (conversation.tags or []):
        if len(conversation.tags or []) >= 50:
            raise Conflict("A conversation has at most 50 tags", "TOO_MANY_TAGS")
        conversation.tags = [*(conversation.tags or []), tag]
        await session.flush()
        await _emit(session, conversation, "conversation.updated", changed=["tags"])
        if auth is not None:
            await audit_service.record(
                session, auth, "conversation.tag", "conversation", conversation.id, {"tag": tag}
            )
    return conversation


async def remove_tag(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    conversation_id: uuid.UUID,
    tag: str,
) -> Conversation:
    conversation = await get(session, scope, conversation_id)
    if tag not in (conversation.tags or []):
        raise NotFound("tag")
    conversation.tags = [t for t in conversation.tags if t != tag]
    await session.flush()
    await _emit(session, conversation, "conversation.updated", changed=["tags"])
    await audit_service.record(
        session, auth, "conversation.untag", "conversation", conversation.id, {"tag": tag}
    )
    return conversation


async def assign(
    session: AsyncSession,
    auth: AuthContext | None,
    scope: WorkspaceScope,
    conversation_id: uuid.UUID,
    member_id: uuid.UUID | None,
) -> Conversation:
    """Hand the conversation to a member (the AI goes quiet) or back to the AI (None)."""
    conversation = await get(session, scope, conversation_id)
    if member_id is not None:
        member = await tenancy_service.get_member(session, scope, member_id)
        if member.status != "active":
            raise Conflict("This member has not accepted the invitation yet", "MEMBER_NOT_ACTIVE")
    changed = ["assignee_id"] if conversation.assignee_id != member_id else []
    conversation.assignee_id = member_id
    if member_id is not None and conversation.status == "pending":
        conversation.status = "active"
        changed.append("status")
    await session.flush()
    if changed:
        await _emit(session, conversation, "conversation.updated", changed=changed)
    if auth is None:
        return conversation
    await audit_service.record(
        session,
        auth,
        "conversation.assign",
        "conversation",
        conversation.id,
        {"member_id": str(member_id) if member_id else None},
    )
    return conversation


async def contact_exporter(session: AsyncSession, contact: Contact) -> list[dict[str, Any]]:
    conversations = (
        await session.scalars(
            select(Conversation)
            .where(Conversation.contact_id == contact.id)
            .order_by(Conversation.created_at)
        )
    ).all()
    out = []
    for c in conversations:
        messages = await messages_of(session, c.id)
        out.append(
            {
                **to_schema(c).model_dump(mode="json"),
                "messages": [message_schema(m).model_dump(mode="json") for m in messages],
            }
        )
    return out


gdpr.register_exporter("conversations", contact_exporter)
