from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.tenancy.roles import Role
from tests.fixtures.factories import Account, make_account


async def _start(client: httpx.AsyncClient, account: Account, **fields: Any) -> dict[str, Any]:
    agent = (
        await client.post(
            "/v1/agents",
            headers=account.headers,
            json={"name": "A", "type": "chat", "llm": {"provider": "scripted"}},
        )
    ).json()
    created = await client.post(
        "/v1/conversations", headers=account.headers, json={"agent_id": agent["id"], **fields}
    )
    assert created.status_code == 201, created.text
    return created.json()


async def test_routes_of_another_workspace_are_404(
    client: httpx.AsyncClient, owner: Account, stranger: Account
) -> None:
    conversation = await _start(client, owner)
    base = f"/v1/conversations/{conversation['id']}"
    calls = [
        ("GET", base, None),
        ("GET", f"{base}/messages", None),
        ("POST", f"{base}/messages", {"content": "hi"}),
        ("POST", f"{base}/status", {"status": "ended"}),
        ("POST", f"{base}/tags", {"tag": "x"}),
        ("DELETE", f"{base}/tags/x", None),
        ("POST", f"{base}/assign", {"member_id": None}),
        ("GET", f"{base}/suggest", None),
    ]
    for method, path, body in calls:
        response = await client.request(method, path, headers=stranger.headers, json=body)
        assert response.status_code == 404, (method, path)
        assert response.json()["code"] == "CONVERSATION_NOT_FOUND"
    assert (await client.get("/v1/conversations", headers=stranger.headers)).json()["total"] == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"content": ""}, "content"),
        ({"content": "x" * 10_001}, "content"),
        ({"content": "hi", "sender_type": "robot"}, "sender_type"),
        ({"text": "hi"}, "content"),
    ],
)
async def test_bad_messages(
    client: httpx.AsyncClient, owner: Account, body: dict[str, Any], field: str
) -> None:
    conversation = await _start(client, owner)
    response = await client.post(
        f"/v1/conversations/{conversation['id']}/messages", headers=owner.headers, json=body
    )
    assert response.status_code == 400
    assert field in response.json()["details"]


