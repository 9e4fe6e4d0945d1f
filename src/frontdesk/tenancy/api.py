from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from frontdesk.auth.dependencies import ReadAuth, WriteAuth
from frontdesk.db.session import Session
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.tenancy import schemas
from frontdesk.tenancy import service as tenancy_service
from frontdesk.tenancy import subaccounts as subaccount_service
from frontdesk.tenancy.scope import scope_of

workspace_router = APIRouter(prefix="/v1/workspace", tags=["workspace"])
members_router = APIRouter(prefix="/v1/members", tags=["members"])
subaccounts_router = APIRouter(prefix="/v1/subaccounts", tags=["subaccounts"])


@workspace_router.get("")
async def get_workspace(auth: ReadAuth, session: Session) -> schemas.Workspace:
    """Get the workspace and its settings (secrets are never returned)."""
    workspace = await tenancy_service.get_workspace(session, scope_of(auth))
    return tenancy_service.to_schema(workspace)


@workspace_router.patch("")
async def update_workspace(
    data: schemas.WorkspaceUpdate, auth: WriteAuth, session: Session
) -> schemas.Workspace:
    """Update the workspace's name, time zone, business hours and provider defaults."""
    workspace = await tenancy_service.update_workspace(session, auth, scope_of(auth), data)
    return tenancy_service.to_schema(workspace)


@members_router.get("")
async def list_members(
    auth: ReadAuth, session: Session, pagination: PaginationParams
) -> Page[schemas.Member]:
    """List the workspace's members and pending invitations."""
    items, total = await tenancy_service.list_members(session, scope_of(auth), pagination)
    return Page.of(items, total, pagination)


@members_router.post("", status_code=status.HTTP_201_CREATED)
async def invite_member(
    data: schemas.MemberInvite, auth: WriteAuth, session: Session
) -> schemas.MemberInvited:
    """Invite a person by e-mail; the invite token is in this response only."""
    member, token = await tenancy_service.invite_member(session, auth, scope_of(auth), data)
    return schemas.MemberInvited(member=member, invite_token=token)


@members_router.get("/{member_id}")
async def get_member(member_id: uuid.UUID, auth: ReadAuth, session: Session) -> schemas.Member:
    """Get a member."""
    return await tenancy_service.get_member(session, scope_of(auth), member_id)


@members_router.patch("/{member_id}")
async def update_member(
    member_id: uuid.UUID, data: schemas.MemberUpdate, auth: WriteAuth, session: Session
) -> schemas.Member:
    """Change a member's role."""
    return await tenancy_service.update_member(session, auth, scope_of(auth), member_id, data)


@members_router.delete("/{member_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_member(member_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Remove a member or withdraw an invitation."""
    await tenancy_service.remove_member(session, auth, scope_of(auth), member_id)


@subaccounts_router.get("")
async def list_subaccounts(
    auth: WriteAuth, session: Session, pagination: PaginationParams
) -> Page[schemas.Subaccount]:
    """List the subaccounts of this workspace."""
    items, total = await subaccount_service.list_subaccounts(session, scope_of(auth), pagination)
    return Page.of(items, total, pagination)


@subaccounts_router.post("", status_code=status.HTTP_201_CREATED)
async def create_subaccount(
    data: schemas.SubaccountCreate, auth: WriteAuth, session: Session
) -> schemas.SubaccountCreated:
    """Create a subaccount with its own admin API key (shown only here)."""
    return await subaccount_service.create(session, auth, scope_of(auth), data)


@subaccounts_router.get("/{subaccount_id}")
async def get_subaccount(
    subaccount_id: uuid.UUID, auth: WriteAuth, session: Session
) -> schemas.Subaccount:
    """Get a subaccount."""
    return await subaccount_service.get(session, scope_of(auth), subaccount_id)


@subaccounts_router.put("/{subaccount_id}")
async def update_subaccount(
    subaccount_id: uuid.UUID, data: schemas.SubaccountUpdate, auth: WriteAuth, session: Session
) -> schemas.SubaccountUpdated:
    """Rename, invite a user, set concurrency or Twilio credentials, or move phone numbers."""
    return await subaccount_service.update(session, auth, scope_of(auth), subaccount_id, data)


@subaccounts_router.delete("/{subaccount_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_subaccount(subaccount_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Delete a subaccount and everything in it."""
    await subaccount_service.delete(session, auth, scope_of(auth), subaccount_id)
