"""Workspace API keys: `fd_` + 43 random characters; only their SHA-256 is stored."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.auth.models import ApiKey
from frontdesk.auth.schemas import ApiKeyCreate
from frontdesk.errors import NotFound, PermissionDenied, ValidationFailed
from frontdesk.kit.crypto import hash_token, new_token
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.tenancy.roles import Role
from frontdesk.tenancy.scope import WorkspaceScope

KEY_PREFIX = "fd_"


def generate_key() -> str:
    return KEY_PREFIX + new_token(32)


async def create_key(
    session: AsyncSession,
    scope: WorkspaceScope,
    name: str,
    role: Role,
    created_by: uuid.UUID | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    secret = generate_key()
    key = ApiKey(
        workspace_id=scope.workspace_id,
        name=name,
        prefix=secret[:10],
        key_hash=hash_token(secret),
        role=role,
        created_by_id=created_by,
        expires_at=expires_at,
    )
    session.add(key)
    await session.flush()
    return key, secret


async def create(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, data: ApiKeyCreate
) -> tuple[ApiKey, str]:
    if not auth.role.at_least(data.role):
        raise PermissionDenied(f"A {auth.role} cannot create a key with role {data.role}")
    if data.expires_at is not None:
        if data.expires_at <= datetime.now(UTC):
            raise ValidationFailed(
                "expires_at is in the past", details={"expires_at": "must be in the future"}
            )
    key, secret = await create_key(
        session, scope, data.name, data.role, auth.user_id, data.expires_at
    )
    await audit_service.record(
        session, auth, "api_key.create", "api_key", key.id, {"name": key.name, "role": key.role}
    )
    return key, secret


async def list_keys(
    session: AsyncSession, scope: WorkspaceScope, pagination: Pagination
) -> tuple[list[ApiKey], int]:
    stmt = (
        scope.apply(select(ApiKey), ApiKey)
        .where(ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.created_at.desc(), ApiKey.id)
    )
    return await paginate(session, stmt, pagination)


async def revoke(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, key_id: uuid.UUID
) -> None:
    key = await session.scalar(
        scope.apply(select(ApiKey), ApiKey).where(ApiKey.id == key_id, ApiKey.revoked_at.is_(None))
    )
    if key is None:
        raise NotFound("API key")
    key.revoked_at = datetime.now(UTC)
    await audit_service.record(session, auth, "api_key.revoke", "api_key", key.id)
