"""Channels: CRUD for admins, the checks on each type's configuration, and conversations
counted in their channel."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.tenancy.roles import Role
from tests.fixtures.factories import Account, make_account


async def agent(client: httpx.AsyncClient, account: Account, type_: str = "widget") -> str:
    created = await client.post(
        "/v1/agents",
        headers=account.headers,
        json={"name": f"{type_} agent", "type": type_, "llm": {"provider": "scripted"}},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def number(client: httpx.AsyncClient, account: Account, phone: str) -> None:
    created = await client.post(
        "/v1/phone-numbers", headers=account.headers, json={"phone_number": phone}
    )
    assert created.status_code == 201, created.text


async def channel(client: httpx.AsyncClient, account: Account, **body: Any) -> dict[str, Any]:
    created = await client.post("/v1/channels", headers=account.headers, json=body)
    assert created.status_code == 201, created.text
    return dict(created.json())


async def test_crud(client: httpx.AsyncClient, owner: Account) -> None:
    widget = await agent(client, owner)
    web = await channel(
        client,
        owner,
        type="web_chat",
        name="Shop site",
        agent_id=widget,
        config={
            "allowed_origins": ["https://Shop.Example/", "https://*.shop.example"],
            "theme": {"color": "#ff6600", "launcher_text": "Ask us"},
        },
    )
    assert web["config"] == {
        "allowed_origins": ["https://shop.example", "https://*.shop.example"],
        "theme": {"color": "#ff6600", "launcher_text": "Ask us"},
    }
    assert web["type"] == "web_chat"
    assert web["agent_id"] == widget
    listed = (await client.get("/v1/channels", headers=owner.headers)).json()
    assert [c["id"] for c in listed["items"]] == [web["id"]]
    assert (await client.get("/v1/channels?type=sms", headers=owner.headers)).json()["total"] == 0

    patched = await client.patch(
        f"/v1/channels/{web['id']}",
        headers=owner.headers,
        json={"name": "Shop", "config": {"allowed_origins": ["http://localhost:3000"]}},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Shop"
    assert patched.json()["config"]["allowed_origins"] == ["http://localhost:3000"]
    got = await client.get(f"/v1/channels/{web['id']}", headers=owner.headers)
    assert got.json()["name"] == "Shop"

    assert (
        await client.delete(f"/v1/channels/{web['id']}", headers=owner.headers)
    ).status_code == 204
    gone = await client.get(f"/v1/channels/{web['id']}", headers=owner.headers)
    assert gone.status_code == 404
    assert gone.json()["code"] == "CHANNEL_NOT_FOUND"
    audit = (await client.get("/v1/audit-logs", headers=owner.headers)).json()["items"]
    assert {"channel.create", "channel.update", "channel.delete"} <= {a["action"] for a in audit}


@pytest.mark.parametrize("role", [Role.agent, Role.viewer])
async def test_only_admins(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession, role: Role
) -> None:
    widget = await agent(client, owner)
    made = await channel(client, owner, type="api", name="API", agent_id=widget)
    member = await make_account(session, role, workspace=owner.workspace)
    calls = [
        ("GET", "/v1/channels", None),
        ("POST", "/v1/channels", {"type": "api", "name": "x", "agent_id": widget}),
        ("GET", f"/v1/channels/{made['id']}", None),
        ("PATCH", f"/v1/channels/{made['id']}", {"name": "y"}),
        ("DELETE", f"/v1/channels/{made['id']}", None),
    ]
    for method, path, body in calls:
        response = await client.request(method, path, headers=member.headers, json=body)
        assert response.status_code == 403, (method, path)
        assert response.json()["code"] == "AUTH_PERMISSION_DENIED"


async def test_another_workspace_sees_nothing(
    client: httpx.AsyncClient, owner: Account, stranger: Account
) -> None:
    made = await channel(client, owner, type="api", name="API", agent_id=await agent(client, owner))
    for method in ("GET", "PATCH", "DELETE"):
        response = await client.request(
            method,
            f"/v1/channels/{made['id']}",
            headers=stranger.headers,
            json={"name": "x"} if method == "PATCH" else None,
        )
        assert response.status_code == 404
    theirs = await client.post(
        "/v1/channels",
        headers=stranger.headers,
        json={"type": "api", "name": "x", "agent_id": made["agent_id"]},
    )
    assert theirs.status_code == 404
    assert theirs.json()["code"] == "AGENT_NOT_FOUND"


@pytest.mark.parametrize(
    ("type_", "config", "field"),
    [
        ("web_chat", {}, "config.allowed_origins"),
        ("web_chat", {"allowed_origins": []}, "config.allowed_origins"),
        ("web_chat", {"allowed_origins": ["shop.example"]}, "config.allowed_origins.0"),
        (
            "web_chat",
            {"allowed_origins": ["https://shop.example/path"]},
            "config.allowed_origins.0",
        ),
        ("web_chat", {"allowed_origins": ["*"], "theme": {"color": "red"}}, "config.theme.color"),
        ("web_chat", {"allowed_origins": ["*"], "colour": "#fff"}, "config.colour"),
        ("sms", {}, "config.phone_number"),
        ("sms", {"phone_number": "12"}, "config.phone_number"),
        ("api", {"anything": 1}, "config.anything"),
    ],
)
async def test_bad_configurations(
    client: httpx.AsyncClient, owner: Account, type_: str, config: dict[str, Any], field: str
) -> None:
    agent_type = "widget" if type_ == "web_chat" else "chat"
    response = await client.post(
        "/v1/channels",
        headers=owner.headers,
        json={
            "type": type_,
            "name": "x",
            "agent_id": await agent(client, owner, agent_type),
            "config": config,
        },
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert field in response.json()["details"], response.json()


async def test_bad_requests(client: httpx.AsyncClient, owner: Account) -> None:
    voice_agent = await agent(client, owner, "inbound")
    wrong_agent = await client.post(
        "/v1/channels",
        headers=owner.headers,
        json={
            "type": "web_chat",
            "name": "x",
            "agent_id": voice_agent,
            "config": {"allowed_origins": ["*"]},
        },
    )
    assert wrong_agent.status_code == 409
    assert wrong_agent.json()["code"] == "CHANNEL_AGENT_TYPE"
    not_ours = await client.post(
        "/v1/channels",
        headers=owner.headers,
        json={
            "type": "sms",
            "name": "x",
            "agent_id": voice_agent,
            "config": {"phone_number": "+14155550170"},
        },
    )
    assert not_ours.status_code == 409
    assert not_ours.json()["code"] == "PHONE_NUMBER_NOT_IN_WORKSPACE"
    assert "POST /v1/phone-numbers" in not_ours.json()["error"]
    await number(client, owner, "+14155550170")
    await channel(
        client,
        owner,
        type="sms",
        name="Texts",
        agent_id=voice_agent,
        config={"phone_number": "+14155550170"},
    )
    again = await client.post(
        "/v1/channels",
        headers=owner.headers,
        json={
            "type": "sms",
            "name": "y",
            "agent_id": voice_agent,
            "config": {"phone_number": "+1 415 555 0170"},
        },
    )
    assert again.status_code == 409
    assert again.json()["code"] == "CHANNEL_NUMBER_TAKEN"
    no_type = await client.post(
        "/v1/channels",
        headers=owner.headers,
        json={"type": "fax", "name": "x", "agent_id": voice_agent},
    )
    assert no_type.status_code == 400
    assert "type" in no_type.json()["details"]
    made = await channel(client, owner, type="api", name="API", agent_id=voice_agent)
    retype = await client.patch(
        f"/v1/channels/{made['id']}", headers=owner.headers, json={"type": "sms"}
    )
    assert retype.status_code == 400
    assert "type" in retype.json()["details"]


async def test_a_voice_channel_routes_its_number_and_counts_its_calls(
    client: httpx.AsyncClient, owner: Account
) -> None:
    inbound = await agent(client, owner, "inbound")
    await number(client, owner, "+14155550171")
    made = await channel(
        client,
        owner,
        type="voice",
        name="Main line",
        agent_id=inbound,
        config={"phone_number": "+14155550171"},
    )
    numbers = (await client.get("/v1/phone-numbers", headers=owner.headers)).json()["items"]
    assert numbers[0]["agent_id"] == inbound
    in_use = await client.delete(f"/v1/phone-numbers/{numbers[0]['id']}", headers=owner.headers)
    assert in_use.status_code == 409
    assert in_use.json()["code"] == "PHONE_NUMBER_IN_USE"
    call = await client.post(
        "/v1/calls",
        headers=owner.headers,
        json={
            "agent_id": inbound,
            "phone": "+14155550123",
            "name": "Dana",
            "from_number": "+14155550171",
        },
    )
    assert call.status_code == 201, call.text
    voice = await client.get(f"/v1/conversations?channel_id={made['id']}", headers=owner.headers)
    assert voice.json()["total"] == 1
    assert voice.json()["items"][0]["channel"] == "voice"


async def test_api_conversations_in_a_channel(client: httpx.AsyncClient, owner: Account) -> None:
    chat = await agent(client, owner, "chat")
    other = await agent(client, owner, "chat")
    api = await channel(client, owner, type="api", name="Backend", agent_id=chat)
    started = await client.post(
        "/v1/conversations",
        headers=owner.headers,
        json={"agent_id": chat, "channel_id": api["id"]},
    )
    assert started.status_code == 201, started.text
    assert started.json()["channel_id"] == api["id"]
    assert started.json()["channel"] == "api"
    # Without `channel_id`, the agent's channel of the type counts it.
    implied = await client.post("/v1/conversations", headers=owner.headers, json={"agent_id": chat})
    assert implied.json()["channel_id"] == api["id"]
    elsewhere = await client.post(
        "/v1/conversations", headers=owner.headers, json={"agent_id": other}
    )
    assert elsewhere.json()["channel_id"] is None
    inbox = await client.get(f"/v1/conversations?channel_id={api['id']}", headers=owner.headers)
    assert {c["id"] for c in inbox.json()["items"]} == {
        started.json()["id"],
        implied.json()["id"],
    }

    mismatch = await client.post(
        "/v1/conversations",
        headers=owner.headers,
        json={"agent_id": other, "channel_id": api["id"]},
    )
    assert mismatch.status_code == 409
    assert mismatch.json()["code"] == "CHANNEL_AGENT_MISMATCH"
    for body in ({"agent_id": chat, "channel": "sms"}, {"agent_id": chat, "channel": "voice"}):
        refused = await client.post("/v1/conversations", headers=owner.headers, json=body)
        assert refused.status_code == 409
        assert refused.json()["code"] == "CHANNEL_NOT_STARTABLE"
