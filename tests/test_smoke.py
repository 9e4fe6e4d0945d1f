from __future__ import annotations

import httpx

from tests.fixtures.factories import Account


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["timestamp"].endswith("Z")


async def test_me_with_token_and_key(client: httpx.AsyncClient, owner: Account) -> None:
    by_token = await client.get("/v1/auth/me", headers=owner.headers)
    assert by_token.status_code == 200, by_token.text
    assert by_token.json()["role"] == "owner"
    by_key = await client.get("/v1/auth/me", headers=owner.key_headers)
    assert by_key.status_code == 200
    assert by_key.json()["principal_type"] == "api_key"
    assert by_key.headers["x-ratelimit-limit"] == "100000"


async def test_register_then_login(client: httpx.AsyncClient) -> None:
    body = {
        "email": "Ann@Example.com",
        "password": "secret-pass",
        "first_name": "Ann",
        "last_name": "Lee",
    }
    created = await client.post("/v1/auth/register", json=body)
    assert created.status_code == 201, created.text
    again = await client.post("/v1/auth/register", json=body)
    assert again.status_code == 409
    assert again.json()["code"] == "EMAIL_TAKEN"
    login = await client.post(
        "/v1/auth/login", json={"email": "ann@example.com", "password": "secret-pass"}
    )
    assert login.status_code == 200
    assert login.json()["user"]["role"] == "owner"
