"""The voice test page in a real browser: Chromium's fake microphone plays speech made by the
local voice, the page's AudioWorklet sends it over the web-call WebSocket, and the agent's
answers come back as audio and transcript events."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright

from frontdesk.voice import audio
from tests.fixtures.databases import create_database, drop_database
from tests.fixtures.server import RunningServer, free_port, frontdesk_server
from tests.voice.helpers import speech

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
async def server(tmp_root: Path) -> AsyncIterator[RunningServer]:
    url = await create_database(tmp_root)
    port = free_port()
    try:
        with frontdesk_server(
            tmp_root / "voice-page-server",
            url,
            {"FRONTDESK_PUBLIC_URL": f"http://127.0.0.1:{port}"},
            port=port,
        ) as running:
            yield running
    finally:
        await drop_database(url)


async def test_talking_to_an_agent_from_the_browser(server: RunningServer, tmp_root: Path) -> None:
    microphone = tmp_root / "microphone.wav"
    said = await speech("What are your opening hours?", 16000)
    audio.write_wav(
        microphone, audio.silence(4000, 16000) + said + audio.silence(8000, 16000), 16000
    )
    async with httpx.AsyncClient(base_url=server.url) as api:
        account = {"email": "page@example.com", "password": "a-long-password"}
        await api.post("/v1/auth/register", json={**account, "first_name": "P", "last_name": "G"})
        token = (await api.post("/v1/auth/login", json=account)).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        agent = (
            await api.post(
                "/v1/agents",
                headers=headers,
                json={
                    "name": "Ava",
                    "type": "widget",
                    "greeting_message": "Hello from Ava.",
                    "llm": {
                        "provider": "scripted",
                        "script": [{"match": "hours", "reply": "We open at nine."}],
                    },
                    "patience_level": "low",
                },
            )
        ).json()
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--use-fake-ui-for-media-stream",
                    "--use-fake-device-for-media-stream",
                    f"--use-file-for-fake-audio-capture={microphone}%noloop",
                    "--autoplay-policy=no-user-gesture-required",
                ],
            )
            page = await browser.new_page()
            await page.goto(f"{server.url}/dashboard/voice-test?agent={agent['id']}")
            await page.fill("#token", token)
            await page.click("#call")
            transcript = page.locator("#transcript")
            await transcript.get_by_text("agent: Hello from Ava.").wait_for(timeout=20_000)
            await transcript.get_by_text("you: What are your opening hours?").wait_for(
                timeout=20_000
            )
            await transcript.get_by_text("agent: We open at nine.").wait_for(timeout=15_000)
            await page.click("#hangup")
            await page.get_by_text("ended: human_pick_up_cut_off").wait_for(timeout=10_000)
            await browser.close()
        calls = (await api.get("/v1/calls?direction=web", headers=headers)).json()["items"]
        assert [c["status"] for c in calls] == ["completed"]
        assert "human: What are your opening hours?" in calls[0]["transcript"]
