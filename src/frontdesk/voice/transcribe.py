"""Speech to text in the pipeline: one final transcription per utterance, in order, and interim
ones while the caller talks over the agent (barge-in needs their word count)."""

from __future__ import annotations

import asyncio
import contextlib
import time

from frontdesk.voice import audio
from frontdesk.voice.frames import (
    Frame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from frontdesk.voice.stage import Stage, log
from frontdesk.voice.state import CallState
from frontdesk.voice.stt.base import STT, STTStream, Transcript

INTERIM_EVERY_MS = 500


class STTStage(Stage):
    def __init__(self, state: CallState, stt: STT, want_interim: bool = False) -> None:
        super().__init__()
        self.state = state
        self.stt = stt
        self.want_interim = want_interim  # only when barge-in counts words
        self._stream: STTStream | None = None
        self._opening: asyncio.Task[STTStream] | None = None
        self._buffer = bytearray()
        self._since_interim = 0
        self._interim_running = False
        self._previous: asyncio.Task[None] | None = None  # keeps finals in utterance order

    def handle(self, frame: Frame) -> None:
        if isinstance(frame, UserStartedSpeakingFrame):
            self._buffer = bytearray()
            self._since_interim = 0
            if self.stt.streaming and self._stream is None and self._opening is None:
                self._opening = self.spawn(self._open(), "stt-open")
            self.push(frame)
        elif isinstance(frame, UserStoppedSpeakingFrame):
            self.push(frame)
            previous = self._previous
            self._previous = self.spawn(self._final(frame, previous), "stt-final")
        else:
            super().handle(frame)

    def on_audio(self, pcm: bytes) -> None:
        # Only utterance audio reaches this stage (the VAD passes speech on, with pre-roll).
        if self._stream is not None:
            self._stream.feed(pcm)
        else:
            self._buffer += pcm
        if self.want_interim and self.state.reply_active and not self.stt.streaming:
            self._since_interim += len(pcm)
            if self._since_interim >= self.state.in_rate * 2 * INTERIM_EVERY_MS // 1000:
                self._since_interim = 0
                if not self._interim_running:
                    self._interim_running = True
                    self.spawn(self._interim(bytes(self._buffer)), "stt-interim")

    async def _open(self) -> STTStream:
        try:
            stream = await self.stt.stream(self.state.in_rate, self._on_interim)
        finally:
            self._opening = None
        if self._buffer:
            stream.feed(bytes(self._buffer))
            self._buffer = bytearray()
        self._stream = stream
        return stream

    def _on_interim(self, text: str) -> None:
        if text:
            self.push(TranscriptionFrame(text, final=False))

    async def _interim(self, pcm: bytes) -> None:
        try:
            result = await self.stt.transcribe(pcm, self.state.in_rate)
            if self.state.user_speaking and result.text:
                self.push(TranscriptionFrame(result.text, final=False))
        finally:
            self._interim_running = False

    async def _final(
        self, frame: UserStoppedSpeakingFrame, previous: asyncio.Task[None] | None
    ) -> None:
        started = time.perf_counter()
        try:
            if self._opening is not None:
                await asyncio.shield(self._opening)
            if self._stream is not None:
                result = await self._stream.finalize()
            else:
                result = await self.stt.transcribe(frame.audio, self.state.in_rate)
        except Exception as exc:  # a failed transcription loses one utterance, not the call
            log.warning("stt_failed", provider=self.stt.name, error=repr(exc))
            result = Transcript("")
            if self._stream is not None:
                # A broken stream is replaced at the caller's next utterance.
                stream, self._stream = self._stream, None
                with contextlib.suppress(Exception):
                    await stream.close()
        if previous is not None and not previous.done():
            await asyncio.wait([previous])
        stt_ms = round((time.perf_counter() - started) * 1000, 1)
        self.push(
            TranscriptionFrame(
                result.text,
                final=True,
                stt_ms=stt_ms,
                speech_end_at=frame.last_speech_at,
                turn_end_at=frame.at,
                speech_ms=audio.duration_ms(frame.audio, self.state.in_rate),
            )
        )

    async def close(self) -> None:
        await super().close()
        if self._stream is not None:
            await self._stream.close()
            self._stream = None
