"""Voice activity: the WebRTC VAD as a cheap gate on every 20 ms frame, Silero (ONNX, one shared
session per process) to confirm the frames the gate lets through, and a hangover that turns
speech frames into utterances.

The gate costs microseconds; Silero about 80 µs per 32 ms window, so it runs only while the gate
hears something: a quiet line costs almost nothing, and noise the gate mistakes for speech is
rejected by Silero.
"""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
import webrtcvad

from frontdesk.voice import audio
from frontdesk.voice.frames import UserStartedSpeakingFrame, UserStoppedSpeakingFrame
from frontdesk.voice.stage import Stage
from frontdesk.voice.state import CallState

FRAME_MS = 20
SILERO_PACKAGE = "silero_vad"
SILERO_FILE = "data/silero_vad.onnx"


def silero_path() -> Path | None:
    spec = importlib.util.find_spec(SILERO_PACKAGE)  # finds the files without importing torch
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / SILERO_FILE
    return path if path.exists() else None


class Silero:
    """Silero VAD v5 on onnxruntime for one call: its model state, and its windows waiting for
    the process-wide batch (`SileroBatch`) that scores the windows of every call together."""

    _session: Any = None
    _lock = threading.Lock()

    def __init__(self, rate: int) -> None:
        if rate not in (8000, 16000):
            raise ValueError("Silero runs at 8 or 16 kHz")
        self.rate = rate
        self.window = 256 if rate == 8000 else 512
        self.context_size = 32 if rate == 8000 else 64
        self.state = np.zeros((2, 1, 128), dtype=np.float32)
        self.context = np.zeros(self.context_size, dtype=np.float32)
        self._pending = np.zeros(self.window, dtype=np.float32)
        self._filled = 0
        self.windows: deque[np.ndarray] = deque()  # full windows not yet scored
        self.probability = 0.0
        self._batch = SileroBatch.for_rate(rate)

    @classmethod
    def available(cls) -> bool:
        return silero_path() is not None

    @classmethod
    def session(cls) -> Any:
        with cls._lock:
            if cls._session is None:
                import onnxruntime

                path = silero_path()
                if path is None:
                    raise RuntimeError("the silero-vad package is not installed")
                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                options.log_severity_level = 3
                cls._session = onnxruntime.InferenceSession(
                    str(path), options, providers=["CPUExecutionProvider"]
                )
            return cls._session

    def reset(self) -> None:
        self.state[:] = 0
        self.context[:] = 0
        self._filled = 0
        self.windows.clear()
        self.probability = 0.0

    def feed(self, pcm: bytes) -> float:
        """Add samples; full windows go to the batch. Returns the latest probability known (the
        batch scores new windows as soon as the event loop is free, a few ms at most)."""
        samples = np.frombuffer(pcm, dtype="<i2")
        offset = 0
        while offset < samples.size:
            take = min(self.window - self._filled, samples.size - offset)
            self._pending[self._filled : self._filled + take] = samples[offset : offset + take]
            self._filled += take
            offset += take
            if self._filled == self.window:
                self.windows.append(self._pending * (1.0 / 32768.0))
                self._filled = 0
                self._batch.add(self)
        return self.probability


class SileroBatch:
    """Scores the waiting windows of all calls at one rate in one model run: on a busy process,
    many calls' windows arrive in one turn of the event loop, and a batch of them costs a
    fraction of running them one by one. Each call's windows are scored in order."""

    _batches: dict[int, SileroBatch] = {}

    def __init__(self, rate: int) -> None:
        self.rate = np.array(rate, dtype=np.int64)
        self._waiting: dict[int, Silero] = {}
        self._scheduled = False

    @classmethod
    def for_rate(cls, rate: int) -> SileroBatch:
        batch = cls._batches.get(rate)
        if batch is None:
            batch = cls._batches[rate] = cls(rate)
        return batch

    def add(self, analyzer: Silero) -> None:
        self._waiting[id(analyzer)] = analyzer
        if not self._scheduled:
            self._scheduled = True
            try:
                asyncio.get_running_loop().call_soon(self.run)
            except RuntimeError:  # no event loop (offline use): score at once
                self.run()

    def run(self) -> None:
        self._scheduled = False
        analyzers = [a for a in self._waiting.values() if a.windows]
        self._waiting = {}
        if not analyzers:
            return
        first = analyzers[0]
        inputs = np.empty((len(analyzers), first.context_size + first.window), np.float32)
        states = np.concatenate([a.state for a in analyzers], axis=1)
        for row, analyzer in enumerate(analyzers):
            window = analyzer.windows.popleft()
            inputs[row, : first.context_size] = analyzer.context
            inputs[row, first.context_size :] = window
            analyzer.context = window[-first.context_size :]
        out, new_states = Silero.session().run(
            None, {"input": inputs, "state": states, "sr": self.rate}
        )
        for row, analyzer in enumerate(analyzers):
            analyzer.state = new_states[:, row : row + 1, :].copy()
            analyzer.probability = float(out[row, 0])
            if analyzer.windows:
                self.add(analyzer)


