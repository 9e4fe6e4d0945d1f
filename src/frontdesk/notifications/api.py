from __future__ import annotations

import uuid

from fastapi import APIRouter

from frontdesk.auth.dependencies import ReadAuth
from frontdesk.db.session import Session
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.notifications import schemas
from frontdesk.notifications import service as notification_service
from frontdesk.tenancy.scope import scope_of

router = APIRouter(prefix="/v1/notifications", tags=["notifications"])


@router.get("")
async def list_notifications(
    auth: ReadAuth, session: Session, pagination: PaginationParams, read: bool | None = None
) -> Page[schemas.Notification]:
    """Your notifications in this workspace, newest first; `read=false` for unread only."""
    items, total = await notification_service.list_notifications(
        session, auth, scope_of(auth), pagination, read
    )
    return Page.of([notification_service.to_schema(n) for n in items], total, pagination)


@router.get("/unread-count")
async def unread_count(auth: ReadAuth, session: Session) -> schemas.UnreadCount:
    """How many of your notifications are unread."""
    count = await notification_service.unread_count(session, auth, scope_of(auth))
    return schemas.UnreadCount(unread_count=count)


@router.post("/read-all")
async def read_all(auth: ReadAuth, session: Session) -> schemas.ReadAll:
    """Mark all your notifications read."""
    updated = await notification_service.mark_all_read(session, auth, scope_of(auth))
    return schemas.ReadAll(updated=updated)


@router.post("/{notification_id}/read")
async def read_notification(
    notification_id: uuid.UUID, auth: ReadAuth, session: Session
) -> schemas.Notification:
    """Mark a notification read."""
    notification = await notification_service.mark_read(
        session, auth, scope_of(auth), notification_id
    )
    return notification_service.to_schema(notification)
