"""PATCH (and PUT) of an agent merge its nested settings objects, `llm`, `voice` and
`max_duration`, as a JSON merge patch: the keys given change, a key set to null goes back to its
default, the others stay, and the merged object is validated as a whole."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fixtures.factories import Account

LLM = {
    "provider": "openai",
    "model": "gpt-4o-mini",
    "temperature": 0.7,
    "max_tokens": 500,
    "base_url": "https://llm.example.com/v1",
    "api_key": "sk-secret-value",
}
VOICE = {"tts_provider": "elevenlabs", "voice_id": "v-1", "speed": 1.2, "language": "en-GB"}


async def _agent(client: httpx.AsyncClient, owner: Account) -> dict[str, Any]:
    created = await client.post(
        "/v1/agents",
        headers=owner.headers,
        json={
            "name": "Ava",
            "type": "inbound",
            "llm": LLM,
            "voice": VOICE,
            "max_duration": {"is_enabled": True, "duration_seconds": 600},
            "theme": {"color": "#0a7"},
        },
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


async def _patch(
    client: httpx.AsyncClient, owner: Account, agent: dict[str, Any], body: Any, method: str
) -> httpx.Response:
    return await client.request(
        method, f"/v1/agents/{agent['id']}", headers=owner.headers, json=body
    )


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_a_nested_object_is_merged_not_replaced(
    client: httpx.AsyncClient, owner: Account, method: str
) -> None:
    agent = await _agent(client, owner)
    response = await _patch(
        client,
        owner,
        agent,
        {
            "llm": {"temperature": 0.2},
            "voice": {"volume": 0.5},
            "max_duration": {"duration_seconds": 900},
        },
        method,
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["llm"] == {**agent["llm"], "temperature": 0.2}
    assert updated["llm"]["provider"] == "openai"
    assert updated["llm"]["api_key_set"] is True
    assert updated["voice"] == {**agent["voice"], "volume": 0.5}
    assert updated["voice"]["voice_id"] == "v-1"
    assert updated["max_duration"] == {"is_enabled": True, "duration_seconds": 900}
    got = await client.get(f"/v1/agents/{agent['id']}", headers=owner.headers)
    assert got.json() == updated


async def test_a_key_set_to_null_goes_back_to_its_default(
    client: httpx.AsyncClient, owner: Account
) -> None:
    agent = await _agent(client, owner)
    response = await _patch(
        client,
        owner,
        agent,
        {
            "llm": {"provider": None, "model": None, "temperature": None, "api_key": None},
            "voice": {"voice_id": None, "speed": None},
            "max_duration": {"is_enabled": None},
        },
        "PATCH",
    )
    assert response.status_code == 200, response.text
    llm, voice = response.json()["llm"], response.json()["voice"]
    assert (llm["provider"], llm["model"], llm["temperature"]) == ("local", None, 0.3)
    assert llm["api_key_set"] is False  # a null key removes the stored one
    assert (llm["max_tokens"], llm["base_url"]) == (500, "https://llm.example.com/v1")
    assert (voice["voice_id"], voice["speed"]) == (None, 1.0)
    assert (voice["tts_provider"], voice["language"]) == ("elevenlabs", "en-GB")
    assert response.json()["max_duration"] == {"is_enabled": False, "duration_seconds": 600}


async def test_a_new_api_key_replaces_the_old_and_null_objects_change_nothing(
    client: httpx.AsyncClient, owner: Account
) -> None:
    agent = await _agent(client, owner)
    unchanged = await _patch(
        client, owner, agent, {"llm": None, "voice": None, "max_duration": None}, "PATCH"
    )
    assert unchanged.status_code == 200, unchanged.text
    for field in ("llm", "voice", "max_duration"):
        assert unchanged.json()[field] == agent[field]
    rekeyed = await _patch(client, owner, agent, {"llm": {"api_key": "sk-new"}}, "PATCH")
    assert rekeyed.json()["llm"] == agent["llm"]
    assert "sk-new" not in rekeyed.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"llm": {"temperature": 5}}, "llm.temperature"),
        ({"llm": {"provider": "gpt"}}, "llm.provider"),
        ({"llm": {"colour": "red"}}, "llm.colour"),
        ({"llm": {"script": [{"match": "hi", "wink": True}]}}, "llm.script.0.wink"),
        ({"voice": {"speed": 9}}, "voice.speed"),
        ({"voice": {"tts_provider": "robot"}}, "voice.tts_provider"),
        ({"max_duration": {"duration_seconds": 5}}, "max_duration.duration_seconds"),
        ({"voice": "fast"}, "voice"),
    ],
)
async def test_an_invalid_merged_object_is_a_400_naming_the_key(
    client: httpx.AsyncClient, owner: Account, body: dict[str, Any], field: str
) -> None:
    agent = await _agent(client, owner)
    response = await _patch(client, owner, agent, {"name": "Bea", **body}, "PATCH")
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert field in response.json()["details"], response.json()
    got = await client.get(f"/v1/agents/{agent['id']}", headers=owner.headers)
    assert got.json() == agent  # nothing of a refused update is kept


async def test_free_form_objects_are_replaced(client: httpx.AsyncClient, owner: Account) -> None:
    """`custom_variables` and `theme` are the caller's own maps: a PATCH gives the whole map."""
    agent = await _agent(client, owner)
    response = await _patch(client, owner, agent, {"theme": {"position": "left"}}, "PATCH")
    assert response.json()["theme"] == {"position": "left"}
