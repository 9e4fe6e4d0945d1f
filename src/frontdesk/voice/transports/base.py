"""What the pipeline needs of a transport."""

from __future__ import annotations

from typing import Any, Protocol


class Transport(Protocol):
    in_rate: int  # caller audio, PCM16 mono
    out_rate: int  # agent audio, PCM16 mono
    has_marks: bool  # the far end reports when audio before a mark has been played
    has_events: bool  # it carries JSON events (transcripts, interruptions) to the far end

    async def send_audio(self, pcm: bytes) -> None: ...

    async def send_mark(self, name: str) -> None: ...

    async def clear(self) -> None:
        """Drop agent audio the far end has buffered but not played yet."""

    async def send_event(self, event: dict[str, Any]) -> None:
        """A JSON event for transports that carry them (the browser); others ignore it."""

    async def close(self) -> None: ...
