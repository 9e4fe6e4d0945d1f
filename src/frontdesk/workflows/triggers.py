"""What starts workflows: domain events (through the fan-out's subscribers) and schedules
(through the scheduler). Either way an execution row and its job are written in one
transaction, so a trigger that fired is never lost, and a repeated fan-out starts nothing twice
(the execution's id comes from the workflow's and the event's)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.crm.models import Contact
from frontdesk.crm.schemas import Contact as ContactSchema
from frontdesk.events import service as event_service
from frontdesk.events.models import Event
from frontdesk.jobs import scheduler
from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import get_clock
from frontdesk.jobs.registry import JobContext, job_handler
from frontdesk.tenancy.models import Workspace
from frontdesk.workflows import runner
from frontdesk.workflows.models import Workflow, WorkflowExecution

log = structlog.get_logger("frontdesk.workflows")
SCHEDULED_JOB = "workflows.scheduled"
EVENT_TRIGGERS = {
    "conversation.started": "conversation_started",
    "message.received": "message_received",
    "conversation.ended": "conversation_ended",
    "call.ended": "call_ended",
    "lead.status_changed": "lead_status_changed",
    "contact.created": "contact_created",
    "deal.stage_changed": "deal_stage_changed",
}
_NAMESPACE = uuid.UUID("8f5f3c1e-54b8-4c9a-9d7e-2b8c8c0f6a11")


def keyword_hit(keywords: list[str], text: str) -> str | None:
    """The first keyword found in `text` as a whole word (or phrase), in any case."""
    for keyword in keywords:
        if re.search(rf"(?<!\w){re.escape(keyword)}(?!\w)", text, re.IGNORECASE):
            return keyword
    return None


def data_of(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The run's data for an event: the object under its own name (`conversation`,
    `message`, `call`, `contact`, `deal`), with the event's type and time."""
    out: dict[str, Any] = {"event": {"type": event_type}}
    if event_type.startswith(("conversation.", "message.")):
        out["conversation"] = {k: v for k, v in data.items() if k != "message"}
        if "message" in data:
            out["message"] = data["message"]
    elif event_type.startswith("call."):
        out["call"] = data
    elif event_type.startswith(("lead.", "contact.")):
        out["contact"] = data
    elif event_type.startswith("deal."):
        out["deal"] = data
    return out


def matches(workflow: Workflow, event: Event) -> bool:
    config = workflow.trigger_config or {}
    data = event.data or {}
    if workflow.trigger_type in ("conversation_started", "conversation_ended", "message_received"):
        if config.get("agent_id") and str(data.get("agent_id")) != config["agent_id"]:
            return False
        if config.get("channel") and data.get("channel") != config["channel"]:
            return False
    if workflow.trigger_type == "message_received":
        message = data.get("message") or {}
        if message.get("sender_type") not in (None, "user"):
            return False
        keywords = config.get("keywords") or []
        return not keywords or keyword_hit(keywords, str(message.get("content") or "")) is not None
    if workflow.trigger_type == "call_ended":
        if config.get("agent_id") and str(data.get("agent_id")) != config["agent_id"]:
            return False
        if config.get("direction") and data.get("direction") != config["direction"]:
            return False
        return not config.get("status") or data.get("status") in config["status"]
    if workflow.trigger_type == "lead_status_changed":
        if config.get("from") and data.get("previous_status") != config["from"]:
            return False
        return not config.get("to") or data.get("lead_status") == config["to"]
    if workflow.trigger_type == "deal_stage_changed":
        return not config.get("stage") or data.get("stage") == config["stage"]
    return True


async def _contact(session: AsyncSession, contact_id: uuid.UUID | None) -> dict[str, Any] | None:
    if contact_id is None:
        return None
    contact = await session.get(Contact, contact_id)
    if contact is None:
        return None
    return ContactSchema.model_validate(contact).model_dump(mode="json")


