"""The tool loop with an agent on the embedded model (the real SmolLM2-135M, temperature 0):
the model's call runs the action, the engine records it, and the conversation goes on."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.factories import Account


async def _create(
    client: httpx.AsyncClient, owner: Account, path: str, body: dict[str, Any]
) -> Any:
    created = await client.post(path, headers=owner.headers, json=body)
    assert created.status_code == 201, created.text
    return created.json()


async def _conversation_with(
    client: httpx.AsyncClient, owner: Account, action: dict[str, Any]
) -> str:
    action_id = (await _create(client, owner, "/v1/actions", action))["id"]
    agent = await _create(
        client,
        owner,
        "/v1/agents",
        {
            "name": "Ava",
            "type": "chat",
            "prompt": "You are Ava, the assistant of Bolt Bikes. Answer in one short sentence.",
            "llm": {"provider": "local", "temperature": 0, "max_tokens": 60},
            "action_ids": [action_id],
        },
    )
    conversation = await _create(client, owner, "/v1/conversations", {"agent_id": agent["id"]})
    return str(conversation["id"])


async def _say(client: httpx.AsyncClient, owner: Account, conversation: str, text: str) -> Any:
    sent = await client.post(
        f"/v1/conversations/{conversation}/messages", headers=owner.headers, json={"content": text}
    )
    assert sent.status_code == 200, sent.text
    return sent.json()["reply"]


async def test_local_agent_extracts_a_value_and_goes_on(
    client: httpx.AsyncClient, owner: Account
) -> None:
    conversation = await _conversation_with(
        client,
        owner,
        {
            "name": "save_email",
            "type": "extract_info",
            "description": "Save the customer's email address when they give it.",
            "config": {"identifier": "email", "condition": "the customer's email address"},
        },
    )
    reply = await _say(client, owner, conversation, "My email address is ana@example.com")
    assert reply["ai_metadata"]["executed_actions"] == ["save_email"]
    assert reply["ai_metadata"]["provider"] == "local"
    assert reply["content"], "after the tool ran the model was asked again and replied"
    detail = (await client.get(f"/v1/conversations/{conversation}", headers=owner.headers)).json()
    [record] = detail["executed_actions"]
    assert record["name"] == "save_email"
    assert record["ok"] is True, record
    assert record["arguments"] == {"email": "ana@example.com"}
    assert detail["custom_variables"]["email"] == "ana@example.com"

    reply = await _say(client, owner, conversation, "Do you repair electric bikes?")
    assert reply["content"]
    assert reply["ai_metadata"]["executed_actions"] == []
    detail = (await client.get(f"/v1/conversations/{conversation}", headers=owner.headers)).json()
    assert detail["status"] == "active"
    assert len(detail["executed_actions"]) == 1


async def test_local_agent_ends_the_conversation_when_asked(
    client: httpx.AsyncClient, owner: Account
) -> None:
    conversation = await _conversation_with(
        client,
        owner,
        {
            "name": "end_call",
            "type": "end_call",
            "config": {
                "message": "Goodbye, thanks for chatting with Bolt Bikes!",
                "condition": "When the customer says goodbye or asks to end the conversation.",
            },
        },
    )
    reply = await _say(client, owner, conversation, "Hello, do you sell helmets?")
    assert reply["ai_metadata"]["executed_actions"] == []
    assert reply["content"]

    reply = await _say(client, owner, conversation, "Please end this conversation now.")
    assert reply["ai_metadata"]["executed_actions"] == ["end_call"]
    assert reply["content"] == "Goodbye, thanks for chatting with Bolt Bikes!"
    detail = (await client.get(f"/v1/conversations/{conversation}", headers=owner.headers)).json()
    assert detail["status"] == "ended"
    assert [(r["name"], r["ok"]) for r in detail["executed_actions"]] == [("end_call", True)]
