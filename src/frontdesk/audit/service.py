"""Record and list audit entries. Every write through the API records one, in its transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit.models import AuditLog
from frontdesk.auth.context import AuthContext
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.tenancy.scope import WorkspaceScope


async def record(
    session: AsyncSession,
    auth: AuthContext,
    action: str,
    resource_type: str,
    resource_id: uuid.UUID | str | None = None,
    details: dict[str, Any] | None = None,
    workspace_id: uuid.UUID | None = None,
) -> AuditLog:
    entry = AuditLog(
        workspace_id=workspace_id or auth.workspace_id,
        actor_type=auth.principal_type,
        actor_id=auth.principal_id,
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id) if resource_id is not None else None,
        ip=auth.ip,
        user_agent=(auth.user_agent or "")[:300] or None,
        details=details or {},
    )
    session.add(entry)
    await session.flush()
    return entry


async def list_entries(
    session: AsyncSession,
    scope: WorkspaceScope,
    pagination: Pagination,
    *,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
) -> tuple[list[AuditLog], int]:
    stmt = scope.apply(select(AuditLog), AuditLog)
    if actor_id is not None:
        stmt = stmt.where(AuditLog.actor_id == actor_id)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if resource_type:
        stmt = stmt.where(AuditLog.resource_type == resource_type)
    if resource_id:
        stmt = stmt.where(AuditLog.resource_id == resource_id)
    if start_date is not None:
        stmt = stmt.where(AuditLog.created_at >= start_date)
    if end_date is not None:
        stmt = stmt.where(AuditLog.created_at <= end_date)
    stmt = stmt.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
    return await paginate(session, stmt, pagination)
