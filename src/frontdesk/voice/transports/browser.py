"""A browser's WebSocket: binary messages are 16 kHz mono PCM16 audio both ways (20 ms frames
from the browser); text messages are JSON events: transcripts, interruptions and the end of the
call from the server; `{"type": "dtmf", "digit"}` and `{"type": "hangup"}` from the browser."""

from __future__ import annotations

import json
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

MAX_MESSAGE_BYTES = 64_000  # 2 s of audio; a browser sends 640-byte frames


class BrowserTransport:
    in_rate = 16000
    out_rate = 16000
    has_marks = False
    has_events = True

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket

    async def run(self, session: Any) -> None:
        try:
            while not session.ended:
                message = await self.websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data = message.get("bytes")
                if data is not None:
                    if 0 < len(data) <= MAX_MESSAGE_BYTES:
                        session.audio_in(data[: len(data) - len(data) % 2])
                    continue
                self._event(session, message.get("text") or "")
        except (WebSocketDisconnect, RuntimeError):
            pass
        session.caller_hung_up()

    def _event(self, session: Any, text: str) -> None:
        try:
            event = json.loads(text)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        if event.get("type") == "dtmf" and str(event.get("digit", "")) in "0123456789*#":
            digit = str(event["digit"])
            if digit:
                session.dtmf(digit)
        elif event.get("type") == "hangup":
            session.caller_hung_up()

    async def send_audio(self, pcm: bytes) -> None:
        if self.websocket.application_state == WebSocketState.CONNECTED:
            try:
                await self.websocket.send_bytes(pcm)
            except (WebSocketDisconnect, RuntimeError, OSError):
                pass

    async def send_mark(self, name: str) -> None:
        return None

    async def clear(self) -> None:
        return None  # the `interrupted` event tells the page to drop what it has queued

    async def send_event(self, event: dict[str, Any]) -> None:
        if self.websocket.application_state == WebSocketState.CONNECTED:
            try:
                await self.websocket.send_text(json.dumps(event))
            except (WebSocketDisconnect, RuntimeError, OSError):
                pass

    async def close(self, code: int = 1000) -> None:
        if self.websocket.application_state == WebSocketState.CONNECTED:
            try:
                await self.websocket.close(code)
            except (RuntimeError, OSError):
                pass
