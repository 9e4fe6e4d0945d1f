"""The interface of a text-to-speech provider: a sentence in, PCM16 chunks out as they are made."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from frontdesk.errors import AppError


class TTSUnavailable(AppError):
    status = 503
    code = "TTS_UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class Voice:
    voice_id: str
    name: str
    language: str
    gender: str | None
    provider: str


class TTS(Protocol):
    name: str
    sample_rate: int  # of the audio `synthesize` yields

    def synthesize(self, text: str) -> AsyncIterator[bytes]:
        """PCM16 mono chunks of the spoken text."""
        ...
