"""The dashboard's first paint and weight: the inbox and analytics pages loaded in headless
Chromium from `frontdesk serve` on loopback, signed in, over a workspace with data in it.

    .venv/bin/python -m bench.dashboard [--loads 15] [--conversations 200]

Each load is a fresh browser context (empty cache, like a first visit); a second figure reloads
in the same context (cached scripts, like every later visit). Reported per page:
- first contentful paint (Chromium's `first-contentful-paint` paint timing entry),
- data shown: until the page's heading and its first list or card are on screen (the API
  answered and the page rendered it),
- JavaScript and total bytes transferred (compressed as sent; the server sends them as built),
  and the number of requests.
Targets (issue #11): FCP < 1 s on loopback, < 300 KB of JavaScript.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script or with -m

import httpx  # noqa: E402
from playwright.async_api import Browser, async_playwright  # noqa: E402

from bench.common import BIN, database, free_port, machine, process, table  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PAGES = {
    "inbox": ("/inbox", "[aria-label='Conversations'] li"),
    "analytics": ("/analytics", ".stat-value"),
}
FCP_TARGET_MS = 1000.0
JS_TARGET_KB = 300.0


def _seed(http: httpx.Client, conversations: int) -> dict[str, str]:
    account = {"email": f"{uuid.uuid4().hex[:8]}@example.com", "password": "a-long-password"}
    http.post("/v1/auth/register", json={**account, "first_name": "B", "last_name": "D"})
    login = http.post("/v1/auth/login", json=account).json()
    headers = {"Authorization": f"Bearer {login['token']}"}
    agent = http.post(
        "/v1/agents",
        headers=headers,
        json={"name": "Desk", "type": "chat", "llm": {"provider": "scripted"}},
    ).json()
    for index in range(conversations):
        made = http.post(
            "/v1/conversations",
            headers=headers,
            json={"agent_id": agent["id"], "channel": "api"},
        ).json()
        http.post(
            f"/v1/conversations/{made['id']}/messages",
            headers=headers,
            json={"content": f"Question number {index} about opening hours"},
        )
    return {"token": login["token"], "refresh": login["refresh_token"]}


async def _load(
    browser: Browser, url: str, ready: str, tokens: dict[str, str], again: bool
) -> dict[str, float]:
    context = await browser.new_context(viewport={"width": 1280, "height": 860})
    await context.add_init_script(
        f"localStorage.setItem('frontdesk.token', {tokens['token']!r});"
        f"localStorage.setItem('frontdesk.refresh', {tokens['refresh']!r});"
    )
    page = await context.new_page()
    if again:  # a first visit fills the cache; the measured one is the next
        await page.goto(url)
        await page.locator(ready).first.wait_for(timeout=30_000)
        await page.wait_for_timeout(500)
    sizes: dict[str, float] = {"js": 0.0, "total": 0.0, "requests": 0.0}

    async def count(response: Any) -> None:
        try:
            sizes_of = await response.request.sizes()
        except Exception:  # noqa: BLE001 (a streamed response has no final size)
            return
        body = float(sizes_of["responseBodySize"]) + float(sizes_of["responseHeadersSize"])
        sizes["total"] += body
        sizes["requests"] += 1
        if response.url.split("?")[0].endswith(".js"):
            sizes["js"] += body

    pending: list[asyncio.Task[None]] = []

    def seen(response: Any) -> None:
        if "/events/stream" not in response.url:  # the live stream stays open: not page weight
            pending.append(asyncio.ensure_future(count(response)))

    page.on("response", seen)
    started = time.perf_counter()
    await page.goto(url)
    await page.locator("main h1").first.wait_for(timeout=30_000)
    await page.locator(ready).first.wait_for(timeout=30_000)
    shown_ms = (time.perf_counter() - started) * 1000
    fcp = await page.evaluate(
        """() => new Promise(resolve => {
             const seen = performance.getEntriesByName('first-contentful-paint');
             if (seen.length) return resolve(seen[0].startTime);
             new PerformanceObserver(list => resolve(list.getEntries()[0].startTime))
               .observe({type: 'paint', buffered: true});
           })"""
    )
    await page.wait_for_timeout(1000)  # what the page fetches after its first data
    await asyncio.gather(*pending)
    await context.close()
    return {"fcp": float(fcp), "shown": shown_ms, **sizes}


async def _measure(base: str, tokens: dict[str, str], loads: int) -> list[list[str]]:
    rows: list[list[str]] = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        for name, (path, ready) in PAGES.items():
            for again in (False, True):
                samples = [
                    await _load(browser, base + path, ready, tokens, again) for _ in range(loads)
                ]
                fcp = [s["fcp"] for s in samples]
                shown = [s["shown"] for s in samples]
                first = samples[0]
                rows.append(
                    [
                        name,
                        "cached" if again else "first visit",
                        f"{statistics.median(fcp):.0f}",
                        f"{max(fcp):.0f}",
                        f"{statistics.median(shown):.0f}",
                        f"{first['js'] / 1024:.1f}",
                        f"{first['total'] / 1024:.1f}",
                        f"{first['requests']:.0f}",
                    ]
                )
        await browser.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loads", type=int, default=15)
    parser.add_argument("--conversations", type=int, default=200)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data, database("sqlite") as url:
        env = {"FRONTDESK_DATA_DIR": data, "FRONTDESK_DATABASE_URL": url}
        command = [str(BIN / "frontdesk"), "serve", "--port", str(port)]
        with process(command, env, health=f"{base}/health"):
            with httpx.Client(base_url=base, timeout=30) as http:
                tokens = _seed(http, args.conversations)
            rows = asyncio.run(_measure(base, tokens, args.loads))
    print(
        f"Dashboard pages, {args.loads} loads each, {args.conversations} conversations; {machine()}"
    )
    print(
        table(
            [
                "page",
                "load",
                "FCP median ms",
                "FCP max ms",
                "data shown median ms",
                "JS KB",
                "all KB",
                "requests",
            ],
            rows,
        )
    )
    print(f"targets: FCP < {FCP_TARGET_MS:.0f} ms, JavaScript < {JS_TARGET_KB:.0f} KB")


if __name__ == "__main__":
    main()
