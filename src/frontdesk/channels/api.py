from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from frontdesk.auth.dependencies import WriteAuth
from frontdesk.channels import schemas
from frontdesk.channels import service as channel_service
from frontdesk.db.session import Session
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.tenancy.scope import scope_of

router = APIRouter(prefix="/v1/channels", tags=["channels"])


@router.get("")
async def list_channels(
    auth: WriteAuth,
    session: Session,
    pagination: PaginationParams,
    type: Annotated[schemas.ChannelType | None, Query()] = None,
    agent_id: uuid.UUID | None = None,
) -> Page[schemas.Channel]:
    """The workspace's channels, oldest first."""
    items, total = await channel_service.list_channels(
        session, scope_of(auth), pagination, type, agent_id
    )
    return Page.of([channel_service.to_schema(c) for c in items], total, pagination)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_channel(
    data: schemas.ChannelCreate, auth: WriteAuth, session: Session
) -> schemas.Channel:
    """Add a channel: a website widget (`web_chat`, with its allowed origins and theme), a phone
    number's texts (`sms`) or calls (`voice`), or `api`; each answered by `agent_id`."""
    channel = await channel_service.create(session, auth, scope_of(auth), data)
    return channel_service.to_schema(channel)


@router.get("/{channel_id}")
async def get_channel(channel_id: uuid.UUID, auth: WriteAuth, session: Session) -> schemas.Channel:
    """Get a channel."""
    return channel_service.to_schema(await channel_service.get(session, scope_of(auth), channel_id))


@router.patch("/{channel_id}")
async def update_channel(
    channel_id: uuid.UUID, data: schemas.ChannelUpdate, auth: WriteAuth, session: Session
) -> schemas.Channel:
    """Rename a channel, give it to another agent or replace its configuration."""
    channel = await channel_service.update(session, auth, scope_of(auth), channel_id, data)
    return channel_service.to_schema(channel)


@router.delete("/{channel_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_channel(channel_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Remove a channel; its conversations stay in the inbox."""
    await channel_service.delete(session, auth, scope_of(auth), channel_id)
