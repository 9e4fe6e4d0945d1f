from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status

from frontdesk.auth.dependencies import ReadAuth, WriteAuth
from frontdesk.db.session import Session
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.tenancy.scope import scope_of
from frontdesk.workflows import schemas
from frontdesk.workflows import service as workflow_service

router = APIRouter(prefix="/v1/workflows", tags=["workflows"])
ExecutionStatus = Literal["queued", "running", "waiting", "success", "failed", "stopped"]


@router.get("")
async def list_workflows(
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    enabled: bool | None = None,
    trigger_type: Annotated[schemas.TriggerType | None, Query()] = None,
) -> Page[schemas.Workflow]:
    """The workspace's workflows, newest first."""
    items, total = await workflow_service.list_workflows(
        session, scope_of(auth), pagination, enabled, trigger_type
    )
    return Page.of([workflow_service.to_schema(w) for w in items], total, pagination)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_workflow(
    data: schemas.WorkflowCreate, auth: WriteAuth, session: Session, request: Request
) -> schemas.Workflow:
    """Create a workflow: a trigger, and nodes joined by edges. The graph is checked (node
    types and configurations, edges, no cycle without a delay, nothing unreachable)."""
    workflow = await workflow_service.create(
        session, auth, scope_of(auth), data, request.app.state.settings
    )
    return workflow_service.to_schema(workflow)


@router.get("/{workflow_id}")
async def get_workflow(
    workflow_id: uuid.UUID, auth: ReadAuth, session: Session
) -> schemas.Workflow:
    """Get a workflow."""
    return workflow_service.to_schema(
        await workflow_service.get(session, scope_of(auth), workflow_id)
    )


@router.patch("/{workflow_id}")
async def update_workflow(
    workflow_id: uuid.UUID,
    data: schemas.WorkflowUpdate,
    auth: WriteAuth,
    session: Session,
    request: Request,
) -> schemas.Workflow:
    """Change the given fields; a new graph is checked as a whole."""
    workflow = await workflow_service.update(
        session, auth, scope_of(auth), workflow_id, data, request.app.state.settings
    )
    return workflow_service.to_schema(workflow)


@router.delete("/{workflow_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_workflow(workflow_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Delete a workflow and its executions."""
    await workflow_service.delete(session, auth, scope_of(auth), workflow_id)


@router.post("/{workflow_id}/toggle")
async def toggle_workflow(
    workflow_id: uuid.UUID, auth: WriteAuth, session: Session
) -> schemas.Workflow:
    """Enable a disabled workflow, or disable an enabled one."""
    workflow = await workflow_service.toggle(session, auth, scope_of(auth), workflow_id)
    return workflow_service.to_schema(workflow)


@router.post("/{workflow_id}/test")
async def test_workflow(
    workflow_id: uuid.UUID,
    data: schemas.TestRun,
    auth: WriteAuth,
    session: Session,
    request: Request,
) -> schemas.ExecutionDetail:
    """Run the workflow on `testData` without changing anything: each node's result, and what
    the nodes that act would have done."""
    execution = await workflow_service.test(
        session,
        auth,
        scope_of(auth),
        workflow_id,
        data.test_data,
        request.app.state.http,
        request.app.state.settings,
    )
    return schemas.ExecutionDetail.model_validate(execution)


@router.get("/{workflow_id}/executions")
async def list_executions(
    workflow_id: uuid.UUID,
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    status_: Annotated[ExecutionStatus | None, Query(alias="status")] = None,
) -> Page[schemas.Execution]:
    """The workflow's executions, newest first."""
    items, total = await workflow_service.executions(
        session, scope_of(auth), workflow_id, pagination, status_
    )
    return Page.of([schemas.Execution.model_validate(e) for e in items], total, pagination)


@router.get("/{workflow_id}/executions/{execution_id}")
async def get_execution(
    workflow_id: uuid.UUID, execution_id: uuid.UUID, auth: ReadAuth, session: Session
) -> schemas.ExecutionDetail:
    """An execution with the data it ran on and each node's input, output, status and time."""
    found = await workflow_service.execution(session, scope_of(auth), workflow_id, execution_id)
    return schemas.ExecutionDetail.model_validate(found)
