"""Call recordings: a stereo WAV with the caller on the left channel and the agent on the right,
on the timeline of the caller's audio.

The caller's audio arrives continuously (20 ms at a time, silence included), so its sample count
is the call's clock. Agent audio is placed where it plays; an interruption cuts what had been
sent but not yet played. Only the last few seconds are kept in memory: older audio is written
to a raw file as it settles, and the WAV header is added at the end.
"""

from __future__ import annotations

import os
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

from frontdesk.voice import audio

SETTLE_SECONDS = 3.0  # agent audio can still be cut this long after it was sent


class Recorder:
    def __init__(self, path: Path, rate: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.path = path
        self.rate = rate
        self.clock = clock
        path.parent.mkdir(parents=True, exist_ok=True)
        self._raw_path = path.with_suffix(".raw")
        self._raw = self._raw_path.open("wb")
        self._flushed = 0  # samples written to the raw file
        self._caller = bytearray()  # samples not yet flushed
        self._agent = bytearray()
        self._caller_total = 0  # samples of caller audio received
        self._caller_clock_at: float | None = None  # clock time of the first caller sample
        self.closed = False

    def _position(self, at: float) -> int:
        """Sample index on the caller's timeline of clock time `at`."""
        now = self.clock()
        return max(0, self._caller_total + int((at - now) * self.rate))

    def caller(self, pcm: bytes) -> None:
        if self._caller_clock_at is None:
            self._caller_clock_at = self.clock()
        self._caller += pcm
        self._caller_total += len(pcm) // 2
        if len(self._caller) > 2 * self.rate * SETTLE_SECONDS * 2:
            self._flush(len(self._caller) // 2 - int(self.rate * SETTLE_SECONDS))

    def agent(self, pcm: bytes, at: float) -> None:
        start = self._position(at) - self._flushed
        if start < 0:
            pcm = pcm[-start * 2 :]
            start = 0
        end = start * 2 + len(pcm)
        if len(self._agent) < end:
            self._agent.extend(bytes(end - len(self._agent)))
        self._agent[start * 2 : end] = pcm

    def cut_agent(self, at: float) -> None:
        """Forget agent audio after `at`: it was never played."""
        keep = max(0, self._position(at) - self._flushed) * 2
        del self._agent[keep:]

    def _flush(self, samples: int) -> None:
        samples = min(samples, len(self._caller) // 2)
        if samples <= 0:
            return
        caller = np.frombuffer(bytes(self._caller[: samples * 2]), dtype="<i2")
        agent_bytes = bytes(self._agent[: samples * 2]).ljust(samples * 2, b"\0")
        agent = np.frombuffer(agent_bytes, dtype="<i2")
        stereo = np.empty(samples * 2, dtype="<i2")
        stereo[0::2] = caller
        stereo[1::2] = agent
        self._raw.write(stereo.tobytes())
        del self._caller[: samples * 2]
        del self._agent[: samples * 2]
        self._flushed += samples

    def finish(self) -> tuple[Path, float, int]:
        """Write the WAV file; returns its path, duration in seconds and size in bytes."""
        if not self.closed:
            # The agent may have spoken past the caller's last frame (the call ended on it).
            tail = max(len(self._caller), len(self._agent)) // 2
            self._caller.extend(bytes(tail * 2 - len(self._caller)))
            self._flush(tail)
            self._raw.close()
            self.closed = True
            with wave.open(str(self.path), "wb") as out, self._raw_path.open("rb") as raw:
                out.setnchannels(2)
                out.setsampwidth(audio.SAMPLE_WIDTH)
                out.setframerate(self.rate)
                while block := raw.read(1 << 20):
                    out.writeframes(block)
            os.unlink(self._raw_path)
        size = self.path.stat().st_size
        return self.path, self._flushed / self.rate, size

    def discard(self) -> None:
        if not self.closed:
            self._raw.close()
            self.closed = True
        for path in (self._raw_path, self.path):
            path.unlink(missing_ok=True)
