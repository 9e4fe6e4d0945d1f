"""Frontdesk's voice pipeline behind a Twilio Media Streams WebSocket, with the peer benchmark's
instant fake services: the server `../shared/bench/voice` drives side by side with pipecat.

Same contract as the peer's server (`servers/pipecat_server.py`): VAD on the caller's audio with
0.2 s of end-of-speech silence, a fixed transcript when the caller stops, a fixed reply at once,
and 1 s of 440 Hz tone as the "speech". Everything else is Frontdesk's own code: the transport,
the VAD (WebRTC gate + Silero), turn taking, the responder and TTS stages, playout with marks.

    python bench/voice_server.py --port 8765 [--stats-file out/internal_N10.jsonl]
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from frontdesk.voice import audio
from frontdesk.voice.config import VoiceConfig
from frontdesk.voice.session import VoiceSession
from frontdesk.voice.stt.base import STTStream, Transcript
from frontdesk.voice.transports.twilio import StreamError, TwilioMediaTransport

TRANSCRIPT = "I would like to book a table for two people tonight please"
REPLY = "Sure, a table for two tonight."


class InstantSTT:
    name = "instant"
    streaming = False

    async def transcribe(self, pcm: bytes, rate: int) -> Transcript:
        return Transcript(TRANSCRIPT)

    async def stream(self, rate: int, on_interim: Any) -> STTStream:
        raise NotImplementedError


class ToneTTS:
    name = "tone"
    sample_rate = 8000
    _tone = audio.tone(1.0, 440.0, 8000)

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        yield self._tone


class FixedResponder:
    async def reply(self, reply_id: int, text: str, stop: asyncio.Event) -> AsyncIterator[str]:
        yield REPLY

    async def said(self, reply_id: int, text: str, reason: str) -> None:
        return None

    async def caller_said(self, text: str) -> None:
        return None

    async def heard(self, reply_id: int, text: str, interrupted: bool) -> None:
        return None

    def wants_end(self, reply_id: int) -> bool:
        return False

    def transfer_to(self, reply_id: int) -> str | None:
        return None


def _append(path: str, line: str) -> None:
    with open(path, "a") as out:
        out.write(line)


def create_app(stats_file: str | None) -> Starlette:
    config = VoiceConfig(silence_ms=200, min_words_to_interrupt=0, record=False)

    async def media(websocket: WebSocket) -> None:
        await websocket.accept()
        transport = TwilioMediaTransport(websocket)
        try:
            await transport.start()
        except StreamError:
            await websocket.close()
            return
        session = VoiceSession(config, transport, InstantSTT(), ToneTTS(), FixedResponder())
        reader = asyncio.create_task(transport.run(session))
        outcome = await session.run()
        reader.cancel()
        if stats_file:
            internal = [
                t["latency_ms"] - t["endpointing_ms"]
                for t in outcome.turns
                if t["latency_ms"] is not None and t["endpointing_ms"] is not None
            ]
            line = json.dumps({"turn_end_to_first_media_ms": internal}) + "\n"
            await asyncio.to_thread(_append, stats_file, line)

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return Starlette(routes=[Route("/health", health), WebSocketRoute("/ws", media)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--stats-file")
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.stats_file),
        host=args.host,
        port=args.port,
        log_level="warning",
        loop="uvloop",
        ws="auto",  # as `frontdesk serve`: websockets (sans-I/O)
        lifespan="off",
    )


if __name__ == "__main__":
    main()
