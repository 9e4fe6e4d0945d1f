"""The interface of a speech-to-text provider.

Batch providers transcribe a finished utterance (`transcribe`). Streaming providers also open a
`stream` for the call: audio is fed as the caller speaks, and `finalize` returns the utterance's
text as soon as the provider has it (usually a few tens of milliseconds after the caller stops).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from frontdesk.errors import AppError


class STTUnavailable(AppError):
    status = 503
    code = "STT_UNAVAILABLE"


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    confidence: float | None = None


class STTStream(Protocol):
    def feed(self, pcm: bytes) -> None:
        """Caller audio (PCM16 at the stream's rate); never blocks."""

    async def finalize(self) -> Transcript:
        """The text of everything fed since the last finalize."""

    async def close(self) -> None: ...


class STT(Protocol):
    name: str
    streaming: bool

    async def transcribe(self, pcm: bytes, rate: int) -> Transcript: ...

    async def stream(self, rate: int, on_interim: Callable[[str], None]) -> STTStream: ...
