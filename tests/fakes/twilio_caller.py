"""Twilio's side of a Media Stream, for tests: it connects to Frontdesk's WebSocket the way Twilio
does (`connected`, then `start` with the stream's custom parameters), sends the caller's audio as
μ-law 8 kHz in base64 `media` frames every 20 ms (silence when the caller says nothing), and
treats what comes back as Twilio would: it plays `media` on a real-time clock, echoes each `mark`
once the audio before it has played, and drops what is queued on `clear`."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from frontdesk.voice import audio

FRAME = 160  # 20 ms of μ-law at 8 kHz
SILENCE = b"\xff" * FRAME


@dataclass
class Received:
    at: float
    ulaw: bytes


@dataclass
class TwilioCaller:
    url: str
    parameters: dict[str, str]
    stream_sid: str = field(default_factory=lambda: "MZ" + uuid.uuid4().hex)
    call_sid: str = field(default_factory=lambda: "CA" + uuid.uuid4().hex)
    account_sid: str = "AC" + "0" * 32
    media: list[Received] = field(default_factory=list)
    clears: list[float] = field(default_factory=list)
    marks: list[str] = field(default_factory=list)
    echoed: list[str] = field(default_factory=list)
    closed_at: float | None = None
    _ws: ClientConnection | None = None
    _outgoing: deque[bytes] = field(default_factory=deque)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _play_end: float = 0.0
    _pending_marks: deque[tuple[float, str]] = field(default_factory=deque)
    _sequence: int = 0
    _sent_frames: int = 0
    _drained: asyncio.Event = field(default_factory=asyncio.Event)
    _closed: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> TwilioCaller:
        self._ws = await connect(self.url, compression=None, max_size=2**22)
        await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self._send(
            {
                "event": "start",
                "start": {
                    "streamSid": self.stream_sid,
                    "callSid": self.call_sid,
                    "accountSid": self.account_sid,
                    "tracks": ["inbound"],
                    "customParameters": self.parameters,
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                },
                "streamSid": self.stream_sid,
            }
        )
        self._tasks = [
            asyncio.create_task(self._sender()),
            asyncio.create_task(self._receiver()),
            asyncio.create_task(self._mark_pump()),
        ]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.hang_up()

    async def _send(self, event: dict[str, Any]) -> None:
        assert self._ws is not None
        self._sequence += 1
        await self._ws.send(json.dumps({**event, "sequenceNumber": str(self._sequence)}))

    # -- the caller's audio ---------------------------------------------------------------------

    async def _sender(self) -> None:
        started = time.monotonic()
        while True:
            delay = started + self._sent_frames * 0.02 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            frame = self._outgoing.popleft() if self._outgoing else SILENCE
            if not self._outgoing:
                self._drained.set()
            payload = base64.b64encode(frame).decode()
            try:
                await self._send(
                    {
                        "event": "media",
                        "streamSid": self.stream_sid,
                        "media": {
                            "track": "inbound",
                            "chunk": str(self._sent_frames + 1),
                            "timestamp": str(self._sent_frames * 20),
                            "payload": payload,
                        },
                    }
                )
            except Exception:
                return
            self._sent_frames += 1

    async def say(self, pcm8k: bytes) -> float:
        """Speak PCM16 8 kHz audio; returns when its last frame has been sent."""
        ulaw = audio.pcm16_to_ulaw(pcm8k)
        frames = [ulaw[i : i + FRAME].ljust(FRAME, b"\xff") for i in range(0, len(ulaw), FRAME)]
        self._drained.clear()
        self._outgoing.extend(frames)
        await self._drained.wait()
        await asyncio.sleep(0.02)
        return time.monotonic()

    async def press(self, digit: str) -> None:
        await self._send({"event": "dtmf", "streamSid": self.stream_sid, "dtmf": {"digit": digit}})

    # -- what comes back ------------------------------------------------------------------------

    async def _receiver(self) -> None:
        assert self._ws is not None
        try:
            async for message in self._ws:
                now = time.monotonic()
                event = json.loads(message)
                kind = event.get("event")
                if kind == "media":
                    ulaw = base64.b64decode(event["media"]["payload"])
                    self.media.append(Received(now, ulaw))
                    self._play_end = max(self._play_end, now) + len(ulaw) / 8000
                elif kind == "mark":
                    name = event["mark"]["name"]
                    self.marks.append(name)
                    self._pending_marks.append((max(self._play_end, now), name))
                elif kind == "clear":
                    self.clears.append(now)
                    self._play_end = now
                    while self._pending_marks:
                        await self._echo(self._pending_marks.popleft()[1])
        except Exception:
            pass
        self.closed_at = time.monotonic()
        self._closed.set()

    async def _mark_pump(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            while self._pending_marks and self._pending_marks[0][0] <= now:
                await self._echo(self._pending_marks.popleft()[1])

    async def _echo(self, name: str) -> None:
        self.echoed.append(name)
        with contextlib.suppress(Exception):
            await self._send(
                {"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}}
            )

    def first_audio_after(self, moment: float) -> float | None:
        return next((m.at for m in self.media if m.at >= moment), None)

    def agent_audio(self, start: float = 0.0, end: float = float("inf")) -> bytes:
        """What the agent sent between two moments, as PCM16 8 kHz."""
        ulaw = b"".join(m.ulaw for m in self.media if start <= m.at < end)
        return audio.ulaw_to_pcm16(ulaw)

    async def wait_for_audio(self, after: float, within: float = 10.0) -> float | None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            found = self.first_audio_after(after)
            if found is not None:
                return found
            await asyncio.sleep(0.01)
        return None

    async def wait_until_quiet(self, seconds: float = 0.6, within: float = 20.0) -> None:
        """Until the agent has sent nothing for `seconds` and what it sent has played."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            last = self.media[-1].at if self.media else 0.0
            now = time.monotonic()
            if now - last >= seconds and now >= self._play_end:
                return
            await asyncio.sleep(0.05)

    async def wait_closed(self, within: float = 30.0) -> bool:
        try:
            async with asyncio.timeout(within):
                await self._closed.wait()
        except TimeoutError:
            return False
        return True

    async def hang_up(self) -> None:
        if self._ws is not None and self.closed_at is None:
            with contextlib.suppress(Exception):
                await self._send(
                    {
                        "event": "stop",
                        "streamSid": self.stream_sid,
                        "stop": {"accountSid": self.account_sid, "callSid": self.call_sid},
                    }
                )
                await self._ws.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
