"""Workflows: CRUD, toggle, and the checks on triggers and graphs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.tenancy.roles import Role
from tests.fixtures.factories import Account, make_account

URGENT: dict[str, Any] = {
    "name": "Support escalation",
    "description": "Escalate urgent issues",
    "trigger_type": "message_received",
    "trigger_config": {"keywords": ["urgent", "emergency"]},
    "nodes": [
        {"id": "tag", "type": "add_tag", "config": {"tag": "urgent"}},
        {"id": "hook", "type": "send_webhook", "config": {"url": "https://crm.example/hook"}},
    ],
    "edges": [{"source": "tag", "target": "hook"}],
}


async def create(client: httpx.AsyncClient, account: Account, **body: Any) -> httpx.Response:
    return await client.post("/v1/workflows", headers=account.headers, json={**URGENT, **body})


async def test_crud_and_toggle(client: httpx.AsyncClient, owner: Account) -> None:
    created = await create(client, owner)
    assert created.status_code == 201, created.text
    workflow = created.json()
    assert workflow["enabled"] is True
    assert workflow["trigger_config"] == {"keywords": ["urgent", "emergency"]}
    assert [n["id"] for n in workflow["nodes"]] == ["tag", "hook"]
    assert workflow["nodes"][0]["config"] == {"tag": "urgent", "target": "conversation"}
    assert workflow["edges"] == [{"source": "tag", "target": "hook"}]
    base = f"/v1/workflows/{workflow['id']}"

    listed = await client.get("/v1/workflows?trigger_type=message_received", headers=owner.headers)
    assert [w["id"] for w in listed.json()["items"]] == [workflow["id"]]
    toggled = await client.post(f"{base}/toggle", headers=owner.headers)
    assert toggled.json()["enabled"] is False
    disabled = await client.get("/v1/workflows?enabled=false", headers=owner.headers)
    assert disabled.json()["total"] == 1
    assert (await client.post(f"{base}/toggle", headers=owner.headers)).json()["enabled"] is True

    renamed = await client.patch(f"{base}", headers=owner.headers, json={"name": "Escalate"})
    assert renamed.json()["name"] == "Escalate"
    assert renamed.json()["nodes"] == workflow["nodes"]
    rewired = await client.patch(
        base,
        headers=owner.headers,
        json={
            "nodes": [
                {
                    "id": "check",
                    "type": "condition",
                    "config": {"if": "contact.lead_status == 'new'"},
                },
                {"id": "hot", "type": "set_lead_status", "config": {"status": "qualifying"}},
            ],
            "edges": [{"source": "check", "target": "hot", "output": "true"}],
        },
    )
    assert rewired.status_code == 200, rewired.text
    assert rewired.json()["nodes"][0]["config"]["tree"] == {
        "field": "contact.lead_status",
        "operator": "equals",
        "value": "new",
    }
    retriggered = await client.patch(
        base,
        headers=owner.headers,
        json={"trigger_type": "schedule", "trigger_config": {"cron": "0 9 * * 1-5"}},
    )
    assert retriggered.status_code == 200, retriggered.text
    assert retriggered.json()["trigger_config"] == {"cron": "0 9 * * 1-5"}

    assert (await client.delete(base, headers=owner.headers)).status_code == 204
    gone = await client.get(base, headers=owner.headers)
    assert gone.status_code == 404
    assert gone.json()["code"] == "WORKFLOW_NOT_FOUND"
    actions = {
        a["action"]
        for a in (await client.get("/v1/audit-logs", headers=owner.headers)).json()["items"]
    }
    assert {"workflow.create", "workflow.update", "workflow.toggle", "workflow.delete"} <= actions


async def test_roles_and_workspaces(
    client: httpx.AsyncClient, owner: Account, stranger: Account, session: AsyncSession
) -> None:
    workflow = (await create(client, owner)).json()
    viewer = await make_account(session, Role.viewer, workspace=owner.workspace)
    assert (await client.get("/v1/workflows", headers=viewer.headers)).json()["total"] == 1
    for method, path in [
        ("POST", "/v1/workflows"),
        ("PATCH", f"/v1/workflows/{workflow['id']}"),
        ("DELETE", f"/v1/workflows/{workflow['id']}"),
        ("POST", f"/v1/workflows/{workflow['id']}/toggle"),
        ("POST", f"/v1/workflows/{workflow['id']}/test"),
    ]:
        response = await client.request(method, path, headers=viewer.headers, json=URGENT)
        assert response.status_code == 403, (method, path)
    theirs = await client.get(f"/v1/workflows/{workflow['id']}", headers=stranger.headers)
    assert theirs.status_code == 404
    runs = await client.get(f"/v1/workflows/{workflow['id']}/executions", headers=stranger.headers)
    assert runs.status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"nodes": [{"id": "x", "type": "teleport"}]}, "nodes.x"),
        (
            {"nodes": [{"id": "a", "type": "add_tag", "config": {}}], "edges": []},
            "nodes.a.config.tag",
        ),
        (
            {"nodes": [{"id": "a", "type": "add_tag", "config": {"tag": "x", "color": 1}}]},
            "nodes.a.config.color",
        ),
        (
            {
                "nodes": [
                    {"id": "a", "type": "add_tag", "config": {"tag": "x"}},
                    {"id": "b", "type": "add_tag", "config": {"tag": "y"}},
                    {"id": "c", "type": "add_tag", "config": {"tag": "z"}},
                ],
                "edges": [{"source": "b", "target": "c"}, {"source": "c", "target": "b"}],
            },
            "nodes.b",
        ),
        (
            {
                "nodes": [
                    {"id": "a", "type": "add_tag", "config": {"tag": "x"}},
                    {"id": "b", "type": "add_tag", "config": {"tag": "y"}},
                ],
                "edges": [
                    {"source": "a", "target": "b"},
                    {"source": "b", "target": "a"},
                ],
            },
            "nodes.a",
        ),
        (
            {
                "nodes": [
                    {"id": "a", "type": "condition", "config": {"if": "x == 1"}},
                    {"id": "b", "type": "end"},
                ],
                "edges": [{"source": "a", "target": "b"}],
            },
            "edges.0",
        ),
        (
            {
                "nodes": [{"id": "a", "type": "add_tag", "config": {"tag": "x"}}],
                "edges": [{"source": "a", "target": "nowhere"}],
            },
            "edges.0",
        ),
        (
            {"nodes": [{"id": "a", "type": "condition", "config": {"if": "x ==="}}]},
            "nodes.a.config",
        ),
        (
            {"nodes": [{"id": "a", "type": "delay", "config": {"days": 31}}]},
            "nodes.a.config.days",
        ),
        (
            {
                "nodes": [{"id": "a", "type": "send_webhook", "config": {"url": "ftp://x"}}],
                "edges": [],
            },
            "nodes.a.config.url",
        ),
        ({"nodes": []}, "nodes"),
        ({"trigger_type": "sunrise"}, "trigger_type"),
        ({"trigger_config": {"keywords": "urgent"}}, "trigger_config.keywords"),
        (
            {"trigger_type": "schedule", "trigger_config": {"cron": "every day"}},
            "trigger_config.cron",
        ),
        ({"trigger_type": "schedule", "trigger_config": {}}, "trigger_config.cron"),
        (
            {"trigger_type": "lead_status_changed", "trigger_config": {"to": "hot"}},
            "trigger_config.to",
        ),
    ],
)
async def test_bad_workflows(
    client: httpx.AsyncClient, owner: Account, change: dict[str, Any], field: str
) -> None:
    response = await create(client, owner, **change)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert field in response.json()["details"], response.json()
    assert (await client.get("/v1/workflows", headers=owner.headers)).json()["total"] == 0


async def test_a_loop_through_a_delay_is_allowed(client: httpx.AsyncClient, owner: Account) -> None:
    response = await create(
        client,
        owner,
        nodes=[
            {"id": "start", "type": "add_tag", "config": {"tag": "x"}},
            {"id": "wait", "type": "delay", "config": {"hours": 1}},
            {
                "id": "check",
                "type": "condition",
                "config": {"if": "conversation.status == 'active'"},
            },
        ],
        edges=[
            {"source": "start", "target": "wait"},
            {"source": "wait", "target": "check"},
            {"source": "check", "target": "wait", "output": "true"},
        ],
    )
    assert response.status_code == 201, response.text


async def test_what_a_get_returns_can_be_sent_back(
    client: httpx.AsyncClient, owner: Account
) -> None:
    nodes = [
        {"id": "check", "type": "condition", "config": {"if": "message.content contains 'x'"}},
        {"id": "tag", "type": "add_tag", "config": {"tag": "x"}},
    ]
    made = await create(
        client, owner, nodes=nodes, edges=[{"source": "check", "target": "tag", "output": "true"}]
    )
    assert made.status_code == 201, made.text
    shown = (await client.get(f"/v1/workflows/{made.json()['id']}", headers=owner.headers)).json()
    assert shown["nodes"][0]["config"]["tree"]["operator"] == "contains"
    shown["nodes"][0]["config"]["tree"] = {"field": "forged", "operator": "exists"}
    body = {k: shown[k] for k in ("name", "trigger_type", "trigger_config", "nodes", "edges")}
    again = await client.patch(
        f"/v1/workflows/{made.json()['id']}", headers=owner.headers, json=body
    )
    assert again.status_code == 200, again.text
    # The tree sent back is not trusted: it is parsed again from `if`.
    assert again.json()["nodes"][0]["config"]["tree"]["field"] == "message.content"
