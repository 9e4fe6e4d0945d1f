"""Test parts for the voice pipeline: speech made by the local TTS, stand-ins for the slow
services where a test is about the pipeline itself, and an in-memory transport."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from frontdesk.voice import audio
from frontdesk.voice.stt.base import STTStream, Transcript
from frontdesk.voice.tts.local import PiperTTS

_SPEECH: dict[tuple[str, int], bytes] = {}


async def speech(text: str, rate: int) -> bytes:
    """`text` spoken by the local Piper voice, PCM16 at `rate` (cached per test run). Without
    the voice's random variation, so every run hears the same audio."""
    key = (text, rate)
    if key not in _SPEECH:
        tts = PiperTTS(variation=0.0)
        chunks = [chunk async for chunk in tts.synthesize(text)]
        _SPEECH[key] = audio.resample(b"".join(chunks), tts.sample_rate, rate)
    return _SPEECH[key]


def frames(pcm: bytes, rate: int) -> list[bytes]:
    size = audio.frame_bytes(rate)
    return [pcm[i : i + size].ljust(size, b"\0") for i in range(0, len(pcm), size)]


class FixedSTT:
    """Returns set texts, one per utterance (the last one repeats)."""

    name = "fixed"
    streaming = False

    def __init__(self, *texts: str) -> None:
        self.texts = list(texts) or [""]
        self.calls = 0

    async def transcribe(self, pcm: bytes, rate: int) -> Transcript:
        text = self.texts[min(self.calls, len(self.texts) - 1)]
        self.calls += 1
        return Transcript(text)

    async def stream(self, rate: int, on_interim: Any) -> STTStream:
        raise NotImplementedError


class ToneTTS:
    """Every sentence is `seconds` of tone at 8 kHz."""

    name = "tone"
    sample_rate = 8000

    def __init__(self, seconds: float = 0.5) -> None:
        self.seconds = seconds
        self.spoken: list[str] = []

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        self.spoken.append(text)
        yield audio.tone(self.seconds, 440.0, 8000)


class ScriptResponder:
    def __init__(
        self, reply: str = "Sure.", end_after: int | None = None, transfer: str | None = None
    ) -> None:
        self.reply_text = reply
        self.end_after = end_after
        self.transfer = transfer
        self.heard_log: list[tuple[int, str, bool]] = []
        self.said_log: list[tuple[str, str]] = []
        self.asked: list[str] = []

    async def reply(self, reply_id: int, text: str, stop: asyncio.Event) -> AsyncIterator[str]:
        self.asked.append(text)
        for word in self.reply_text.split(" "):
            if stop.is_set():
                return
            yield word + " "
            await asyncio.sleep(0)

    async def said(self, reply_id: int, text: str, reason: str) -> None:
        self.said_log.append((reason, text))

    async def caller_said(self, text: str) -> None:
        return None

    async def heard(self, reply_id: int, text: str, interrupted: bool) -> None:
        self.heard_log.append((reply_id, text, interrupted))

    def wants_end(self, reply_id: int) -> bool:
        return self.end_after is not None and len(self.asked) >= self.end_after

    def transfer_to(self, reply_id: int) -> str | None:
        return self.transfer if self.asked else None


class MemoryTransport:
    """Keeps what the pipeline sends; marks are echoed when their audio "has played"."""

    has_events = True

    def __init__(self, rate: int = 8000, marks: bool = False) -> None:
        self.in_rate = self.out_rate = rate
        self.has_marks = marks
        self.sent: list[tuple[str, float, Any]] = []
        self.session: Any = None
        self._play_end = 0.0

    def audio_seconds(self) -> float:
        return sum(len(p) for kind, _, p in self.sent if kind == "audio") / 2 / self.out_rate

    def kinds(self) -> list[str]:
        return [kind for kind, _, _ in self.sent]

    def first(self, kind: str, after: float = 0.0) -> float | None:
        return next((t for k, t, _ in self.sent if k == kind and t >= after), None)

    async def send_audio(self, pcm: bytes) -> None:
        now = time.monotonic()
        self._play_end = max(self._play_end, now) + len(pcm) / 2 / self.out_rate
        self.sent.append(("audio", now, pcm))

    async def send_mark(self, name: str) -> None:
        self.sent.append(("mark", time.monotonic(), name))
        if self.has_marks and self.session is not None:
            delay = max(0.0, self._play_end - time.monotonic())
            asyncio.get_running_loop().call_later(delay, self.session.mark, name)

    async def clear(self) -> None:
        self._play_end = time.monotonic()
        self.sent.append(("clear", time.monotonic(), None))

    async def send_event(self, event: dict[str, Any]) -> None:
        self.sent.append(("event", time.monotonic(), event))

    async def close(self) -> None:
        self.sent.append(("close", time.monotonic(), None))


async def play(session: Any, pcm: bytes, rate: int) -> float:
    """Feed audio in real time, 20 ms at a time; returns when its last frame was fed."""
    start = time.monotonic()
    last = start
    for index, frame in enumerate(frames(pcm, rate)):
        delay = start + index * 0.02 - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        session.audio_in(frame)
        last = time.monotonic()
    return last


async def quiet(session: Any, seconds: float, rate: int) -> None:
    await play(session, audio.silence(seconds * 1000, rate), rate)
