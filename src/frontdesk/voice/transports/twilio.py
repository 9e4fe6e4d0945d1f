"""Twilio Media Streams over a WebSocket: μ-law 8 kHz audio in base64 JSON messages.

In: `connected`, `start` (stream and call ids, custom parameters), `media` every 20 ms, `mark`
(an echo: the audio sent before it has played), `dtmf`, `stop`. Out: `media`, `mark`, `clear`.
Outgoing messages are written from templates: no dict and no json.dumps per audio frame.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from frontdesk.voice import audio

_MEDIA = '{"event":"media","streamSid":"%s","media":{"payload":"%s"}}'
_MARK = '{"event":"mark","streamSid":"%s","mark":{"name":%s}}'
_CLEAR = '{"event":"clear","streamSid":"%s"}'


class StreamError(Exception):
    """The far end did not speak the Media Streams protocol."""


@dataclass
class StreamStart:
    stream_sid: str
    call_sid: str
    account_sid: str
    parameters: dict[str, str] = field(default_factory=dict)
    encoding: str = "audio/x-mulaw"
    sample_rate: int = 8000


class TwilioMediaTransport:
    in_rate = 8000
    out_rate = 8000
    has_marks = True
    has_events = False

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self.stream_sid = ""
        self.frames_in = 0

    async def _receive(self) -> dict[str, Any] | None:
        message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            return None
        text = message.get("text")
        if text is None:
            raw = message.get("bytes") or b""
            text = raw.decode("utf-8", "replace")
        try:
            event = json.loads(text)
        except ValueError:
            raise StreamError("a message was not JSON") from None
        if not isinstance(event, dict):
            raise StreamError("a message was not a JSON object")
        return event

    async def start(self) -> StreamStart:
        """Read up to the `start` message (a `connected` comes first)."""
        for _ in range(3):
            event = await self._receive()
            if event is None:
                raise StreamError("the stream closed before it started")
            if event.get("event") == "start":
                start = event.get("start") or {}
                media_format = start.get("mediaFormat") or {}
                info = StreamStart(
                    stream_sid=str(event.get("streamSid") or start.get("streamSid") or ""),
                    call_sid=str(start.get("callSid") or ""),
                    account_sid=str(start.get("accountSid") or ""),
                    parameters={
                        str(k): str(v) for k, v in (start.get("customParameters") or {}).items()
                    },
                    encoding=str(media_format.get("encoding", "audio/x-mulaw")),
                    sample_rate=int(media_format.get("sampleRate", 8000)),
                )
                if info.encoding != "audio/x-mulaw" or info.sample_rate != 8000:
                    raise StreamError(f"unsupported audio {info.encoding} at {info.sample_rate} Hz")
                if not info.stream_sid:
                    raise StreamError("the start message has no streamSid")
                self.stream_sid = info.stream_sid
                return info
        raise StreamError("no start message")

    async def run(self, session: Any) -> None:
        """Feed the call's events to the session until the caller hangs up."""
        try:
            while not session.ended:
                event = await self._receive()
                if event is None:
                    break
                kind = event.get("event")
                if kind == "media":
                    media = event.get("media") or {}
                    if media.get("track", "inbound") != "inbound":
                        continue
                    try:
                        ulaw = base64.b64decode(media.get("payload") or "", validate=True)
                    except (binascii.Error, ValueError):
                        continue  # one bad frame is a moment of silence, not the end of the call
                    self.frames_in += 1
                    session.audio_in(audio.ulaw_to_pcm16(ulaw))
                elif kind == "mark":
                    session.mark(str((event.get("mark") or {}).get("name", "")))
                elif kind == "dtmf":
                    digit = str((event.get("dtmf") or {}).get("digit", ""))
                    if digit:
                        session.dtmf(digit)
                elif kind == "stop":
                    break
        except (WebSocketDisconnect, StreamError, RuntimeError):
            pass
        session.caller_hung_up()

    async def send_audio(self, pcm: bytes) -> None:
        payload = base64.b64encode(audio.pcm16_to_ulaw(pcm)).decode("ascii")
        await self._send(_MEDIA % (self.stream_sid, payload))

    async def send_mark(self, name: str) -> None:
        await self._send(_MARK % (self.stream_sid, json.dumps(name)))

    async def clear(self) -> None:
        await self._send(_CLEAR % self.stream_sid)

    async def send_event(self, event: dict[str, Any]) -> None:
        return None

    async def _send(self, text: str) -> None:
        if self.websocket.application_state == WebSocketState.CONNECTED:
            try:
                await self.websocket.send_text(text)
            except (WebSocketDisconnect, RuntimeError, OSError):
                pass

    async def close(self) -> None:
        if self.websocket.application_state == WebSocketState.CONNECTED:
            try:
                await self.websocket.close()
            except (RuntimeError, OSError):
                pass
