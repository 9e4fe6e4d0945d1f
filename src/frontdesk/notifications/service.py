"""Notifications: created from events for every active member, read per member."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.auth.context import AuthContext
from frontdesk.errors import AppError, NotFound
from frontdesk.events import service as event_service
from frontdesk.events.models import Event
from frontdesk.jobs.clock import get_clock
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.notifications import schemas
from frontdesk.notifications.models import Notification
from frontdesk.notifications.rules import RULES
from frontdesk.tenancy.models import Membership
from frontdesk.tenancy.scope import WorkspaceScope


def _user(auth: AuthContext) -> uuid.UUID:
    if auth.user_id is None:
        raise AppError(
            "Notifications belong to people; call this with a user's token, not an API key",
            "AUTH_USER_REQUIRED",
            403,
        )
    return auth.user_id


def to_schema(n: Notification) -> schemas.Notification:
    return schemas.Notification(
        id=n.id,
        type=n.type,
        title=n.title,
        body=n.body,
        resource_type=n.resource_type,
        resource_id=n.resource_id,
        data=n.data,
        read=n.read_at is not None,
        read_at=n.read_at,
        created_at=n.created_at,
    )


@event_service.subscribe
async def notify_members(session: AsyncSession, event: Event) -> list[dict[str, Any]]:
    rule = RULES.get(event.type)
    rendered = rule(event.data) if rule else None
    if rendered is None:
        return []
    already = await session.scalar(select(func.count()).where(Notification.event_id == event.id))
    if already:
        return []  # the fan-out ran before; notifications are made once per event
    members = (
        await session.scalars(
            select(Membership.user_id).where(
                Membership.workspace_id == event.workspace_id,
                Membership.status == "active",
                Membership.user_id.is_not(None),
            )
        )
    ).all()
    for user_id in members:
        session.add(
            Notification(
                workspace_id=event.workspace_id,
                user_id=user_id,
                type=event.type,
                title=rendered.title,
                body=rendered.body,
                resource_type=rendered.resource_type,
                resource_id=str(rendered.resource_id) if rendered.resource_id else None,
                data=event.data,
                event_id=event.id,
                contact_id=event.contact_id,
            )
        )
    await session.flush()
    return [
        {
            "event": "notification.created",
            "timestamp": event_service.envelope(event)["timestamp"],
            "data": {
                "type": event.type,
                "title": rendered.title,
                "body": rendered.body,
                "resource_type": rendered.resource_type,
                "resource_id": rendered.resource_id,
            },
        }
    ]


async def list_notifications(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    pagination: Pagination,
    read: bool | None = None,
) -> tuple[list[Notification], int]:
    stmt = scope.apply(select(Notification), Notification).where(
        Notification.user_id == _user(auth)
    )
    if read is True:
        stmt = stmt.where(Notification.read_at.is_not(None))
    elif read is False:
        stmt = stmt.where(Notification.read_at.is_(None))
    stmt = stmt.order_by(Notification.created_at.desc(), Notification.id)
    return await paginate(session, stmt, pagination)


async def mark_read(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, notification_id: uuid.UUID
) -> Notification:
    notification = await session.scalar(
        scope.apply(select(Notification), Notification).where(
            Notification.id == notification_id, Notification.user_id == _user(auth)
        )
    )
    if notification is None:
        raise NotFound("notification")
    if notification.read_at is None:
        notification.read_at = get_clock().now()
        await session.flush()
    return notification


async def mark_all_read(session: AsyncSession, auth: AuthContext, scope: WorkspaceScope) -> int:
    result = await session.execute(
        update(Notification)
        .where(
            Notification.workspace_id == scope.workspace_id,
            Notification.user_id == _user(auth),
            Notification.read_at.is_(None),
        )
        .values(read_at=get_clock().now())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def unread_count(session: AsyncSession, auth: AuthContext, scope: WorkspaceScope) -> int:
    count = await session.scalar(
        select(func.count()).where(
            Notification.workspace_id == scope.workspace_id,
            Notification.user_id == _user(auth),
            Notification.read_at.is_(None),
        )
    )
    return int(count or 0)
