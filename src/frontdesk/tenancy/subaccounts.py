"""Subaccounts: child workspaces of an agency's workspace, one level deep."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit_service
from frontdesk.auth import keys as key_service
from frontdesk.auth.context import AuthContext
from frontdesk.errors import AppError, Conflict, NotFound
from frontdesk.kit.pagination import Pagination
from frontdesk.telephony.models import PhoneNumber
from frontdesk.tenancy import schemas
from frontdesk.tenancy.models import Workspace
from frontdesk.tenancy.roles import Role
from frontdesk.tenancy.scope import WorkspaceScope, system_scope
from frontdesk.tenancy.service import apply_twilio, create_invite, get_workspace


async def _numbers(session: AsyncSession, workspace_id: uuid.UUID) -> list[str]:
    rows = await session.scalars(
        select(PhoneNumber.phone_number)
        .where(PhoneNumber.workspace_id == workspace_id)
        .order_by(PhoneNumber.phone_number)
    )
    return list(rows.all())


async def _schema(session: AsyncSession, child: Workspace) -> schemas.Subaccount:
    assert child.parent_id is not None
    return schemas.Subaccount(
        subaccount_id=child.id,
        subaccount_name=child.name,
        parent_id=child.parent_id,
        concurrency=child.concurrency,
        timezone=child.timezone,
        twilio_connected=bool(child.twilio_account_sid and child.twilio_auth_token_encrypted),
        phone_numbers=await _numbers(session, child.id),
        created_at=child.created_at,
    )


async def _parent(session: AsyncSession, scope: WorkspaceScope) -> Workspace:
    parent = await get_workspace(session, scope)
    if parent.parent_id is not None:
        raise Conflict(
            "A subaccount cannot have subaccounts of its own", "SUBACCOUNT_NESTING_NOT_ALLOWED"
        )
    return parent


async def _child(
    session: AsyncSession, scope: WorkspaceScope, subaccount_id: uuid.UUID
) -> Workspace:
    child = await session.scalar(
        select(Workspace).where(
            Workspace.id == subaccount_id, Workspace.parent_id == scope.workspace_id
        )
    )
    if child is None:
        raise NotFound("subaccount")
    return child


async def create(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, data: schemas.SubaccountCreate
) -> schemas.SubaccountCreated:
    parent = await _parent(session, scope)
    child = Workspace(
        name=data.subaccount_name,
        parent_id=parent.id,
        concurrency=data.concurrency,
        timezone=data.timezone or parent.timezone,
        llm=dict(parent.llm or {}),
        voice=dict(parent.voice or {}),
    )
    apply_twilio(child, data.twilio_account_sid, data.twilio_auth_token)
    if child.twilio_account_sid and child.twilio_auth_token_encrypted:
        child.telephony_provider = "twilio"
    session.add(child)
    await session.flush()
    _, secret = await key_service.create_key(
        session, system_scope(child.id), "Subaccount key", Role.admin, auth.user_id
    )
    invite_token = None
    if data.user_email:
        _, invite_token = await create_invite(session, auth, child.id, data.user_email, Role.owner)
    await audit_service.record(
        session, auth, "subaccount.create", "workspace", child.id, {"name": child.name}
    )
    base = await _schema(session, child)
    return schemas.SubaccountCreated(
        **base.model_dump(), api_key=secret, user_email=data.user_email, invite_token=invite_token
    )


async def list_subaccounts(
    session: AsyncSession, scope: WorkspaceScope, pagination: Pagination
) -> tuple[list[schemas.Subaccount], int]:
    where = Workspace.parent_id == scope.workspace_id
    total = await session.scalar(select(func.count()).where(where)) or 0
    children = await session.scalars(
        select(Workspace)
        .where(where)
        .order_by(Workspace.created_at, Workspace.id)
        .limit(pagination.limit)
        .offset(pagination.offset)
    )
    return [await _schema(session, c) for c in children.all()], total


async def get(
    session: AsyncSession, scope: WorkspaceScope, subaccount_id: uuid.UUID
) -> schemas.Subaccount:
    return await _schema(session, await _child(session, scope, subaccount_id))


async def _move_numbers(
    session: AsyncSession, source: uuid.UUID, target: uuid.UUID, numbers: list[str]
) -> list[str]:
    rows = list(
        (
            await session.scalars(
                select(PhoneNumber).where(
                    PhoneNumber.workspace_id == source, PhoneNumber.phone_number.in_(numbers)
                )
            )
        ).all()
    )
    found = {r.phone_number for r in rows}
    missing = [n for n in numbers if n not in found]
    if missing:
        raise AppError(
            f"Phone numbers not in the source workspace: {', '.join(missing)}",
            "PHONE_NUMBER_NOT_FOUND",
            404,
            details={"missing": missing},
        )
    for row in rows:
        row.workspace_id = target
        row.agent_id = None  # the agent it routed to stays behind
    return sorted(found)


async def update(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    subaccount_id: uuid.UUID,
    data: schemas.SubaccountUpdate,
) -> schemas.SubaccountUpdated:
    child = await _child(session, scope, subaccount_id)
    if data.subaccount_name is not None:
        child.name = data.subaccount_name
    if data.concurrency is not None:
        child.concurrency = data.concurrency
    apply_twilio(child, data.twilio_account_sid, data.twilio_auth_token)
    moved: list[str] = []
    if data.operation_type is not None and data.products is not None:
        numbers = data.products.phone_numbers
        if data.operation_type == "import":
            moved = await _move_numbers(session, scope.workspace_id, child.id, numbers)
        else:
            moved = await _move_numbers(session, child.id, scope.workspace_id, numbers)
    invite_token = None
    if data.invite_user_email:
        _, invite_token = await create_invite(
            session, auth, child.id, data.invite_user_email, Role.owner
        )
    await session.flush()
    await audit_service.record(
        session,
        auth,
        "subaccount.update",
        "workspace",
        child.id,
        {"fields": sorted(k for k in data.model_fields_set if "token" not in k), "moved": moved},
    )
    base = await _schema(session, child)
    return schemas.SubaccountUpdated(
        **base.model_dump(),
        invite_user_email=data.invite_user_email,
        invite_token=invite_token,
        moved_phone_numbers=moved,
    )


async def delete(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, subaccount_id: uuid.UUID
) -> None:
    """Delete the subaccount and everything in it: rows cascade with the workspace, its recordings
    and uploaded documents are removed from storage by a job of the parent's, once committed."""
    from frontdesk.calls.service import RECORDINGS
    from frontdesk.knowledge.service import UPLOADS
    from frontdesk.storage import service as storage_service

    child = await _child(session, scope, subaccount_id)
    for folder in (RECORDINGS, UPLOADS):
        await storage_service.delete_later(session, f"{folder}/{child.id}/", scope.workspace_id)
    await session.delete(child)
    await session.flush()
    await audit_service.record(
        session, auth, "subaccount.delete", "workspace", subaccount_id, {"name": child.name}
    )
