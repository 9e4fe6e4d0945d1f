"""web_chat channels on the public widget routes: allowed origins, themes, several widgets."""

from __future__ import annotations

import httpx

from tests.channels.test_channels_api import agent, channel
from tests.fixtures.factories import Account

SHOP = "https://shop.example"
BLOG = "https://blog.shop.example"
EVIL = "https://evil.example"


def origin(value: str) -> dict[str, str]:
    return {"Origin": value}


async def test_an_agent_without_channels_serves_every_site(
    client: httpx.AsyncClient, owner: Account
) -> None:
    widget = await agent(client, owner)
    got = await client.get(f"/v1/public/agents/{widget}", headers=origin(EVIL))
    assert got.status_code == 200
    assert got.headers["access-control-allow-origin"] == "*"
    assert got.json()["channel_id"] is None
    started = await client.post(
        "/v1/public/conversations", headers=origin(EVIL), json={"agent_id": widget}
    )
    assert started.status_code == 201


async def test_allowed_origins_and_themes(client: httpx.AsyncClient, owner: Account) -> None:
    widget = await agent(client, owner)
    await client.patch(
        f"/v1/agents/{widget}", headers=owner.headers, json={"theme": {"color": "#000000"}}
    )
    shop = await channel(
        client,
        owner,
        type="web_chat",
        name="Shop",
        agent_id=widget,
        config={
            "allowed_origins": [SHOP],
            "theme": {"color": "#ff6600", "launcher_text": "Ask the shop", "position": "left"},
        },
    )
    blog = await channel(
        client,
        owner,
        type="web_chat",
        name="Blog",
        agent_id=widget,
        config={"allowed_origins": ["https://*.shop.example"], "theme": {"title": "Blog help"}},
    )

    seen = await client.get(f"/v1/public/agents/{widget}", headers=origin(SHOP))
    assert seen.status_code == 200
    assert seen.headers["access-control-allow-origin"] == SHOP
    assert seen.headers["vary"] == "Origin"
    body = seen.json()
    assert body["channel_id"] == shop["id"]
    assert body["launcher_text"] == "Ask the shop"
    assert body["theme"] == {
        "color": "#ff6600",
        "launcher_text": "Ask the shop",
        "position": "left",
    }
    on_blog = (await client.get(f"/v1/public/agents/{widget}", headers=origin(BLOG))).json()
    assert on_blog["channel_id"] == blog["id"]
    assert on_blog["theme"] == {"color": "#000000", "title": "Blog help"}
    assert on_blog["launcher_text"] is None

    refused = await client.get(f"/v1/public/agents/{widget}", headers=origin(EVIL))
    assert refused.status_code == 403
    assert refused.json()["code"] == "ORIGIN_NOT_ALLOWED"
    assert EVIL in refused.json()["error"]
    for bad in ("null", "http://shop.example", "https://shop.example.evil.example"):
        response = await client.get(f"/v1/public/agents/{widget}", headers=origin(bad))
        assert response.status_code == 403, bad
    # Not a browser page: no Origin to check.
    assert (await client.get(f"/v1/public/agents/{widget}")).status_code == 200

    started = await client.post(
        "/v1/public/conversations", headers=origin(BLOG), json={"agent_id": widget}
    )
    assert started.status_code == 201
    assert started.headers["access-control-allow-origin"] == BLOG
    conversation = started.json()
    detail = await client.get(
        f"/v1/conversations/{conversation['conversation_id']}", headers=owner.headers
    )
    assert detail.json()["channel_id"] == blog["id"]
    assert detail.json()["channel"] == "web_chat"
    assert detail.json()["metadata"]["origin"] == BLOG

    elsewhere = await client.post(
        "/v1/public/conversations", headers=origin(EVIL), json={"agent_id": widget}
    )
    assert elsewhere.status_code == 403
    assert elsewhere.json()["code"] == "ORIGIN_NOT_ALLOWED"

    # A visitor token taken to another site is refused there too.
    token = {"Authorization": f"Bearer {conversation['visitor_token']}"}
    base = f"/v1/public/conversations/{conversation['conversation_id']}"
    for method, path, body in [
        ("GET", f"{base}/messages", None),
        ("POST", f"{base}/messages", {"content": "hi"}),
        ("GET", f"{base}/events?token={conversation['visitor_token']}", None),
    ]:
        response = await client.request(method, path, headers={**token, **origin(EVIL)}, json=body)
        assert response.status_code == 403, path
        assert response.json()["code"] == "ORIGIN_NOT_ALLOWED"
    posted = await client.post(
        f"{base}/messages", headers={**token, **origin(BLOG)}, json={"content": "hi"}
    )
    assert posted.status_code == 200
    assert posted.json()["reply"]["content"] == "You said: hi"

    # A page may name its channel; one that does not allow the page is refused.
    named = await client.get(
        f"/v1/public/agents/{widget}?channel_id={shop['id']}", headers=origin(BLOG)
    )
    assert named.status_code == 403
    unknown = await client.get(
        f"/v1/public/agents/{widget}?channel_id={widget}", headers=origin(SHOP)
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "CHANNEL_NOT_FOUND"

    # Another widget of the workspace keeps its own rules.
    other = await agent(client, owner)
    assert (await client.get(f"/v1/public/agents/{other}", headers=origin(EVIL))).status_code == 200
