"""Deepgram live transcription over a WebSocket: audio streams in while the caller speaks, interim
results feed barge-in, and `Finalize` flushes the utterance's final text as soon as it ends."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import structlog
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from frontdesk.voice import hosted
from frontdesk.voice.stt.base import STTUnavailable, Transcript

PROVIDER = "Deepgram"
DEFAULT_URL = "wss://api.deepgram.com"
MODEL = "nova-2"
OPEN_TIMEOUT_S = 5.0
CLOSE_TIMEOUT_S = 2.0
BATCH_SLICE_BYTES = 8192
KEEPALIVE = json.dumps({"type": "KeepAlive"})
FINALIZE = json.dumps({"type": "Finalize"})
CLOSE_STREAM = json.dumps({"type": "CloseStream"})
_WS_SCHEME = {"http": "ws", "https": "wss"}

log = structlog.get_logger("frontdesk.voice")
# websockets logs the handshake's headers, the API key among them, at DEBUG.
_ws_log = logging.getLogger("frontdesk.voice.deepgram.websocket")
_ws_log.setLevel(logging.INFO)


def _ignore(text: str) -> None:
    pass


class DeepgramStream:
    """One live connection: a sender task drains the outbox (audio, then control messages in the
    order they were queued); a receiver task collects results."""

    def __init__(
        self,
        ws: ClientConnection,
        on_interim: Callable[[str], None],
        keepalive_s: float,
        finalize_timeout_s: float,
    ) -> None:
        self._ws = ws
        self._on_interim = on_interim
        self.keepalive_s = keepalive_s
        self.finalize_timeout_s = finalize_timeout_s
        self._outbox: asyncio.Queue[bytes | str] = asyncio.Queue()
        self._finals: list[str] = []
        self._confidences: list[float] = []
        self._fed = 0  # audio bytes since the last finalize
        self._flushed = asyncio.Event()
        self._finalizing = asyncio.Lock()
        self._closing = False
        self._failure: str | None = None
        self._sender = asyncio.create_task(self._send_loop(), name="deepgram-send")
        self._receiver = asyncio.create_task(self._receive_loop(), name="deepgram-receive")

    def feed(self, pcm: bytes) -> None:
        if pcm and not self._closing and self._failure is None:
            self._outbox.put_nowait(pcm)
            self._fed += len(pcm)

    async def finalize(self) -> Transcript:
        async with self._finalizing:
            if self._fed and not self._closing and self._failure is None:
                self._fed = 0
                self._flushed.clear()
                self._outbox.put_nowait(FINALIZE)
                try:
                    async with asyncio.timeout(self.finalize_timeout_s):
                        await self._flushed.wait()
                except TimeoutError:
                    # Late pieces will count towards the next utterance; better than waiting.
                    log.warning("stt_finalize_timed_out", provider="deepgram")
            if self._failure is not None and not self._finals:
                raise STTUnavailable(self._failure, details={"provider": "deepgram"})
            text = " ".join(self._finals)
            confidence = (
                sum(self._confidences) / len(self._confidences) if self._confidences else None
            )
            self._finals, self._confidences = [], []
            return Transcript(text, confidence)

    async def close(self) -> None:
        if self._closing:
            return
        self._closing = True
        if self._failure is None:
            self._outbox.put_nowait(CLOSE_STREAM)
        else:
            self._sender.cancel()
        # Deepgram answers CloseStream with its last results and a Metadata message, then closes.
        tasks = (self._sender, self._receiver)
        try:
            await asyncio.wait(tasks, timeout=CLOSE_TIMEOUT_S)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._ws.close()

    def _fail(self, reason: str) -> None:
        if self._failure is None and not self._closing:
            self._failure = f"{PROVIDER} stream failed: {reason}"
            log.warning("stt_stream_failed", provider="deepgram", reason=reason)
        self._flushed.set()

    async def _send_loop(self) -> None:
        try:
            while True:
                try:
                    async with asyncio.timeout(self.keepalive_s):
                        item = await self._outbox.get()
                except TimeoutError:
                    # Deepgram closes a stream that gets neither audio nor KeepAlive for ~10 s.
                    await self._ws.send(KEEPALIVE)
                    continue
                await self._ws.send(item)
                if item == CLOSE_STREAM:
                    return
        except ConnectionClosed as exc:
            self._fail(_closed(exc))
        except Exception as exc:  # the call must not die with the transcription
            self._fail(repr(exc))

    async def _receive_loop(self) -> None:
        try:
            async for message in self._ws:
                if isinstance(message, str):
                    self._on_message(message)
            if not self._closing:
                self._fail(f"closed by {PROVIDER} (code {self._ws.close_code})")
        except ConnectionClosed as exc:
            self._fail(_closed(exc))
        except Exception as exc:
            self._fail(repr(exc))
        finally:
            self._flushed.set()

    def _on_message(self, message: str) -> None:
        try:
            data = json.loads(message)
        except ValueError:
            return
        # Metadata, SpeechStarted and UtteranceEnd carry nothing the pipeline needs.
        if not isinstance(data, dict) or data.get("type") != "Results":
            return
        best = _best_alternative(data)
        text = str(best.get("transcript") or "").strip()
        interim = ""
        if data.get("is_final"):
            if text:
                self._finals.append(text)
                confidence = best.get("confidence")
                if isinstance(confidence, int | float):
                    self._confidences.append(float(confidence))
            if data.get("from_finalize"):
                self._flushed.set()
                return
        else:
            interim = text
        if text:
            # Barge-in counts the utterance's words so far, not just the current piece's.
            self._report(" ".join([*self._finals, interim]).strip())

    def _report(self, text: str) -> None:
        try:
            self._on_interim(text)
        except Exception as exc:
            log.warning("stt_interim_callback_failed", provider="deepgram", error=repr(exc))


def _best_alternative(data: dict[str, Any]) -> dict[str, Any]:
    channel = data.get("channel")
    alternatives = channel.get("alternatives") if isinstance(channel, dict) else None
    if isinstance(alternatives, list) and alternatives and isinstance(alternatives[0], dict):
        return alternatives[0]
    return {}


def _closed(exc: ConnectionClosed) -> str:
    frame = exc.rcvd
    if frame is None:
        return "the connection was lost"
    reason = f": {frame.reason}" if frame.reason else ""
    return f"closed by {PROVIDER} (code {frame.code}{reason})"


class DeepgramSTT:
    name = "deepgram"
    streaming = True
    keepalive_s = 4.0
    finalize_timeout_s = 3.0

    def __init__(
        self,
        api_key: str,
        base_url: str = DEFAULT_URL,
        language: str = "en-US",
        allow_private: bool = False,
        model: str = MODEL,
    ) -> None:
        self._key = api_key
        scheme, sep, rest = base_url.rstrip("/").partition("://")
        self.base_url = f"{_WS_SCHEME.get(scheme.lower(), scheme)}{sep}{rest}"
        self.language = language or "en-US"
        self.allow_private = allow_private
        self.model = model

    def __repr__(self) -> str:
        return f"DeepgramSTT(model={self.model!r}, base_url={self.base_url!r})"

    def _url(self, rate: int) -> str:
        params = {
            "encoding": "linear16",
            "sample_rate": str(rate),
            "channels": "1",
            "interim_results": "true",
            "punctuate": "true",
            "language": self.language,
            "model": self.model,
        }
        return f"{self.base_url}/v1/listen?{urlencode(params)}"

    async def stream(self, rate: int, on_interim: Callable[[str], None]) -> DeepgramStream:
        url = self._url(rate)
        await hosted.guard(url, self.allow_private, STTUnavailable, PROVIDER)
        try:
            ws = await connect(
                url,
                additional_headers={"Authorization": f"Token {self._key}"},
                open_timeout=OPEN_TIMEOUT_S,
                close_timeout=CLOSE_TIMEOUT_S,
                logger=_ws_log,
            )
        except InvalidStatus as exc:
            raise hosted.status_error(STTUnavailable, PROVIDER, exc.response.status_code) from None
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI) as exc:
            raise hosted.transport_error(STTUnavailable, PROVIDER, exc) from exc
        return DeepgramStream(ws, on_interim, self.keepalive_s, self.finalize_timeout_s)

    async def transcribe(self, pcm: bytes, rate: int) -> Transcript:
        """A finished utterance, sent through a short-lived live stream."""
        if len(pcm) < 2:
            return Transcript("")
        stream = await self.stream(rate, _ignore)
        # Deepgram transcribes faster than real time, but not instantly.
        stream.finalize_timeout_s = self.finalize_timeout_s + len(pcm) / (2 * rate) / 2
        try:
            for start in range(0, len(pcm), BATCH_SLICE_BYTES):
                stream.feed(pcm[start : start + BATCH_SLICE_BYTES])
            return await stream.finalize()
        finally:
            await stream.close()
