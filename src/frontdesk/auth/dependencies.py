"""FastAPI dependencies: who is calling (`AuthContext`), their role, and their rate limit.

A bearer token is either a JWT access token or a workspace API key (`fd_...`). The optional
`Frontdesk-Workspace` header moves the request into another workspace the principal may act in: one
the user is a member of, or a subaccount of the principal's own workspace. Anything else is 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated

import structlog
from fastapi import Depends, Request
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.auth import security
from frontdesk.auth.context import AuthContext
from frontdesk.auth.keys import KEY_PREFIX
from frontdesk.auth.models import ApiKey, User
from frontdesk.db.session import Session
from frontdesk.errors import NotFound, PermissionDenied, Unauthenticated
from frontdesk.kit.crypto import hash_token
from frontdesk.kit.http import after_response
from frontdesk.kit.ratelimit import RateLimiter, remember
from frontdesk.tenancy.models import Membership, Workspace
from frontdesk.tenancy.roles import Role

WORKSPACE_HEADER = "frontdesk-workspace"
_LAST_USED_GRANULARITY = timedelta(minutes=5)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_touched: dict[uuid.UUID, datetime] = {}
log = structlog.get_logger("frontdesk.auth")


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization")
    if not header:
        raise Unauthenticated("Send 'Authorization: Bearer <token or API key>'")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("The Authorization header must be 'Bearer <token or API key>'")
    return token


# Built once, columns rather than the entity: this runs on every request made with a key.
_KEY_LOOKUP = select(
    ApiKey.id,
    ApiKey.workspace_id,
    ApiKey.role,
    ApiKey.revoked_at,
    ApiKey.expires_at,
    ApiKey.last_used_at,
).where(ApiKey.key_hash == bindparam("key_hash"))


async def _from_api_key(
    request: Request, session: AsyncSession, token: str
) -> tuple[uuid.UUID, uuid.UUID, Role]:
    # On the session's connection: a Core statement needs none of the ORM's execution steps.
    connection = await session.connection()
    key = (await connection.execute(_KEY_LOOKUP, {"key_hash": hash_token(token)})).first()
    now = datetime.now(UTC)
    if key is None:
        raise Unauthenticated("Unknown API key", "AUTH_TOKEN_INVALID")
    if key.revoked_at is not None:
        raise Unauthenticated("This API key has been revoked", "AUTH_TOKEN_INVALID")
    if key.expires_at is not None and key.expires_at <= now:
        raise Unauthenticated("This API key has expired", "AUTH_TOKEN_EXPIRED")
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_GRANULARITY:
        _note_use(request, key.id, now)
    return key.id, key.workspace_id, Role(key.role)


async def _touch(maker: async_sessionmaker[AsyncSession], key_id: uuid.UUID, now: datetime) -> None:
    """Record use in a short transaction of its own: the request's may be read-only."""
    try:
        async with maker() as session:
            await session.execute(
                update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now)
            )
            await session.commit()
    except Exception:  # best effort: a missed `last_used_at` update is not worth an error
        log.warning("api_key_last_used_not_recorded", api_key_id=str(key_id), exc_info=True)


def _note_use(request: Request, key_id: uuid.UUID, now: datetime) -> None:
    """`last_used_at`, at most once per key per few minutes per process, written after the
    response: the request holds one connection at a time, and a burst does one update."""
    if now - _touched.get(key_id, _EPOCH) <= _LAST_USED_GRANULARITY:
        return
    _touched[key_id] = now
    maker = request.app.state.sessionmaker
    after_response(request.scope, lambda: _touch(maker, key_id, now))


async def _from_jwt(session: AsyncSession, token: str) -> tuple[uuid.UUID, uuid.UUID, Role]:
    claims = security.decode_token(token, "access")
    connection = await session.connection()  # a Core statement: see `_from_api_key`
    row = (
        await connection.execute(
            select(User.token_version, User.is_active, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(
                User.id == claims.user_id,
                Membership.workspace_id == claims.workspace_id,
                Membership.status == "active",
            )
        )
    ).first()
    if row is None or not row.is_active or row.token_version != claims.version:
        raise Unauthenticated("The token is no longer valid; log in again", "AUTH_TOKEN_INVALID")
    return claims.user_id, claims.workspace_id, Role(row.role)


async def _switch_workspace(
    session: AsyncSession,
    principal_type: str,
    principal_id: uuid.UUID,
    home: uuid.UUID,
    role: Role,
    target_raw: str,
) -> tuple[uuid.UUID, Role]:
    try:
        target = uuid.UUID(target_raw)
    except ValueError:
        raise NotFound("workspace") from None
    if target == home:
        return home, role
    if principal_type == "user":
        member_role = await session.scalar(
            select(Membership.role).where(
                Membership.workspace_id == target,
                Membership.user_id == principal_id,
                Membership.status == "active",
            )
        )
        if member_role is not None:
            return target, Role(member_role)
    parent_id = await session.scalar(select(Workspace.parent_id).where(Workspace.id == target))
    if parent_id is not None and parent_id == home:
        return target, role
    raise NotFound("workspace")


async def authenticate(request: Request, session: Session) -> AuthContext:
    token = _bearer(request)
    if token.startswith(KEY_PREFIX):
        principal_type = "api_key"
        principal_id, home, role = await _from_api_key(request, session, token)
    else:
        principal_type = "user"
        principal_id, home, role = await _from_jwt(session, token)
    workspace_id = home
    target = request.headers.get(WORKSPACE_HEADER)
    if target:
        workspace_id, role = await _switch_workspace(
            session, principal_type, principal_id, home, role, target
        )
    limiter: RateLimiter = request.app.state.rate_limiter
    state = await limiter.hit(
        request.app.state.settings.rate_limit, principal_type, str(principal_id)
    )
    remember(request.scope, state)
    return AuthContext(
        principal_type="api_key" if principal_type == "api_key" else "user",
        principal_id=principal_id,
        workspace_id=workspace_id,
        home_workspace_id=home,
        role=role,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )


def require(minimum: Role) -> Callable[..., Awaitable[AuthContext]]:
    async def dependency(auth: Annotated[AuthContext, Depends(authenticate)]) -> AuthContext:
        if not auth.role.at_least(minimum):
            raise PermissionDenied(f"This needs the {minimum} role or higher; you are {auth.role}")
        return auth

    dependency.__name__ = f"require_{minimum}"
    return dependency


ReadAuth = Annotated[AuthContext, Depends(require(Role.viewer))]
InboxAuth = Annotated[AuthContext, Depends(require(Role.agent))]
WriteAuth = Annotated[AuthContext, Depends(require(Role.admin))]
OwnerAuth = Annotated[AuthContext, Depends(require(Role.owner))]


async def auth_rate_limit(request: Request) -> None:
    """Throttle credential routes (login, register, refresh, ...) per client IP."""
    limiter: RateLimiter = request.app.state.rate_limiter
    ip = client_ip(request) or "unknown"
    state = await limiter.hit(request.app.state.settings.auth_rate_limit, "auth-ip", ip)
    remember(request.scope, state)


AuthThrottle = Depends(auth_rate_limit)
