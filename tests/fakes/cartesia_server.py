"""A stand-in for Cartesia's API (a paid API): `POST /tts/bytes` answering raw PCM16 as a chunked
body, and `GET /voices` (a plain list in API version 2024-06-10). Requests need `X-API-Key` and a
`Cartesia-Version` header, as with Cartesia."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.audio_stream import Recorded, StreamedAudio, record
from tests.fixtures.loopback import LoopbackServer

API_KEY = "sk_car_test_0123456789"
VOICES = [
    {
        "id": "a0e99841-438c-4a64-b679-ae501e7d6091",
        "name": "Barbershop Man",
        "description": "A smooth male voice",
        "language": "en",
        "is_public": True,
    },
    {
        "id": "79a125e8-cd45-4c13-8a67-188112f4dd22",
        "name": "British Lady",
        "description": "An elegant female voice",
        "language": "en",
        "is_public": True,
    },
]


@dataclass
class FakeCartesia(LoopbackServer):
    api_key: str = API_KEY
    status: int = 200
    audio: StreamedAudio = field(default_factory=StreamedAudio)
    requests: list[Recorded] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _refusal(self, request: Request) -> Response | None:
        if request.headers.get("x-api-key") != self.api_key:
            return JSONResponse({"error": "Invalid API key"}, status_code=401)
        if not request.headers.get("cartesia-version"):
            return JSONResponse({"error": "Cartesia-Version header is required"}, status_code=400)
        return None

    def _app(self) -> Starlette:
        async def tts_bytes(request: Request) -> Response:
            body: Any = await request.json()
            self.requests.append(await record(request, body))
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            if self.status != 200:
                return JSONResponse({"error": "unavailable"}, status_code=self.status)
            fmt = body.get("output_format", {})
            if fmt.get("container") != "raw" or fmt.get("encoding") != "pcm_s16le":
                return JSONResponse({"error": "unsupported output_format"}, status_code=400)
            return self.audio.response()

        async def voices(request: Request) -> Response:
            self.requests.append(await record(request))
            return self._refusal(request) or JSONResponse(VOICES)

        return Starlette(
            routes=[
                Route("/tts/bytes", tts_bytes, methods=["POST"]),
                Route("/voices", voices, methods=["GET"]),
            ]
        )
