"""Running a workflow: its nodes from the ones nothing leads to, following edges (a condition's
`true` or `false`), each node's input, output, status and time kept in the execution's log.

An execution runs as a job (`workflows.run`), committed node by node: what a node did stays
done when a later one fails, and the failure is the execution's error. A `delay` enqueues
`workflows.resume` for later and the branch goes on from there; the execution is `waiting`
meanwhile. At most `MAX_RUNNING` executions of one workflow run at once (the others wait their
turn), and a run started by another run's own change (a tag, a status, a message that fires a
trigger again) is `depth` deep: past `MAX_DEPTH` it is stopped, not run.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.events import service as event_service
from frontdesk.events.live import LiveBroker
from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import get_clock
from frontdesk.jobs.registry import Defer, JobContext, RetryPolicy, job_handler
from frontdesk.workflows import nodes
from frontdesk.workflows.models import Workflow, WorkflowExecution
from frontdesk.workflows.schemas import DelayNode

log = structlog.get_logger("frontdesk.workflows")
RUN_JOB = "workflows.run"
RESUME_JOB = "workflows.resume"
MAX_DEPTH = 5
MAX_RUNNING = 5
MAX_STEPS = 200  # node runs in one execution (a loop through a delay counts each round)


class Graph:
    def __init__(self, workflow: Workflow) -> None:
        self.nodes = {n["id"]: n for n in workflow.nodes}
        self.edges = workflow.edges
        targets = {e["target"] for e in self.edges}
        self.roots = [n for n in self.nodes if n not in targets]

    def after(self, node_id: str, branch: str | None) -> list[str]:
        return [
            e["target"]
            for e in self.edges
            if e["source"] == node_id and (branch is None or e.get("output") == branch)
        ]


def _entry(node: dict[str, Any], status: str, started: float, **fields: Any) -> dict[str, Any]:
    """A log entry for a node that began `started` (perf_counter) and has just finished."""
    took = time.perf_counter() - started
    began = get_clock().now() - timedelta(seconds=took)
    return {
        "node_id": node["id"],
        "type": node["type"],
        "status": status,
        "started_at": began.isoformat().replace("+00:00", "Z"),
        "duration_ms": round(took * 1000, 2),
        **fields,
    }


def _append(execution: WorkflowExecution, entry: dict[str, Any]) -> None:
    execution.log = [*(execution.log or []), entry]


async def walk(ctx: nodes.RunContext, start: list[str]) -> None:
    """Run the nodes from `start` on, in order, until every branch has ended or waits. A node
    that fails raises `NodeFailed` after logging it."""
    graph = Graph(ctx.workflow)
    execution = ctx.execution
    queue = deque(start)
    steps = len(execution.log or [])
    while queue:
        node = graph.nodes[queue.popleft()]
        steps += 1
        started = time.perf_counter()
        if steps > MAX_STEPS:
            _append(execution, _entry(node, "failed", started, error="step limit"))
            raise nodes.NodeFailed(
                f"the execution ran {MAX_STEPS} nodes without finishing (a loop through a delay?)"
            )
        config = node.get("config") or {}
        if node["type"] == "delay":
            seconds = DelayNode.model_validate(
                {k: v for k, v in config.items() if k in ("seconds", "minutes", "hours", "days")}
            ).total_seconds
            if ctx.dry_run:
                _append(
                    execution,
                    _entry(node, "would_run", started, output={"would": f"wait {seconds} s"}),
                )
                queue.extend(graph.after(node["id"], None))
                continue
            resume_at = get_clock().now() + timedelta(seconds=seconds)
            execution.pending = (execution.pending or 0) + 1
            await job_service.enqueue(
                ctx.session,
                RESUME_JOB,
                {"execution_id": str(execution.id), "node_id": node["id"]},
                run_at=resume_at,
                unique_key=f"workflow-resume:{execution.id}:{node['id']}:{steps}",
                workspace_id=execution.workspace_id,
            )
            _append(
                execution,
                _entry(node, "waiting", started, output={"resume_at": resume_at.isoformat()}),
            )
            continue
        handler = nodes.HANDLERS[node["type"]]
        token = event_service.DEPTH.set(execution.depth)
        try:
            output, branch = await handler(ctx, config)
        except nodes.NodeFailed as exc:
            _append(execution, _entry(node, "failed", started, input=config, error=str(exc)))
            raise
        finally:
            event_service.DEPTH.reset(token)
        would = ctx.dry_run and node["type"] in nodes.SIDE_EFFECTS
        _append(
            execution,
            _entry(node, "would_run" if would else "success", started, input=config, output=output),
        )
        ctx.data.setdefault("nodes", {})[node["id"]] = output
        if not ctx.dry_run:
            await ctx.session.commit()
        if node["type"] != "end":
            queue.extend(graph.after(node["id"], branch))


def finish(execution: WorkflowExecution, status: str, error: str | None = None) -> None:
    now = get_clock().now()
    execution.status = status
    execution.error = error
    if status != "waiting":
        execution.finished_at = now
    if execution.executed_at is not None:
        execution.execution_time_ms = round((now - execution.executed_at).total_seconds() * 1000, 2)


async def _run(
    job: JobContext,
    session: AsyncSession,
    workflow: Workflow,
    execution: WorkflowExecution,
    start: list[str],
) -> None:
    data = dict(execution.trigger_data or {})
    data["nodes"] = {
        e["node_id"]: e.get("output") for e in execution.log or [] if e.get("status") == "success"
    }
    ctx = nodes.RunContext(session, job.http, job.settings, workflow, execution, data)
    execution_id, workflow_id, workspace_id = execution.id, workflow.id, workflow.workspace_id
    try:
        await walk(ctx, start)
    except nodes.NodeFailed as exc:
        failed_log = list(execution.log or [])
        await session.rollback()  # what the failing node half did
        execution = await session.get_one(WorkflowExecution, execution_id)
        execution.log = failed_log
        finish(execution, "failed", str(exc))
        log.info("workflow_failed", workflow_id=str(workflow_id), error=str(exc))
    else:
        finish(execution, "success" if not execution.pending else "waiting")
    await session.commit()
    broker: LiveBroker | None = job.services.get("broker")
    if broker is not None:
        for message in ctx.live:
            await broker.publish(workspace_id, message)


@job_handler(RUN_JOB, retry=RetryPolicy((5, 30)), timeout=300)
async def run(job: JobContext, payload: dict[str, Any]) -> None:
    async with job.sessionmaker() as session:
        execution = await session.get(WorkflowExecution, uuid.UUID(payload["execution_id"]))
        if execution is None or execution.status not in ("queued", "running"):
            return
        lock = select(Workflow).where(Workflow.id == execution.workflow_id)
        if session.get_bind().dialect.name == "postgresql":
            lock = lock.with_for_update()
        workflow = await session.scalar(lock)
        if workflow is None:
            return
        running = await session.scalar(
            select(func.count()).where(
                WorkflowExecution.workflow_id == workflow.id,
                WorkflowExecution.status == "running",
                WorkflowExecution.id != execution.id,
            )
        )
        if (running or 0) >= MAX_RUNNING:
            await session.rollback()
            raise Defer(0.2)  # a storm of triggers: its turn comes
        execution.status = "running"
        execution.executed_at = execution.executed_at or get_clock().now()
        execution.log = []
        await session.commit()
        await _run(job, session, workflow, execution, Graph(workflow).roots)


@job_handler(RESUME_JOB, retry=RetryPolicy((5, 30)), timeout=300)
async def resume(job: JobContext, payload: dict[str, Any]) -> None:
    """A delay is over: its branch goes on."""
    async with job.sessionmaker() as session:
        execution = await session.get(WorkflowExecution, uuid.UUID(payload["execution_id"]))
        if execution is None or execution.status != "waiting":
            return
        workflow = await session.get(Workflow, execution.workflow_id)
        if workflow is None:
            return
        graph = Graph(workflow)
        node_id = payload["node_id"]
        execution.pending = max(0, (execution.pending or 0) - 1)
        execution.status = "running"
        if node_id not in graph.nodes:  # the workflow was edited meanwhile
            finish(execution, "failed", f"node {node_id} is no longer in the workflow")
            await session.commit()
            return
        _append(execution, _entry(graph.nodes[node_id], "resumed", time.perf_counter()))
        await session.commit()
        await _run(job, session, workflow, execution, graph.after(node_id, None))
