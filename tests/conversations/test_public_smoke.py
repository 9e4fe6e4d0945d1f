from __future__ import annotations

import httpx

from tests.fixtures.factories import Account


async def test_widget_flow(client: httpx.AsyncClient, owner: Account) -> None:
    agent = (
        await client.post(
            "/v1/agents",
            headers=owner.headers,
            json={
                "name": "Widget",
                "type": "widget",
                "greeting_message": "Hello!",
                "llm": {"provider": "scripted"},
                "theme": {"color": "#0a7"},
            },
        )
    ).json()
    face = await client.get(f"/v1/public/agents/{agent['id']}")
    assert face.status_code == 200
    assert face.json()["theme"] == {"color": "#0a7"}
    assert "prompt" not in face.json()

    started = await client.post(
        "/v1/public/conversations",
        json={"agent_id": agent["id"], "visitor": {"name": "Vi", "email": "vi@example.com"}},
    )
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["greeting"] == "Hello!"
    visitor = {"Authorization": f"Bearer {body['visitor_token']}"}
    url = f"/v1/public/conversations/{body['conversation_id']}/messages"
    sent = await client.post(url, headers=visitor, json={"content": "hi"})
    assert sent.status_code == 200, sent.text
    assert sent.json()["reply"]["content"] == "You said: hi"

    # The token reaches this conversation only, and no private route.
    other = await client.post("/v1/public/conversations", json={"agent_id": agent["id"]})
    elsewhere = f"/v1/public/conversations/{other.json()['conversation_id']}/messages"
    assert (await client.post(elsewhere, headers=visitor, json={"content": "x"})).status_code == 404
    assert (await client.get("/v1/contacts", headers=visitor)).status_code == 401

    contacts = await client.get(
        "/v1/contacts", headers=owner.headers, params={"search": "vi@example"}
    )
    assert contacts.json()["total"] == 1

    disabled = await client.patch(
        f"/v1/agents/{agent['id']}", headers=owner.headers, json={"enabled": False}
    )
    assert disabled.status_code == 200
    assert (await client.get(f"/v1/public/agents/{agent['id']}")).status_code == 404
