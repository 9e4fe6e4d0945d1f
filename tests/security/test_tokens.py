"""Forged, confused and misused JWTs are refused with 401 and a documented code, on private
routes of every role level. The service accepts only HS256 under its own key (derived from
FRONTDESK_SECRET_KEY), only tokens of the kind the route expects."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from frontdesk.auth import security
from frontdesk.errors import Unauthenticated
from frontdesk.settings import get_settings
from tests.fixtures.factories import Account

PRIVATE_ROUTES = ["/v1/auth/me", "/v1/agents", "/v1/workspace", "/v1/api-keys", "/v1/audit-logs"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _key() -> bytes:
    return security._signing_key(get_settings().ensure_secret_key())


def _claims(account: Account, **overrides: object) -> dict[str, object]:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, object] = {
        "iss": "frontdesk",
        "sub": str(account.user.id),
        "wid": str(account.workspace.id),
        "ver": 0,
        "typ": "access",
        "iat": now,
        "exp": now + 300,
        **overrides,
    }
    return {k: v for k, v in claims.items() if v is not None}


def _raw(header: dict[str, object], claims: dict[str, object], key: bytes | None) -> str:
    """A token with any header, HMAC-SHA256-signed with `key` (no signature without one)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    if key is None:
        return signing_input + "."
    mac = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


def _rsa_pem() -> tuple[rsa.RSAPrivateKey, bytes]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public


