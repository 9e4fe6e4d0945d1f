"""Secrets never leave the server: a real `frontdesk serve` at debug log level is given a
password, an API key, provider keys, an LLM key and webhook secrets, uses them, and then neither
its log nor any read route contains one of them (only `*_set: true` flags)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.databases import create_database, drop_database
from tests.fixtures.server import RunningServer, free_port, frontdesk_server

pytestmark = pytest.mark.slow

PASSWORD = "pw-" + uuid.uuid4().hex
NEW_PASSWORD = "pw-new-" + uuid.uuid4().hex
PROVIDER_SECRETS = {
    "twilio_auth_token": "twilio-" + uuid.uuid4().hex,
    "deepgram_api_key": "deepgram-" + uuid.uuid4().hex,
    "elevenlabs_api_key": "eleven-" + uuid.uuid4().hex,
    "cartesia_api_key": "cartesia-" + uuid.uuid4().hex,
    "openai_api_key": "sk-voice-" + uuid.uuid4().hex,
    "llm_api_key": "sk-llm-" + uuid.uuid4().hex,
    "embedding_api_key": "sk-embed-" + uuid.uuid4().hex,
}


@pytest.fixture(scope="module")
async def server(tmp_root: Path) -> AsyncIterator[RunningServer]:
    url = await create_database(tmp_root)
    try:
        with frontdesk_server(
            tmp_root / f"secrets-{uuid.uuid4().hex[:6]}",
            url,
            {"FRONTDESK_LOG_LEVEL": "debug", "FRONTDESK_ALLOW_PRIVATE_URLS": "true"},
        ) as running:
            yield running
    finally:
        await drop_database(url)


def _ok(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json()) if response.content else {}


async def _use_every_secret(api: httpx.AsyncClient) -> tuple[list[str], list[str]]:
    """Set and use every kind of secret; the secrets, and the read routes to check."""
    account = {"email": "secrets@example.com", "password": PASSWORD}
    _ok(
        await api.post("/v1/auth/register", json={**account, "first_name": "S", "last_name": "K"}),
        201,
    )
    wrong = await api.post("/v1/auth/login", json={**account, "password": PASSWORD + "x"})
    assert wrong.status_code == 401
    login = _ok(await api.post("/v1/auth/login", json=account))
    user = {"Authorization": f"Bearer {login['token']}"}
    refreshed = _ok(
        await api.post("/v1/auth/refresh", json={"refresh_token": login["refresh_token"]})
    )
    changed = _ok(
        await api.post(
            "/v1/auth/password",
            headers={"Authorization": f"Bearer {refreshed['token']}"},
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
    )
    user = {"Authorization": f"Bearer {changed['token']}"}
    key = _ok(await api.post("/v1/api-keys", headers=user, json={"name": "CI"}), 201)
    api_key = key["key"]
    admin = {"Authorization": f"Bearer {api_key}"}
    _ok(await api.get("/v1/auth/me", headers=admin))
    _ok(
        await api.patch(
            "/v1/workspace",
            headers=admin,
            json={
                "telephony": {
                    "provider": "twilio",
                    "twilio_account_sid": "AC" + "2" * 32,
                    "twilio_auth_token": PROVIDER_SECRETS["twilio_auth_token"],
                },
                "voice_providers": {
                    name: PROVIDER_SECRETS[name]
                    for name in (
                        "deepgram_api_key",
                        "elevenlabs_api_key",
                        "cartesia_api_key",
                        "openai_api_key",
                    )
                },
            },
        )
    )
    agent = _ok(
        await api.post(
            "/v1/agents",
            headers=admin,
            json={
                "name": "Keyed",
                "type": "chat",
                "llm": {
                    "provider": "openai",
                    "model": "gpt-4o-mini",
                    "api_key": PROVIDER_SECRETS["llm_api_key"],
                },
            },
        ),
        201,
    )
    kb = _ok(
        await api.post(
            "/v1/knowledge-bases",
            headers=admin,
            json={
                "name": "Keyed KB",
                "embedding": {
                    "provider": "openai",
                    "model": "text-embedding-3-small",
                    "api_key": PROVIDER_SECRETS["embedding_api_key"],
                },
            },
        ),
        201,
    )
    # A webhook that answers, and one whose receiver is down (a failure is logged).
    dead = f"http://127.0.0.1:{free_port()}/hook"
    webhooks = [
        _ok(await api.post("/v1/webhooks", headers=admin, json={"url": dead, "events": ["*"]}), 201)
        for _ in range(2)
    ]
    for hook in webhooks:
        _ok(await api.post(f"/v1/webhooks/{hook['id']}/test", headers=admin))
    secrets = [
        PASSWORD,
        NEW_PASSWORD,
        api_key,
        *PROVIDER_SECRETS.values(),
        *(hook["secret"] for hook in webhooks),
        login["refresh_token"],
        changed["refresh_token"],
    ]
    routes = [
        "/v1/auth/me",
        "/v1/workspace",
        "/v1/api-keys",
        "/v1/agents",
        f"/v1/agents/{agent['id']}",
        "/v1/knowledge-bases",
        f"/v1/knowledge-bases/{kb['id']}",
        "/v1/webhooks",
        *(f"/v1/webhooks/{hook['id']}" for hook in webhooks),
        *(f"/v1/webhooks/{hook['id']}/deliveries" for hook in webhooks),
        "/v1/audit-logs?limit=100",
        "/v1/members",
        "/v1/phone-numbers",
    ]
    return secrets, routes


async def test_secrets_stay_out_of_responses_and_logs(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as api:
        secrets, routes = await _use_every_secret(api)
        login = _ok(
            await api.post(
                "/v1/auth/login", json={"email": "secrets@example.com", "password": NEW_PASSWORD}
            )
        )
        headers = {"Authorization": f"Bearer {login['token']}"}
        for path in routes:
            body = (await api.get(path, headers=headers)).text
            assert json.loads(body), path
            for secret in secrets:
                assert secret not in body, (path, secret[:8])
        workspace = _ok(await api.get("/v1/workspace", headers=headers))
        assert workspace["telephony"]["twilio_auth_token_set"] is True
        assert all(
            workspace["voice_providers"][f"{name}_set"] is True
            for name in (
                "deepgram_api_key",
                "elevenlabs_api_key",
                "cartesia_api_key",
                "openai_api_key",
            )
        )
        agents = _ok(await api.get("/v1/agents", headers=headers))["items"]
        assert agents[0]["llm"]["api_key_set"] is True
        kbs = _ok(await api.get("/v1/knowledge-bases", headers=headers))["items"]
        assert kbs[0]["embedding"]["api_key_set"] is True
    server.stop()
    log = server.log.read_text()
    assert '"path": "/v1/auth/login"' in log  # the requests were logged
    for secret in [*secrets, login["token"], login["refresh_token"]]:
        assert secret not in log, secret[:8]
    assert "Traceback" not in log
