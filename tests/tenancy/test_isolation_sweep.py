"""Tenant isolation, swept over the route table: every `/v1` route with an id in its path is
called by another workspace with ids of this workspace's resources, and answers 404. A new route
whose path parameter has no resource here, or whose body is not given here, fails the test."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.notifications.models import Notification
from tests.fixtures.factories import Account

# Bodies for the routes that need one (a valid body: the answer is then about the id alone).
BODIES: dict[tuple[str, str], Any] = {
    ("PATCH", "/v1/members/{member_id}"): {"role": "viewer"},
    ("PUT", "/v1/subaccounts/{subaccount_id}"): {"subaccount_name": "x"},
    ("POST", "/v1/phonebooks/{phonebook_id}/entries"): {"phone_number": "+14155550111"},
    ("POST", "/v1/calls/{call_id}/transfer"): {"phone_number": "+14155550111"},
    ("PUT", "/v1/agents/{agent_id}"): {"name": "x", "type": "chat"},
    ("POST", "/v1/agents/{agent_id}/actions"): {"action_ids": ["{action_id}"]},
    ("PUT", "/v1/actions/{action_id}"): {"name": "x", "type": "end_call", "config": {}},
    ("POST", "/v1/actions/{action_id}/run"): {},
    ("POST", "/v1/conversations/{conversation_id}/messages"): {"content": "hi"},
    ("POST", "/v1/conversations/{conversation_id}/status"): {"status": "ended"},
    ("POST", "/v1/conversations/{conversation_id}/tags"): {"tag": "x"},
    ("POST", "/v1/conversations/{conversation_id}/assign"): {"member_id": None},
    ("POST", "/v1/knowledge-bases/{kb_id}/attach"): {"agent_id": "{agent_id}"},
    ("POST", "/v1/knowledge-bases/{kb_id}/detach"): {"agent_id": "{agent_id}"},
    ("POST", "/v1/knowledge-bases/{kb_id}/sources"): {"type": "text", "name": "n", "content": "x"},
    ("POST", "/v1/knowledge-bases/{kb_id}/search"): {"query": "x"},
    ("POST", "/v1/campaigns/{campaign_id}/recipients"): {"phone_numbers": ["+14155550112"]},
    ("POST", "/v1/workflows/{workflow_id}/test"): {"testData": {}},
}


async def _resources(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> dict[str, str]:
    """One resource of each kind in the owner's workspace: path parameter → id."""
    h = owner.headers

    async def post(path: str, body: Any = None, **kwargs: Any) -> dict[str, Any]:
        response = await client.post(path, headers=h, json=body, **kwargs)
        assert response.status_code in (200, 201, 202), (path, response.text)
        return dict(response.json())

    ids: dict[str, str] = {"tag": "x"}
    ids["key_id"] = (await post("/v1/api-keys", {"name": "k"}))["id"]
    members = (await client.get("/v1/members", headers=h)).json()["items"]
    ids["member_id"] = members[0]["id"]
    ids["subaccount_id"] = (await post("/v1/subaccounts", {"subaccount_name": "Child"}))[
        "subaccount_id"
    ]
    ids["number_id"] = (await post("/v1/phone-numbers", {"phone_number": "+14155550110"}))["id"]
    webhook = await post("/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["*"]})
    ids["webhook_id"] = webhook["id"]
    ids["delivery_id"] = (await post(f"/v1/webhooks/{webhook['id']}/test"))["delivery_id"]
    note = Notification(
        workspace_id=owner.workspace.id, user_id=owner.user.id, type="t", title="t", data={}
    )
    session.add(note)
    await session.commit()
    ids["notification_id"] = str(note.id)
    csv = {"file": ("people.csv", b"name,email\nAnn,ann@example.com\n", "text/csv")}
    imported = await client.post("/v1/contacts/import", headers=h, files=csv)
    ids["import_id"] = imported.json()["id"]
    ids["contact_id"] = (await post("/v1/contacts", {"name": "Dana"}))["id"]
    ids["deal_id"] = (await post("/v1/deals", {"title": "Big one"}))["id"]
    phonebook = await post("/v1/phonebooks", {"name": "Desk"})
    ids["phonebook_id"] = phonebook["id"]
    entry = await post(
        f"/v1/phonebooks/{phonebook['id']}/entries", {"phone_number": "+14155550113"}
    )
    ids["entry_id"] = entry["id"]
    ids["store_id"] = (await post("/v1/memory-stores", {"name": "M"}))["id"]
    agent = await post("/v1/agents", {"name": "A", "type": "chat", "llm": {"provider": "scripted"}})
    ids["agent_id"] = agent["id"]
    ids["action_id"] = (
        await post("/v1/actions", {"name": "bye", "type": "end_call", "config": {}})
    )["id"]
    ids["conversation_id"] = (await post("/v1/conversations", {"agent_id": agent["id"]}))["id"]
    kb = await post("/v1/knowledge-bases", {"name": "KB"})
    ids["kb_id"] = kb["id"]
    source = await post(
        f"/v1/knowledge-bases/{kb['id']}/sources", {"type": "text", "name": "n", "content": "x"}
    )
    ids["source_id"] = source["id"]
    caller = await post(
        "/v1/agents", {"name": "C", "type": "outbound", "llm": {"provider": "scripted"}}
    )
    ids["call_id"] = (
        await post("/v1/calls", {"agent_id": caller["id"], "phone": "+14155550114", "name": "P"})
    )["call_id"]
    ids["campaign_id"] = (await post("/v1/campaigns", {"name": "C", "agent_id": caller["id"]}))[
        "id"
    ]
    ids["channel_id"] = (
        await post("/v1/channels", {"type": "api", "name": "API", "agent_id": agent["id"]})
    )["id"]
    workflow = await post(
        "/v1/workflows",
        {
            "name": "W",
            "trigger_type": "contact_created",
            "nodes": [{"id": "end", "type": "end"}],
        },
    )
    ids["workflow_id"] = workflow["id"]
    ids["execution_id"] = (await post(f"/v1/workflows/{workflow['id']}/test", {"testData": {}}))[
        "id"
    ]
    return ids


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: ids[m.group(1)], value)
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


