from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.tenancy.roles import Role
from tests.fixtures.factories import Account, make_account


async def _create(client: httpx.AsyncClient, account: Account, **fields: Any) -> httpx.Response:
    return await client.post(
        "/v1/agents", headers=account.headers, json={"name": "Ava", "type": "chat", **fields}
    )


async def test_create_with_defaults_and_read_back(
    client: httpx.AsyncClient, owner: Account
) -> None:
    created = await _create(client, owner, prompt="Be brief.")
    assert created.status_code == 201, created.text
    agent = created.json()
    assert agent["enabled"] is True
    assert agent["llm"]["provider"] == "local"
    assert agent["max_duration"] == {"is_enabled": False, "duration_seconds": 1200}
    assert agent["action_ids"] == []
    assert agent["memory_store_ids"] == []
    got = await client.get(f"/v1/agents/{agent['id']}", headers=owner.headers)
    assert got.json() == agent


async def test_partial_update_and_put_as_patch(client: httpx.AsyncClient, owner: Account) -> None:
    agent = (await _create(client, owner, prompt="One", language="en-GB")).json()
    patched = await client.patch(
        f"/v1/agents/{agent['id']}", headers=owner.headers, json={"prompt": "Two"}
    )
    assert patched.json()["prompt"] == "Two"
    assert patched.json()["language"] == "en-GB"
    put = await client.put(
        f"/v1/agents/{agent['id']}", headers=owner.headers, json={"enabled": False}
    )
    assert put.json()["enabled"] is False
    assert put.json()["prompt"] == "Two"


