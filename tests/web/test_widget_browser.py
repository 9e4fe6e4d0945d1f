"""The widget in a real browser (Debian's Chromium driven by Playwright) on a page of another
origin, talking to a real Frontdesk server."""

from __future__ import annotations

import asyncio
import http.server
import json
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from tests.fixtures.databases import create_database, drop_database
from tests.fixtures.server import RunningServer, free_port, frontdesk_server

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
async def server(tmp_root: Path) -> AsyncIterator[RunningServer]:
    url = await create_database(tmp_root)
    try:
        with frontdesk_server(tmp_root / "widget-server", url) as running:
            yield running
    finally:
        await drop_database(url)


@pytest.fixture(scope="module")
def host_page(tmp_root: Path, server: RunningServer) -> Iterator[tuple[Path, str]]:
    """A shop's page on another origin; the test writes index.html into it."""
    root = tmp_root / "shop-site"
    root.mkdir(exist_ok=True)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args: object) -> None:
            return None

    port = free_port()
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{port}"
    httpd.shutdown()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        await chromium.close()


async def _setup(api: httpx.AsyncClient) -> tuple[dict[str, str], dict[str, object]]:
    account = {"email": "shop@example.com", "password": "a-long-password"}
    await api.post("/v1/auth/register", json={**account, "first_name": "S", "last_name": "H"})
    login = (await api.post("/v1/auth/login", json=account)).json()
    headers = {"Authorization": f"Bearer {login['token']}"}
    agent = (
        await api.post(
            "/v1/agents",
            headers=headers,
            json={
                "name": "Shop helper",
                "type": "widget",
                "greeting_message": "Welcome to the shop!",
                "llm": {"provider": "scripted"},
            },
        )
    ).json()
    return headers, agent


async def test_widget_chat_and_human_reply(
    server: RunningServer, host_page: tuple[Path, str], browser: Browser
) -> None:
    root, site = host_page
    async with httpx.AsyncClient(base_url=server.url) as api:
        headers, agent = await _setup(api)
        (root / "index.html").write_text(
            "<!doctype html><html><body><h1>Shop</h1>"
            f'<script src="{server.url}/widget.js" data-agent="{agent["id"]}"></script>'
            "<script>window.seen=[];window.addEventListener('frontdesk:message',"
            "e=>window.seen.push(e.detail.content));</script></body></html>"
        )
        page = await browser.new_page()
        await page.goto(f"{site}/index.html")
        await page.wait_for_function("window.FrontdeskWidget !== undefined")
        await page.click("[data-frontdesk-launcher]")
        log = page.locator("[data-frontdesk-log]")
        await log.get_by_text("Welcome to the shop!").wait_for(timeout=10_000)

        await page.fill("[data-frontdesk-input]", "Do you have helmets?")
        await page.press("[data-frontdesk-input]", "Enter")
        await log.get_by_text("You said: Do you have helmets?").wait_for(timeout=10_000)

        conversations = (await api.get("/v1/conversations", headers=headers)).json()["items"]
        assert [c["channel"] for c in conversations] == ["web_chat"]
        conversation_id = conversations[0]["id"]
        members = (await api.get("/v1/members", headers=headers)).json()["items"]
        await api.post(
            f"/v1/conversations/{conversation_id}/assign",
            headers=headers,
            json={"member_id": members[0]["id"]},
        )
        await api.post(
            f"/v1/conversations/{conversation_id}/messages",
            headers=headers,
            json={"content": "Hi, Sam from the shop here.", "sender_type": "member"},
        )
        await log.get_by_text("Hi, Sam from the shop here.").wait_for(timeout=15_000)
        seen = await page.evaluate("window.seen")
        assert "Hi, Sam from the shop here." in seen

        # The conversation ends: the visitor rates it.
        ended = await api.post(
            f"/v1/conversations/{conversation_id}/status",
            headers=headers,
            json={"status": "ended"},
        )
        assert ended.status_code == 200
        await page.locator("[data-rating='4']").click(timeout=15_000)
        await log.get_by_text("Thank you!").wait_for(timeout=10_000)
        rated = (await api.get(f"/v1/conversations/{conversation_id}", headers=headers)).json()
        assert rated["rating"] == 4

        await page.evaluate("FrontdeskWidget.destroy()")
        await asyncio.sleep(0.1)
        assert await page.locator("[data-frontdesk-widget]").count() == 0
        await page.close()


async def test_a_web_chat_channel_admits_only_its_sites(
    server: RunningServer, host_page: tuple[Path, str], browser: Browser
) -> None:
    root, site = host_page
    other_site = site.replace("127.0.0.1", "localhost")  # the same page, another origin
    async with httpx.AsyncClient(base_url=server.url) as api:
        headers, agent = await _setup(api)
        made = await api.post(
            "/v1/channels",
            headers=headers,
            json={
                "type": "web_chat",
                "name": "Shop site",
                "agent_id": agent["id"],
                "config": {
                    "allowed_origins": [site],
                    "theme": {"color": "#ff6600", "launcher_text": "Ask the shop", "title": "Help"},
                },
            },
        )
        assert made.status_code == 201, made.text
        channel = made.json()
        (root / "channel.html").write_text(
            "<!doctype html><html><body><h1>Shop</h1>"
            f'<script src="{server.url}/widget.js" data-agent="{agent["id"]}"></script>'
            "</body></html>"
        )

        page = await browser.new_page()
        await page.goto(f"{site}/channel.html")
        launcher = page.locator("[data-frontdesk-launcher]")
        await launcher.wait_for(timeout=10_000)
        assert await launcher.inner_text() == "Ask the shop"
        color = await launcher.evaluate("node => getComputedStyle(node).backgroundColor")
        assert color == "rgb(255, 102, 0)"
        await launcher.click()
        assert await page.locator("[data-frontdesk-title]").inner_text() == "Help"
        log = page.locator("[data-frontdesk-log]")
        await log.get_by_text("Welcome to the shop!").wait_for(timeout=10_000)
        await page.fill("[data-frontdesk-input]", "Is the shop open?")
        await page.press("[data-frontdesk-input]", "Enter")
        await log.get_by_text("You said: Is the shop open?").wait_for(timeout=10_000)
        await page.close()

        stranger = await browser.new_page()
        warnings: list[str] = []
        stranger.on("console", lambda message: warnings.append(message.text))
        await stranger.goto(f"{other_site}/channel.html")
        await stranger.wait_for_function("window.FrontdeskWidget !== undefined")
        for _ in range(50):
            if any("does not accept" in w for w in warnings):
                break
            await asyncio.sleep(0.1)
        assert any("does not accept" in w for w in warnings), warnings
        assert await stranger.locator("[data-frontdesk-widget]").count() == 0
        # Nor can the page's own script start a conversation.
        refused = await stranger.evaluate(
            """agent => fetch(arguments_base + "/v1/public/conversations", {
                 method: "POST", headers: {"Content-Type": "application/json"},
                 body: JSON.stringify({agent_id: agent})
               }).then(r => r.json().then(b => [r.status, b.code]))""".replace(
                "arguments_base", json.dumps(server.url)
            ),
            agent["id"],
        )
        assert refused == [403, "ORIGIN_NOT_ALLOWED"]
        await stranger.close()

        inbox = await api.get(f"/v1/conversations?channel_id={channel['id']}", headers=headers)
        assert inbox.json()["total"] == 1
