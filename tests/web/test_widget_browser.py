"""The widget in a real browser (Debian's Chromium driven by Playwright) on a page of another
origin, talking to a real Frontdesk server."""

from __future__ import annotations

import asyncio
import http.server
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

        await page.evaluate("FrontdeskWidget.destroy()")
        await asyncio.sleep(0.1)
        assert await page.locator("[data-frontdesk-widget]").count() == 0
        await page.close()