class VADStage(Stage):
    """Speech segments from caller audio: `UserStartedSpeakingFrame` once `start_ms` of speech
    is heard, `UserStoppedSpeakingFrame` (with the utterance) after `stop_ms` of silence.
    While the caller speaks, the audio is passed on (with a little pre-roll) for streaming STT."""

    def __init__(
        self,
        state: CallState,
        stop_ms: int = 600,
        start_ms: int = 60,
        aggressiveness: int = 2,
        threshold: float = 0.5,
        use_silero: bool = True,
        preroll_ms: int = 300,
        min_rms: int = 40,
        max_utterance_ms: int = 30_000,
    ) -> None:
        super().__init__()
        self.state = state
        self.rate = state.in_rate
        self.frame_bytes = audio.frame_bytes(self.rate, FRAME_MS)
        self.stop_frames = max(1, stop_ms // FRAME_MS)
        self.start_frames = max(1, start_ms // FRAME_MS)
        self.max_frames = max_utterance_ms // FRAME_MS
        self.threshold = threshold
        # Below this level a frame is silence whatever the models say: the gate keeps calling
        # speech for a few frames after a word ends, which would only delay the end of a turn.
        self.min_rms = min_rms
        self._gate = webrtcvad.Vad(aggressiveness)
        self._silero = Silero(self.rate) if use_silero and Silero.available() else None
        self._preroll: deque[bytes] = deque(maxlen=max(1, preroll_ms // FRAME_MS))
        self._partial = bytearray()  # a frame's worth of bytes not yet complete
        self._utterance = bytearray()
        self._speaking = False
        self._run = 0  # consecutive speech frames before the start
        self._run_started_at = 0.0
        self._silent = 0  # consecutive non-speech frames while speaking
        self._gap = 0  # non-voiced frames since Silero last ran
        self._frames = 0
        self._last_speech_at = 0.0

    def on_audio(self, pcm: bytes) -> None:
        if len(pcm) == self.frame_bytes and not self._partial:
            self._frame(pcm)
            return
        self._partial += pcm  # re-chunk odd sizes into 20 ms frames
        while len(self._partial) >= self.frame_bytes:
            frame = bytes(self._partial[: self.frame_bytes])
            del self._partial[: self.frame_bytes]
            self._frame(frame)

    def is_speech(self, frame: bytes) -> bool:
        if audio.rms(frame) < self.min_rms or not self._gate.is_speech(frame, self.rate):
            self._gap += 1
            if self._silero is not None and self._gap == 10:
                self._silero.reset()  # 200 ms without voice: the next speech starts afresh
            return False
        self._gap = 0
        if self._silero is None:
            return True
        probability = self._silero.feed(frame)
        # Hysteresis: once speaking, a lower probability keeps the speech going.
        return probability >= (self.threshold - 0.15 if self._speaking else self.threshold)

    def _frame(self, frame: bytes) -> None:
        now = self.state.clock()
        speech = self.is_speech(frame)
        if not self._speaking:
            self._preroll.append(frame)
            if not speech:
                self._run = 0
                return
            if self._run == 0:
                self._run_started_at = now
            self._run += 1
            if self._run < self.start_frames:
                return
            self._speaking = True
            self.state.user_speaking = True
            self._silent = 0
            self._frames = 0
            self._last_speech_at = now
            self._utterance = bytearray().join(self._preroll)
            self._preroll.clear()
            self.push(UserStartedSpeakingFrame(at=self._run_started_at))
            if self.next is not None:
                self.next.on_audio(bytes(self._utterance))
            return
        self._utterance += frame
        self._frames += 1
        if self.next is not None:
            self.next.on_audio(frame)
        if speech:
            self._silent = 0
            self._last_speech_at = now
        else:
            self._silent += 1
        if self._silent >= self.stop_frames or self._frames >= self.max_frames:
            self._stop(now)

    def _stop(self, now: float) -> None:
        self._speaking = False
        self.state.user_speaking = False
        self.state.last_activity_at = now
        self._run = 0
        utterance, self._utterance = bytes(self._utterance), bytearray()
        self.push(UserStoppedSpeakingFrame(now, self._last_speech_at, utterance))

    def set_stop_ms(self, stop_ms: int) -> None:
        self.stop_frames = max(1, stop_ms // FRAME_MS)
