"""A call from a WAV file: the file is the caller, spoken in real time, followed by silence
until the agent has answered; the agent's audio is kept."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from frontdesk.voice import audio

RATE = 16000
FRAME = audio.frame_bytes(RATE, 20)


class FileTransport:
    in_rate = RATE
    out_rate = RATE
    has_marks = False
    has_events = True

    def __init__(self, pcm: bytes, rate: int, wait_after_seconds: float = 8.0) -> None:
        self.caller = audio.resample(pcm, rate, RATE)
        self.wait_after = wait_after_seconds
        self.agent = bytearray()
        self.events: list[dict[str, Any]] = []

    async def run(self, session: Any) -> None:
        """Speak the file, then stay silent while the agent answers; hang up after it has been
        quiet for a moment (or after `wait_after_seconds` without an answer)."""
        silence = bytes(FRAME)
        started = time.monotonic()
        frames = [self.caller[i : i + FRAME] for i in range(0, len(self.caller), FRAME)]
        index = 0
        quiet_since: float | None = None
        deadline: float | None = None
        while not session.ended:
            target = started + index * 0.02
            delay = target - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            frame = frames[index] if index < len(frames) else silence
            session.audio_in(frame.ljust(FRAME, b"\0"))
            index += 1
            if index < len(frames):
                continue
            now = time.monotonic()
            deadline = deadline or now + self.wait_after
            busy = session.state.user_speaking or session.state.reply_active
            quiet_since = None if busy else (quiet_since or now)
            answered = any(e.get("role") == "agent" for e in self.events)
            if (answered and quiet_since is not None and now - quiet_since > 1.5) or (
                not answered and now > deadline and not busy
            ):
                break
        session.caller_hung_up()

    async def send_audio(self, pcm: bytes) -> None:
        self.agent += pcm

    async def send_mark(self, name: str) -> None:
        return None

    async def clear(self) -> None:
        return None

    async def send_event(self, event: dict[str, Any]) -> None:
        self.events.append(event)

    async def close(self) -> None:
        return None
