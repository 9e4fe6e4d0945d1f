"""Workflows: create, change, toggle and delete them; test runs; their executions."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.errors import ValidationFailed, validation_details
from frontdesk.jobs.clock import get_clock
from frontdesk.kit import ssrf
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.settings import Settings
from frontdesk.tenancy.scope import WorkspaceScope
from frontdesk.workflows import graph, nodes, runner, schemas
from frontdesk.workflows.models import Workflow, WorkflowExecution


def to_schema(workflow: Workflow) -> schemas.Workflow:
    return schemas.Workflow.model_validate(workflow)


def _trigger_config(trigger_type: str, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        parsed = schemas.TRIGGERS[trigger_type].model_validate(raw)
    except ValidationError as exc:
        details = {
            f"trigger_config.{k}" if k != "body" else "trigger_config": v
            for k, v in validation_details(list(exc.errors())).items()
        }
        raise ValidationFailed(
            f"Invalid {trigger_type} trigger: check {', '.join(sorted(details))}", details=details
        ) from None
    return parsed.model_dump(mode="json", by_alias=True, exclude_none=True)


def _check_urls(checked: list[dict[str, Any]], settings: Settings) -> None:
    for node in checked:
        if node["type"] == "send_webhook":
            field = f"nodes.{node['id']}.config.url"
            ssrf.validate_url_field(node["config"]["url"], field, settings.allow_private_urls)


async def create(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    data: schemas.WorkflowCreate,
    settings: Settings,
) -> Workflow:
    trigger_config = _trigger_config(data.trigger_type, data.trigger_config)
    checked = graph.check(data.nodes, data.edges)
    _check_urls(checked, settings)
    workflow = Workflow(
        id=uuid.uuid4(),
        workspace_id=scope.workspace_id,
        name=data.name,
        description=data.description,
        enabled=data.enabled,
        trigger_type=data.trigger_type,
        trigger_config=trigger_config,
        nodes=checked,
        edges=[e.model_dump(exclude_none=True) for e in data.edges],
    )
    session.add(workflow)
    await session.flush()
    await audit_service.record(session, auth, "workflow.create", "workflow", workflow.id)
    return workflow


async def list_workflows(
    session: AsyncSession,
    scope: WorkspaceScope,
    pagination: Pagination,
    enabled: bool | None = None,
    trigger_type: str | None = None,
) -> tuple[list[Workflow], int]:
    stmt = scope.apply(select(Workflow), Workflow)
    if enabled is not None:
        stmt = stmt.where(Workflow.enabled.is_(enabled))
    if trigger_type:
        stmt = stmt.where(Workflow.trigger_type == trigger_type)
    return await paginate(
        session, stmt.order_by(Workflow.created_at.desc(), Workflow.id), pagination
    )


async def get(session: AsyncSession, scope: WorkspaceScope, workflow_id: uuid.UUID) -> Workflow:
    return await scope.get(session, Workflow, workflow_id, "workflow")


async def update(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    workflow_id: uuid.UUID,
    data: schemas.WorkflowUpdate,
    settings: Settings,
) -> Workflow:
    workflow = await get(session, scope, workflow_id)
    fields = data.model_fields_set
    for name in ("name", "description", "enabled"):
        if name in fields and (getattr(data, name) is not None or name == "description"):
            setattr(workflow, name, getattr(data, name))
    if fields & {"trigger_type", "trigger_config"}:
        trigger_type = data.trigger_type or workflow.trigger_type
        raw = (
            data.trigger_config
            if data.trigger_config is not None
            else (workflow.trigger_config if trigger_type == workflow.trigger_type else {})
        )
        workflow.trigger_config = _trigger_config(trigger_type, raw)
        workflow.trigger_type = trigger_type
    if fields & {"nodes", "edges"}:
        node_list = (
            data.nodes
            if data.nodes is not None
            else [schemas.Node.model_validate(n) for n in _raw_nodes(workflow)]
        )
        edge_list = (
            data.edges
            if data.edges is not None
            else [schemas.Edge.model_validate(e) for e in workflow.edges]
        )
        checked = graph.check(node_list, edge_list)
        _check_urls(checked, settings)
        workflow.nodes = checked
        workflow.edges = [e.model_dump(exclude_none=True) for e in edge_list]
    workflow.updated_at = get_clock().now()
    await session.flush()
    await audit_service.record(
        session, auth, "workflow.update", "workflow", workflow.id, {"fields": sorted(fields)}
    )
    return workflow


def _raw_nodes(workflow: Workflow) -> list[dict[str, Any]]:
    """Stored nodes as they were given (the parsed condition tree left out)."""
    out = []
    for node in workflow.nodes:
        config = {k: v for k, v in (node.get("config") or {}).items() if k != "tree"}
        out.append({**node, "config": config})
    return out


async def toggle(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, workflow_id: uuid.UUID
) -> Workflow:
    workflow = await get(session, scope, workflow_id)
    workflow.enabled = not workflow.enabled
    workflow.updated_at = get_clock().now()
    await session.flush()
    await audit_service.record(
        session, auth, "workflow.toggle", "workflow", workflow.id, {"enabled": workflow.enabled}
    )
    return workflow


async def delete(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, workflow_id: uuid.UUID
) -> None:
    workflow = await get(session, scope, workflow_id)
    await session.delete(workflow)
    await session.flush()
    await audit_service.record(session, auth, "workflow.delete", "workflow", workflow_id)


async def _test_data(
    session: AsyncSession, scope: WorkspaceScope, given: dict[str, Any]
) -> dict[str, Any]:
    """The run's data for a test: what was given, with a conversation or contact named by id
    loaded from the workspace, and a message given as text read as the customer's."""
    from frontdesk.conversations import service as conversation_service
    from frontdesk.crm import contacts as contact_service
    from frontdesk.crm.schemas import Contact as ContactSchema
    from frontdesk.errors import AppError

    data: dict[str, Any] = {"event": {"type": "test"}, **given}
    if isinstance(given.get("message"), str):
        data["message"] = {"content": given["message"], "sender_type": "user"}
    for key, loader in (("conversation_id", "conversation"), ("contact_id", "contact")):
        raw = given.get(key)
        if not raw or loader in given:
            continue
        try:
            found_id = uuid.UUID(str(raw))
            if loader == "conversation":
                found = await conversation_service.get(session, scope, found_id)
                data["conversation"] = conversation_service.to_schema(found).model_dump(mode="json")
            else:
                contact = await contact_service.get(session, scope, found_id)
                data["contact"] = ContactSchema.model_validate(contact).model_dump(mode="json")
        except (ValueError, AppError):
            raise ValidationFailed(
                f"testData.{key}: no {loader} of this workspace has the id {raw}",
                details={f"testData.{key}": f"no such {loader}"},
            ) from None
    return data