async def test_status_tags_unread_and_filters(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    contact = (await client.post("/v1/contacts", headers=owner.headers, json={"name": "K"})).json()
    conversation = await _start(client, owner, contact_id=contact["id"], channel="web_chat")
    base = f"/v1/conversations/{conversation['id']}"
    await client.post(f"{base}/messages", headers=owner.key_headers, json={"content": "hello"})
    unread = (await client.get("/v1/conversations", headers=owner.headers)).json()["items"][0]
    assert unread["unread_count"] == 1
    read = (await client.get(base, headers=owner.headers)).json()
    assert read["unread_count"] == 0
    assert [m["sender_type"] for m in read["messages"]] == ["user", "agent"]
    tagged = await client.post(f"{base}/tags", headers=owner.headers, json={"tag": "urgent"})
    assert tagged.json()["tags"] == ["urgent"]
    by_tag = await client.get("/v1/conversations?tag=urgent", headers=owner.headers)
    assert by_tag.json()["total"] == 1
    untag = await client.delete(f"{base}/tags/nope", headers=owner.headers)
    assert untag.status_code == 404
    pending = await client.post(f"{base}/status", headers=owner.headers, json={"status": "pending"})
    assert pending.json()["status"] == "pending"
    bad = await client.post(f"{base}/status", headers=owner.headers, json={"status": "closed"})
    assert bad.status_code == 400
    for query, count in (
        ("status=pending", 1),
        ("status=ended", 0),
        ("channel=web_chat", 1),
        ("channel=sms", 0),
        (f"contact_id={contact['id']}", 1),
        ("search=hello", 1),
        ("search=HELL", 1),
        ("search=goodbye", 0),
    ):
        listed = await client.get(f"/v1/conversations?{query}", headers=owner.headers)
        assert listed.json()["total"] == count, query
    of_contact = await client.get(
        f"/v1/contacts/{contact['id']}/conversations", headers=owner.headers
    )
    assert of_contact.json()["total"] == 1
    note = await client.post(
        f"{base}/messages", headers=owner.headers, json={"content": "VIP", "sender_type": "note"}
    )
    assert note.json()["sender_type"] == "note"
    ended = await client.post(f"{base}/status", headers=owner.headers, json={"status": "ended"})
    assert ended.json()["end_reason"] == "closed_by_member"
    closed = await client.post(f"{base}/messages", headers=owner.headers, json={"content": "x"})
    assert closed.json()["code"] == "CONVERSATION_ENDED"
    viewer = await make_account(session, Role.viewer, workspace=owner.workspace)
    assert (await client.get(base, headers=viewer.headers)).status_code == 200
    denied = await client.post(f"{base}/tags", headers=viewer.headers, json={"tag": "x"})
    assert denied.status_code == 403


async def test_suggest_and_disabled_agent(client: httpx.AsyncClient, owner: Account) -> None:
    conversation = await _start(client, owner)
    base = f"/v1/conversations/{conversation['id']}"
    await client.post(f"{base}/messages", headers=owner.headers, json={"content": "price?"})
    suggestion = await client.get(f"{base}/suggest", headers=owner.headers)
    assert suggestion.status_code == 200
    assert suggestion.json()["suggestion"]
    messages = (await client.get(f"{base}/messages", headers=owner.headers)).json()
    assert messages["total"] == 2, "a suggestion is not sent"
    agent_id = conversation["agent_id"]
    await client.patch(f"/v1/agents/{agent_id}", headers=owner.headers, json={"enabled": False})
    refused = await client.post(
        "/v1/conversations", headers=owner.headers, json={"agent_id": agent_id}
    )
    assert refused.json()["code"] == "AGENT_DISABLED"
    unknown = await client.post(
        "/v1/conversations",
        headers=owner.headers,
        json={"agent_id": "00000000-0000-0000-0000-000000000009"},
    )
    assert unknown.json()["code"] == "AGENT_NOT_FOUND"


_UNREACHABLE = {"provider": "openai", "base_url": "http://127.0.0.1:9/v1", "api_key": "k"}


async def _conversation_with(
    client: httpx.AsyncClient, owner: Account, llm: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """A conversation with a new agent on `llm`, and the path of its messages."""
    agent = await client.post(
        "/v1/agents", headers=owner.headers, json={"name": "Remote", "type": "chat", "llm": llm}
    )
    assert agent.status_code == 201, agent.text
    conversation = (
        await client.post(
            "/v1/conversations", headers=owner.headers, json={"agent_id": agent.json()["id"]}
        )
    ).json()
    return conversation, f"/v1/conversations/{conversation['id']}/messages"


async def test_unavailable_model_is_503_not_500(client: httpx.AsyncClient, owner: Account) -> None:
    _, url = await _conversation_with(client, owner, _UNREACHABLE)
    response = await client.post(url, headers=owner.headers, json={"content": "hi"})
    assert response.status_code == 503
    assert response.json()["code"] == "LLM_UNAVAILABLE"
    kept = (await client.get(url, headers=owner.headers)).json()["items"]
    assert [m["content"] for m in kept] == ["hi"], "the customer's message is kept"


async def test_unavailable_model_in_a_stream_keeps_the_message(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """The model is asked before the message is stored: its failure is told in the stream,
    after the stored message, and takes nothing with it."""
    conversation, url = await _conversation_with(client, owner, _UNREACHABLE)
    async with client.stream(
        "POST",
        url,
        headers={**owner.headers, "Accept": "text/event-stream"},
        json={"content": "hi"},
    ) as stream:
        assert stream.status_code == 200
        raw = (await stream.aread()).decode()
    events = [line.split(": ", 1)[1] for line in raw.splitlines() if line.startswith("event: ")]
    assert events == ["message", "error"]
    data = [json.loads(line[6:]) for line in raw.splitlines() if line.startswith("data: ")]
    assert data[0]["content"] == "hi"
    assert data[0]["sender_type"] == "user"
    assert data[1]["code"] == "LLM_UNAVAILABLE"
    kept = (await client.get(url, headers=owner.headers)).json()["items"]
    assert [(m["id"], m["content"]) for m in kept] == [(data[0]["id"], "hi")]
    shown = await client.get(f"/v1/conversations/{conversation['id']}", headers=owner.headers)
    assert shown.json()["message_count"] == 1


async def test_streamed_turns_answer_the_new_message_and_count_both(
    client: httpx.AsyncClient, owner: Account
) -> None:
    conversation, url = await _conversation_with(client, owner, {"provider": "scripted"})
    for n in range(3):
        async with client.stream(
            "POST",
            url,
            headers={**owner.headers, "Accept": "text/event-stream"},
            json={"content": f"line {n}"},
        ) as stream:
            raw = (await stream.aread()).decode()
        done = json.loads(raw.strip().split("data: ")[-1])
        assert done["reply"]["content"] == f"You said: line {n}"
    kept = (await client.get(url, headers=owner.headers)).json()["items"]
    assert [m["content"] for m in kept] == [
        text for n in range(3) for text in (f"line {n}", f"You said: line {n}")
    ]
    listed = (await client.get("/v1/conversations", headers=owner.headers)).json()["items"]
    shown = next(c for c in listed if c["id"] == conversation["id"])
    assert shown["message_count"] == 6
    assert shown["unread_count"] == 3


async def test_the_list_carries_each_latest_message_and_contact(
    client: httpx.AsyncClient, owner: Account
) -> None:
    contact = await client.post(
        "/v1/contacts",
        headers=owner.headers,
        json={"first_name": "Rosa", "last_name": "Diaz", "phone_number": "+14155550177"},
    )
    assert contact.status_code == 201, contact.text
    quiet = await _start(client, owner)
    talked = await _start(client, owner, contact_id=contact.json()["id"])
    sent = await client.post(
        f"/v1/conversations/{talked['id']}/messages",
        headers=owner.headers,
        json={"content": "Is the shop open on Sunday? " + "x" * 300},
    )
    reply = sent.json()["reply"]
    listed = (await client.get("/v1/conversations", headers=owner.headers)).json()["items"]
    by_id = {item["id"]: item for item in listed}
    latest = by_id[talked["id"]]["last_message"]
    assert latest["id"] == reply["id"]
    assert latest["sender_type"] == "agent"
    assert latest["content"] == reply["content"][:200]
    assert by_id[talked["id"]]["contact"] == {
        "id": contact.json()["id"],
        "name": "Rosa Diaz",
        "email": None,
        "phone_number": "+14155550177",
    }
    # A conversation without messages (its agent has no greeting) and without a contact.
    assert by_id[quiet["id"]]["last_message"] is None
    assert by_id[quiet["id"]]["contact"] is None


async def test_assignment_tags_and_status_changes_are_events(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    from sqlalchemy import select

    from frontdesk.events.models import Event

    conversation = await _start(client, owner)
    base = f"/v1/conversations/{conversation['id']}"
    member = (await client.get("/v1/members", headers=owner.headers)).json()["items"][0]
    await client.post(f"{base}/assign", headers=owner.headers, json={"member_id": member["id"]})
    await client.post(f"{base}/assign", headers=owner.headers, json={"member_id": member["id"]})
    await client.post(f"{base}/tags", headers=owner.headers, json={"tag": "vip"})
    await client.delete(f"{base}/tags/vip", headers=owner.headers)
    await client.post(f"{base}/status", headers=owner.headers, json={"status": "archived"})
    events = (
        await session.scalars(
            select(Event).where(Event.type == "conversation.updated").order_by(Event.created_at)
        )
    ).all()
    changed = [event.data["changed"] for event in events if event.data["id"] == conversation["id"]]
    # Assigning to the same member again changes nothing and says nothing.
    assert changed == [["assignee_id"], ["tags"], ["tags"], ["status"]]
    assert events[-1].data["status"] == "archived"


async def test_a_long_conversation_prompts_with_its_latest_messages(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    """The engine reads only the window of history the prompt holds, oldest first."""
    import uuid

    from frontdesk.engine import prompt, turn

    conversation = await _start(client, owner)
    path = f"/v1/conversations/{conversation['id']}/messages"
    for n in range(prompt.HISTORY_MESSAGES // 2 + 3):
        sent = await client.post(path, headers=owner.headers, json={"content": f"line {n}"})
        assert sent.status_code in (200, 201), sent.text
        assert sent.json()["reply"]["content"] == f"You said: line {n}"
    recent = await turn._recent(session, uuid.UUID(conversation["id"]))
    assert len(recent) == prompt.HISTORY_MESSAGES
    everything = (await client.get(path, headers=owner.headers, params={"limit": 100})).json()
    assert [(m.sender_type, m.content) for m in recent] == [
        (m["sender_type"], m["content"]) for m in everything["items"][-prompt.HISTORY_MESSAGES :]
    ]
