"""DNS rebinding: a name that answers a public address when the guard looks it up and 127.0.0.1
when the HTTP client connects. The guarded client resolves the name itself when it connects,
checks every address and connects to one it checked, so a rebinding name, a redirect hop or a
mixed answer never reaches a private address. Each way Frontdesk calls a user-supplied URL is
tried against a real loopback server that must receive nothing."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.events import service as event_service
from frontdesk.jobs.worker import Worker
from frontdesk.kit import ssrf
from frontdesk.telephony.provider import TelephonyError
from frontdesk.telephony.twilio_rest import TwilioProvider
from frontdesk.voice.tts import elevenlabs
from frontdesk.voice.tts.base import TTSUnavailable
from tests.fixtures.factories import Account
from tests.security.traps import Trap, certificate_for

Rebind = Callable[[str], None]
Resolve = Callable[[dict[str, str]], None]


# -- the guarded client ----------------------------------------------------------------------


async def test_without_the_guard_a_rebinding_name_reaches_loopback(
    rebinding: Rebind, trap: Trap
) -> None:
    """The attack, against a plain client: the check sees a public address, the connection
    goes to 127.0.0.1."""
    rebinding("rebind.test")
    url = trap.url("/hook", host="rebind.test")
    await ssrf.check_url(url, allow_private=False)
    async with httpx.AsyncClient() as plain:
        assert (await plain.get(url)).status_code == 200
    assert trap.hits == ["/hook"]


async def test_the_guarded_client_refuses_a_rebinding_name(rebinding: Rebind, trap: Trap) -> None:
    rebinding("rebind.test")
    url = trap.url("/hook", host="rebind.test")
    await ssrf.check_url(url, allow_private=False)  # the first answer is public
    async with ssrf.client(allow_private=False) as http:
        with pytest.raises(ssrf.RefusedConnection, match=r"rebind\.test .* \(127\.0\.0\.1\)"):
            await http.get(url)
    assert trap.hits == []


async def test_it_connects_to_the_address_it_checked_and_keeps_the_name(
    stand_in: Trap, resolving: Resolve
) -> None:
    resolving({"shop.test": stand_in.host})
    async with ssrf.client(allow_private=False) as http:
        response = await http.get(stand_in.url("/page", host="shop.test"))
    assert response.status_code == 200
    assert stand_in.hosts == [f"shop.test:{stand_in.port}"]


async def test_every_address_of_a_name_must_pass(
    stand_in: Trap, trap: Trap, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name with a public address and a private one is refused, whichever comes first."""

    async def resolve(host: str, port: int) -> list[Any]:
        return [ipaddress.ip_address(stand_in.host), ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(ssrf, "resolve", resolve)
    async with ssrf.client(allow_private=False) as http:
        for server in (stand_in, trap):
            with pytest.raises(ssrf.RefusedConnection, match=r"\(127\.0\.0\.1\)"):
                await http.get(server.url("/page", host="mixed.test"))
    assert stand_in.hits == trap.hits == []


async def test_tls_checks_the_certificate_against_the_name(
    stand_in: Trap, resolving: Resolve, tmp_path: Path
) -> None:
    """The socket goes to the checked address, the TLS handshake (SNI and the certificate's
    name) still to the host name."""
    stand_in.stop()
    stand_in.tls, trusting = certificate_for("secure.test", tmp_path)
    stand_in.start()
    resolving({"secure.test": stand_in.host})
    async with ssrf.client(allow_private=False, verify=trusting) as http:
        response = await http.get(stand_in.url("/page", host="secure.test"))
        assert response.status_code == 200
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.get(stand_in.url("/page"))  # by address: not the certificate's name
    assert stand_in.hits == ["/page"]


@pytest.mark.parametrize("target_host", ["127.0.0.1", "localhost", "intranet.test"])
async def test_each_redirect_hop_passes_the_guard(
    stand_in: Trap, trap: Trap, resolving: Resolve, target_host: str
) -> None:
    resolving({"shop.test": stand_in.host, "intranet.test": "127.0.0.1"})
    stand_in.target = trap.url("/secret", host=target_host)
    async with ssrf.client(allow_private=False, follow_redirects=True) as http:
        with pytest.raises(ssrf.RefusedConnection):
            await http.get(stand_in.url("/start", host="shop.test"))
    assert stand_in.hits == ["/start"]
    assert trap.hits == []


async def test_private_addresses_pass_when_allowed_and_nothing_bypasses_the_guard(
    trap: Trap,
) -> None:
    async with ssrf.client(allow_private=True) as http:
        assert (await http.get(trap.url("/page", host="localhost"))).status_code == 200
    assert trap.hits == ["/page"]
    for option in ({"proxy": "http://127.0.0.1:3128"}, {"transport": httpx.AsyncHTTPTransport()}):
        with pytest.raises(TypeError, match="a guarded client takes no"):
            ssrf.client(allow_private=False, **option)


# -- every caller of a user-supplied URL --------------------------------------------------------


async def test_webhook_deliveries_to_a_rebinding_name_fail_with_the_reason(
    guarded_api: httpx.AsyncClient,
    owner: Account,
    session: AsyncSession,
    worker: Worker,
    rebinding: Rebind,
    trap: Trap,
) -> None:
    webhook = await guarded_api.post(
        "/v1/webhooks",
        headers=owner.headers,
        json={"url": trap.url("/hook", host="rebind.test"), "events": ["lead.created"]},
    )
    assert webhook.status_code == 201, webhook.text
    webhook_id = webhook.json()["id"]

    rebinding("rebind.test")
    ping = await guarded_api.post(f"/v1/webhooks/{webhook_id}/test", headers=owner.headers)
    assert ping.json()["delivered"] is False
    assert ping.json()["error"].startswith("refused: rebind.test resolves to a private")

    rebinding("rebind.test")  # the worker's delivery looks the name up afresh
    await event_service.emit(session, owner.workspace.id, "lead.created", {"name": "Ann"})
    await session.commit()
    await worker.run_until_idle()

    listed = await guarded_api.get(f"/v1/webhooks/{webhook_id}/deliveries", headers=owner.headers)
    deliveries = {d["event"]: d for d in listed.json()["items"]}
    for event in ("webhook.test", "lead.created"):
        delivery = deliveries[event]
        assert (delivery["status"], delivery["attempts"]) == ("failed", 1), delivery
        assert "127.0.0.1" in delivery["last_error"]
    assert trap.hits == []


async def test_a_custom_http_action_to_a_rebinding_name_is_refused(
    guarded_api: httpx.AsyncClient, owner: Account, rebinding: Rebind, trap: Trap
) -> None:
    action = await guarded_api.post(
        "/v1/actions",
        headers=owner.headers,
        json={
            "name": "lookup",
            "type": "custom_http",
            "config": {"url": trap.url("/hook", host="rebind.test")},
        },
    )
    assert action.status_code == 201, action.text
    rebinding("rebind.test")
    run = await guarded_api.post(
        f"/v1/actions/{action.json()['id']}/run", headers=owner.headers, json={}
    )
    assert run.json()["ok"] is False
    assert run.json()["error"].startswith("refused: rebind.test resolves to a private")
    assert trap.hits == []


async def test_a_workflow_webhook_to_a_rebinding_name_fails_its_node(
    guarded_api: httpx.AsyncClient,
    owner: Account,
    worker: Worker,
    rebinding: Rebind,
    trap: Trap,
) -> None:
    url = trap.url("/hook", host="rebind.test")
    workflow = await guarded_api.post(
        "/v1/workflows",
        headers=owner.headers,
        json={
            "name": "W",
            "trigger_type": "contact_created",
            "nodes": [{"id": "hook", "type": "send_webhook", "config": {"url": url}}],
        },
    )
    assert workflow.status_code == 201, workflow.text
    rebinding("rebind.test")
    contact = await guarded_api.post("/v1/contacts", headers=owner.headers, json={"name": "Dana"})
    assert contact.status_code == 201, contact.text
    await worker.run_until_idle()
    runs = await guarded_api.get(
        f"/v1/workflows/{workflow.json()['id']}/executions", headers=owner.headers
    )
    (execution,) = runs.json()["items"]
    assert execution["status"] == "failed"
    assert "will not call" in execution["error"]
    assert "127.0.0.1" in execution["error"]
    assert trap.hits == []


async def test_a_url_source_on_a_rebinding_name_fails(
    guarded_api: httpx.AsyncClient,
    owner: Account,
    ingest_worker: Worker,
    rebinding: Rebind,
    trap: Trap,
) -> None:
    kb = await guarded_api.post("/v1/knowledge-bases", headers=owner.headers, json={"name": "K"})
    source = await guarded_api.post(
        f"/v1/knowledge-bases/{kb.json()['id']}/sources",
        headers=owner.headers,
        json={"type": "url", "url": trap.url("/page", host="rebind.test")},
    )
    assert source.status_code == 201, source.text
    rebinding("rebind.test")
    await ingest_worker.run_until_idle()
    got = await guarded_api.get(
        f"/v1/knowledge-bases/{kb.json()['id']}/sources/{source.json()['id']}",
        headers=owner.headers,
    )
    assert got.json()["status"] == "failed"
    assert got.json()["error"].startswith("The address was refused: rebind.test resolves to")
    assert trap.hits == []


async def test_an_agent_webhook_to_a_rebinding_name_is_dropped(
    guarded_api: httpx.AsyncClient,
    owner: Account,
    worker: Worker,
    rebinding: Rebind,
    trap: Trap,
) -> None:
    agent = await guarded_api.post(
        "/v1/agents",
        headers=owner.headers,
        json={
            "name": "A",
            "type": "chat",
            "llm": {"provider": "scripted"},
            "external_webhook_url": trap.url("/hook", host="rebind.test"),
        },
    )
    assert agent.status_code == 201, agent.text
    conversation = await guarded_api.post(
        "/v1/conversations", headers=owner.headers, json={"agent_id": agent.json()["id"]}
    )
    rebinding("rebind.test")
    ended = await guarded_api.post(
        f"/v1/conversations/{conversation.json()['id']}/status",
        headers=owner.headers,
        json={"status": "ended"},
    )
    assert ended.status_code == 200, ended.text
    await worker.run_until_idle()
    assert trap.hits == []


async def test_speech_and_telephony_providers_refuse_a_rebinding_address(
    guarded_app: FastAPI, rebinding: Rebind, trap: Trap
) -> None:
    """A hosted provider's configurable address, called through the app's outbound client."""
    base_url = trap.url("", host="rebind.test")
    rebinding("rebind.test")
    with pytest.raises(TTSUnavailable, match=r"refusing to connect .* \(127\.0\.0\.1\)"):
        await elevenlabs.list_voices("key", guarded_app.state.http, base_url, allow_private=False)
    rebinding("rebind.test")
    twilio = TwilioProvider("AC1", "token", guarded_app.state.http, base_url, allow_private=False)
    with pytest.raises(TelephonyError, match=r"will not call Twilio.s API .* \(127\.0\.0\.1\)"):
        await twilio.numbers()
    assert trap.hits == []


async def test_language_model_and_embedding_endpoints_refuse_a_rebinding_name(
    guarded: None, rebinding: Rebind, trap: Trap
) -> None:
    """An agent's OpenAI- or Anthropic-compatible `base_url` and a knowledge base's embeddings
    endpoint go through the SDKs' own HTTP clients: those are guarded too."""
    from frontdesk.knowledge.embeddings import EmbeddingUnavailable, OpenAIEmbedder
    from frontdesk.llm.anthropic_provider import AnthropicProvider
    from frontdesk.llm.base import LLMUnavailable, Message, Request, complete
    from frontdesk.llm.openai_compat import OpenAICompatibleProvider

    rebinding("llm.test")
    base_url = trap.url("/v1", host="llm.test")
    request = Request([Message("user", "Hello")], timeout=10)
    for provider in (
        OpenAICompatibleProvider(base_url, "key", "gpt-4o-mini"),
        AnthropicProvider(base_url, "key", "claude-haiku-4-5"),
    ):
        with pytest.raises(LLMUnavailable):
            await complete(provider, request)
    with pytest.raises(EmbeddingUnavailable):
        await OpenAIEmbedder("text-embedding-3-small", "key", base_url).embed(["Hello"])
    assert trap.hits == []


async def test_a_language_model_url_on_a_private_address_is_refused_when_saved(
    guarded: None, client: httpx.AsyncClient, owner: Account
) -> None:
    created = await client.post(
        "/v1/agents",
        headers=owner.headers,
        json={
            "name": "Inside",
            "type": "chat",
            "llm": {"provider": "openai", "base_url": "http://127.0.0.1:11434/v1"},
        },
    )
    assert created.status_code == 400, created.text
    assert "llm.base_url" in created.json()["details"]
    # The workspace's default model endpoint too.
    defaults = await client.patch(
        "/v1/workspace",
        headers=owner.headers,
        json={"llm": {"provider": "openai", "base_url": "http://10.0.0.8/v1"}},
    )
    assert defaults.status_code == 400, defaults.text
    assert "llm.base_url" in defaults.json()["details"]
