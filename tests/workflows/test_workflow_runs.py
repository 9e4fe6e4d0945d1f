"""Workflows running on real events: triggers, nodes, test runs, delays, failures, storms and
schedules (the worker drains the jobs; a loopback server receives the webhooks)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.calls import progress
from frontdesk.calls.models import Call
from frontdesk.jobs import scheduler
from frontdesk.jobs.clock import ManualClock
from frontdesk.jobs.worker import Worker
from frontdesk.workflows import runner
from frontdesk.workflows.models import WorkflowExecution
from tests.fixtures.factories import Account
from tests.fixtures.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


async def workflow(client: httpx.AsyncClient, owner: Account, **body: Any) -> dict[str, Any]:
    created = await client.post("/v1/workflows", headers=owner.headers, json={"name": "W", **body})
    assert created.status_code == 201, created.text
    return dict(created.json())


async def chat(
    client: httpx.AsyncClient, owner: Account, channel: str = "api", **fields: Any
) -> dict[str, Any]:
    agent = await client.post(
        "/v1/agents",
        headers=owner.headers,
        json={"name": "Helper", "type": "chat", "llm": {"provider": "scripted"}},
    )
    created = await client.post(
        "/v1/conversations",
        headers=owner.headers,
        json={"agent_id": agent.json()["id"], "channel": channel, **fields},
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


async def say(client: httpx.AsyncClient, owner: Account, conversation: str, text: str) -> None:
    sent = await client.post(
        f"/v1/conversations/{conversation}/messages", headers=owner.headers, json={"content": text}
    )
    assert sent.status_code == 200, sent.text


async def runs(client: httpx.AsyncClient, owner: Account, workflow_id: str) -> list[Any]:
    page = await client.get(
        f"/v1/workflows/{workflow_id}/executions?limit=100", headers=owner.headers
    )
    return list(reversed(page.json()["items"]))


URGENT_TRIGGER = {
    "trigger_type": "message_received",
    "trigger_config": {"keywords": ["urgent", "call me back"]},
}


async def test_an_urgent_message_is_tagged_and_sent_to_a_webhook(
    client: httpx.AsyncClient, owner: Account, worker: Worker, receiver: Receiver
) -> None:
    made = await workflow(
        client,
        owner,
        **URGENT_TRIGGER,
        nodes=[
            {"id": "tag", "type": "add_tag", "config": {"tag": "urgent"}},
            {"id": "hook", "type": "send_webhook", "config": {"url": receiver.url}},
        ],
        edges=[{"source": "tag", "target": "hook"}],
    )
    conversation = (await chat(client, owner))["id"]
    await say(client, owner, conversation, "Hello there")
    await say(client, owner, conversation, "They need it urgently")  # not the word
    await worker.run_until_idle()
    assert await runs(client, owner, made["id"]) == []

    await say(client, owner, conversation, "This is URGENT!")
    await worker.run_until_idle()
    (execution,) = await runs(client, owner, made["id"])
    assert execution["status"] == "success"
    assert execution["triggered_by"] == "message_received"
    assert execution["execution_time_ms"] is not None
    detail = await client.get(
        f"/v1/workflows/{made['id']}/executions/{execution['id']}", headers=owner.headers
    )
    log = detail.json()["log"]
    assert [(e["node_id"], e["status"]) for e in log] == [("tag", "success"), ("hook", "success")]
    assert log[1]["output"]["status_code"] == 200
    assert all(e["duration_ms"] >= 0 for e in log)
    assert detail.json()["trigger_data"]["message"]["content"] == "This is URGENT!"
    tags = (await client.get(f"/v1/conversations/{conversation}", headers=owner.headers)).json()
    assert tags["tags"] == ["urgent"]
    (hook,) = receiver.received
    body = json.loads(hook.body)
    assert body["trigger"] == "message_received"
    assert body["data"]["message"]["content"] == "This is URGENT!"
    assert body["data"]["conversation"]["id"] == conversation

    await say(client, owner, conversation, "please Call Me Back.")
    await worker.run_until_idle()
    assert len(await runs(client, owner, made["id"])) == 2


async def test_a_test_run_touches_nothing(
    client: httpx.AsyncClient, owner: Account, worker: Worker, receiver: Receiver
) -> None:
    made = await workflow(
        client,
        owner,
        **URGENT_TRIGGER,
        nodes=[
            {
                "id": "check",
                "type": "condition",
                "config": {"if": "message.content contains 'urgent'"},
            },
            {"id": "tag", "type": "add_tag", "config": {"tag": "urgent"}},
            {"id": "wait", "type": "delay", "config": {"minutes": 5}},
            {"id": "hook", "type": "send_webhook", "config": {"url": receiver.url}},
            {
                "id": "say",
                "type": "send_message",
                "config": {"content": "On it, {{contact.name}}!"},
            },
            {"id": "tell", "type": "notify", "config": {"title": "Urgent: {{message.content}}"}},
            {"id": "calm", "type": "end"},
        ],
        edges=[
            {"source": "check", "target": "tag", "output": "true"},
            {"source": "check", "target": "calm", "output": "false"},
            {"source": "tag", "target": "wait"},
            {"source": "wait", "target": "hook"},
            {"source": "hook", "target": "say"},
            {"source": "say", "target": "tell"},
        ],
    )
    contact = await client.post("/v1/contacts", headers=owner.headers, json={"name": "Dana"})
    conversation = (await chat(client, owner, contact_id=contact.json()["id"]))["id"]
    before = (await client.get(f"/v1/conversations/{conversation}", headers=owner.headers)).json()
    tested = await client.post(
        f"/v1/workflows/{made['id']}/test",
        headers=owner.headers,
        json={
            "testData": {
                "message": "This is urgent!",
                "conversation_id": conversation,
                "contact": {"name": "Dana"},
            }
        },
    )
    assert tested.status_code == 200, tested.text
    trace = tested.json()
    assert trace["status"] == "success"
    assert trace["test"] is True
    steps = {e["node_id"]: e for e in trace["log"]}
    assert steps["check"]["status"] == "success"
    assert steps["check"]["output"] == {"result": True}
    assert "calm" not in steps
    assert {steps[n]["status"] for n in ("tag", "wait", "hook", "say", "tell")} == {"would_run"}
    assert steps["say"]["output"]["content"] == "On it, Dana!"
    assert steps["tell"]["output"]["title"] == "Urgent: This is urgent!"
    assert steps["hook"]["output"]["would"] == f"POST {receiver.url}"
    await worker.run_until_idle()
    after = (await client.get(f"/v1/conversations/{conversation}", headers=owner.headers)).json()
    assert after["tags"] == before["tags"] == []
    assert len(after["messages"]) == len(before["messages"])
    assert receiver.received == []
    unread = await client.get("/v1/notifications/unread-count", headers=owner.headers)
    assert unread.json()["unread_count"] == 0
    bad = await client.post(
        f"/v1/workflows/{made['id']}/test",
        headers=owner.headers,
        json={"testData": {"conversation_id": str(uuid.uuid4())}},
    )
    assert bad.status_code == 400
    assert "testData.conversation_id" in bad.json()["details"]


async def test_branches_messages_and_notifications(
    client: httpx.AsyncClient, owner: Account, worker: Worker
) -> None:
    await workflow(
        client,
        owner,
        trigger_type="conversation_started",
        nodes=[
            {
                "id": "web",
                "type": "condition",
                "config": {"if": "conversation.channel == 'web_chat'"},
            },
            {
                "id": "hello",
                "type": "send_message",
                "config": {"content": "Welcome, {{contact.name}}!"},
            },
            {
                "id": "tell",
                "type": "notify",
                "config": {"title": "A {{conversation.channel}} chat began"},
            },
        ],
        edges=[
            {"source": "web", "target": "hello", "output": "true"},
            {"source": "web", "target": "tell", "output": "false"},
        ],
    )
    contact = await client.post("/v1/contacts", headers=owner.headers, json={"name": "Dana"})
    web = (await chat(client, owner, "web_chat", contact_id=contact.json()["id"]))["id"]
    await chat(client, owner, "api")
    await worker.run_until_idle()
    messages = (await client.get(f"/v1/conversations/{web}", headers=owner.headers)).json()[
        "messages"
    ]
    assert messages[-1]["content"] == "Welcome, Dana!"
    assert messages[-1]["sender_type"] == "agent"
    assert messages[-1]["ai_metadata"] == {"kind": "workflow"}
    notes = (await client.get("/v1/notifications", headers=owner.headers)).json()["items"]
    assert [n["title"] for n in notes if n["type"] == "workflow.notify"] == ["A api chat began"]


async def test_a_delay_resumes_later(
    client: httpx.AsyncClient, owner: Account, worker: Worker, clock: ManualClock
) -> None:
    made = await workflow(
        client,
        owner,
        trigger_type="conversation_started",
        nodes=[
            {"id": "wait", "type": "delay", "config": {"minutes": 10}},
            {"id": "tag", "type": "add_tag", "config": {"tag": "followed-up"}},
        ],
        edges=[{"source": "wait", "target": "tag"}],
    )
    conversation = (await chat(client, owner))["id"]
    await worker.run_until_idle()
    (execution,) = await runs(client, owner, made["id"])
    assert execution["status"] == "waiting"
    clock.advance(300)
    await worker.run_until_idle()
    got = (await client.get(f"/v1/conversations/{conversation}", headers=owner.headers)).json()
    assert got["tags"] == []
    clock.advance(301)
    await worker.run_until_idle()
    (execution,) = await runs(client, owner, made["id"])
    assert execution["status"] == "success"
    got = (await client.get(f"/v1/conversations/{conversation}", headers=owner.headers)).json()
    assert got["tags"] == ["followed-up"]
    detail = await client.get(
        f"/v1/workflows/{made['id']}/executions/{execution['id']}", headers=owner.headers
    )
    assert [e["status"] for e in detail.json()["log"]] == ["waiting", "resumed", "success"]


async def test_a_failing_node_fails_its_execution_only(
    client: httpx.AsyncClient, owner: Account, worker: Worker, receiver: Receiver
) -> None:
    made = await workflow(
        client,
        owner,
        **URGENT_TRIGGER,
        nodes=[
            {"id": "tag", "type": "add_tag", "config": {"tag": "urgent"}},
            {"id": "hook", "type": "send_webhook", "config": {"url": receiver.url}},
            {"id": "after", "type": "add_tag", "config": {"tag": "sent"}},
        ],
        edges=[{"source": "tag", "target": "hook"}, {"source": "hook", "target": "after"}],
    )
    receiver.status = 500
    conversation = (await chat(client, owner))["id"]
    await say(client, owner, conversation, "urgent")
    await worker.run_until_idle()
    (failed,) = await runs(client, owner, made["id"])
    assert failed["status"] == "failed"
    assert "HTTP 500" in failed["error"]
    got = (await client.get(f"/v1/conversations/{conversation}", headers=owner.headers)).json()
    assert got["tags"] == ["urgent"]  # done before the failure, kept
    receiver.status = 200
    await say(client, owner, conversation, "still urgent")
    await worker.run_until_idle()
    assert [r["status"] for r in await runs(client, owner, made["id"])] == ["failed", "success"]
    got = (await client.get(f"/v1/conversations/{conversation}", headers=owner.headers)).json()
    assert got["tags"] == ["urgent", "sent"]


async def test_a_workflow_that_triggers_itself_stops(
    client: httpx.AsyncClient, owner: Account, worker: Worker
) -> None:
    made = await workflow(
        client,
        owner,
        trigger_type="lead_status_changed",
        nodes=[
            {
                "id": "which",
                "type": "condition",
                "config": {"if": "contact.lead_status == 'qualifying'"},
            },
            {"id": "to_nurturing", "type": "set_lead_status", "config": {"status": "nurturing"}},
            {"id": "to_qualifying", "type": "set_lead_status", "config": {"status": "qualifying"}},
        ],
        edges=[
            {"source": "which", "target": "to_nurturing", "output": "true"},
            {"source": "which", "target": "to_qualifying", "output": "false"},
        ],
    )
    contact = await client.post(
        "/v1/contacts", headers=owner.headers, json={"name": "Loop", "lead_status": "new"}
    )
    await client.patch(
        f"/v1/contacts/{contact.json()['id']}",
        headers=owner.headers,
        json={"lead_status": "qualifying"},
    )
    await worker.run_until_idle()
    executions = await runs(client, owner, made["id"])
    assert [e["status"] for e in executions] == ["success"] * runner.MAX_DEPTH + ["stopped"]
    assert [e["depth"] for e in executions] == list(range(1, runner.MAX_DEPTH + 2))
    assert "limit" in executions[-1]["error"]


async def test_a_schedule_runs_its_workflow(
    client: httpx.AsyncClient,
    owner: Account,
    worker: Worker,
    clock: ManualClock,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    made = await workflow(
        client,
        owner,
        trigger_type="schedule",
        trigger_config={"cron": "*/5 * * * *"},
        nodes=[{"id": "tell", "type": "notify", "config": {"title": "Daily digest"}}],
    )
    await scheduler.tick(sessionmaker)  # an occurrence before the workflow existed: not run
    await worker.run_until_idle()
    assert await runs(client, owner, made["id"]) == []
    clock.advance(300)
    await scheduler.tick(sessionmaker)
    await scheduler.tick(sessionmaker)
    await worker.run_until_idle()
    (execution,) = await runs(client, owner, made["id"])
    assert (execution["status"], execution["triggered_by"]) == ("success", "schedule")
    await client.post(f"/v1/workflows/{made['id']}/toggle", headers=owner.headers)
    clock.advance(300)
    await scheduler.tick(sessionmaker)
    await worker.run_until_idle()
    assert len(await runs(client, owner, made["id"])) == 1


async def test_a_storm_waits_its_turn(
    client: httpx.AsyncClient, owner: Account, worker: Worker, session: AsyncSession
) -> None:
    made = await workflow(
        client,
        owner,
        trigger_type="conversation_started",
        nodes=[{"id": "tag", "type": "add_tag", "config": {"tag": "seen"}}],
    )
    workflow_id = uuid.UUID(made["id"])
    for _ in range(runner.MAX_RUNNING):
        session.add(
            WorkflowExecution(
                workspace_id=owner.workspace.id,
                workflow_id=workflow_id,
                status="running",
                triggered_by="conversation_started",
                trigger_data={},
                log=[],
            )
        )
    await session.commit()
    await chat(client, owner)
    await worker.run_until_idle(max_rounds=20)
    waiting = await session.scalar(
        select(WorkflowExecution).where(
            WorkflowExecution.workflow_id == workflow_id, WorkflowExecution.status == "queued"
        )
    )
    assert waiting is not None  # deferred while five others run
    await session.execute(
        update(WorkflowExecution)
        .where(WorkflowExecution.status == "running")
        .values(status="success")
    )
    await session.commit()
    await asyncio.sleep(0.3)  # the deferred run is due again
    await worker.run_until_idle()
    await session.refresh(waiting)
    assert waiting.status == "success"


async def test_every_event_trigger_starts_its_workflows(
    client: httpx.AsyncClient, owner: Account, worker: Worker, session: AsyncSession
) -> None:
    """conversation_ended, contact_created, deal_stage_changed (with its stage) and call_ended
    (a busy number, as the phone network reports it), each from its real source."""
    tag = [{"id": "tell", "type": "notify", "config": {"title": "{{event.type}}"}}]
    made = {
        trigger: await workflow(
            client, owner, trigger_type=trigger, trigger_config=config, nodes=tag
        )
        for trigger, config in [
            ("conversation_ended", {}),
            ("contact_created", {}),
            ("deal_stage_changed", {"stage": "won"}),
            ("call_ended", {"status": ["busy"]}),
        ]
    }
    conversation = (await chat(client, owner))["id"]
    await client.post(
        f"/v1/conversations/{conversation}/status", headers=owner.headers, json={"status": "ended"}
    )
    await client.post("/v1/contacts", headers=owner.headers, json={"name": "New one"})
    deal = await client.post("/v1/deals", headers=owner.headers, json={"title": "Big one"})
    assert deal.status_code == 201, deal.text
    for stage in ("proposal", "won"):
        await client.patch(
            f"/v1/deals/{deal.json()['id']}", headers=owner.headers, json={"stage": stage}
        )
    agent = await client.post(
        "/v1/agents",
        headers=owner.headers,
        json={"name": "Caller", "type": "outbound", "llm": {"provider": "scripted"}},
    )
    queued = await client.post(
        "/v1/calls",
        headers=owner.headers,
        json={"agent_id": agent.json()["id"], "phone": "+14155550155", "name": "Busy"},
    )
    assert queued.status_code == 201, queued.text
    call = await session.get_one(Call, uuid.UUID(queued.json()["call_id"]))
    await progress.report(session, call, "busy")
    await session.commit()
    await worker.run_until_idle()
    # Two contacts were created: "New one", and the lead the call made.
    expected = {
        "conversation_ended": 1,
        "contact_created": 2,
        "deal_stage_changed": 1,
        "call_ended": 1,
    }
    for trigger, created in made.items():
        executions = await runs(client, owner, created["id"])
        assert [e["status"] for e in executions] == ["success"] * expected[trigger], trigger
        assert executions[0]["triggered_by"] == trigger
    # The deal moved twice, but only the move to `won` matches.
    detail = await client.get(
        f"/v1/workflows/{made['deal_stage_changed']['id']}/executions/"
        f"{(await runs(client, owner, made['deal_stage_changed']['id']))[0]['id']}",
        headers=owner.headers,
    )
    assert detail.json()["trigger_data"]["deal"]["stage"] == "won"
