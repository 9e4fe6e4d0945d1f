"""The SSRF guard on every user-facing way to make Frontdesk call a URL: webhooks, custom_http
actions, knowledge URL sources (and an agent's external webhook). With
FRONTDESK_ALLOW_PRIVATE_URLS false (the default), private, loopback, link-local and reserved
addresses are refused in every spelling: when the URL is given (400), and when it is called (a
name that resolves to loopback, a templated URL, a redirect), with a real loopback server that
must never be reached."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from frontdesk.errors import ValidationFailed
from frontdesk.jobs.worker import Worker
from frontdesk.kit import ssrf
from tests.fixtures.factories import Account
from tests.security.traps import Trap

PRIVATE = [
    "http://10.0.0.1/h",
    "http://10.255.255.254/h",
    "http://172.16.0.1/h",
    "http://172.31.255.1/h",
    "http://192.168.1.1/h",
    "http://127.0.0.1/h",
    "http://127.8.9.10:8080/h",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/h",
    "http://100.64.0.1/h",  # carrier-grade NAT
    "http://[::1]/h",
    "http://[::]/h",
    "http://[fc00::1]/h",
    "http://[fd12:3456::1]/h",
    "http://[fe80::1]/h",
    "http://[::ffff:127.0.0.1]/h",
    "http://[::ffff:7f00:1]/h",
    "http://[::ffff:169.254.169.254]/h",
    "http://2130706433/h",  # 127.0.0.1 in decimal
    "http://0x7f000001/h",  # in hex
    "http://017700000001/h",  # in octal
    "http://0177.0.0.1/h",
    "http://127.1/h",
    "http://0xa9fea9fe/h",  # 169.254.169.254
    "http://localhost/h",
    "http://LOCALHOST./h",
    "http://api.localhost/h",
]


@pytest.mark.parametrize("url", PRIVATE)
async def test_the_guard_refuses_every_spelling(url: str) -> None:
    with pytest.raises(ValidationFailed):
        ssrf.validate_url_field(url, "url", allow_private=False)
    with pytest.raises(ssrf.UnsafeURL):
        await ssrf.check_url(url, allow_private=False)
    ssrf.validate_url_field(url, "url", allow_private=True)  # the setting lets them through


async def test_names_are_resolved_and_every_address_must_be_public(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    public = ipaddress.ip_address("93.184.215.14")

    async def resolve(host: str, port: int) -> list[Any]:
        return {"mixed.test": [public, ipaddress.ip_address("10.1.2.3")]}.get(host, [public])

    monkeypatch.setattr(ssrf, "resolve", resolve)
    await ssrf.check_url("https://www.example.test/x", allow_private=False)
    with pytest.raises(ssrf.UnsafeURL, match="10.1.2.3"):
        await ssrf.check_url("https://mixed.test/x", allow_private=False)


async def _kb(client: httpx.AsyncClient, owner: Account) -> str:
    kb = await client.post("/v1/knowledge-bases", headers=owner.headers, json={"name": "KB"})
    assert kb.status_code == 201, kb.text
    return str(kb.json()["id"])


@pytest.mark.usefixtures("guarded")
@pytest.mark.parametrize("url", PRIVATE)
async def test_private_urls_are_refused_where_they_are_given(
    client: httpx.AsyncClient, owner: Account, url: str
) -> None:
    kb_id = await _kb(client, owner)
    attempts = [
        ("/v1/webhooks", {"url": url, "events": ["*"]}, "url"),
        (
            "/v1/actions",
            {"name": "lookup", "type": "custom_http", "config": {"url": url}},
            "config.url",
        ),
        (f"/v1/knowledge-bases/{kb_id}/sources", {"type": "url", "url": url}, "url"),
        (
            "/v1/agents",
            {
                "name": "A",
                "type": "chat",
                "llm": {"provider": "scripted"},
                "external_webhook_url": url,
            },
            "external_webhook_url",
        ),
    ]
    for path, body, field_name in attempts:
        response = await client.post(path, headers=owner.headers, json=body)
        assert response.status_code == 400, (path, response.text)
        assert response.json()["code"] == "VALIDATION_ERROR"
        assert field_name in response.json()["details"], (path, response.json())


@pytest.mark.usefixtures("guarded")
async def test_a_name_that_resolves_to_loopback_is_refused_when_called(
    client: httpx.AsyncClient,
    owner: Account,
    trap: Trap,
    resolving: Callable[[dict[str, str]], None],
    ingest_worker: Worker,
) -> None:
    resolving({"intranet.test": "127.0.0.1"})
    hook_url = trap.url("/hook", host="intranet.test")
    # Given as a name, the URL is accepted; resolution happens when it is called.
    webhook = await client.post(
        "/v1/webhooks", headers=owner.headers, json={"url": hook_url, "events": ["*"]}
    )
    assert webhook.status_code == 201, webhook.text
    ping = await client.post(f"/v1/webhooks/{webhook.json()['id']}/test", headers=owner.headers)
    assert ping.json()["delivered"] is False
    assert "127.0.0.1" in ping.json()["error"]

    action = await client.post(
        "/v1/actions",
        headers=owner.headers,
        json={"name": "lookup", "type": "custom_http", "config": {"url": hook_url}},
    )
    assert action.status_code == 201, action.text
    run = await client.post(
        f"/v1/actions/{action.json()['id']}/run", headers=owner.headers, json={}
    )
    assert run.json()["ok"] is False
    assert run.json()["error"].startswith("refused")

    kb_id = await _kb(client, owner)
    source = await client.post(
        f"/v1/knowledge-bases/{kb_id}/sources",
        headers=owner.headers,
        json={"type": "url", "url": trap.url("/page", host="intranet.test")},
    )
    assert source.status_code == 201, source.text
    await ingest_worker.run_until_idle()
    failed = await client.get(
        f"/v1/knowledge-bases/{kb_id}/sources/{source.json()['id']}", headers=owner.headers
    )
    assert failed.json()["status"] == "failed"
    assert "refused" in failed.json()["error"]
    assert trap.hits == []


@pytest.mark.usefixtures("guarded")
@pytest.mark.parametrize(
    "host", ["127.0.0.1", "localhost", "2130706433", "0x7f000001", "[::ffff:127.0.0.1]"]
)
async def test_a_templated_action_url_is_checked_when_it_runs(
    client: httpx.AsyncClient, owner: Account, trap: Trap, host: str
) -> None:
    action = await client.post(
        "/v1/actions",
        headers=owner.headers,
        json={
            "name": "lookup",
            "type": "custom_http",
            "config": {
                "url": f"http://{{{{host}}}}:{trap.port}/hook",
                "variables": [{"key": "host"}],
            },
        },
    )
    assert action.status_code == 201, action.text
    run = await client.post(
        f"/v1/actions/{action.json()['id']}/run",
        headers=owner.headers,
        json={"variables": [{"key": "host", "value": host}]},
    )
    assert run.status_code == 200
    assert run.json()["ok"] is False
    assert run.json()["error"].startswith("refused"), run.json()
    assert trap.hits == []


@pytest.mark.parametrize("target_host", ["127.0.0.1", "localhost", "2130706433", "[::1]"])
async def test_a_redirect_to_a_private_address_is_not_followed(
    guarded_api: httpx.AsyncClient,
    owner: Account,
    trap: Trap,
    stand_in: Trap,
    resolving: Callable[[dict[str, str]], None],
    ingest_worker: Worker,
    target_host: str,
) -> None:
    """The first hop is a public site (`www.shop.test`, the stand-in server); its redirect to a
    private address must not be followed, by the crawler or anything else."""
    resolving({"www.shop.test": stand_in.host})
    stand_in.target = f"http://{target_host}:{trap.port}/secret"
    start = stand_in.url("/start", host="www.shop.test")

    kb_id = await _kb(guarded_api, owner)
    source = await guarded_api.post(
        f"/v1/knowledge-bases/{kb_id}/sources",
        headers=owner.headers,
        json={"type": "url", "url": start},
    )
    assert source.status_code == 201, source.text
    await ingest_worker.run_until_idle()
    got = await guarded_api.get(
        f"/v1/knowledge-bases/{kb_id}/sources/{source.json()['id']}", headers=owner.headers
    )
    assert got.json()["status"] == "failed"
    assert "refused" in got.json()["error"], got.json()

    webhook = await guarded_api.post(
        "/v1/webhooks", headers=owner.headers, json={"url": start, "events": ["*"]}
    )
    assert webhook.status_code == 201, webhook.text
    ping = await guarded_api.post(
        f"/v1/webhooks/{webhook.json()['id']}/test", headers=owner.headers
    )
    assert (ping.json()["delivered"], ping.json()["status_code"]) == (False, 302)

    action = await guarded_api.post(
        "/v1/actions",
        headers=owner.headers,
        json={"name": "lookup", "type": "custom_http", "config": {"url": start}},
    )
    run = await guarded_api.post(
        f"/v1/actions/{action.json()['id']}/run", headers=owner.headers, json={}
    )
    assert run.json()["ok"] is False
    assert run.json()["result"]["status_code"] == 302

    assert stand_in.hits == ["/start"] * 3  # each first hop
    assert trap.hits == []  # never the private address