async def test_another_workspace_reaches_nothing_by_id(
    client: httpx.AsyncClient,
    app: FastAPI,
    owner: Account,
    stranger: Account,
    session: AsyncSession,
) -> None:
    ids = await _resources(client, owner, session)
    spec = app.openapi()
    checked, leaks = 0, []
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/") or "{" not in path or path.startswith("/v1/public"):
            continue
        for name in re.findall(r"\{(\w+)\}", path):
            assert name in ids, f"{path}: no resource for {{{name}}} in this sweep; add one"
        for method, operation in operations.items():
            body = None
            if operation.get("requestBody", {}).get("required"):
                key = (method.upper(), path)
                if method.upper() == "PATCH":
                    body = BODIES.get(key, {})
                else:
                    assert key in BODIES, f"{method.upper()} {path}: give a body in BODIES"
                    body = BODIES[key]
            url = _fill(path, ids)
            response = await client.request(
                method.upper(), url, headers=stranger.headers, json=_fill(body, ids)
            )
            checked += 1
            if response.status_code != 404:
                leaks.append(
                    f"{method.upper()} {path}: {response.status_code} {response.text[:200]}"
                )
    assert not leaks, "\n".join(leaks)
    assert checked >= 90
    # The owner's resources are all still there (nothing the stranger sent touched them).
    for path in (
        "/v1/agents/{agent_id}",
        "/v1/contacts/{contact_id}",
        "/v1/workflows/{workflow_id}",
    ):
        assert (await client.get(_fill(path, ids), headers=owner.headers)).status_code == 200
