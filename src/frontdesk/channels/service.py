"""Channels: where conversations come in, and the agent that answers each."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.agents.models import Agent
from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.channels import schemas
from frontdesk.channels.models import Channel
from frontdesk.errors import AppError, Conflict, ValidationFailed, validation_details
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.telephony.models import PhoneNumber
from frontdesk.tenancy.scope import WorkspaceScope

# The agent types each channel can be answered by.
AGENT_TYPES = {
    "web_chat": ("widget", "chat"),
    "voice": ("inbound", "outbound"),
    "sms": ("inbound", "outbound", "widget", "chat"),
    "api": ("inbound", "outbound", "widget", "chat"),
}


def to_schema(channel: Channel) -> schemas.Channel:
    return schemas.Channel.model_validate(channel)


def _config(type_: str, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        parsed = schemas.CONFIGS[type_].model_validate(raw)
    except ValidationError as exc:
        details = {f"config.{k}": v for k, v in validation_details(list(exc.errors())).items()}
        fields = ", ".join(sorted(details))
        raise ValidationFailed(
            f"Invalid {type_} channel configuration: check {fields}", details=details
        ) from None
    return parsed.model_dump(mode="json", exclude_none=True)


async def _agent(
    session: AsyncSession, scope: WorkspaceScope, type_: str, agent_id: uuid.UUID
) -> Agent:
    agent = await scope.get(session, Agent, agent_id, "agent")
    if agent.type not in AGENT_TYPES[type_]:
        allowed = " or ".join(AGENT_TYPES[type_])
        raise AppError(
            f"A {type_} channel is answered by a {allowed} agent; this agent is {agent.type}",
            "CHANNEL_AGENT_TYPE",
            409,
        )
    return agent


async def _claim_number(
    session: AsyncSession, scope: WorkspaceScope, channel: Channel, number: str
) -> None:
    """An sms or voice channel's number must be one of the workspace's, and no other channel
    of the same type may have it; a voice channel routes the number's calls to its agent."""
    owned = await session.scalar(
        scope.apply(select(PhoneNumber), PhoneNumber).where(PhoneNumber.phone_number == number)
    )
    if owned is None:
        raise AppError(
            f"{number} is not one of the workspace's phone numbers; add it with "
            "POST /v1/phone-numbers first",
            "PHONE_NUMBER_NOT_IN_WORKSPACE",
            409,
        )
    taken = await session.scalar(
        select(Channel.id).where(
            Channel.type == channel.type, Channel.phone_number == number, Channel.id != channel.id
        )
    )
    if taken is not None:
        raise Conflict(f"{number} already has a {channel.type} channel", "CHANNEL_NUMBER_TAKEN")
    channel.phone_number = number
    if channel.type == "voice":
        owned.agent_id = channel.agent_id


async def create(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, data: schemas.ChannelCreate
) -> Channel:
    await _agent(session, scope, data.type, data.agent_id)
    channel = Channel(
        id=uuid.uuid4(),
        workspace_id=scope.workspace_id,
        type=data.type,
        name=data.name,
        agent_id=data.agent_id,
        config=_config(data.type, data.config),
    )
    if data.type in ("sms", "voice"):
        await _claim_number(session, scope, channel, channel.config["phone_number"])
    session.add(channel)
    await session.flush()
    await audit_service.record(
        session, auth, "channel.create", "channel", channel.id, {"type": channel.type}
    )
    return channel


async def list_channels(
    session: AsyncSession,
    scope: WorkspaceScope,
    pagination: Pagination,
    type_: str | None = None,
    agent_id: uuid.UUID | None = None,
) -> tuple[list[Channel], int]:
    stmt = scope.apply(select(Channel), Channel)
    if type_:
        stmt = stmt.where(Channel.type == type_)
    if agent_id:
        stmt = stmt.where(Channel.agent_id == agent_id)
    return await paginate(session, stmt.order_by(Channel.created_at, Channel.id), pagination)


async def get(session: AsyncSession, scope: WorkspaceScope, channel_id: uuid.UUID) -> Channel:
    return await scope.get(session, Channel, channel_id, "channel")


async def update(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    channel_id: uuid.UUID,
    data: schemas.ChannelUpdate,
) -> Channel:
    channel = await get(session, scope, channel_id)
    fields = data.model_fields_set
    if "name" in fields and data.name is not None:
        channel.name = data.name
    if "agent_id" in fields and data.agent_id is not None:
        await _agent(session, scope, channel.type, data.agent_id)
        channel.agent_id = data.agent_id
    if "config" in fields and data.config is not None:
        channel.config = _config(channel.type, data.config)
    if channel.type in ("sms", "voice") and fields & {"agent_id", "config"}:
        await _claim_number(session, scope, channel, channel.config["phone_number"])
    await session.flush()
    await audit_service.record(
        session, auth, "channel.update", "channel", channel.id, {"fields": sorted(fields)}
    )
    return channel


async def delete(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, channel_id: uuid.UUID
) -> None:
    """Remove the channel; its conversations stay in the inbox (with its id and type)."""
    channel = await get(session, scope, channel_id)
    await session.delete(channel)
    await session.flush()
    await audit_service.record(session, auth, "channel.delete", "channel", channel_id)


# -- routing ------------------------------------------------------------------------------------


async def for_number(session: AsyncSession, type_: str, number: str) -> Channel | None:
    """The sms or voice channel of a phone number (numbers are unique across workspaces)."""
    return await session.scalar(
        select(Channel).where(Channel.type == type_, Channel.phone_number == number)
    )


async def web_chat_of(session: AsyncSession, agent_id: uuid.UUID) -> list[Channel]:
    rows = await session.scalars(
        select(Channel)
        .where(Channel.agent_id == agent_id, Channel.type == "web_chat")
        .order_by(Channel.created_at, Channel.id)
    )
    return list(rows.all())
