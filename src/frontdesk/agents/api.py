from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from frontdesk.agents import schemas
from frontdesk.agents import service as agent_service
from frontdesk.auth.dependencies import ReadAuth, WriteAuth
from frontdesk.db.session import Session
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.tenancy.scope import scope_of

router = APIRouter(prefix="/v1/agents", tags=["agents"])


@router.get("")
async def list_agents(
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    search: Annotated[str | None, Query(max_length=200)] = None,
    type: Annotated[schemas.AgentType | None, Query()] = None,
    enabled: bool | None = None,
) -> Page[schemas.Agent]:
    """List agents, newest first."""
    items, total = await agent_service.list_agents(
        session, scope_of(auth), pagination, search, type, enabled
    )
    return Page.of([await agent_service.to_schema(session, a) for a in items], total, pagination)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_agent(
    data: schemas.AgentCreate, auth: WriteAuth, session: Session
) -> schemas.Agent:
    """Create an agent."""
    agent = await agent_service.create(session, auth, scope_of(auth), data)
    return await agent_service.to_schema(session, agent)


@router.get("/{agent_id}")
async def get_agent(agent_id: uuid.UUID, auth: ReadAuth, session: Session) -> schemas.Agent:
    """Get an agent."""
    agent = await agent_service.get(session, scope_of(auth), agent_id)
    return await agent_service.to_schema(session, agent)


@router.patch("/{agent_id}")
async def update_agent(
    agent_id: uuid.UUID, data: schemas.AgentUpdate, auth: WriteAuth, session: Session
) -> schemas.Agent:
    """Update the given fields of an agent."""
    agent = await agent_service.update(session, auth, scope_of(auth), agent_id, data)
    return await agent_service.to_schema(session, agent)


@router.put("/{agent_id}")
async def put_agent(
    agent_id: uuid.UUID, data: schemas.AgentUpdate, auth: WriteAuth, session: Session
) -> schemas.Agent:
    """Same as PATCH: only the given fields change."""
    return await update_agent(agent_id, data, auth, session)


@router.delete("/{agent_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_agent(agent_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Delete an agent."""
    await agent_service.delete(session, auth, scope_of(auth), agent_id)


@router.post("/{agent_id}/actions")
async def attach_actions(
    agent_id: uuid.UUID, data: schemas.ActionIds, auth: WriteAuth, session: Session
) -> schemas.Agent:
    """Give the agent these actions (tools)."""
    agent = await agent_service.attach_actions(
        session, auth, scope_of(auth), agent_id, data.action_ids
    )
    return await agent_service.to_schema(session, agent)


@router.delete("/{agent_id}/actions/{action_id}", status_code=status.HTTP_204_NO_CONTENT)
async def detach_action(
    agent_id: uuid.UUID, action_id: uuid.UUID, auth: WriteAuth, session: Session
) -> None:
    """Take an action away from the agent."""
    await agent_service.detach_action(session, auth, scope_of(auth), agent_id, action_id)
