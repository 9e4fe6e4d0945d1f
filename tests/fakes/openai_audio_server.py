"""A stand-in for OpenAI's audio endpoints (a paid API): `POST /v1/audio/transcriptions` (a
multipart upload whose file must be a real WAV; answers `{"text": ...}`) and `POST
/v1/audio/speech` (with `response_format=pcm`: raw PCM16 at 24 kHz as a chunked body)."""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.audio_stream import Recorded, StreamedAudio, record
from tests.fixtures.loopback import LoopbackServer

API_KEY = "sk-test-audio-0123456789"


def _error(message: str, status: int, code: str | None = None) -> Response:
    body = {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    return JSONResponse({"error": body}, status_code=status)


def _wav_info(data: bytes) -> dict[str, int]:
    with wave.open(io.BytesIO(data)) as w:
        return {
            "channels": w.getnchannels(),
            "sample_width": w.getsampwidth(),
            "rate": w.getframerate(),
            "frames": len(w.readframes(w.getnframes())) // w.getsampwidth(),
        }


@dataclass
class FakeOpenAIAudio(LoopbackServer):
    api_key: str = API_KEY
    transcript: str = "I would like to book a table"
    status: int = 200
    audio: StreamedAudio = field(default_factory=lambda: StreamedAudio(rate=24000))
    requests: list[Recorded] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _refusal(self, request: Request) -> Response | None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if given != self.api_key:
            # OpenAI echoes part of the wrong key; clients must not pass this text on.
            masked = f"{given[:3]}{'*' * 8}{given[-4:]}"
            return _error(f"Incorrect API key provided: {masked}.", 401, "invalid_api_key")
        if self.status != 200:
            return _error("The server is overloaded", self.status)
        return None

    async def _transcriptions(self, request: Request) -> Response:
        recorded = await record(request)
        self.requests.append(recorded)
        async with request.form() as form:
            upload = form.get("file")
            recorded.form = {k: v for k, v in form.items() if isinstance(v, str)}
            data = await upload.read() if isinstance(upload, UploadFile) else None
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        if not isinstance(upload, UploadFile) or data is None:
            return _error("file is required", 400)
        try:
            recorded.form["wav"] = _wav_info(data)
        except (wave.Error, EOFError):
            return _error("Invalid file format.", 400)
        recorded.form["filename"] = upload.filename
        recorded.form["content_type"] = upload.content_type
        return JSONResponse({"text": self.transcript})

    async def _speech(self, request: Request) -> Response:
        body: Any = await request.json()
        self.requests.append(await record(request, body))
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        if body.get("response_format") != "pcm":
            return _error("this fake only speaks pcm", 400)
        return self.audio.response()

    def _app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/audio/transcriptions", self._transcriptions, methods=["POST"]),
                Route("/v1/audio/speech", self._speech, methods=["POST"]),
            ]
        )