def _forgeries(account: Account) -> dict[str, str]:
    claims = _claims(account)
    private_rsa, public_pem = _rsa_pem()
    return {
        "alg none": _raw({"alg": "none", "typ": "JWT"}, claims, None),
        "alg None": _raw({"alg": "None", "typ": "JWT"}, claims, None),
        "alg NONE, signed": _raw({"alg": "NONE", "typ": "JWT"}, claims, _key()),
        "alg none, signature of the real key": _raw({"alg": "none"}, claims, _key()),
        "no alg": _raw({"typ": "JWT"}, claims, _key()),
        "HS256, another key": jwt.encode(claims, b"k" * 44, algorithm="HS256"),
        # The raw FRONTDESK_SECRET_KEY is not the signing key (that is derived from it).
        "HS256, the raw secret key": jwt.encode(
            claims, get_settings().ensure_secret_key().encode(), algorithm="HS256"
        ),
        "HS384, the real key": jwt.encode(claims, _key(), algorithm="HS384"),
        "HS512, the real key": jwt.encode(claims, _key(), algorithm="HS512"),
        "RS256": jwt.encode(claims, private_rsa, algorithm="RS256"),
        "ES256": jwt.encode(claims, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256"),
        # Key confusion: a public key used as the HMAC secret, and an RS256 header over an
        # HMAC made with the real key; neither may pass as HS256.
        "HS256, a public key as secret": _raw({"alg": "HS256", "typ": "JWT"}, claims, public_pem),
        "RS256 header, HMAC signature": _raw({"alg": "RS256", "typ": "JWT"}, claims, _key()),
        "an embedded jwk": _raw(
            {"alg": "HS256", "jwk": {"kty": "oct", "k": _b64(b"attacker")}},
            claims,
            b"attacker",
        ),
        "tampered claims": _raw({"alg": "HS256", "typ": "JWT"}, claims, _key())[:-4] + "AAAA",
        "another issuer": jwt.encode(_claims(account, iss="someone"), _key(), algorithm="HS256"),
        "no expiry": jwt.encode(_claims(account, exp=None), _key(), algorithm="HS256"),
        "no type": jwt.encode(_claims(account, typ=None), _key(), algorithm="HS256"),
        "no version": jwt.encode(_claims(account, ver=None), _key(), algorithm="HS256"),
        "another user": jwt.encode(
            _claims(account, sub=str(uuid.uuid4())), _key(), algorithm="HS256"
        ),
        "a later version": jwt.encode(_claims(account, ver=7), _key(), algorithm="HS256"),
        "not a uuid": jwt.encode(_claims(account, sub="admin"), _key(), algorithm="HS256"),
        "three dots": "a.b.c",
    }


async def _get(client: httpx.AsyncClient, path: str, token: str) -> httpx.Response:
    return await client.get(path, headers={"Authorization": f"Bearer {token}"})


async def test_a_genuine_token_passes(client: httpx.AsyncClient, owner: Account) -> None:
    token = jwt.encode(_claims(owner), _key(), algorithm="HS256")
    for path in PRIVATE_ROUTES:
        assert (await _get(client, path, token)).status_code == 200, path


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_forged_tokens_are_refused(client: httpx.AsyncClient, owner: Account) -> None:
    for name, token in _forgeries(owner).items():
        for path in PRIVATE_ROUTES:
            response = await _get(client, path, token)
            assert response.status_code == 401, (name, path, response.text)
            assert response.json()["code"] == "AUTH_TOKEN_INVALID", (name, path)


async def test_expired_tokens(client: httpx.AsyncClient, owner: Account) -> None:
    now = datetime.now(UTC)
    expired = jwt.encode(
        _claims(
            owner, iat=int((now - timedelta(hours=2)).timestamp()), exp=int(now.timestamp()) - 1
        ),
        _key(),
        algorithm="HS256",
    )
    for path in PRIVATE_ROUTES:
        response = await _get(client, path, expired)
        assert (response.status_code, response.json()["code"]) == (401, "AUTH_TOKEN_EXPIRED")
    refresh = jwt.encode(
        _claims(owner, typ="refresh", exp=int(now.timestamp()) - 1), _key(), algorithm="HS256"
    )
    response = await client.post("/v1/auth/refresh", json={"refresh_token": refresh})
    assert (response.status_code, response.json()["code"]) == (401, "AUTH_TOKEN_EXPIRED")


async def test_tokens_of_another_purpose_are_not_access_tokens(
    client: httpx.AsyncClient, owner: Account
) -> None:
    workspace = owner.workspace.id
    refresh, _ = security.issue_token(owner.user.id, workspace, 0, "refresh")
    others = {
        "refresh": refresh,
        "visitor": security.issue_visitor_token(owner.user.id, workspace, uuid.uuid4()),
        "call": security.issue_call_token(owner.user.id, workspace, 600),
    }
    for name, token in others.items():
        for path in PRIVATE_ROUTES:
            response = await _get(client, path, token)
            assert response.status_code == 401, (name, path)
            assert response.json()["code"] == "AUTH_TOKEN_INVALID", (name, path)
    # And the other way round: an access token is no visitor, refresh or call token.
    conversation = uuid.uuid4()
    as_visitor = await client.get(
        f"/v1/public/conversations/{conversation}/messages", headers=owner.headers
    )
    assert (as_visitor.status_code, as_visitor.json()["code"]) == (401, "AUTH_TOKEN_INVALID")
    as_refresh = await client.post("/v1/auth/refresh", json={"refresh_token": owner.token})
    assert (as_refresh.status_code, as_refresh.json()["code"]) == (401, "AUTH_TOKEN_INVALID")
    for token in (owner.token, refresh, others["visitor"]):
        with pytest.raises(Unauthenticated) as caught:
            security.decode_call_token(token)
        assert caught.value.code == "AUTH_TOKEN_INVALID"


@pytest.mark.parametrize("signature", ["é", "0" * 64, "ÿ" * 64, ""])
async def test_forged_recording_links_are_refused(
    client: httpx.AsyncClient, signature: str
) -> None:
    response = await client.get(
        f"/v1/calls/{uuid.uuid4()}/recording/download",
        params={"expires": "9999999999", "signature": signature},
    )
    assert response.status_code == 401, response.text
    assert response.json()["code"] == "AUTH_TOKEN_EXPIRED"