async def test_null_leaves_a_field_that_always_has_a_value(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """A null for a setting that cannot be empty changes nothing (it was a 409 from the database's
    NOT NULL constraint); custom variables and theme are emptied by a null."""
    agent = (await _create(client, owner, min_words_to_interrupt=3, theme={"color": "red"})).json()
    nulls = {
        "allowed_idle_time_seconds": None,
        "send_user_idle_reminders": None,
        "reminder_after_idle_time_seconds": None,
        "min_words_to_interrupt": None,
        "enabled": None,
        "theme": None,
    }
    for method in ("PATCH", "PUT"):
        response = await client.request(
            method, f"/v1/agents/{agent['id']}", headers=owner.headers, json=nulls
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        for field in nulls.keys() - {"theme"}:
            assert updated[field] == agent[field]
        assert updated["theme"] == {}
    created = await _create(
        client, owner, send_user_idle_reminders=None, min_words_to_interrupt=None
    )
    assert created.status_code == 201, created.text
    assert created.json()["min_words_to_interrupt"] == 1


async def test_api_key_of_llm_is_write_only(client: httpx.AsyncClient, owner: Account) -> None:
    agent = (
        await _create(
            client,
            owner,
            llm={"provider": "openai", "model": "gpt-4o-mini", "api_key": "sk-secret-value"},
        )
    ).json()
    assert agent["llm"]["api_key_set"] is True
    assert "sk-secret-value" not in str(agent)
    patched = await client.patch(
        f"/v1/agents/{agent['id']}",
        headers=owner.headers,
        json={"llm": {"provider": "openai", "model": "gpt-4o"}},
    )
    assert patched.json()["llm"]["api_key_set"] is True, "an update without a key keeps it"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "robot"}, "type"),
        ({"llm": {"provider": "gpt"}}, "llm.provider"),
        ({"llm": {"temperature": 3}}, "llm.temperature"),
        ({"patience_level": "infinite"}, "patience_level"),
        ({"phone_number": "12"}, "phone_number"),
        ({"timezone": "Mars/Base"}, "timezone"),
        ({"max_duration": {"duration_seconds": 5}}, "max_duration.duration_seconds"),
        ({"custom_variables": {"bad key": "x"}}, "custom_variables"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_input(
    client: httpx.AsyncClient, owner: Account, fields: dict[str, Any], field: str
) -> None:
    response = await _create(client, owner, **fields)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert field in body["details"], body


async def test_unknown_provider_lists_allowed_values(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await _create(client, owner, llm={"provider": "gpt"})
    message = response.json()["details"]["llm.provider"]
    for allowed in ("local", "openai", "anthropic", "scripted"):
        assert allowed in message


async def test_private_webhook_url_refused(
    client: httpx.AsyncClient, owner: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontdesk.settings import get_settings

    monkeypatch.setattr(get_settings(), "allow_private_urls", False)
    response = await _create(client, owner, external_webhook_url="http://127.0.0.1/hook")
    assert response.status_code == 400
    assert "external_webhook_url" in response.json()["details"]


async def test_filters(client: httpx.AsyncClient, owner: Account) -> None:
    await _create(client, owner, name="Sales bot", description="sells")
    await _create(client, owner, name="Support", type="inbound", enabled=False)
    by_search = await client.get("/v1/agents?search=sales", headers=owner.headers)
    assert [a["name"] for a in by_search.json()["items"]] == ["Sales bot"]
    by_type = await client.get("/v1/agents?type=inbound", headers=owner.headers)
    assert [a["name"] for a in by_type.json()["items"]] == ["Support"]
    disabled = await client.get("/v1/agents?enabled=false", headers=owner.headers)
    assert disabled.json()["total"] == 1
    bad = await client.get("/v1/agents?type=robot", headers=owner.headers)
    assert bad.status_code == 400


async def test_actions_and_memory_links(client: httpx.AsyncClient, owner: Account) -> None:
    action = (
        await client.post(
            "/v1/actions",
            headers=owner.headers,
            json={"name": "bye", "type": "end_call", "config": {}},
        )
    ).json()
    store = (
        await client.post("/v1/memory-stores", headers=owner.headers, json={"name": "M"})
    ).json()
    agent = (await _create(client, owner, memory_store_ids=[store["id"]])).json()
    assert agent["memory_store_ids"] == [store["id"]]
    attached = await client.post(
        f"/v1/agents/{agent['id']}/actions",
        headers=owner.headers,
        json={"action_ids": [action["id"]]},
    )
    assert attached.json()["action_ids"] == [action["id"]]
    detached = await client.delete(
        f"/v1/agents/{agent['id']}/actions/{action['id']}", headers=owner.headers
    )
    assert detached.status_code == 204
    again = await client.delete(
        f"/v1/agents/{agent['id']}/actions/{action['id']}", headers=owner.headers
    )
    assert again.status_code == 404
    unknown = await client.post(
        f"/v1/agents/{agent['id']}/actions",
        headers=owner.headers,
        json={"action_ids": ["00000000-0000-0000-0000-000000000001"]},
    )
    assert unknown.status_code == 400


async def test_roles(client: httpx.AsyncClient, session: AsyncSession, owner: Account) -> None:
    viewer = await make_account(session, Role.viewer, workspace=owner.workspace)
    agent_role = await make_account(session, Role.agent, workspace=owner.workspace)
    created = (await _create(client, owner)).json()
    for account in (viewer, agent_role):
        denied = await _create(client, account)
        assert denied.status_code == 403
        assert denied.json()["code"] == "AUTH_PERMISSION_DENIED"
        assert (
            await client.get(f"/v1/agents/{created['id']}", headers=account.headers)
        ).status_code == 200


async def test_other_workspace_is_404(
    client: httpx.AsyncClient, owner: Account, stranger: Account
) -> None:
    agent = (await _create(client, owner)).json()
    url = f"/v1/agents/{agent['id']}"
    assert (await client.get(url, headers=stranger.headers)).status_code == 404
    assert (
        await client.patch(url, headers=stranger.headers, json={"name": "x"})
    ).status_code == 404
    assert (await client.delete(url, headers=stranger.headers)).status_code == 404
    listed = await client.get("/v1/agents", headers=stranger.headers)
    assert listed.json()["total"] == 0
    gone = await client.delete(url, headers=owner.headers)
    assert gone.status_code == 204
    assert (await client.get(url, headers=owner.headers)).json()["code"] == "AGENT_NOT_FOUND"
