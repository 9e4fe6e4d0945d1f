from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from frontdesk.audit import schemas
from frontdesk.audit import service as audit_service
from frontdesk.auth.dependencies import WriteAuth
from frontdesk.db.session import Session
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.kit.times import UTCTime
from frontdesk.tenancy.scope import scope_of

router = APIRouter(prefix="/v1/audit-logs", tags=["audit"])


@router.get("")
async def list_audit_logs(
    auth: WriteAuth,
    session: Session,
    pagination: PaginationParams,
    actor_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    resource_type: Annotated[str | None, Query(max_length=64)] = None,
    resource_id: Annotated[str | None, Query(max_length=64)] = None,
    start_date: UTCTime | None = None,
    end_date: UTCTime | None = None,
) -> Page[schemas.AuditLog]:
    """Who did what, when and from which IP, newest first."""
    items, total = await audit_service.list_entries(
        session,
        scope_of(auth),
        pagination,
        actor_id=actor_id,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        start_date=start_date,
        end_date=end_date,
    )
    return Page.of([schemas.AuditLog.model_validate(e) for e in items], total, pagination)
