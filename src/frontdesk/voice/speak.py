"""Text to speech in the pipeline: the reply's sentences are synthesized in order, one after the
other in a task per reply, and their audio resampled to the transport's rate as it comes."""

from __future__ import annotations

import asyncio

from frontdesk.voice import audio
from frontdesk.voice.frames import (
    Frame,
    ReplyEndFrame,
    ReplyStartFrame,
    SentenceFrame,
    TTSAudioFrame,
    TTSSentenceEndFrame,
    TTSSentenceStartFrame,
)
from frontdesk.voice.stage import Stage, log
from frontdesk.voice.state import CallState
from frontdesk.voice.tts.base import TTS

_END = object()


class TTSStage(Stage):
    def __init__(self, state: CallState, tts: TTS, volume: float = 1.0) -> None:
        super().__init__()
        self.state = state
        self.tts = tts
        self.volume = volume
        self._reply_id = 0
        self._queue: asyncio.Queue[str | ReplyEndFrame | object] | None = None
        self._task: asyncio.Task[None] | None = None
        self.first_audio_at: dict[int, float] = {}

    def handle(self, frame: Frame) -> None:
        if isinstance(frame, ReplyStartFrame):
            self._reply_id = frame.reply_id
            self.push(frame)
        elif isinstance(frame, SentenceFrame):
            self._ensure_worker().put_nowait(frame.text)
        elif isinstance(frame, ReplyEndFrame):
            if frame.stopped or self._queue is None:
                self.push(frame)
            else:
                self._queue.put_nowait(frame)  # after the reply's audio
        else:
            super().handle(frame)

    def _ensure_worker(self) -> asyncio.Queue[str | ReplyEndFrame | object]:
        if self._queue is None or self._task is None or self._task.done():
            self._queue = asyncio.Queue()
            self._task = self.spawn(self._work(self._queue, self._reply_id), "tts")
        return self._queue

    async def _work(
        self, queue: asyncio.Queue[str | ReplyEndFrame | object], reply_id: int
    ) -> None:
        sentence = 0
        while True:
            item = await queue.get()
            if isinstance(item, ReplyEndFrame):
                self.push(item)
                if self._queue is queue:
                    self._queue = None
                return
            if not isinstance(item, str):
                return
            self.push(TTSSentenceStartFrame(reply_id, sentence, item))
            resampler = audio.StreamResampler(self.tts.sample_rate, self.state.out_rate)
            try:
                async for chunk in self.tts.synthesize(item):
                    pcm = audio.scale(resampler.push(chunk), self.volume)
                    if pcm:
                        self.first_audio_at.setdefault(reply_id, self.state.clock())
                        self.push(TTSAudioFrame(pcm, reply_id, sentence))
                tail = resampler.push(b"", last=True)
                if tail:
                    self.push(TTSAudioFrame(audio.scale(tail, self.volume), reply_id, sentence))
            except Exception as exc:  # one sentence the voice could not say; the call goes on
                log.warning("tts_failed", provider=self.tts.name, error=repr(exc))
            self.push(TTSSentenceEndFrame(reply_id, sentence))
            sentence += 1

    def interrupt(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._queue = None
