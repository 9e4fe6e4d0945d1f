"""The HTTP edge: error envelope, body limits, content types, request ids, pagination."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.fixtures.factories import Account


def _envelope(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "code", "details"}
    assert body["code"] == code
    assert isinstance(body["error"], str)
    assert body["error"]
    return body


async def test_unknown_route_and_method(client: httpx.AsyncClient, owner: Account) -> None:
    _envelope(await client.get("/v1/nothing-here"), 404, "NOT_FOUND")
    _envelope(await client.put("/v1/auth/me", headers=owner.headers), 405, "METHOD_NOT_ALLOWED")


async def test_validation_errors_name_fields(client: httpx.AsyncClient) -> None:
    body = _envelope(
        await client.post("/v1/auth/register", json={"email": "nope", "password": "x"}),
        400,
        "VALIDATION_ERROR",
    )
    details = body["details"]
    assert isinstance(details, dict)
    assert {"email", "password", "first_name", "last_name"} <= set(details)


async def test_malformed_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/login", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    _envelope(response, 400, "INVALID_JSON")


async def test_deeply_nested_json(client: httpx.AsyncClient, owner: Account) -> None:
    """Nesting a serialiser cannot write back, or a parser cannot read, is a 400 and stores
    nothing."""
    theme: dict[str, object] = {"colour": "#123456"}
    for _ in range(900):
        theme = {"inner": theme}
    agent = {"name": "Deep", "type": "chat", "theme": theme}
    deep = await client.post("/v1/agents", headers=owner.headers, json=agent)
    body = _envelope(deep, 400, "VALIDATION_ERROR")
    assert "32 levels" in json.dumps(body["details"])
    shallow = {"name": "Fine", "type": "chat", "theme": {"a": {"b": {"c": "d"}}}}
    assert (await client.post("/v1/agents", headers=owner.headers, json=shallow)).status_code == 201
    for raw in (b"[" * 100_000 + b"]" * 100_000, b'{"name": ' + b"[" * 100_000):
        response = await client.post(
            "/v1/agents",
            headers={**owner.headers, "Content-Type": "application/json"},
            content=raw,
        )
        assert response.status_code == 400, response.text
    agents = (await client.get("/v1/agents", headers=owner.headers)).json()["items"]
    assert [a["name"] for a in agents] == ["Fine"]


async def test_wrong_content_type(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/auth/login", content=b"email=a", headers={"Content-Type": "text/plain"}
    )
    _envelope(response, 415, "UNSUPPORTED_MEDIA_TYPE")


async def test_oversize_body(client: httpx.AsyncClient, owner: Account) -> None:
    big = b'{"name": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    response = await client.post(
        "/v1/api-keys", content=big, headers={**owner.headers, "Content-Type": "application/json"}
    )
    _envelope(response, 413, "PAYLOAD_TOO_LARGE")

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(40):
            yield b"x" * 32768

    streamed = await client.post(
        "/v1/api-keys",
        content=chunks(),
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    _envelope(streamed, 413, "PAYLOAD_TOO_LARGE")


async def test_request_id(client: httpx.AsyncClient) -> None:
    given = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = await client.get("/health")
    assert len(generated.headers["x-request-id"]) == 32
    hostile = await client.get("/health", headers={"X-Request-ID": "a b\x7f" * 50})
    assert hostile.headers["x-request-id"] != "a b\x7f" * 50


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/v1/agents?search=a%00b", "search"),
        ("/v1/knowledge-bases?search=%00", "search"),
        ("/v1/audit-logs?action=%00&limit=5", "action"),
        ("/v1/contacts?search=%00", "search"),
    ],
)
async def test_nul_in_a_query_parameter(
    client: httpx.AsyncClient, owner: Account, url: str, field: str
) -> None:
    """PostgreSQL cannot compare text with NUL: a 400 naming the parameter (it was a 500)."""
    body = _envelope(await client.get(url, headers=owner.headers), 400, "VALIDATION_ERROR")
    assert body["details"] == {field: "must not contain NUL characters"}


async def test_nul_in_a_path_parameter(client: httpx.AsyncClient, owner: Account) -> None:
    response = await client.delete(
        "/v1/conversations/00000000-0000-4000-8000-000000000000/tags/a%00b",
        headers=owner.headers,
    )
    assert _envelope(response, 400, "VALIDATION_ERROR")["details"] == {
        "path": "must not contain NUL characters"
    }


NOT_TEXT = "must be text without NUL characters or lone surrogates"


@pytest.mark.parametrize(
    ("path", "body", "details"),
    [
        ("/v1/agents", {"name": "A", "type": "chat", "prompt": "a\x00b"}, {"prompt": NOT_TEXT}),
        ("/v1/agents", {"name": "A\ud800", "type": "chat"}, {"name": NOT_TEXT}),
        (
            "/v1/agents",
            {"name": "A", "type": "chat", "llm": {"provider": "openai", "base_url": "\x00"}},
            {"llm": f"{NOT_TEXT} (at base_url)"},
        ),
        (
            "/v1/contacts",
            {"name": "A", "metadata": {"k": [1, {"x": "\udfff"}]}},
            {"metadata": f"{NOT_TEXT} (at k.1.x)"},
        ),
        ("/v1/contacts", {"name": "A", "metadata": {"\x00": 1}}, {"metadata": NOT_TEXT}),
        ("/v1/knowledge-bases", {"name": "\x00"}, {"name": NOT_TEXT}),
    ],
)
async def test_text_that_cannot_be_stored(
    client: httpx.AsyncClient,
    owner: Account,
    path: str,
    body: dict[str, object],
    details: dict[str, str],
) -> None:
    """NUL and lone surrogates (JSON's \\u0000, \\ud800) in any string of a body, keys included:
    a 400 naming the field (they were 500s on PostgreSQL, and lone surrogates on SQLite too)."""
    response = await client.post(
        path,
        content=json.dumps(body).encode(),
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    assert _envelope(response, 400, "VALIDATION_ERROR")["details"] == details


async def test_text_beyond_the_basic_plane_is_stored(
    client: httpx.AsyncClient, owner: Account
) -> None:
    # A surrogate pair in JSON is one character: not a lone surrogate.
    response = await client.post(
        "/v1/contacts",
        content=b'{"name": "Ada \\ud83d\\ude00", "metadata": {"\\ud83c\\udf89": "\\u00e9"}}',
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Ada \U0001f600"
    assert response.json()["metadata"] == {"\U0001f389": "\u00e9"}


@pytest.mark.parametrize(
    "query",
    ["limit=0", "limit=101", "limit=-1", "offset=-1", "limit=x", "offset=2477693261643034656768"],
)
async def test_pagination_bounds(client: httpx.AsyncClient, owner: Account, query: str) -> None:
    _envelope(
        await client.get(f"/v1/members?{query}", headers=owner.headers), 400, "VALIDATION_ERROR"
    )


async def test_list_envelope(client: httpx.AsyncClient, owner: Account) -> None:
    for n in range(3):
        await client.post("/v1/api-keys", headers=owner.headers, json={"name": f"k{n}"})
    page = (await client.get("/v1/api-keys?limit=2&offset=1", headers=owner.headers)).json()
    assert page["limit"] == 2
    assert page["offset"] == 1
    assert page["total"] == 4  # three new keys and the fixture's
    assert len(page["items"]) == 2


async def test_openapi_lists_routes_with_error_envelope(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "/v1/auth/me" in spec["paths"]
    assert "/v1/webhooks/{webhook_id}/deliveries" in spec["paths"]
    post = spec["paths"]["/v1/contacts"]["post"]["responses"]
    assert "422" not in post
    assert post["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


async def test_openapi_documents_answers_that_are_not_json(client: httpx.AsyncClient) -> None:
    """What schemathesis found documented wrongly: Twilio's status callbacks answer 204 with no
    body, the analytics export also answers CSV."""
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ("/telephony/twilio/status", "/telephony/twilio/sms/status"):
        responses = paths[path]["post"]["responses"]
        assert "200" not in responses
        assert "content" not in responses["204"]
    export = paths["/v1/analytics/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"application/json", "text/csv"}
    empty = await client.post("/telephony/twilio/status", data={"CallSid": "CA-unknown"})
    assert (empty.status_code, empty.content) == (204, b"")
