from __future__ import annotations

import json
from typing import Any

import httpx

from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import ManualClock
from frontdesk.jobs.worker import Worker
from tests.fixtures.factories import Account
from tests.fixtures.receiver import Receiver


async def _agent(client: httpx.AsyncClient, owner: Account, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Ava",
        "type": "chat",
        "prompt": "You are {{agent_name}} of {{shop}}. Customer: {{contact_name}}. {{unknown}}",
        "greeting_message": "Hi, I'm {{agent_name}} from {{shop}}!",
        "custom_variables": {"shop": "Bikes"},
        "llm": {"provider": "scripted"},
        **fields,
    }
    created = await client.post("/v1/agents", headers=owner.headers, json=body)
    assert created.status_code == 201, created.text
    return created.json()


async def test_chat_with_scripted_agent(client: httpx.AsyncClient, owner: Account) -> None:
    agent = await _agent(client, owner)
    started = await client.post(
        "/v1/conversations", headers=owner.headers, json={"agent_id": agent["id"]}
    )
    assert started.status_code == 201, started.text
    conversation = started.json()
    assert [m["content"] for m in conversation["messages"]] == ["Hi, I'm Ava from Bikes!"]

    sent = await client.post(
        f"/v1/conversations/{conversation['id']}/messages",
        headers=owner.headers,
        json={"content": "Do you sell tandems?"},
    )
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert body["message"]["sender_type"] == "user"
    assert body["reply"]["content"] == "You said: Do you sell tandems?"
    meta = body["reply"]["ai_metadata"]
    assert meta["model"] == "scripted"
    assert meta["tokens_used"] > 0
    assert meta["unknown_variables"] == ["contact_name", "unknown"]
    # The model's own first token comes after the engine's work: part of the turn's first token.
    assert 0 <= meta["model_first_token_ms"] <= meta["first_token_ms"] <= meta["latency_ms"]

    async with client.stream(
        "POST",
        f"/v1/conversations/{conversation['id']}/messages",
        headers={**owner.headers, "Accept": "text/event-stream"},
        json={"content": "And e-bikes?"},
    ) as stream:
        assert stream.status_code == 200
        raw = (await stream.aread()).decode()
    events = [line.split(": ", 1)[1] for line in raw.splitlines() if line.startswith("event: ")]
    assert events[0] == "message"
    assert events[-1] == "done"
    assert events.count("token") == 4  # "You said: And e-bikes?" word by word
    done = json.loads(raw.strip().split("data: ")[-1])
    assert done["reply"]["content"] == "You said: And e-bikes?"


async def test_tool_call_and_handover(client: httpx.AsyncClient, owner: Account) -> None:
    receiver = Receiver().start()
    try:
        action = await client.post(
            "/v1/actions",
            headers=owner.headers,
            json={
                "name": "check_stock",
                "type": "custom_http",
                "config": {
                    "url": receiver.url,
                    "body": '{"model": "{{model}}"}',
                    "variables": [{"key": "model"}],
                },
            },
        )
        assert action.status_code == 201, action.text
        agent = await _agent(
            client,
            owner,
            action_ids=[action.json()["id"]],
            llm={
                "provider": "scripted",
                "script": [{"match": "stock", "call": "check_stock", "arguments": {"model": "X1"}}],
            },
        )
        conversation = (
            await client.post(
                "/v1/conversations", headers=owner.headers, json={"agent_id": agent["id"]}
            )
        ).json()
        url = f"/v1/conversations/{conversation['id']}/messages"
        reply = (
            await client.post(url, headers=owner.headers, json={"content": "Is X1 in stock?"})
        ).json()
        assert json.loads(receiver.received[0].body) == {"model": "X1"}
        assert reply["reply"]["content"].startswith("Done:")
        detail = (
            await client.get(f"/v1/conversations/{conversation['id']}", headers=owner.headers)
        ).json()
        assert detail["executed_actions"][0]["name"] == "check_stock"
        assert detail["executed_actions"][0]["ok"] is True

        assigned = await client.post(
            f"/v1/conversations/{conversation['id']}/assign",
            headers=owner.headers,
            json={"member_id": str(owner.membership.id)},
        )
        assert assigned.status_code == 200, assigned.text
        quiet = (await client.post(url, headers=owner.headers, json={"content": "hello?"})).json()
        assert quiet["reply"] is None
        human = await client.post(
            url, headers=owner.headers, json={"content": "Hi, Sam here", "sender_type": "member"}
        )
        assert human.json()["sender_type"] == "member"
    finally:
        receiver.stop()


async def test_ended_conversation_is_analyzed(
    client: httpx.AsyncClient, owner: Account, worker: Worker
) -> None:
    agent = await _agent(client, owner)
    conversation = (
        await client.post(
            "/v1/conversations", headers=owner.headers, json={"agent_id": agent["id"]}
        )
    ).json()
    url = f"/v1/conversations/{conversation['id']}"
    for text in ("I love your red tandem bikes!", "Can you deliver a tandem bike to Dublin?"):
        await client.post(f"{url}/messages", headers=owner.headers, json={"content": text})
    ended = await client.post(f"{url}/status", headers=owner.headers, json={"status": "ended"})
    assert ended.json()["status"] == "ended"
    await worker.run_until_idle()
    detail = (await client.get(url, headers=owner.headers)).json()
    assert detail["sentiment"] == "positive"
    assert any("tandem" in p for p in detail["key_phrases"])
    assert detail["summary"].startswith("Customer:")
    assert detail["analysis"]["method"] == "classic"


async def test_idle_conversation_ends(
    client: httpx.AsyncClient, owner: Account, worker: Worker, clock: ManualClock
) -> None:
    patched = await client.patch(
        "/v1/workspace", headers=owner.headers, json={"conversation_idle_minutes": 10}
    )
    assert patched.json()["conversation_idle_minutes"] == 10
    agent = await _agent(client, owner)
    conversation = (
        await client.post(
            "/v1/conversations", headers=owner.headers, json={"agent_id": agent["id"]}
        )
    ).json()
    clock.advance(9 * 60)
    await job_service_enqueue_idle(client)
    await worker.run_until_idle()
    url = f"/v1/conversations/{conversation['id']}"
    assert (await client.get(url, headers=owner.headers)).json()["status"] == "active"
    clock.advance(2 * 60)
    await job_service_enqueue_idle(client)
    await worker.run_until_idle()
    detail = (await client.get(url, headers=owner.headers)).json()
    assert detail["status"] == "ended"
    assert detail["end_reason"] == "idle_timeout"


async def job_service_enqueue_idle(client: httpx.AsyncClient) -> None:
    app = client._transport.app  # type: ignore[attr-defined]
    async with app.state.sessionmaker() as session:
        await job_service.enqueue(session, "conversations.close_idle", {})
        await session.commit()