async def test(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    workflow_id: uuid.UUID,
    given: dict[str, Any],
    http: httpx.AsyncClient,
    settings: Settings,
) -> WorkflowExecution:
    """Run the workflow on `given` without changing anything: nodes that would change
    something say what they would do; conditions are evaluated for real."""
    workflow = await get(session, scope, workflow_id)
    data = await _test_data(session, scope, given)
    now = get_clock().now()
    execution = WorkflowExecution(
        id=uuid.uuid4(),
        workspace_id=workflow.workspace_id,
        workflow_id=workflow.id,
        status="running",
        triggered_by="test",
        test=True,
        depth=1,
        trigger_data=data,
        log=[],
        pending=0,
        executed_at=now,
    )
    ctx = nodes.RunContext(session, http, settings, workflow, execution, dict(data), dry_run=True)
    try:
        await runner.walk(ctx, runner.Graph(workflow).roots)
    except nodes.NodeFailed as exc:
        runner.finish(execution, "failed", str(exc))
    else:
        runner.finish(execution, "success")
    session.add(execution)
    await session.flush()
    return execution


async def executions(
    session: AsyncSession,
    scope: WorkspaceScope,
    workflow_id: uuid.UUID,
    pagination: Pagination,
    status: str | None = None,
) -> tuple[list[WorkflowExecution], int]:
    await get(session, scope, workflow_id)
    stmt = select(WorkflowExecution).where(WorkflowExecution.workflow_id == workflow_id)
    if status:
        stmt = stmt.where(WorkflowExecution.status == status)
    stmt = stmt.order_by(WorkflowExecution.created_at.desc(), WorkflowExecution.id)
    return await paginate(session, stmt, pagination)


async def execution(
    session: AsyncSession, scope: WorkspaceScope, workflow_id: uuid.UUID, execution_id: uuid.UUID
) -> WorkflowExecution:
    found = await scope.get(session, WorkflowExecution, execution_id, "execution")
    if found.workflow_id != workflow_id:
        from frontdesk.errors import NotFound

        raise NotFound("execution")
    return found
