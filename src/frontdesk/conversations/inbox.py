"""The inbox: a workspace's conversations by status, channel, agent, contact, assignee, tag,
date and words of their messages, each listed with its latest message and its contact."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.conversations import schemas
from frontdesk.conversations import search as message_search
from frontdesk.conversations.models import Conversation, Message
from frontdesk.crm import contacts as contact_service
from frontdesk.crm.models import Contact
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.tenancy.scope import WorkspaceScope


def _filters(
    stmt: Select[Any],
    status: str | None,
    channel: str | None,
    channel_id: uuid.UUID | None,
    agent_id: uuid.UUID | None,
    contact_id: uuid.UUID | None,
    assignee_id: uuid.UUID | None,
    start_date: datetime | None,
    end_date: datetime | None,
    search: str | None,
    dialect: str,
) -> Select[Any]:
    if status:
        stmt = stmt.where(Conversation.status == status)
    if channel:
        stmt = stmt.where(Conversation.channel == channel)
    if channel_id:
        stmt = stmt.where(Conversation.channel_id == channel_id)
    if agent_id:
        stmt = stmt.where(Conversation.agent_id == agent_id)
    if contact_id:
        stmt = stmt.where(Conversation.contact_id == contact_id)
    if assignee_id:
        stmt = stmt.where(Conversation.assignee_id == assignee_id)
    if start_date:
        stmt = stmt.where(Conversation.created_at >= start_date)
    if end_date:
        stmt = stmt.where(Conversation.created_at <= end_date)
    if search:
        stmt = stmt.where(message_search.conversations_matching(dialect, search))
    return stmt


async def list_conversations(
    session: AsyncSession,
    scope: WorkspaceScope,
    pagination: Pagination,
    *,
    status: str | None = None,
    channel: str | None = None,
    channel_id: uuid.UUID | None = None,
    agent_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    assignee_id: uuid.UUID | None = None,
    tag: str | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
    search: str | None = None,
) -> tuple[list[Conversation], int]:
    stmt = _filters(
        scope.apply(select(Conversation), Conversation),
        status,
        channel,
        channel_id,
        agent_id,
        contact_id,
        assignee_id,
        start_date,
        end_date,
        search,
        session.get_bind().dialect.name,
    )
    if tag:
        dialect = session.get_bind().dialect.name
        stmt = stmt.where(contact_service.tag_clause(dialect, tag, table="conversations"))
    stmt = stmt.order_by(Conversation.created_at.desc(), Conversation.id)
    return await paginate(session, stmt, pagination)


async def list_items(
    session: AsyncSession, conversations: list[Conversation]
) -> list[schemas.ConversationListItem]:
    """The page's conversations with their latest message and contact: two queries in all."""
    ids = [c.id for c in conversations]
    latest: dict[uuid.UUID, Message] = {}
    contacts: dict[uuid.UUID, Contact] = {}
    if ids:
        newest = (
            select(Message.conversation_id, func.max(Message.created_at).label("at"))
            .where(Message.conversation_id.in_(ids))
            .group_by(Message.conversation_id)
            .subquery()
        )
        rows = await session.scalars(
            select(Message).join(
                newest,
                (Message.conversation_id == newest.c.conversation_id)
                & (Message.created_at == newest.c.at),
            )
        )
        for row in rows:
            latest.setdefault(row.conversation_id, row)
        contact_ids = {c.contact_id for c in conversations if c.contact_id}
        if contact_ids:
            found = await session.scalars(select(Contact).where(Contact.id.in_(contact_ids)))
            contacts = {contact.id: contact for contact in found}
    items = []
    for conversation in conversations:
        item = schemas.ConversationListItem.model_validate(conversation)
        newest_message = latest.get(conversation.id)
        if newest_message is not None:
            item.last_message = schemas.MessagePreview(
                id=newest_message.id,
                sender_type=newest_message.sender_type,
                content=newest_message.content[:200],
                created_at=newest_message.created_at,
            )
        contact = contacts.get(conversation.contact_id) if conversation.contact_id else None
        if contact is not None:
            name = contact.name or " ".join(p for p in (contact.first_name, contact.last_name) if p)
            item.contact = schemas.ContactSummary(
                id=contact.id,
                name=name or None,
                email=contact.email,
                phone_number=contact.phone_number,
            )
        items.append(item)
    return items
