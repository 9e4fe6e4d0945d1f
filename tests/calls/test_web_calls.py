"""Browser calls end to end: `POST /v1/agents/{id}/web-call`, then 16 kHz PCM16 both ways over
the WebSocket with JSON events from the server, on a real `frontdesk serve`."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from frontdesk.voice import audio
from tests.calls.conftest import VoiceServer
from tests.voice.helpers import frames, speech

pytestmark = pytest.mark.slow
RATE = 16000


class Browser:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.audio: list[tuple[float, bytes]] = []
        self.events: list[dict[str, Any]] = []
        self.closed_code: int | None = None
        self._reader = asyncio.create_task(self._read())
        self._silence = asyncio.create_task(self._keep_talking())
        self._speech: list[bytes] = []
        self._drained = asyncio.Event()

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if isinstance(message, bytes):
                    self.audio.append((time.monotonic(), message))
                else:
                    self.events.append(json.loads(message))
        except ConnectionClosed:
            pass
        self.closed_code = self.ws.close_code

    async def _keep_talking(self) -> None:
        started, sent = time.monotonic(), 0
        silence = audio.silence(20, RATE)
        while True:
            delay = started + sent * 0.02 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            frame = self._speech.pop(0) if self._speech else silence
            if not self._speech:
                self._drained.set()
            try:
                await self.ws.send(frame)
            except ConnectionClosed:
                return
            sent += 1

    async def say(self, text: str) -> None:
        self._drained.clear()
        self._speech.extend(frames(await speech(text, RATE), RATE))
        await self._drained.wait()

    async def event(self, predicate: Any, within: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for event in self.events:
                if predicate(event):
                    return event
            await asyncio.sleep(0.02)
        raise AssertionError(f"no such event in {self.events}")

    async def close(self) -> None:
        self._silence.cancel()
        await self.ws.close()
        await self._reader


async def _start(voice_server: VoiceServer, agent_id: str) -> dict[str, Any]:
    started = await voice_server.http.post(
        f"/v1/agents/{agent_id}/web-call", headers=voice_server.headers
    )
    assert started.status_code == 201, started.text
    body = dict(started.json())
    assert body["websocket_url"].startswith("wss://voice.example.test/v1/web-calls/")
    body["local_url"] = body["websocket_url"].replace(
        "wss://voice.example.test", voice_server.ws_base
    )
    return body


async def test_a_browser_call(voice_server: VoiceServer) -> None:
    agent = await voice_server.agent("+14155550011", type="widget")
    started = await _start(voice_server, agent["id"])
    browser = Browser(await connect(started["local_url"], compression=None))
    greeting = await browser.event(lambda e: e.get("role") == "agent")
    assert greeting["text"] == "Hello, this is Ava from Bright Smile Dental."
    assert sum(len(chunk) for _, chunk in browser.audio) / 2 / RATE > 1.5  # 16 kHz PCM16
    await browser.say("What are your opening hours?")
    heard = await browser.event(lambda e: e.get("role") == "user")
    assert heard["text"] == "What are your opening hours?"
    answer = await browser.event(lambda e: e.get("role") == "agent" and "nine" in e["text"])
    assert answer["type"] == "transcript"
    await browser.ws.send(json.dumps({"type": "hangup"}))
    ended = await browser.event(lambda e: e.get("type") == "ended")
    assert ended["reason"] == "human_pick_up_cut_off"
    await browser.close()
    call = await voice_server.finished_call(started["call_id"], analysed=False)
    assert (call["direction"], call["status"]) == ("web", "completed")
    # The token was for that one call, which has run.
    again = await connect(started["local_url"])
    with pytest.raises(ConnectionClosed):
        await again.recv()
    assert again.close_code == 4409


async def test_a_browser_call_needs_its_token(voice_server: VoiceServer) -> None:
    agent = await voice_server.agent("+14155550012", type="widget")
    started = await _start(voice_server, agent["id"])
    forged = started["local_url"].split("?token=")[0] + "?token=nope"
    ws = await connect(forged)
    with pytest.raises(ConnectionClosed):
        await ws.recv()
    assert ws.close_code == 4401
