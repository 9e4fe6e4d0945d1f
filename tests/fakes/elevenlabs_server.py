"""A stand-in for ElevenLabs' API (a paid API): `POST /v1/text-to-speech/{voice_id}/stream`
answering raw PCM16 (`output_format=pcm_16000`) as a chunked body, and `GET /v1/voices`. The key
is checked in `xi-api-key`, answered the way ElevenLabs does (401 `invalid_api_key`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.audio_stream import Recorded, StreamedAudio, record
from tests.fixtures.loopback import LoopbackServer

API_KEY = "el-test-key-0123456789"
VOICES = [
    {
        "voice_id": "21m00Tcm4TlvDq8ikWAM",
        "name": "Rachel",
        "category": "premade",
        "labels": {"accent": "american", "gender": "female", "age": "young"},
    },
    {
        "voice_id": "pNInz6obpgDQGcFmaJgB",
        "name": "Adam",
        "category": "premade",
        "labels": {"accent": "american", "gender": "male", "age": "middle aged"},
    },
]


def _invalid_key() -> Response:
    return JSONResponse(
        {"detail": {"status": "invalid_api_key", "message": "Invalid API key"}}, status_code=401
    )


@dataclass
class FakeElevenLabs(LoopbackServer):
    api_key: str = API_KEY
    status: int = 200  # anything else: the speech endpoint answers it
    audio: StreamedAudio = field(default_factory=StreamedAudio)
    requests: list[Recorded] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _app(self) -> Starlette:
        async def speech(request: Request) -> Response:
            body: Any = await request.json()
            self.requests.append(await record(request, body))
            if request.headers.get("xi-api-key") != self.api_key:
                return _invalid_key()
            if self.status != 200:
                return JSONResponse(
                    {"detail": {"status": "error", "message": "busy"}}, status_code=self.status
                )
            if request.query_params.get("output_format") != "pcm_16000":
                return JSONResponse({"detail": "unexpected output_format"}, status_code=422)
            return self.audio.response()

        async def voices(request: Request) -> Response:
            self.requests.append(await record(request))
            if request.headers.get("xi-api-key") != self.api_key:
                return _invalid_key()
            return JSONResponse({"voices": VOICES})

        return Starlette(
            routes=[
                Route("/v1/text-to-speech/{voice_id}/stream", speech, methods=["POST"]),
                Route("/v1/voices", voices, methods=["GET"]),
            ]
        )
