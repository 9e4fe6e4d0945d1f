"""The HTTP edge: error envelope, body limits, content types, request ids, pagination."""

from __future__ import annotations

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
