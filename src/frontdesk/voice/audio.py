"""Audio plumbing: G.711 μ-law, PCM16 conversions, resampling (soxr), tones and WAV files.

Audio stays as `bytes` of little-endian PCM16 mono between stages; numpy views are taken only
where maths is needed. Conversions use audioop (the standard library's, or audioop-lts on
Python 3.13+) and soxr, never hand-written DSP.
"""

from __future__ import annotations

import io
import warnings
import wave
from pathlib import Path

import numpy as np
import soxr

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # stdlib audioop until 3.13
    import audioop

SAMPLE_WIDTH = 2  # PCM16


def ulaw_to_pcm16(data: bytes) -> bytes:
    return audioop.ulaw2lin(data, SAMPLE_WIDTH)


def pcm16_to_ulaw(data: bytes) -> bytes:
    return audioop.lin2ulaw(data, SAMPLE_WIDTH)


def scale(data: bytes, factor: float) -> bytes:
    """Volume: multiply every sample, clipping at full scale."""
    if factor == 1.0:
        return data
    return audioop.mul(data, SAMPLE_WIDTH, factor)


def rms(data: bytes) -> int:
    return int(audioop.rms(data, SAMPLE_WIDTH)) if data else 0


def frame_bytes(rate: int, ms: int = 20) -> int:
    return rate * ms // 1000 * SAMPLE_WIDTH


def duration_ms(data: bytes | bytearray, rate: int) -> float:
    return len(data) / SAMPLE_WIDTH / rate * 1000


def float_to_pcm16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def pcm16_to_float(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def resample(data: bytes, from_rate: int, to_rate: int) -> bytes:
    """One-shot resampling of a whole buffer (an utterance for STT, a clip)."""
    if from_rate == to_rate or not data:
        return data
    samples = np.frombuffer(data, dtype="<i2")
    return soxr.resample(samples, from_rate, to_rate, quality="HQ").astype("<i2").tobytes()


class StreamResampler:
    """Resampling of a stream that arrives in pieces (TTS audio), keeping the filter state
    between pieces so there is no click at their edges."""

    def __init__(self, from_rate: int, to_rate: int) -> None:
        self.same = from_rate == to_rate
        self._stream = (
            None if self.same else soxr.ResampleStream(from_rate, to_rate, 1, dtype="int16")
        )

    def push(self, data: bytes, last: bool = False) -> bytes:
        if self._stream is None:
            return data
        samples = np.frombuffer(data, dtype="<i2")
        return self._stream.resample_chunk(samples, last=last).astype("<i2").tobytes()


def tone(seconds: float, freq: float = 440.0, rate: int = 8000, level: float = 0.3) -> bytes:
    t = np.arange(int(seconds * rate), dtype=np.float32) / rate
    return float_to_pcm16(level * np.sin(2 * np.pi * freq * t))


def silence(ms: float, rate: int) -> bytes:
    return bytes(int(rate * ms / 1000) * SAMPLE_WIDTH)


def read_wav(source: Path | bytes) -> tuple[bytes, int]:
    """PCM16 mono samples and the rate of a WAV file (stereo is mixed down)."""
    with wave.open(io.BytesIO(source) if isinstance(source, bytes) else str(source)) as w:
        if w.getsampwidth() != SAMPLE_WIDTH:
            raise ValueError("only 16-bit PCM WAV files are supported")
        data = w.readframes(w.getnframes())
        if w.getnchannels() == 2:
            data = audioop.tomono(data, SAMPLE_WIDTH, 0.5, 0.5)
        elif w.getnchannels() != 1:
            raise ValueError("only mono or stereo WAV files are supported")
        return data, w.getframerate()


def write_wav(path: Path, data: bytes, rate: int, channels: int = 1) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(SAMPLE_WIDTH)
        w.setframerate(rate)
        w.writeframes(data)
