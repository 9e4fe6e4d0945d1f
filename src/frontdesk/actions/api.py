from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from frontdesk.actions import schemas
from frontdesk.actions import service as action_service
from frontdesk.auth.dependencies import ReadAuth, WriteAuth
from frontdesk.db.session import Session
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.tenancy.scope import scope_of

router = APIRouter(prefix="/v1/actions", tags=["actions"])


@router.get("")
async def list_actions(
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    type: Annotated[schemas.ActionType | None, Query()] = None,
) -> Page[schemas.Action]:
    """List actions."""
    items, total = await action_service.list_actions(session, scope_of(auth), pagination, type)
    return Page.of([action_service.to_schema(a) for a in items], total, pagination)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_action(
    data: schemas.ActionCreate, auth: WriteAuth, session: Session
) -> schemas.Action:
    """Create an action; `config` is checked against its `type`."""
    action = await action_service.create(session, auth, scope_of(auth), data)
    return action_service.to_schema(action)


@router.get("/{action_id}")
async def get_action(action_id: uuid.UUID, auth: ReadAuth, session: Session) -> schemas.Action:
    """Get an action."""
    return action_service.to_schema(await action_service.get(session, scope_of(auth), action_id))


@router.put("/{action_id}")
async def replace_action(
    action_id: uuid.UUID, data: schemas.ActionUpdate, auth: WriteAuth, session: Session
) -> schemas.Action:
    """Replace an action."""
    action = await action_service.replace(session, auth, scope_of(auth), action_id, data)
    return action_service.to_schema(action)


@router.delete("/{action_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_action(action_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Delete an action (agents using it lose it)."""
    await action_service.delete(session, auth, scope_of(auth), action_id)


@router.post("/{action_id}/run")
async def run_action(
    action_id: uuid.UUID,
    data: schemas.RunRequest,
    auth: WriteAuth,
    session: Session,
    request: Request,
) -> schemas.RunResult:
    """Run an action once with the given variables and return its result."""
    return await action_service.run(
        session, scope_of(auth), action_id, data, request.app.state.http
    )
