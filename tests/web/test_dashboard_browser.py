"""The dashboard in a real browser against a real server, the way a new business uses it: sign up,
create an agent from a template, test-chat with it, add knowledge and search it, watch a widget
conversation arrive live in the inbox, take it over and reply, and see it in analytics.

Screenshots of every main page land in `tests/artifacts/dashboard/` (or $FRONTDESK_SCREENSHOTS)."""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, FilePayload, Page, async_playwright, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from frontdesk.web import dashboard
from tests.fixtures.databases import create_database, drop_database
from tests.fixtures.server import RunningServer, free_port, frontdesk_server

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(
    os.environ.get(
        "FRONTDESK_SCREENSHOTS", Path(__file__).resolve().parents[1] / "artifacts" / "dashboard"
    )
)
PAGES = (
    "agents",
    "calls",
    "campaigns",
    "knowledge",
    "contacts",
    "contacts/leads",
    "deals",
    "workflows",
    "workflows/new",
    "webhooks",
    "settings",
    "settings/members",
    "settings/api-keys",
    "audit-log",
)


@pytest.fixture(scope="module")
async def server(tmp_root: Path) -> AsyncIterator[RunningServer]:
    assert (dashboard.DIST / "index.html").is_file(), (
        "the dashboard is not built: run `make dashboard` (make test does)"
    )
    url = await create_database(tmp_root)
    try:
        with frontdesk_server(tmp_root / "dashboard-server", url) as running:
            yield running
    finally:
        await drop_database(url)


@pytest.fixture(scope="module")
def shop_site(tmp_root: Path) -> Iterator[tuple[Path, str]]:
    """The business's own website on another origin, where the widget is embedded."""
    root = tmp_root / "dashboard-shop"
    root.mkdir(exist_ok=True)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args: object) -> None:
            return None

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
        )
        yield chromium
        await chromium.close()


async def _shot(page: Page, name: str) -> None:
    # Not "networkidle": the live event stream stays open on every signed-in page.
    await expect(page.locator("main .loading")).to_have_count(0, timeout=15_000)
    await page.wait_for_timeout(200)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _watch_errors(page: Page) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


