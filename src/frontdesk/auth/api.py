from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from frontdesk.auth import keys as key_service
from frontdesk.auth import schemas
from frontdesk.auth import service as auth_service
from frontdesk.auth.dependencies import AuthThrottle, ReadAuth, WriteAuth, client_ip
from frontdesk.auth.models import User
from frontdesk.db.session import Session
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.tenancy.roles import Role
from frontdesk.tenancy.scope import scope_of

router = APIRouter(prefix="/v1/auth", tags=["auth"])
keys_router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])


def _client(request: Request) -> auth_service.ClientInfo:
    return auth_service.ClientInfo(client_ip(request), request.headers.get("user-agent"))


def _user_in(user: User, workspace_id: uuid.UUID, role: str) -> schemas.UserInWorkspace:
    return schemas.UserInWorkspace(
        id=user.id,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        created_at=user.created_at,
        workspace_id=workspace_id,
        role=Role(role),
    )


@router.post("/register", status_code=status.HTTP_201_CREATED, dependencies=[AuthThrottle])
async def register(
    data: schemas.RegisterRequest, request: Request, session: Session
) -> schemas.UserInWorkspace:
    """Create an account and a workspace it owns."""
    user, membership = await auth_service.register(session, data, _client(request))
    return _user_in(user, membership.workspace_id, membership.role)


@router.post("/login", dependencies=[AuthThrottle])
async def login(
    data: schemas.LoginRequest,
    request: Request,
    session: Session,
    workspace_id: Annotated[uuid.UUID | None, Query(description="Log into this workspace")] = None,
) -> schemas.LoginResponse:
    """Exchange e-mail and password for an access token and a refresh token."""
    result = await auth_service.login(session, data, _client(request), workspace_id)
    return schemas.LoginResponse(
        token=result.token,
        refresh_token=result.refresh_token,
        expires_in=result.expires_in,
        user=_user_in(result.user, result.membership.workspace_id, result.membership.role),
    )


@router.post("/refresh", dependencies=[AuthThrottle])
async def refresh(data: schemas.RefreshRequest, session: Session) -> schemas.RefreshResponse:
    """Get a new access token from a refresh token."""
    token, ttl = await auth_service.refresh(session, data.refresh_token)
    return schemas.RefreshResponse(token=token, expires_in=ttl)


@router.get("/me")
async def get_me(auth: ReadAuth, session: Session) -> schemas.Me:
    """The calling user or API key, with the workspace it acts in and its role there."""
    user = await session.get(User, auth.user_id) if auth.user_id else None
    return schemas.Me(
        principal_type=auth.principal_type,
        id=user.id if user else None,
        email=user.email if user else None,
        first_name=user.first_name if user else None,
        last_name=user.last_name if user else None,
        api_key_id=auth.api_key_id,
        workspace_id=auth.workspace_id,
        role=auth.role,
    )


@router.post("/password", dependencies=[AuthThrottle])
async def change_password(
    data: schemas.PasswordChange, auth: ReadAuth, session: Session
) -> schemas.TokenPair:
    """Change the password. Earlier tokens stop working; the new pair is returned."""
    result = await auth_service.change_password(session, auth, data)
    return schemas.TokenPair(
        token=result.token, refresh_token=result.refresh_token, expires_in=result.expires_in
    )


@router.post("/accept-invite", status_code=status.HTTP_201_CREATED, dependencies=[AuthThrottle])
async def accept_invite(
    data: schemas.AcceptInvite, request: Request, session: Session
) -> schemas.UserInWorkspace:
    """Accept an invitation to a workspace, creating the account if needed."""
    user, membership = await auth_service.accept_invite(session, data, _client(request))
    return _user_in(user, membership.workspace_id, membership.role)


@keys_router.get("")
async def list_api_keys(
    auth: WriteAuth, session: Session, pagination: PaginationParams
) -> Page[schemas.ApiKey]:
    """List the workspace's active API keys (never their secrets)."""
    items, total = await key_service.list_keys(session, scope_of(auth), pagination)
    return Page.of([schemas.ApiKey.model_validate(k) for k in items], total, pagination)


@keys_router.post("", status_code=status.HTTP_201_CREATED)
async def create_api_key(
    data: schemas.ApiKeyCreate, auth: WriteAuth, session: Session
) -> schemas.ApiKeyCreated:
    """Create an API key. The secret is in this response only."""
    key, secret = await key_service.create(session, auth, scope_of(auth), data)
    return schemas.ApiKeyCreated(**schemas.ApiKey.model_validate(key).model_dump(), key=secret)


@keys_router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(key_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Revoke an API key; it stops working at once."""
    await key_service.revoke(session, auth, scope_of(auth), key_id)
