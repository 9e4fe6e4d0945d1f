"""Knowledge bases and sources through the API: fields, validation, roles, isolation, links."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.jobs.worker import Worker
from frontdesk.tenancy.roles import Role
from tests.fixtures.factories import Account, make_account
from tests.knowledge.conftest import add_text, make_kb


async def test_create_read_update_delete(client: httpx.AsyncClient, owner: Account) -> None:
    kb = await make_kb(
        client,
        owner,
        description="Answers for customers",
        rag_use_condition="questions about orders",
    )
    assert kb["embedding"] == {
        "provider": "local",
        "model": "all-minilm-l6-v2",
        "dimensions": 384,
        "base_url": None,
        "api_key_set": False,
    }
    assert (kb["chunk_size"], kb["chunk_overlap"], kb["source_count"], kb["chunk_count"]) == (
        400,
        60,
        0,
        0,
    )
    got = await client.get(f"/v1/knowledge-bases/{kb['id']}", headers=owner.headers)
    assert got.json()["rag_use_condition"] == "questions about orders"
    patched = await client.patch(
        f"/v1/knowledge-bases/{kb['id']}",
        json={"name": "Orders", "threshold": 0.4, "no_answer_message": "Ask our team."},
        headers=owner.headers,
    )
    assert patched.status_code == 200
    assert patched.json()["name"] == "Orders"
    assert patched.json()["threshold"] == 0.4
    assert patched.json()["description"] == "Answers for customers"
    listed = await client.get("/v1/knowledge-bases?search=ord", headers=owner.headers)
    assert [k["id"] for k in listed.json()["items"]] == [kb["id"]]
    deleted = await client.delete(f"/v1/knowledge-bases/{kb['id']}", headers=owner.headers)
    assert deleted.status_code == 204
    gone = await client.get(f"/v1/knowledge-bases/{kb['id']}", headers=owner.headers)
    assert gone.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x", "chunk_size": 10}, "chunk_size"),
        ({"name": "x", "chunk_size": 100, "chunk_overlap": 80}, "chunk"),
        ({"name": "x", "embedding": {"provider": "word2vec"}}, "embedding"),
        ({"name": "x", "threshold": -0.1}, "threshold"),
        ({"name": "x", "colour": "red"}, "colour"),
    ],
)
async def test_bad_knowledge_bases(
    client: httpx.AsyncClient, owner: Account, body: dict[str, object], field: str
) -> None:
    response = await client.post("/v1/knowledge-bases", json=body, headers=owner.headers)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "VALIDATION_ERROR"
    assert any(field in key for key in response.json()["details"]) or field in response.text


def multipart(filename: bytes, name: bytes | None = None) -> tuple[bytes, dict[str, str]]:
    """A form with `file` (and `name`), written out by hand: clients escape a NUL in a file name."""
    parts = [
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="' + filename + b'"\r\n'
        b"Content-Type: text/plain\r\n\r\nOpening hours: 9 to 5.\r\n"
    ]
    if name is not None:
        parts.append(b'--B\r\nContent-Disposition: form-data; name="name"\r\n\r\n' + name + b"\r\n")
    return b"".join(parts) + b"--B--\r\n", {"Content-Type": "multipart/form-data; boundary=B"}


async def test_upload_names_must_be_storable_text(
    client: httpx.AsyncClient, owner: Account
) -> None:
    """A NUL in the file's name or the `name` field: a 400 naming it (it was a 500 on
    PostgreSQL)."""
    kb = await make_kb(client, owner)
    for (body, content_type), field in (
        (multipart(b"a\x00.txt"), "file"),
        (multipart(b"a.txt", b"A\x00"), "name"),
    ):
        response = await client.post(
            f"/v1/knowledge-bases/{kb['id']}/sources",
            content=body,
            headers={**owner.headers, **content_type},
        )
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "VALIDATION_ERROR"
        assert set(response.json()["details"]) == {field}


async def test_overlap_checked_against_the_stored_size(
    client: httpx.AsyncClient, owner: Account
) -> None:
    kb = await make_kb(client, owner, chunk_size=100, chunk_overlap=20)
    response = await client.patch(
        f"/v1/knowledge-bases/{kb['id']}", json={"chunk_overlap": 80}, headers=owner.headers
    )
    assert response.status_code == 400
    assert "chunk_overlap" in response.json()["details"]


async def test_other_workspaces_see_nothing(
    client: httpx.AsyncClient, owner: Account, stranger: Account, ingest_worker: Worker
) -> None:
    kb = await make_kb(client, owner)
    source = await add_text(client, owner, kb["id"], "Secret", "Our margin is forty percent.")
    await ingest_worker.run_until_idle()
    base = f"/v1/knowledge-bases/{kb['id']}"
    for method, path in [
        ("GET", base),
        ("PATCH", base),
        ("DELETE", base),
        ("GET", f"{base}/sources"),
        ("GET", f"{base}/sources/{source['id']}"),
        ("DELETE", f"{base}/sources/{source['id']}"),
        ("POST", f"{base}/sources/{source['id']}/recrawl"),
    ]:
        response = await client.request(
            method, path, headers=stranger.headers, json={} if method == "PATCH" else None
        )
        assert response.status_code == 404, (method, path)
    listed = await client.get("/v1/knowledge-bases", headers=stranger.headers)
    assert listed.json()["total"] == 0
    posted = await client.post(
        f"{base}/sources",
        json={"type": "text", "name": "x", "content": "y"},
        headers=stranger.headers,
    )
    assert posted.status_code == 404


async def test_roles(client: httpx.AsyncClient, owner: Account, session: AsyncSession) -> None:
    kb = await make_kb(client, owner)
    viewer = await make_account(session, Role.viewer, workspace=owner.workspace)
    assert (
        await client.get(f"/v1/knowledge-bases/{kb['id']}", headers=viewer.headers)
    ).status_code == 200
    searched = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/search", json={"query": "x"}, headers=viewer.headers
    )
    assert searched.status_code == 200
    for response in [
        await client.post("/v1/knowledge-bases", json={"name": "x"}, headers=viewer.headers),
        await client.delete(f"/v1/knowledge-bases/{kb['id']}", headers=viewer.headers),
        await client.post(
            f"/v1/knowledge-bases/{kb['id']}/sources",
            json={"type": "text", "name": "x", "content": "y"},
            headers=viewer.headers,
        ),
    ]:
        assert response.status_code == 403
        assert response.json()["code"] == "AUTH_PERMISSION_DENIED"


async def test_sources_list_and_progress_fields(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker
) -> None:
    kb = await make_kb(client, owner)
    first = await add_text(client, owner, kb["id"], "One", "First text.")
    assert first["status"] == "processing"
    assert first["chunk_count"] == 0
    await add_text(client, owner, kb["id"], "Two", "Second text.")
    await ingest_worker.run_until_idle()
    listed = await client.get(f"/v1/knowledge-bases/{kb['id']}/sources", headers=owner.headers)
    assert listed.json()["total"] == 2
    assert [s["name"] for s in listed.json()["items"]] == ["Two", "One"]
    assert all(
        s["status"] == "processed" and s["processed_chunks"] == 1 for s in listed.json()["items"]
    )
    failed = await client.get(
        f"/v1/knowledge-bases/{kb['id']}/sources?status=failed", headers=owner.headers
    )
    assert failed.json()["total"] == 0
    refreshed = await client.get(f"/v1/knowledge-bases/{kb['id']}", headers=owner.headers)
    assert refreshed.json()["source_count"] == 2
    assert refreshed.json()["chunk_count"] == 2
    text_source = listed.json()["items"][0]["id"]
    not_url = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/sources/{text_source}/recrawl", headers=owner.headers
    )
    assert not_url.status_code == 409
    assert not_url.json()["code"] == "SOURCE_NOT_URL"


async def test_attach_and_detach_agents(
    client: httpx.AsyncClient, owner: Account, stranger: Account
) -> None:
    kb = await make_kb(client, owner)
    agent = await client.post(
        "/v1/agents", json={"name": "Ava", "type": "chat"}, headers=owner.headers
    )
    agent_id = agent.json()["id"]
    attached = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/attach", json={"agent_id": agent_id}, headers=owner.headers
    )
    assert attached.status_code == 200
    assert attached.json()["agent_ids"] == [agent_id]
    again = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/attach", json={"agent_id": agent_id}, headers=owner.headers
    )
    assert again.json()["agent_ids"] == [agent_id]
    seen = await client.get(f"/v1/agents/{agent_id}", headers=owner.headers)
    assert seen.json()["knowledge_base_ids"] == [kb["id"]]
    theirs = await make_kb(client, stranger)
    foreign = await client.post(
        f"/v1/knowledge-bases/{theirs['id']}/attach",
        json={"agent_id": agent_id},
        headers=stranger.headers,
    )
    assert foreign.status_code == 404
    assert foreign.json()["code"] == "AGENT_NOT_FOUND"
    wrong = await client.patch(
        f"/v1/agents/{agent_id}", json={"knowledge_base_ids": [theirs["id"]]}, headers=owner.headers
    )
    assert wrong.status_code == 404
    detached = await client.post(
        f"/v1/knowledge-bases/{kb['id']}/detach", json={"agent_id": agent_id}, headers=owner.headers
    )
    assert detached.json()["agent_ids"] == []
    await client.post(
        f"/v1/knowledge-bases/{kb['id']}/attach", json={"agent_id": agent_id}, headers=owner.headers
    )
    await client.delete(f"/v1/knowledge-bases/{kb['id']}", headers=owner.headers)
    after = await client.get(f"/v1/agents/{agent_id}", headers=owner.headers)
    assert after.json()["knowledge_base_ids"] == []
