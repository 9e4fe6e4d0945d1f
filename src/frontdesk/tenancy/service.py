"""Workspaces and their settings, and the members who work in them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.auth.models import User
from frontdesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from frontdesk.kit.crypto import SecretBox, hash_token, new_token
from frontdesk.kit.pagination import Pagination
from frontdesk.kit.patch import patched
from frontdesk.kit.ssrf import validate_url_field
from frontdesk.settings import get_settings
from frontdesk.tenancy import schemas
from frontdesk.tenancy.models import Membership, Workspace
from frontdesk.tenancy.roles import Role
from frontdesk.tenancy.scope import WorkspaceScope


def secret_box() -> SecretBox:
    return SecretBox(get_settings().ensure_secret_key())


async def get_workspace(session: AsyncSession, scope: WorkspaceScope) -> Workspace:
    workspace = await session.get(Workspace, scope.workspace_id)
    if workspace is None:
        raise NotFound("workspace")
    return workspace


def to_schema(workspace: Workspace) -> schemas.Workspace:
    return schemas.Workspace(
        id=workspace.id,
        name=workspace.name,
        parent_id=workspace.parent_id,
        timezone=workspace.timezone,
        business_hours=(
            schemas.BusinessHours.model_validate(workspace.business_hours)
            if workspace.business_hours
            else None
        ),
        llm=schemas.LLMDefaults.model_validate(workspace.llm or {}),
        voice=schemas.VoiceDefaults.model_validate(workspace.voice or {}),
        voice_providers=schemas.VoiceProviders(
            **{f"{name}_set": name in (workspace.voice_secrets or {}) for name in VOICE_KEYS},
            openai_base_url=(workspace.voice_secrets or {}).get("openai_base_url"),
        ),
        telephony=schemas.Telephony(
            provider=workspace.telephony_provider,
            twilio_account_sid=workspace.twilio_account_sid,
            twilio_auth_token_set=workspace.twilio_auth_token_encrypted is not None,
        ),
        concurrency=workspace.concurrency,
        conversation_idle_minutes=workspace.conversation_idle_minutes,
        created_at=workspace.created_at,
        updated_at=workspace.updated_at,
    )


def apply_twilio(workspace: Workspace, account_sid: str | None, auth_token: str | None) -> None:
    if account_sid is not None:
        workspace.twilio_account_sid = account_sid
    if auth_token is not None:
        workspace.twilio_auth_token_encrypted = secret_box().encrypt(auth_token)


VOICE_KEYS = ("deepgram_api_key", "elevenlabs_api_key", "cartesia_api_key", "openai_api_key")


def apply_voice_providers(workspace: Workspace, data: schemas.VoiceProvidersUpdate) -> None:
    secrets = dict(workspace.voice_secrets or {})
    box = secret_box()
    for name in VOICE_KEYS:
        value = getattr(data, name)
        if value is not None:
            secrets[name] = box.encrypt(value)
    if "openai_base_url" in data.model_fields_set:
        if data.openai_base_url:
            validate_url_field(
                data.openai_base_url,
                "voice_providers.openai_base_url",
                get_settings().allow_private_urls,
            )
            secrets["openai_base_url"] = data.openai_base_url
        else:
            secrets.pop("openai_base_url", None)
    workspace.voice_secrets = secrets


def voice_keys(workspace: Workspace) -> dict[str, str]:
    """The decrypted keys of the workspace's hosted speech providers (for the voice pipeline)."""
    secrets = workspace.voice_secrets or {}
    box = secret_box()
    keys = {name: box.decrypt(secrets[name]) for name in VOICE_KEYS if name in secrets}
    if secrets.get("openai_base_url"):
        keys["openai_base_url"] = secrets["openai_base_url"]
    return keys


def twilio_auth_token(workspace: Workspace) -> str | None:
    """The decrypted Twilio auth token, for the telephony provider only."""
    if workspace.twilio_auth_token_encrypted is None:
        return None
    return secret_box().decrypt(workspace.twilio_auth_token_encrypted)


async def update_workspace(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, data: schemas.WorkspaceUpdate
) -> Workspace:
    workspace = await get_workspace(session, scope)
    changed: list[str] = []
    if data.name is not None:
        workspace.name = data.name
        changed.append("name")
    if data.timezone is not None:
        workspace.timezone = data.timezone
        changed.append("timezone")
    if "business_hours" in data.model_fields_set:
        workspace.business_hours = (
            data.business_hours.model_dump() if data.business_hours is not None else None
        )
        changed.append("business_hours")
    if data.llm is not None:
        llm = patched(schemas.LLMDefaults, "llm", workspace.llm, data.llm)
        if llm.base_url and llm.base_url != (workspace.llm or {}).get("base_url"):
            # Checked again, with the address resolved, on every connection (kit/ssrf.py).
            validate_url_field(llm.base_url, "llm.base_url", get_settings().allow_private_urls)
        workspace.llm = llm.model_dump(exclude_none=True)
        changed.append("llm")
    if data.voice is not None:
        voice = patched(schemas.VoiceDefaults, "voice", workspace.voice, data.voice)
        workspace.voice = voice.model_dump(exclude_none=True)
        changed.append("voice")
    if data.concurrency is not None:
        if workspace.parent_id is not None:
            raise PermissionDenied(
                "A subaccount's call limit is set by its agency", "CONCURRENCY_SET_BY_AGENCY"
            )
        workspace.concurrency = data.concurrency
        changed.append("concurrency")
    if data.voice_providers is not None:
        apply_voice_providers(workspace, data.voice_providers)
        changed.append("voice_providers")
    if data.conversation_idle_minutes is not None:
        workspace.conversation_idle_minutes = data.conversation_idle_minutes
        changed.append("conversation_idle_minutes")
    if data.telephony is not None:
        t = data.telephony
        apply_twilio(workspace, t.twilio_account_sid, t.twilio_auth_token)
        if t.provider is not None:
            workspace.telephony_provider = t.provider
        if workspace.telephony_provider == "twilio" and not (
            workspace.twilio_account_sid and workspace.twilio_auth_token_encrypted
        ):
            raise ValidationFailed(
                "The twilio provider needs twilio_account_sid and twilio_auth_token",
                details={"telephony": "twilio_account_sid and twilio_auth_token are required"},
            )
        changed.append("telephony")
    await session.flush()
    await audit_service.record(
        session, auth, "workspace.update", "workspace", workspace.id, {"fields": changed}
    )
    return workspace


