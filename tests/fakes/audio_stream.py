"""What the fakes of hosted voices share: PCM sent as a chunked HTTP body in uneven pieces (odd
sizes split samples across chunks, as real networks do), optionally held after the first piece
so a test can see audio arrive before the answer is complete."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse

from frontdesk.voice import audio

CHUNK_SIZES = (1001, 2048, 999, 4096)


@dataclass
class StreamedAudio:
    rate: int = 16000
    pcm: bytes = b""
    chunk_sizes: tuple[int, ...] = CHUNK_SIZES
    hold: threading.Event | None = None  # set by the test to let the rest of the audio go
    chunks_sent: int = 0

    def __post_init__(self) -> None:
        if not self.pcm:
            self.pcm = audio.tone(0.5, 440.0, self.rate)

    async def _body(self, pcm: bytes) -> AsyncIterator[bytes]:
        sizes = itertools.cycle(self.chunk_sizes)
        start = 0
        while start < len(pcm):
            end = start + next(sizes)
            yield pcm[start:end]
            self.chunks_sent += 1
            start = end
            if self.hold is not None and start < len(pcm):
                await asyncio.to_thread(self.hold.wait, 10)

    def response(self) -> StreamingResponse:
        # No Content-Length: uvicorn sends Transfer-Encoding: chunked, one chunk per piece.
        return StreamingResponse(self._body(self.pcm), media_type="application/octet-stream")


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any = None
    form: dict[str, Any] = field(default_factory=dict)


async def record(request: Request, body: Any = None) -> Recorded:
    return Recorded(
        method=request.method,
        path=request.url.path,
        query=dict(request.query_params),
        headers={k.lower(): v for k, v in request.headers.items()},
        json=body,
    )
