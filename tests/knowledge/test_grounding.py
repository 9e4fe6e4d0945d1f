"""Agents answer from their knowledge bases: passages in the prompt, sources in `ai_metadata`,
"I don't know" instead of an invented answer when nothing passes the threshold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from frontdesk.jobs.worker import Worker
from tests.fakes.openai_server import FakeOpenAI
from tests.fixtures.factories import Account
from tests.knowledge.conftest import add_text, make_kb


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(text="We open at nine.").start()
    yield server
    server.stop()


async def _agent_with_kb(
    client: httpx.AsyncClient, owner: Account, worker: Worker, llm: dict[str, Any], **kb_fields: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    kb = await make_kb(client, owner, **kb_fields)
    await add_text(
        client,
        owner,
        kb["id"],
        "Opening hours",
        "The Leeds shop opens at 9am and closes at 6pm, Monday to Saturday.",
    )
    await add_text(
        client,
        owner,
        kb["id"],
        "Returns",
        "Unused items can be returned within 30 days for a refund.",
    )
    await worker.run_until_idle()
    agent = await client.post(
        "/v1/agents",
        json={"name": "Ava", "type": "chat", "prompt": "You help customers of Acme.", "llm": llm},
        headers=owner.headers,
    )
    assert agent.status_code == 201, agent.text
    await client.post(
        f"/v1/knowledge-bases/{kb['id']}/attach",
        json={"agent_id": agent.json()["id"]},
        headers=owner.headers,
    )
    return agent.json(), kb


async def _ask(
    client: httpx.AsyncClient, owner: Account, agent_id: str, text: str
) -> dict[str, Any]:
    conversation = await client.post(
        "/v1/conversations", json={"agent_id": agent_id}, headers=owner.headers
    )
    sent = await client.post(
        f"/v1/conversations/{conversation.json()['id']}/messages",
        json={"content": text},
        headers=owner.headers,
    )
    assert sent.status_code == 200, sent.text
    reply: dict[str, Any] = sent.json()["reply"]
    return reply


async def test_passages_and_sources(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker, fake_openai: FakeOpenAI
) -> None:
    llm = {
        "provider": "openai",
        "model": "gpt-4o-mini",
        "base_url": fake_openai.base_url,
        "api_key": "sk-test",
    }
    agent, kb = await _agent_with_kb(client, owner, ingest_worker, llm)
    reply = await _ask(client, owner, agent["id"], "What time do you open in Leeds?")
    assert reply["content"] == "We open at nine."
    sources = reply["ai_metadata"]["sources"]
    assert sources[0]["source"] == "Opening hours"
    assert sources[0]["knowledge_base_id"] == kb["id"]
    assert 0 < sources[0]["score"] <= 1
    system = fake_openai.requests[-1]["messages"][0]["content"]
    assert "opens at 9am" in system
    assert "(Opening hours)" in system


async def test_no_answer_instead_of_invention(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker
) -> None:
    agent, _ = await _agent_with_kb(
        client,
        owner,
        ingest_worker,
        {"provider": "scripted"},
        no_answer_message="I don't know, sorry.",
    )
    reply = await _ask(client, owner, agent["id"], "What is the airspeed of an unladen swallow?")
    assert reply["content"] == "I don't know, sorry."
    assert reply["ai_metadata"]["sources"] == []
    assert reply["ai_metadata"]["knowledge_consulted"] is True
    # Small talk is not a question for the knowledge base: the model answers it.
    chat = await _ask(client, owner, agent["id"], "thanks a lot")
    assert chat["content"] == "You said: thanks a lot"
    grounded = await _ask(client, owner, agent["id"], "Can I return unused items?")
    assert grounded["content"] == "You said: Can I return unused items?"
    assert grounded["ai_metadata"]["sources"][0]["source"] == "Returns"


async def test_rag_use_condition_decides_when_to_search(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker
) -> None:
    agent, _ = await _agent_with_kb(
        client,
        owner,
        ingest_worker,
        {"provider": "scripted"},
        rag_use_condition="questions about opening hours or returns",
    )
    about = await _ask(client, owner, agent["id"], "When do you open?")
    assert about["ai_metadata"]["knowledge_consulted"] is True
    assert about["ai_metadata"]["sources"][0]["source"] == "Opening hours"
    other = await _ask(client, owner, agent["id"], "Tell me a joke about penguins?")
    assert other["ai_metadata"]["knowledge_consulted"] is False
    assert other["content"] == "You said: Tell me a joke about penguins?"


async def test_openai_embeddings_provider(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker, fake_openai: FakeOpenAI
) -> None:
    kb = await make_kb(
        client,
        owner,
        embedding={
            "provider": "openai",
            "model": "text-embedding-3-small",
            "base_url": fake_openai.base_url,
            "api_key": "sk-test",
        },
    )
    assert kb["embedding"]["api_key_set"] is True
    await add_text(client, owner, kb["id"], "Bikes", "We repair bikes and scooters.")
    await add_text(client, owner, kb["id"], "Cakes", "We bake cakes for birthdays.")
    await ingest_worker.run_until_idle()
    got = await client.get(f"/v1/knowledge-bases/{kb['id']}", headers=owner.headers)
    assert got.json()["embedding"]["dimensions"] == 64
    assert got.json()["chunk_count"] == 2
    response = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/search",
        json={"query": "bake birthday cakes", "mode": "vector"},
        headers=owner.headers,
    )
    assert response.json()["results"][0]["metadata"]["source"] == "Cakes"
    assert any(
        r.get("model") == "text-embedding-3-small" and "input" in r for r in fake_openai.requests
    )
    # Back to the local model: every source is embedded again.
    switched = await client.patch(
        f"/v1/knowledge-bases/{kb['id']}",
        json={"embedding": {"provider": "local"}},
        headers=owner.headers,
    )
    assert switched.json()["embedding"]["model"] == "all-minilm-l6-v2"
    sources = await client.get(f"/v1/knowledge-bases/{kb['id']}/sources", headers=owner.headers)
    assert {s["status"] for s in sources.json()["items"]} == {"processing"}
    await ingest_worker.run_until_idle()
    sources = await client.get(f"/v1/knowledge-bases/{kb['id']}/sources", headers=owner.headers)
    assert {s["status"] for s in sources.json()["items"]} == {"processed"}
    got = await client.get(f"/v1/knowledge-bases/{kb['id']}", headers=owner.headers)
    assert got.json()["embedding"]["dimensions"] == 384
    assert got.json()["chunk_count"] == 2


async def test_only_attached_bases_are_consulted(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker
) -> None:
    """Detaching a base or deleting it takes it out of the agent's answers at once."""
    agent, kb = await _agent_with_kb(client, owner, ingest_worker, {"provider": "scripted"})
    other = await make_kb(client, owner, name="Second")
    await add_text(client, owner, other["id"], "Delivery", "Parcels to Leeds arrive next day.")
    await ingest_worker.run_until_idle()
    attached = await client.post(
        f"/v1/knowledge-bases/{other['id']}/attach",
        json={"agent_id": agent["id"]},
        headers=owner.headers,
    )
    assert attached.status_code == 200, attached.text

    async def consulted(question: str) -> set[str]:
        reply = await _ask(client, owner, agent["id"], question)
        return {s["knowledge_base_id"] for s in reply["ai_metadata"].get("sources", [])}

    assert other["id"] in await consulted("When do parcels to Leeds arrive?")
    assert kb["id"] in await consulted("What time does the Leeds shop open?")
    detached = await client.post(
        f"/v1/knowledge-bases/{other['id']}/detach",
        json={"agent_id": agent["id"]},
        headers=owner.headers,
    )
    assert detached.status_code == 200, detached.text
    assert other["id"] not in await consulted("When do parcels to Leeds arrive?")
    deleted = await client.delete(f"/v1/knowledge-bases/{kb['id']}", headers=owner.headers)
    assert deleted.status_code == 204, deleted.text
    assert await consulted("What time does the Leeds shop open?") == set()