def _queue(
    session: AsyncSession,
    workflow: Workflow,
    execution_id: uuid.UUID,
    triggered_by: str,
    data: dict[str, Any],
    depth: int,
    event_id: uuid.UUID | None = None,
) -> WorkflowExecution:
    execution = WorkflowExecution(
        id=execution_id,
        workspace_id=workflow.workspace_id,
        workflow_id=workflow.id,
        status="queued",
        triggered_by=triggered_by,
        event_id=event_id,
        test=False,
        depth=depth,
        trigger_data=data,
        log=[],
        pending=0,
    )
    session.add(execution)
    return execution


@event_service.subscribe
async def start_workflows(session: AsyncSession, event: Event) -> list[dict[str, Any]]:
    trigger = EVENT_TRIGGERS.get(event.type)
    if trigger is None:
        return []
    workflows = (
        await session.scalars(
            select(Workflow).where(
                Workflow.workspace_id == event.workspace_id,
                Workflow.trigger_type == trigger,
                Workflow.enabled.is_(True),
            )
        )
    ).all()
    data: dict[str, Any] | None = None
    for workflow in workflows:
        if not matches(workflow, event):
            continue
        execution_id = uuid.uuid5(_NAMESPACE, f"{workflow.id}:{event.id}")
        if await session.get(WorkflowExecution, execution_id) is not None:
            continue  # the fan-out ran before
        if data is None:
            data = data_of(event.type, event.data or {})
            if "contact" not in data and (contact := await _contact(session, event.contact_id)):
                data["contact"] = contact
        depth = (event.depth or 0) + 1
        execution = _queue(session, workflow, execution_id, trigger, data, depth, event.id)
        if depth > runner.MAX_DEPTH:
            # The workflow's own changes keep firing workflows: stop the chain here.
            now = get_clock().now()
            execution.status = "stopped"
            execution.executed_at = execution.finished_at = now
            execution.error = (
                f"not run: {depth - 1} workflow runs in a row led to this one (the limit is "
                f"{runner.MAX_DEPTH}); a workflow's own actions are firing its trigger again"
            )
            execution.log = [{"status": "stopped", "error": execution.error}]
            log.warning("workflow_depth_limit", workflow_id=str(workflow.id), depth=depth)
            continue
        await session.flush()
        await job_service.enqueue(
            session,
            runner.RUN_JOB,
            {"execution_id": str(execution_id)},
            unique_key=f"workflow-run:{execution_id}",
            workspace_id=workflow.workspace_id,
        )
    await session.flush()
    return []


async def _schedules(session: AsyncSession) -> list[scheduler.Schedule]:
    rows = await session.execute(
        select(Workflow, Workspace.timezone)
        .join(Workspace, Workspace.id == Workflow.workspace_id)
        .where(Workflow.trigger_type == "schedule", Workflow.enabled.is_(True))
    )
    return [
        scheduler.Schedule(
            name=f"workflow:{workflow.id}",
            cron=workflow.trigger_config["cron"],
            kind=SCHEDULED_JOB,
            payload={"workflow_id": str(workflow.id)},
            timezone=workflow.trigger_config.get("timezone") or timezone or None,
            not_before=workflow.updated_at,
        )
        for workflow, timezone in rows.all()
    ]


scheduler.add_source(_schedules)


@job_handler(SCHEDULED_JOB, timeout=60)
async def scheduled(job: JobContext, payload: dict[str, Any]) -> None:
    """A schedule's occurrence: an execution of its workflow."""
    async with job.sessionmaker() as session:
        workflow = await session.get(Workflow, uuid.UUID(payload["workflow_id"]))
        if workflow is None or not workflow.enabled:
            return
        fire_at = payload.get("fire_at", "")
        execution_id = uuid.uuid5(_NAMESPACE, f"{workflow.id}:schedule:{fire_at}")
        if await session.get(WorkflowExecution, execution_id) is not None:
            return
        data = {"event": {"type": "schedule", "fire_at": fire_at}, "schedule": {"fire_at": fire_at}}
        _queue(session, workflow, execution_id, "schedule", data, 1)
        await session.flush()
        await job_service.enqueue(
            session,
            runner.RUN_JOB,
            {"execution_id": str(execution_id)},
            unique_key=f"workflow-run:{execution_id}",
            workspace_id=workflow.workspace_id,
        )
        await session.commit()
