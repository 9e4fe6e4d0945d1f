from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit.models import AuditLog
from frontdesk.auth import security
from frontdesk.settings import get_settings
from frontdesk.tenancy.roles import Role
from tests.fixtures.factories import PASSWORD, Account, make_account


def _claims(account: Account, **overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "iss": "frontdesk",
        "sub": str(account.user.id),
        "wid": str(account.workspace.id),
        "ver": 0,
        "typ": "access",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        **overrides,
    }


def _sign(claims: dict[str, object], key: bytes | None = None) -> str:
    secret = key or security._signing_key(get_settings().ensure_secret_key())
    return jwt.encode(claims, secret, algorithm="HS256")


async def _me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})


async def test_login_refresh_me(client: httpx.AsyncClient, owner: Account) -> None:
    login = await client.post(
        "/v1/auth/login", json={"email": owner.user.email, "password": PASSWORD}
    )
    assert login.status_code == 200
    body = login.json()
    assert body["expires_in"] == 3600
    assert body["user"]["workspace_id"] == str(owner.workspace.id)
    refreshed = await client.post("/v1/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert refreshed.status_code == 200
    assert (await _me(client, refreshed.json()["token"])).json()["id"] == str(owner.user.id)


async def test_wrong_password_and_unknown_email_look_the_same(
    client: httpx.AsyncClient, owner: Account
) -> None:
    wrong = await client.post("/v1/auth/login", json={"email": owner.user.email, "password": "x"})
    unknown = await client.post(
        "/v1/auth/login", json={"email": "ghost@example.com", "password": "x"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["code"] == "AUTH_INVALID_CREDENTIALS"


async def test_bad_tokens(client: httpx.AsyncClient, owner: Account) -> None:
    expired = _sign(_claims(owner, exp=datetime.now(UTC) - timedelta(seconds=1)))
    assert (await _me(client, expired)).json()["code"] == "AUTH_TOKEN_EXPIRED"
    forged = _sign(_claims(owner), key=b"another-key-entirely-0123456789abcdef")
    assert (await _me(client, forged)).json()["code"] == "AUTH_TOKEN_INVALID"
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = base64.urlsafe_b64encode(
        json.dumps({**_claims(owner), "iat": 0, "exp": 9999999999}).encode()
    )
    unsigned = f"{header.decode().rstrip('=')}.{payload.decode().rstrip('=')}."
    assert (await _me(client, unsigned)).json()["code"] == "AUTH_TOKEN_INVALID"
    refresh_as_access = _sign(_claims(owner, typ="refresh"))
    assert (await _me(client, refresh_as_access)).status_code == 401
    other_workspace = _sign(_claims(owner, wid=str(uuid.uuid4())))
    assert (await _me(client, other_workspace)).status_code == 401
    assert (await _me(client, "garbage")).status_code == 401
    no_header = await client.get("/v1/auth/me")
    assert no_header.json()["code"] == "AUTH_INVALID_CREDENTIALS"
    basic = await client.get("/v1/auth/me", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


async def test_access_token_is_not_a_refresh_token(
    client: httpx.AsyncClient, owner: Account
) -> None:
    response = await client.post("/v1/auth/refresh", json={"refresh_token": owner.token})
    assert response.status_code == 401
    assert response.json()["code"] == "AUTH_TOKEN_INVALID"


async def test_password_change_ends_old_sessions(client: httpx.AsyncClient, owner: Account) -> None:
    login = (
        await client.post("/v1/auth/login", json={"email": owner.user.email, "password": PASSWORD})
    ).json()
    wrong = await client.post(
        "/v1/auth/password",
        headers=owner.headers,
        json={"current_password": "nope-nope", "new_password": "brand-new-password"},
    )
    assert wrong.status_code == 401
    short = await client.post(
        "/v1/auth/password",
        headers=owner.headers,
        json={"current_password": PASSWORD, "new_password": "short"},
    )
    assert short.status_code == 400
    changed = await client.post(
        "/v1/auth/password",
        headers=owner.headers,
        json={"current_password": PASSWORD, "new_password": "brand-new-password"},
    )
    assert changed.status_code == 200
    assert (await _me(client, owner.token)).json()["code"] == "AUTH_TOKEN_INVALID"
    stale = await client.post("/v1/auth/refresh", json={"refresh_token": login["refresh_token"]})
    assert stale.status_code == 401
    assert (await _me(client, changed.json()["token"])).status_code == 200
    relogin = await client.post(
        "/v1/auth/login", json={"email": owner.user.email, "password": "brand-new-password"}
    )
    assert relogin.status_code == 200


async def test_api_keys_lifecycle(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    created = await client.post("/v1/api-keys", headers=owner.headers, json={"name": "server"})
    assert created.status_code == 201
    secret = created.json()["key"]
    assert secret.startswith("fd_")
    listed = await client.get("/v1/api-keys", headers=owner.headers)
    assert secret not in listed.text
    assert any(k["prefix"] == secret[:10] for k in listed.json()["items"])
    key_headers = {"Authorization": f"Bearer {secret}"}
    me = (await client.get("/v1/auth/me", headers=key_headers)).json()
    assert me["principal_type"] == "api_key"
    assert me["role"] == "admin"
    revoked = await client.delete(f"/v1/api-keys/{created.json()['id']}", headers=owner.headers)
    assert revoked.status_code == 204
    after = await client.get("/v1/auth/me", headers=key_headers)
    assert after.json()["code"] == "AUTH_TOKEN_INVALID"
    actions = set(
        (
            await session.scalars(
                select(AuditLog.action).where(AuditLog.workspace_id == owner.workspace.id)
            )
        ).all()
    )
    assert {"api_key.create", "api_key.revoke"} <= actions


async def test_api_key_roles_and_expiry(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    viewer_key = (
        await client.post(
            "/v1/api-keys", headers=owner.headers, json={"name": "ro", "role": "viewer"}
        )
    ).json()["key"]
    denied = await client.post(
        "/v1/api-keys", headers={"Authorization": f"Bearer {viewer_key}"}, json={"name": "x"}
    )
    assert denied.status_code == 403
    admin = await make_account(session, Role.admin, workspace=owner.workspace)
    escalate = await client.post(
        "/v1/api-keys", headers=admin.headers, json={"name": "x", "role": "owner"}
    )
    assert escalate.status_code == 403
    past = await client.post(
        "/v1/api-keys",
        headers=owner.headers,
        json={"name": "x", "expires_at": "2001-01-01T00:00:00Z"},
    )
    assert past.status_code == 400
    soon = datetime.now(UTC) + timedelta(seconds=1)
    expiring = (
        await client.post(
            "/v1/api-keys",
            headers=owner.headers,
            json={"name": "x", "expires_at": soon.isoformat()},
        )
    ).json()
    assert expiring["expires_at"].endswith("Z")


async def test_revoking_another_workspaces_key_is_404(
    client: httpx.AsyncClient, owner: Account, stranger: Account
) -> None:
    key = (await client.post("/v1/api-keys", headers=owner.headers, json={"name": "k"})).json()
    response = await client.delete(f"/v1/api-keys/{key['id']}", headers=stranger.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "API_KEY_NOT_FOUND"


async def test_invitation_flow(client: httpx.AsyncClient, owner: Account) -> None:
    invited = await client.post(
        "/v1/members", headers=owner.headers, json={"email": "new@example.com", "role": "agent"}
    )
    assert invited.status_code == 201
    token = invited.json()["invite_token"]
    assert invited.json()["member"]["status"] == "invited"
    missing_names = await client.post(
        "/v1/auth/accept-invite", json={"invite_token": token, "password": "long-password-1"}
    )
    assert missing_names.status_code == 400
    accepted = await client.post(
        "/v1/auth/accept-invite",
        json={
            "invite_token": token,
            "password": "long-password-1",
            "first_name": "New",
            "last_name": "Person",
        },
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["role"] == "agent"
    reused = await client.post(
        "/v1/auth/accept-invite",
        json={
            "invite_token": token,
            "password": "long-password-1",
            "first_name": "a",
            "last_name": "b",
        },
    )
    assert reused.json()["code"] == "INVITE_INVALID"
    login = await client.post(
        "/v1/auth/login", json={"email": "new@example.com", "password": "long-password-1"}
    )
    assert login.json()["user"]["role"] == "agent"
