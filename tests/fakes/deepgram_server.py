"""A stand-in for Deepgram's live transcription (a paid API): the `/v1/listen` WebSocket with
`Authorization: Token <key>` (a wrong key is refused with HTTP 401 on the handshake), binary PCM in,
JSON `Results` out: interim ones while audio arrives, final ones (the last `from_finalize: true`)
on a `Finalize` message. `KeepAlive` is counted; `CloseStream` is answered with `Metadata` and a
normal close. The utterance's text is set per test."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from tests.fixtures.loopback import LoopbackServer

API_KEY = "dg-test-key-0123456789"


@dataclass
class Connection:
    query: dict[str, str]
    authorization: str
    audio_bytes: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)  # the text ones, parsed
    closed_by_client: bool = False
    interims: int = 0  # sent in the current utterance
    since_interim: int = 0

    def count(self, kind: str) -> int:
        return sum(1 for m in self.messages if m.get("type") == kind)


def results(text: str, *, is_final: bool, from_finalize: bool = False) -> dict[str, Any]:
    words = [
        {"word": w.strip(".,?!").lower(), "punctuated_word": w, "confidence": 0.95}
        for w in text.split()
    ]
    return {
        "type": "Results",
        "channel_index": [0, 1],
        "duration": 0.5,
        "start": 0.0,
        "is_final": is_final,
        "speech_final": is_final,
        "from_finalize": from_finalize,
        "channel": {"alternatives": [{"transcript": text, "confidence": 0.93, "words": words}]},
        "metadata": {"request_id": "fake-request", "model_uuid": "fake-model"},
    }


@dataclass
class FakeDeepgram(LoopbackServer):
    api_key: str = API_KEY
    text: str = "I would like to book a table"
    final_pieces: int = 1  # is_final results per Finalize; only the last has from_finalize
    answer_finalize: bool = True
    interim_every_bytes: int = 3200  # 100 ms of 16 kHz audio
    drop_after_bytes: int | None = None  # then close with 1011, as on a server error
    connections: list[Connection] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def _pieces(self) -> list[str]:
        words = self.text.split()
        size = max(1, -(-len(words) // self.final_pieces))
        return [" ".join(words[i : i + size]) for i in range(0, len(words), size)] or [""]

    async def _on_text(self, ws: WebSocket, conn: Connection, data: dict[str, Any]) -> bool:
        """Answer one control message; False once the stream is over."""
        conn.messages.append(data)
        kind = data.get("type")
        if kind == "Finalize":
            conn.interims = 0
        if kind == "Finalize" and self.answer_finalize:
            pieces = self._pieces()
            for index, piece in enumerate(pieces):
                last = index == len(pieces) - 1
                await ws.send_json(results(piece, is_final=True, from_finalize=last))
        elif kind == "CloseStream":
            metadata = {"type": "Metadata", "request_id": "fake-request", "channels": 1}
            await ws.send_json({**metadata, "duration": conn.audio_bytes / 32000})
            await ws.close(1000)
            conn.closed_by_client = True
            return False
        return True

    async def _listen(self, ws: WebSocket) -> None:
        conn = Connection(dict(ws.query_params), ws.headers.get("authorization", ""))
        self.connections.append(conn)
        if conn.authorization != f"Token {self.api_key}":
            body = {"err_code": "INVALID_AUTH", "err_msg": "Invalid credentials."}
            await ws.send_denial_response(JSONResponse(body, status_code=401))
            return
        await ws.accept()
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("bytes") is not None:
                conn.audio_bytes += len(message["bytes"])
                conn.since_interim += len(message["bytes"])
                if self.drop_after_bytes is not None and conn.audio_bytes >= self.drop_after_bytes:
                    await ws.close(1011, "NET-0001")
                    return
                if conn.since_interim >= self.interim_every_bytes:
                    conn.since_interim = 0
                    conn.interims += 1
                    partial = " ".join(self.text.split()[: conn.interims])
                    await ws.send_json(results(partial, is_final=False))
            elif not await self._on_text(ws, conn, json.loads(message["text"])):
                return
            await asyncio.sleep(0)

    def _app(self) -> Starlette:
        return Starlette(routes=[WebSocketRoute("/v1/listen", self._listen)])
