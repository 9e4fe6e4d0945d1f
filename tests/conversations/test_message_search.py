"""`GET /v1/conversations?search=`: full-text over messages, accents and case folded, every word
as a prefix, within one message, in the caller's workspace only."""

from __future__ import annotations

import httpx

from tests.fixtures.factories import Account


async def _conversation(client: httpx.AsyncClient, account: Account, *texts: str) -> str:
    agent = await client.post(
        "/v1/agents",
        json={"name": "Ava", "type": "chat", "llm": {"provider": "scripted"}},
        headers=account.headers,
    )
    created = await client.post(
        "/v1/conversations", json={"agent_id": agent.json()["id"]}, headers=account.headers
    )
    conversation_id = str(created.json()["id"])
    for content in texts:
        sent = await client.post(
            f"/v1/conversations/{conversation_id}/messages",
            json={"content": content},
            headers=account.headers,
        )
        assert sent.status_code == 200, sent.text
    return conversation_id


async def _found(client: httpx.AsyncClient, account: Account, query: str) -> set[str]:
    response = await client.get(
        "/v1/conversations", params={"search": query, "limit": 100}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    return {c["id"] for c in response.json()["items"]}


async def test_message_search(client: httpx.AsyncClient, owner: Account, stranger: Account) -> None:
    crepes = await _conversation(client, owner, "Vous servez des crêpes le dimanche ?")
    refund = await _conversation(
        client, owner, "I want a REFUND for order #4521, it arrived broken"
    )
    await _conversation(client, stranger, "refund please")
    assert await _found(client, owner, "crepes") == {crepes}
    assert await _found(client, owner, "CRÊPES dimanche") == {crepes}
    assert await _found(client, owner, "refund") == {refund}
    assert await _found(client, owner, "ref brok") == {refund}  # prefixes, both in one message
    assert await _found(client, owner, "4521") == {refund}
    assert await _found(client, owner, "refund crepes") == set()
    # The agent's replies are searchable too ("You said: ...").
    assert crepes in await _found(client, owner, "you said")
    assert await _found(client, owner, "!!! ???") >= {crepes, refund}  # no words: no filter
    assert await _found(client, stranger, "crepes") == set()
