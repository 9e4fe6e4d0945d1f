"""Accounts: registration, login, tokens, password changes and invitations."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit_service
from frontdesk.auth import security
from frontdesk.auth.context import AuthContext
from frontdesk.auth.models import User
from frontdesk.auth.schemas import (
    AcceptInvite,
    LoginRequest,
    PasswordChange,
    RegisterRequest,
)
from frontdesk.errors import AppError, Conflict, Unauthenticated, ValidationFailed
from frontdesk.kit.crypto import hash_token
from frontdesk.tenancy.models import Membership, Workspace
from frontdesk.tenancy.roles import Role


@dataclass(frozen=True)
class ClientInfo:
    ip: str | None
    user_agent: str | None


@dataclass(frozen=True)
class LoginResult:
    user: User
    membership: Membership
    token: str
    refresh_token: str
    expires_in: int


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def get_user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(User.email == normalize_email(email)))


def _context(user: User, membership: Membership, client: ClientInfo) -> AuthContext:
    return AuthContext(
        principal_type="user",
        principal_id=user.id,
        workspace_id=membership.workspace_id,
        home_workspace_id=membership.workspace_id,
        role=Role(membership.role),
        ip=client.ip,
        user_agent=client.user_agent,
    )


async def register(
    session: AsyncSession, data: RegisterRequest, client: ClientInfo
) -> tuple[User, Membership]:
    """Create a user and a workspace they own."""
    email = normalize_email(data.email)
    if await get_user_by_email(session, email) is not None:
        raise Conflict("An account with this e-mail already exists; log in instead", "EMAIL_TAKEN")
    user = User(
        email=email,
        password_hash=security.hash_password(data.password),
        first_name=data.first_name,
        last_name=data.last_name,
    )
    workspace = Workspace(name=data.workspace_name or f"{data.first_name}'s workspace")
    session.add_all([user, workspace])
    await session.flush()
    membership = Membership(
        workspace_id=workspace.id, user_id=user.id, email=email, role=Role.owner, status="active"
    )
    session.add(membership)
    await session.flush()
    await audit_service.record(
        session, _context(user, membership, client), "user.register", "user", user.id
    )
    return user, membership


async def _memberships(session: AsyncSession, user_id: uuid.UUID) -> list[Membership]:
    stmt = (
        select(Membership)
        .where(Membership.user_id == user_id, Membership.status == "active")
        .order_by(Membership.created_at, Membership.id)
    )
    return list((await session.scalars(stmt)).all())


async def login(
    session: AsyncSession,
    data: LoginRequest,
    client: ClientInfo,
    workspace_id: uuid.UUID | None = None,
) -> LoginResult:
    user = await get_user_by_email(session, data.email)
    if user is None:
        security.verify_password(security.dummy_hash(), data.password)
        raise Unauthenticated("Wrong e-mail or password")
    if not security.verify_password(user.password_hash, data.password) or not user.is_active:
        raise Unauthenticated("Wrong e-mail or password")
    memberships = await _memberships(session, user.id)
    if workspace_id is not None:
        memberships = [m for m in memberships if m.workspace_id == workspace_id]
    if not memberships:
        raise Unauthenticated("This account is not a member of any workspace")
    membership = memberships[0]
    if security.password_hasher().check_needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(data.password)
    user.last_login_at = datetime.now(UTC)
    token, ttl = security.issue_token(
        user.id, membership.workspace_id, user.token_version, "access"
    )
    refresh, _ = security.issue_token(
        user.id, membership.workspace_id, user.token_version, "refresh"
    )
    await audit_service.record(
        session, _context(user, membership, client), "user.login", "user", user.id
    )
    return LoginResult(user, membership, token, refresh, ttl)


async def refresh(session: AsyncSession, refresh_token: str) -> tuple[str, int]:
    claims = security.decode_token(refresh_token, "refresh")
    row = (
        await session.execute(
            select(User, Membership)
            .join(Membership, Membership.user_id == User.id)
            .where(
                User.id == claims.user_id,
                Membership.workspace_id == claims.workspace_id,
                Membership.status == "active",
            )
        )
    ).first()
    if row is None or not row[0].is_active or row[0].token_version != claims.version:
        raise Unauthenticated("The refresh token is no longer valid", "AUTH_TOKEN_INVALID")
    user = row[0]
    return security.issue_token(user.id, claims.workspace_id, user.token_version, "access")


async def change_password(
    session: AsyncSession, auth: AuthContext, data: PasswordChange
) -> LoginResult:
    """Change the password; every token issued before stops working, new ones are returned."""
    if auth.user_id is None:
        raise AppError("API keys have no password", "AUTH_USER_REQUIRED", 403)
    user = await session.get_one(User, auth.user_id)
    if not security.verify_password(user.password_hash, data.current_password):
        raise Unauthenticated("The current password is wrong")
    if data.current_password == data.new_password:
        raise ValidationFailed(
            "The new password must differ from the current one",
            details={"new_password": "same as the current password"},
        )
    user.password_hash = security.hash_password(data.new_password)
    user.token_version += 1
    membership = await session.scalar(
        select(Membership).where(
            Membership.user_id == user.id, Membership.workspace_id == auth.home_workspace_id
        )
    )
    assert membership is not None
    await audit_service.record(session, auth, "user.password_change", "user", user.id)
    token, ttl = security.issue_token(user.id, auth.home_workspace_id, user.token_version, "access")
    refresh_token, _ = security.issue_token(
        user.id, auth.home_workspace_id, user.token_version, "refresh"
    )
    return LoginResult(user, membership, token, refresh_token, ttl)


async def accept_invite(
    session: AsyncSession, data: AcceptInvite, client: ClientInfo
) -> tuple[User, Membership]:
    """Turn an invitation into a membership, creating the user when the e-mail is new."""
    membership = await session.scalar(
        select(Membership).where(Membership.invite_token_hash == hash_token(data.invite_token))
    )
    now = datetime.now(UTC)
    if membership is None or membership.status != "invited":
        raise AppError("This invitation is unknown or already used", "INVITE_INVALID", 404)
    if membership.invite_expires_at is not None and membership.invite_expires_at < now:
        raise AppError("This invitation has expired; ask for a new one", "INVITE_EXPIRED", 410)
    user = await get_user_by_email(session, membership.email)
    if user is None:
        missing = {
            f: "required for a new account"
            for f in ("first_name", "last_name")
            if not getattr(data, f)
        }
        if missing:
            raise ValidationFailed("first_name and last_name are required", details=missing)
        assert data.first_name is not None
        assert data.last_name is not None
        user = User(
            email=membership.email,
            password_hash=security.hash_password(data.password),
            first_name=data.first_name,
            last_name=data.last_name,
        )
        session.add(user)
        await session.flush()
    elif not security.verify_password(user.password_hash, data.password):
        raise Unauthenticated(
            "An account with this e-mail exists; give its password to accept the invitation"
        )
    membership.user_id = user.id
    membership.status = "active"
    membership.invite_token_hash = None
    membership.invite_expires_at = None
    await session.flush()
    await audit_service.record(
        session, _context(user, membership, client), "member.accept_invite", "member", membership.id
    )
    return user, membership