async def test_a_business_sets_up_and_answers_from_the_dashboard(
    server: RunningServer, shop_site: tuple[Path, str], browser: Browser, shots: Path
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 860})
    page = await context.new_page()
    errors = _watch_errors(page)

    # Sign up: the workspace is created and the owner signed in.
    await page.goto(f"{server.url}/")
    await expect(page).to_have_url(re.compile(r"/login"))
    await _shot(page, "sign-in")
    await page.get_by_role("link", name="Create a workspace").click()
    await page.get_by_label("First name").fill("Dana")
    await page.get_by_label("Last name").fill("Reyes")
    await page.get_by_label("Work email").fill("dana@bikeshop.example")
    await page.get_by_label("Password").fill("a-long-password")
    await page.get_by_label("Business name").fill("Reyes Bikes")
    await _shot(page, "sign-up")
    await page.get_by_role("button", name="Create workspace").click()
    await expect(page).to_have_url(re.compile(r"/agents"))
    await expect(page.get_by_text("Reyes Bikes").first).to_be_visible()

    # An agent from a template.
    await page.get_by_role("button", name="New agent").first.click()
    await page.get_by_role("button", name=re.compile(r"^Support")).click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Name", exact=True).fill("Bike shop desk")
    await page.get_by_role("button", name="Create agent").click()
    await expect(page).to_have_url(re.compile(r"/agents/[0-9a-f-]{36}"))
    agent_id = page.url.rstrip("/").split("/")[-1]
    await _shot(page, "agent-settings")

    # Test chat: the reply streams in from the local model.
    await page.get_by_role("tab", name="Test chat").click()
    # Seen while streaming: part of the reply on screen, the bubble still busy.
    await page.evaluate(
        """() => new MutationObserver(() => {
             const busy = document.querySelector('.bubble.agent[aria-busy="true"]');
             if (busy && busy.textContent.trim()) window.streamedText = busy.textContent;
           }).observe(document.body, {subtree: true, childList: true, characterData: true})"""
    )
    await page.get_by_label("Message").fill("Hello! When are you open?")
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(page.locator(".bubble.user").last).to_contain_text("When are you open?")
    reply = page.locator(".bubble.agent").nth(1)  # the first is the greeting
    await expect(reply).to_have_text(re.compile(r"\w{2,}"), timeout=90_000)
    await expect(reply).not_to_have_attribute("aria-busy", "true", timeout=90_000)
    assert await page.evaluate("window.streamedText"), "the reply was not seen mid-stream"
    await _shot(page, "agent-test-chat")
    await page.get_by_role("tab", name="Embed").click()
    await expect(page.get_by_text(f'data-agent="{agent_id}"')).to_be_visible()

    # Knowledge: upload a document, see it processed, search it.
    await page.goto(f"{server.url}/knowledge")
    await page.get_by_role("button", name="New knowledge base").click()
    await page.get_by_role("dialog").get_by_label("Name", exact=True).fill("Shop facts")
    await page.get_by_role("button", name="Create knowledge base").click()
    await expect(page).to_have_url(re.compile(r"/knowledge/[0-9a-f-]{36}"))
    await page.get_by_label("Upload files").set_input_files(
        files=[
            FilePayload(
                name="repairs.md",
                mimeType="text/markdown",
                buffer=(
                    b"# Repairs\n\nWe fix flat tyres in 20 minutes for 15 dollars.\n\n"
                    b"# Opening hours\n\nThe shop is open Monday to Saturday, 9 to 6.\n"
                ),
            )
        ]
    )
    await expect(page.get_by_text("repairs.md").first).to_be_visible()
    status = page.locator("table .badge").filter(has_text=re.compile(r"^processed$", re.I))
    await expect(status.first).to_be_visible(timeout=60_000)
    await page.get_by_label("Search query").fill("how long does fixing a flat tyre take")
    await page.get_by_role("button", name="Search", exact=True).click()
    results = page.get_by_role("list", name="Search results")
    await expect(results.get_by_text("flat tyres").first).to_be_visible(timeout=30_000)
    await expect(results.locator(".score").first).to_have_text(re.compile(r"0?\.\d+|1(\.0+)?"))
    await _shot(page, "knowledge-base")

    # The inbox is open when a visitor writes from the shop's website.
    await page.goto(f"{server.url}/inbox")
    conversations = page.get_by_role("list", name="Conversations")
    await _shot(page, "inbox-empty")
    root, site = shop_site
    (root / "index.html").write_text(
        "<!doctype html><html><body><h1>Reyes Bikes</h1>"
        f'<script src="{server.url}/widget.js" data-agent="{agent_id}"></script>'
        "</body></html>"
    )
    visitor = await context.new_page()
    said: list[str] = []
    visitor.on("console", lambda message: said.append(message.text))
    await visitor.goto(f"{site}/index.html")
    await visitor.wait_for_function("window.FrontdeskWidget !== undefined")
    launcher = visitor.locator("[data-frontdesk-launcher]")
    try:
        await launcher.wait_for(timeout=15_000)
    except PlaywrightTimeout:
        raise AssertionError(f"no widget on the shop's page; its console: {said}") from None
    await launcher.click()
    await visitor.fill("[data-frontdesk-input]", "My brakes squeak, can I talk to a person?")
    await visitor.press("[data-frontdesk-input]", "Enter")

    # The widget's conversation arrives without a reload (the test chat's is on the API channel).
    row = conversations.get_by_role("listitem").filter(has_text="Web chat")
    await expect(row.first).to_be_visible(timeout=60_000)
    await row.first.get_by_role("link").or_(row.first.get_by_role("button")).first.click()
    await page.get_by_role("button", name="Take over").click()
    await expect(page.get_by_role("button", name="Hand back to AI")).to_be_visible()
    await page.get_by_label("Reply", exact=True).fill("Hi, Dana here. Bring the bike in today!")
    await page.get_by_role("button", name="Send reply").click()
    await expect(page.locator(".bubble.member").last).to_contain_text("Bring the bike in today")
    await _shot(page, "inbox-conversation")
    log = visitor.locator("[data-frontdesk-log]")
    await expect(log.get_by_text("Hi, Dana here. Bring the bike in today!")).to_be_visible(
        timeout=20_000
    )

    # Analytics counts both conversations (the test chat and the widget's).
    await page.goto(f"{server.url}/analytics")
    card = page.locator(".stat").filter(has=page.locator(".stat-label", has_text="Conversations"))
    await expect(card.first.locator(".stat-value")).to_have_text(re.compile(r"^[1-9]\d*$"))
    await _shot(page, "analytics")

    # A workflow whose node is wrong: the API's error is shown on that node of the graph.
    await page.goto(f"{server.url}/workflows/new")
    await page.get_by_role("button", name="Use this example").first.click()
    editor = page.get_by_label("Workflow JSON")
    graph = json.loads(await editor.input_value())
    broken = graph["nodes"][0]
    broken["config"] = {"no_such_setting": True}
    await editor.fill(json.dumps(graph, indent=2))
    await page.get_by_role("button", name="Save workflow").click()
    node = page.locator(f"[data-node-id='{broken['id']}']")
    await expect(node).to_have_class(re.compile("has-error"), timeout=15_000)
    await expect(node.locator(".wf-error").first).to_be_visible()
    await _shot(page, "workflow-error-on-node")

    for path in PAGES:
        await page.goto(f"{server.url}/{path}")
        await expect(page.locator("main h1").first).to_be_visible()
        await _shot(page, path.replace("/", "-"))

    # A phone's width: the inbox and the navigation still work.
    phone = await browser.new_context(viewport={"width": 390, "height": 844})
    token = await page.evaluate(
        "[localStorage.getItem('frontdesk.token'), localStorage.getItem('frontdesk.refresh')]"
    )
    await phone.add_init_script(
        f"localStorage.setItem('frontdesk.token', {token[0]!r});"
        f"localStorage.setItem('frontdesk.refresh', {token[1]!r});"
    )
    small = await phone.new_page()
    phone_errors = _watch_errors(small)
    await small.goto(f"{server.url}/inbox")
    await small.get_by_role("button", name="Menu").click()
    await small.get_by_role("link", name="Analytics").click()
    await expect(small).to_have_url(re.compile(r"/analytics"))
    await _shot(small, "phone-analytics")
    await small.goto(f"{server.url}/inbox")
    await _shot(small, "phone-inbox")
    await phone.close()

    assert errors == []
    assert phone_errors == []
    await context.close()


async def test_api_errors_are_shown_in_words(server: RunningServer, browser: Browser) -> None:
    page = await browser.new_page()
    await page.goto(f"{server.url}/login")
    await page.get_by_label("Email").fill("nobody@example.com")
    await page.get_by_label("Password").fill("wrong-password")
    await page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    await expect(alert.first).to_contain_text(re.compile(r"password|credentials", re.I))
    await expect(alert.first).to_contain_text("AUTH_INVALID_CREDENTIALS")
    await page.close()
