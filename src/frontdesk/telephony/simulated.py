"""The simulated phone network, the embedded default: a dialed number is answered inside
Frontdesk according to its scenario (`scenarios.py`). An answering number is a scripted caller
who speaks real synthesized audio over the same Media Streams protocol as Twilio, to the same
`/telephony/twilio/media` WebSocket; busy, unanswered and failed numbers report their status
like Twilio's callbacks do. With it a whole campaign runs, and can be heard, without Twilio."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import time
import uuid
from collections import deque
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

from frontdesk.calls.models import Call
from frontdesk.settings import get_settings
from frontdesk.telephony.provider import OutboundCall, SentText
from frontdesk.telephony.scenarios import Scenario, scenario_for
from frontdesk.voice import audio

log = structlog.get_logger("frontdesk.telephony")
FRAME = 160  # 20 ms of μ-law at 8 kHz
SILENCE = b"\xff" * FRAME
QUIET_SECONDS = 0.8  # the agent has finished speaking
TURN_TIMEOUT = 20.0
_speech: dict[str, bytes] = {}
_running: dict[str, SimulatedCallee] = {}
_tasks: set[asyncio.Task[None]] = set()


async def _ulaw(text: str) -> bytes:
    """`text` in the local voice, as 8 kHz μ-law (cached per process)."""
    if text not in _speech:
        from frontdesk.voice.tts import espeak
        from frontdesk.voice.tts import local as piper

        # Without variation: a scenario sounds the same every time it runs.
        tts: Any = piper.PiperTTS(variation=0.0) if piper.installed() else espeak.EspeakTTS()
        pcm = b"".join([chunk async for chunk in tts.synthesize(text)])
        _speech[text] = audio.pcm16_to_ulaw(audio.resample(pcm, tts.sample_rate, 8000))
    return _speech[text]


class SimulatedCallee:
    """The far end of an answered simulated call: Twilio's side of a Media Stream."""

    def __init__(self, sid: str, call: OutboundCall, scenario: Scenario) -> None:
        self.sid = sid
        self.call = call
        self.scenario = scenario
        self.stream_sid = "MZ" + uuid.uuid4().hex
        self._ws: ClientConnection | None = None
        self._outgoing: deque[bytes] = deque()
        self._drained = asyncio.Event()
        self._closed = asyncio.Event()
        self._last_agent_audio = 0.0
        self._heard_from = 0.0  # when the callee last finished speaking
        self._play_end = 0.0
        self._marks: deque[tuple[float, str]] = deque()
        self.transferred_to: str | None = None

    async def _send(self, event: dict[str, Any]) -> None:
        if self._ws is not None:
            with contextlib.suppress(WebSocketException, OSError):
                await self._ws.send(json.dumps(event))

    async def run(self) -> None:
        async with connect(self.call.stream_url, compression=None, open_timeout=10) as ws:
            self._ws = ws
            await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
            await self._send(
                {
                    "event": "start",
                    "streamSid": self.stream_sid,
                    "start": {
                        "streamSid": self.stream_sid,
                        "callSid": self.sid,
                        "accountSid": "AC" + "0" * 32,
                        "tracks": ["inbound"],
                        "customParameters": self.call.parameters,
                        "mediaFormat": {
                            "encoding": "audio/x-mulaw",
                            "sampleRate": 8000,
                            "channels": 1,
                        },
                    },
                }
            )
            loops = [asyncio.create_task(self._sender()), asyncio.create_task(self._receiver())]
            try:
                await self._script()
            finally:
                await self._send({"event": "stop", "streamSid": self.stream_sid})
                for task in loops:
                    task.cancel()
                with contextlib.suppress(WebSocketException, OSError):
                    await ws.close()

    async def _script(self) -> None:
        kind, lines = self.scenario.kind, self.scenario.lines
        if kind == "voicemail":
            await self.say(lines[0] if lines else "Please leave a message.", beep=True)
            await self._wait_closed(30.0)
            return
        if kind == "hang_up_after":
            await self.say(lines[0] if lines else "Hello?")
            await self._wait_closed(self.scenario.seconds or 5.0)
            return
        for index, line in enumerate(lines):
            if index and not await self._agent_replied():
                return
            await self.say(line)
        await self._agent_replied()

    async def say(self, text: str, beep: bool = False) -> None:
        ulaw = await _ulaw(text)
        if beep:
            ulaw += audio.pcm16_to_ulaw(audio.silence(300, 8000) + audio.tone(0.5, 1000.0, 8000))
        self._drained.clear()
        self._outgoing.extend(
            ulaw[i : i + FRAME].ljust(FRAME, b"\xff") for i in range(0, len(ulaw), FRAME)
        )
        await self._drained.wait()
        self._heard_from = time.monotonic()

    async def _agent_replied(self) -> bool:
        """Wait for the agent to answer what was just said and fall quiet."""
        started = time.monotonic()
        while time.monotonic() - started < TURN_TIMEOUT and not self._closed.is_set():
            now = time.monotonic()
            spoke = self._last_agent_audio > self._heard_from
            if spoke and now - self._last_agent_audio > QUIET_SECONDS and now > self._play_end:
                return True
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.05):
                    await self._closed.wait()
        return not self._closed.is_set()

    async def _wait_closed(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._closed.wait()

    async def hang_up(self) -> None:
        self._closed.set()

    async def _sender(self) -> None:
        started, sent = time.monotonic(), 0
        while True:
            delay = started + sent * 0.02 - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            frame = self._outgoing.popleft() if self._outgoing else SILENCE
            if not self._outgoing:
                self._drained.set()
            payload = base64.b64encode(frame).decode()
            await self._send(
                {
                    "event": "media",
                    "streamSid": self.stream_sid,
                    "media": {"track": "inbound", "payload": payload},
                }
            )
            sent += 1
            while self._marks and self._marks[0][0] <= time.monotonic():
                name = self._marks.popleft()[1]
                await self._send(
                    {"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}}
                )

    async def _receiver(self) -> None:
        assert self._ws is not None
        try:
            async for message in self._ws:
                event = json.loads(message)
                now = time.monotonic()
                kind = event.get("event")
                if kind == "media":
                    seconds = len(event["media"]["payload"]) * 3 / 4 / 8000
                    self._play_end = max(self._play_end, now) + seconds
                    self._last_agent_audio = now
                elif kind == "mark":
                    self._marks.append((max(self._play_end, now), event["mark"]["name"]))
                elif kind == "clear":
                    self._play_end = now
                    while self._marks:
                        name = self._marks.popleft()[1]
                        await self._send(
                            {"event": "mark", "streamSid": self.stream_sid, "mark": {"name": name}}
                        )
        except (WebSocketException, OSError, ValueError):
            pass
        self._closed.set()


class SimulatedProvider:
    name = "simulated"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession] | None) -> None:
        self.sessionmaker = sessionmaker

    async def place_call(self, call: OutboundCall) -> str:
        sid = "SIM" + uuid.uuid4().hex
        scenario = scenario_for(call.to, get_settings().simulated_scenarios)
        task = asyncio.get_running_loop().create_task(self._run(sid, call, scenario))
        _tasks.add(task)
        task.add_done_callback(_tasks.discard)
        return sid

    async def _run(self, sid: str, call: OutboundCall, scenario: Scenario) -> None:
        await asyncio.sleep(scenario.ring_seconds)
        if scenario.kind in ("busy", "no_answer", "failed"):
            await self._report(call, scenario.kind)
            return
        callee = SimulatedCallee(sid, call, scenario)
        _running[sid] = callee
        try:
            await callee.run()
        except (WebSocketException, OSError, TimeoutError) as exc:
            log.warning("simulated_call_not_connected", url=call.stream_url, error=repr(exc))
            await self._report(call, "failed")
        finally:
            _running.pop(sid, None)

    async def _report(self, call: OutboundCall, status: str) -> None:
        from frontdesk.calls import progress

        if self.sessionmaker is None:
            raise RuntimeError("the simulated network needs a database to report calls")
        async with self.sessionmaker() as session:
            row = await session.get(Call, uuid.UUID(call.parameters["call_id"]))
            if row is not None:
                await progress.report(session, row, status)
                await session.commit()

    async def hang_up(self, provider_call_id: str) -> None:
        callee = _running.get(provider_call_id)
        if callee is not None:
            await callee.hang_up()

    async def transfer(self, provider_call_id: str, to: str) -> None:
        callee = _running.get(provider_call_id)
        if callee is not None:
            callee.transferred_to = to
            await callee.hang_up()  # the call leaves Frontdesk for the other number

    async def send_sms(self, to: str, from_: str, body: str, status_url: str = "") -> SentText:
        """The simulated network delivers a text at once, except to a number whose scenario is
        `failed` (a phone that cannot take it)."""
        scenario = scenario_for(to, get_settings().simulated_scenarios)
        status = "undelivered" if scenario.kind == "failed" else "delivered"
        log.info("simulated_sms", to=to, from_=from_, characters=len(body), status=status)
        return SentText("SMSIM" + uuid.uuid4().hex, status)

    async def numbers(self) -> list[str]:
        return []