# Members


def member_schema(membership: Membership, user: User | None) -> schemas.Member:
    return schemas.Member(
        id=membership.id,
        workspace_id=membership.workspace_id,
        user_id=membership.user_id,
        email=membership.email,
        first_name=user.first_name if user else None,
        last_name=user.last_name if user else None,
        role=Role(membership.role),
        status=membership.status,
        created_at=membership.created_at,
    )


async def list_members(
    session: AsyncSession, scope: WorkspaceScope, pagination: Pagination
) -> tuple[list[schemas.Member], int]:
    base = scope.apply(select(Membership), Membership)
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = await session.execute(
        scope.apply(select(Membership, User), Membership)
        .outerjoin(User, User.id == Membership.user_id)
        .order_by(Membership.created_at, Membership.id)
        .limit(pagination.limit)
        .offset(pagination.offset)
    )
    return [member_schema(m, u) for m, u in rows.all()], total


async def _get_member(
    session: AsyncSession, scope: WorkspaceScope, member_id: uuid.UUID
) -> tuple[Membership, User | None]:
    row = (
        await session.execute(
            scope.apply(select(Membership, User), Membership)
            .outerjoin(User, User.id == Membership.user_id)
            .where(Membership.id == member_id)
        )
    ).first()
    if row is None:
        raise NotFound("member")
    return row[0], row[1]


async def get_member(
    session: AsyncSession, scope: WorkspaceScope, member_id: uuid.UUID
) -> schemas.Member:
    return member_schema(*await _get_member(session, scope, member_id))


async def create_invite(
    session: AsyncSession,
    auth: AuthContext,
    workspace_id: uuid.UUID,
    email: str,
    role: Role,
) -> tuple[Membership, str]:
    email = email.strip().lower()
    existing = await session.scalar(
        select(Membership).where(Membership.workspace_id == workspace_id, Membership.email == email)
    )
    if existing is not None:
        raise Conflict(
            f"{email} is already a member or invited",
            "MEMBER_EXISTS",
            details={"id": str(existing.id)},
        )
    token = new_token(32)
    membership = Membership(
        workspace_id=workspace_id,
        email=email,
        role=role,
        status="invited",
        invite_token_hash=hash_token(token),
        invite_expires_at=datetime.now(UTC) + timedelta(seconds=get_settings().invite_ttl_seconds),
        invited_by_id=auth.user_id,
    )
    session.add(membership)
    await session.flush()
    await audit_service.record(
        session,
        auth,
        "member.invite",
        "member",
        membership.id,
        {"role": role},
        workspace_id=workspace_id,
    )
    return membership, token


async def invite_member(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, data: schemas.MemberInvite
) -> tuple[schemas.Member, str]:
    if data.role == Role.owner and auth.role != Role.owner:
        raise PermissionDenied("Only an owner can invite another owner")
    membership, token = await create_invite(
        session, auth, scope.workspace_id, data.email, data.role
    )
    return member_schema(membership, None), token


async def _owner_count(session: AsyncSession, workspace_id: uuid.UUID) -> int:
    return (
        await session.scalar(
            select(func.count()).where(
                Membership.workspace_id == workspace_id,
                Membership.role == Role.owner,
                Membership.status == "active",
            )
        )
        or 0
    )


def _guard_owner_change(auth: AuthContext, membership: Membership, new_role: Role | None) -> None:
    touches_owner = membership.role == Role.owner or new_role == Role.owner
    if touches_owner and auth.role != Role.owner:
        raise PermissionDenied("Only an owner can change or remove an owner")


async def update_member(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    member_id: uuid.UUID,
    data: schemas.MemberUpdate,
) -> schemas.Member:
    membership, user = await _get_member(session, scope, member_id)
    _guard_owner_change(auth, membership, data.role)
    if (
        membership.role == Role.owner
        and data.role != Role.owner
        and membership.status == "active"
        and await _owner_count(session, membership.workspace_id) <= 1
    ):
        raise Conflict("A workspace keeps at least one owner", "LAST_OWNER")
    previous = membership.role
    membership.role = data.role
    await session.flush()
    await audit_service.record(
        session, auth, "member.update", "member", membership.id, {"from": previous, "to": data.role}
    )
    return member_schema(membership, user)


async def remove_member(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, member_id: uuid.UUID
) -> None:
    membership, _ = await _get_member(session, scope, member_id)
    _guard_owner_change(auth, membership, None)
    if (
        membership.role == Role.owner
        and membership.status == "active"
        and await _owner_count(session, membership.workspace_id) <= 1
    ):
        raise Conflict("A workspace keeps at least one owner", "LAST_OWNER")
    await session.delete(membership)
    await session.flush()
    await audit_service.record(session, auth, "member.remove", "member", member_id)
