"""Playout: agent audio goes out paced in real time, a little ahead of what is playing, with a
mark after each sentence; an interruption clears it and records what the caller actually heard.

One sender task per call drains the call's playout queue; it sends `chunk_ms` pieces while it is
less than `lead_ms` ahead of the playback clock, then sleeps. Transports with marks (Twilio)
report when each sentence has played; for the others the playback clock tells.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from frontdesk.voice import audio
from frontdesk.voice.frames import (
    Frame,
    InterruptionFrame,
    MarkFrame,
    ReplyEndFrame,
    ReplyStartFrame,
    TTSAudioFrame,
    TTSSentenceEndFrame,
    TTSSentenceStartFrame,
)
from frontdesk.voice.recorder import Recorder
from frontdesk.voice.stage import Stage, log
from frontdesk.voice.state import CallState
from frontdesk.voice.transports.base import Transport

MARK_GRACE_SECONDS = 1.5  # how long past the playback clock a mark echo may be late


@dataclass(slots=True)
class _Sentence:
    text: str
    start: float | None = None  # when its first sample plays (playback clock)
    duration: float = 0.0  # seconds of its audio received from TTS so far
    complete: bool = False  # all its audio has been sent
    played: bool = False  # the far end reported it played (mark)


@dataclass
class PlayedReply:
    """One reply as the caller experienced it."""

    reply_id: int
    reason: str
    full_text: str
    heard_text: str
    interrupted: bool
    end_call: bool
    first_audio_at: float | None
    transfer_to: str | None = None


@dataclass
class _Reply:
    reply_id: int
    reason: str
    sentences: dict[int, _Sentence] = field(default_factory=dict)
    ended: bool = False  # its ReplyEndFrame arrived
    end_call: bool = False
    transfer_to: str | None = None
    interrupted: bool = False
    heard_at_interruption: str | None = None
    first_audio_at: float | None = None
    audio_queued: int = 0  # audio items not yet sent
    finished: bool = False
    timer: asyncio.TimerHandle | None = None


def _prefix(text: str, fraction: float) -> str:
    words = text.split()
    return " ".join(words[: int(len(words) * fraction + 1e-9)])


class OutputStage(Stage):
    def __init__(
        self,
        state: CallState,
        transport: Transport,
        recorder: Recorder | None = None,
        on_reply_done: Callable[[PlayedReply], None] | None = None,
        lead_ms: int = 80,
        chunk_ms: int = 20,
    ) -> None:
        super().__init__()
        self.state = state
        self.transport = transport
        self.recorder = recorder
        self.on_reply_done = on_reply_done
        self.lead = lead_ms / 1000
        self.chunk_bytes = audio.frame_bytes(state.out_rate, chunk_ms)
        self._bytes_per_second = state.out_rate * audio.SAMPLE_WIDTH
        self._items: deque[tuple[int, int, int, bytes] | tuple[int, str] | tuple[int, int]] = (
            deque()
        )
        self._head_offset = 0
        self._wake = asyncio.Event()
        self._play_end = 0.0  # when everything sent so far will have played
        self._replies: dict[int, _Reply] = {}
        self._current: _Reply | None = None
        self._sender: asyncio.Task[None] | None = None
        self.closing = False  # the call is ending: nothing more goes to the far end
        self.marks_echoed: int = 0
        self.clears_sent: int = 0

    # -- frames ---------------------------------------------------------------------------------

    def handle(self, frame: Frame) -> None:
        if isinstance(frame, TTSAudioFrame):
            reply = self._replies.get(frame.reply_id)
            if reply is None or reply.interrupted:
                return
            reply.audio_queued += 1
            sentence = reply.sentences.get(frame.sentence)
            if sentence is not None:
                sentence.duration += len(frame.pcm) / self._bytes_per_second
            self._enqueue((_AUDIO, frame.reply_id, frame.sentence, frame.pcm))
        elif isinstance(frame, TTSSentenceStartFrame):
            reply = self._replies.get(frame.reply_id)
            if reply is not None and not reply.interrupted:
                reply.sentences[frame.sentence] = _Sentence(frame.text)
        elif isinstance(frame, TTSSentenceEndFrame):
            reply = self._replies.get(frame.reply_id)
            if reply is not None and not reply.interrupted:
                self._enqueue((_MARK, f"{frame.reply_id}.{frame.sentence}"))
        elif isinstance(frame, ReplyStartFrame):
            reply = _Reply(frame.reply_id, frame.reason)
            self._replies[frame.reply_id] = reply
            self._current = reply
        elif isinstance(frame, ReplyEndFrame):
            reply = self._replies.get(frame.reply_id)
            if reply is not None:
                reply.ended = True
                reply.end_call = frame.end_call
                reply.transfer_to = frame.transfer_to
                if reply.interrupted or frame.stopped:
                    self._finish(reply)
                else:
                    self._enqueue((_END, frame.reply_id))
        elif isinstance(frame, MarkFrame):
            self._on_mark(frame.name)
        elif isinstance(frame, InterruptionFrame):
            self.interrupt()
            self.push(frame)
        else:
            self.push(frame)

    def _enqueue(
        self, item: tuple[int, int, int, bytes] | tuple[int, str] | tuple[int, int]
    ) -> None:
        self._items.append(item)
        if self._sender is None or self._sender.done():
            self._sender = self.spawn(self._send_loop(), "playout")
        self._wake.set()

    # -- sending --------------------------------------------------------------------------------

    async def _send_loop(self) -> None:
        clock = self.state.clock
        while True:
            if not self._items:
                self._wake.clear()
                await self._wake.wait()
                continue
            item = self._items[0]
            if item[0] == _AUDIO:
                now = clock()
                ahead = self._play_end - now
                if ahead > self.lead:
                    await asyncio.sleep(ahead - self.lead)
                    continue
                _, reply_id, index, pcm = item  # type: ignore[misc]
                chunk = pcm[self._head_offset : self._head_offset + self.chunk_bytes]
                self._head_offset += len(chunk)
                if self._head_offset >= len(pcm):
                    self._items.popleft()
                    self._head_offset = 0
                    reply = self._replies.get(reply_id)
                    if reply is not None:
                        reply.audio_queued -= 1
                await self._send_audio(reply_id, index, chunk, now)
            elif item[0] == _MARK:
                self._items.popleft()
                await self.transport.send_mark(item[1])  # type: ignore[arg-type]
                self._sentence_sent(str(item[1]))
            else:
                self._items.popleft()
                reply = self._replies.get(int(item[1]))
                if reply is not None:
                    self._schedule_finish(reply)

    async def _send_audio(self, reply_id: int, index: int, chunk: bytes, now: float) -> None:
        reply = self._replies.get(reply_id)
        if reply is None or reply.interrupted:
            return
        start = max(self._play_end, now)
        seconds = len(chunk) / self._bytes_per_second
        self._play_end = start + seconds
        if reply.first_audio_at is None:
            reply.first_audio_at = now
        sentence = reply.sentences.get(index)
        if sentence is not None and sentence.start is None:
            sentence.start = start
        if self.recorder is not None:
            self.recorder.agent(chunk, start)
        await self.transport.send_audio(chunk)

    def _sentence_sent(self, name: str) -> None:
        reply_id, index = (int(part) for part in name.split("."))
        reply = self._replies.get(reply_id)
        if reply is not None and index in reply.sentences:
            reply.sentences[index].complete = True

    def _on_mark(self, name: str) -> None:
        try:
            reply_id, index = (int(part) for part in name.split("."))
        except ValueError:
            return
        self.marks_echoed += 1
        reply = self._replies.get(reply_id)
        if reply is None or index not in reply.sentences:
            return
        reply.sentences[index].played = True
        if (
            reply.ended
            and not reply.audio_queued
            and all(s.played for s in reply.sentences.values())
        ):
            self._finish(reply)

    def _schedule_finish(self, reply: _Reply) -> None:
        """Everything of the reply has been sent: it is over once it has played."""
        if reply.finished:
            return
        delay = max(0.0, self._play_end - self.state.clock())
        if self.transport.has_marks and reply.sentences:
            delay += MARK_GRACE_SECONDS  # normally the last mark's echo finishes it sooner
        loop = asyncio.get_running_loop()
        reply.timer = loop.call_later(delay, self._finish, reply)

    # -- what was heard -------------------------------------------------------------------------

    def heard(self, reply: _Reply, now: float) -> str:
        parts: list[str] = []
        confirmed_until: float | None = None
        for index in sorted(reply.sentences):
            sentence = reply.sentences[index]
            if sentence.start is None:
                break
            if sentence.played:
                parts.append(sentence.text)
                confirmed_until = now
                continue
            start = sentence.start
            if self.transport.has_marks and confirmed_until is not None:
                start = max(start, confirmed_until)
            if (
                sentence.complete
                and not self.transport.has_marks
                and now >= start + sentence.duration
            ):
                parts.append(sentence.text)
                continue
            if sentence.duration > 0 and now > start:
                fraction = min(1.0, (now - start) / sentence.duration)
                if not sentence.complete:
                    fraction = min(fraction, 0.99)
                partial = _prefix(sentence.text, fraction)
                if partial:
                    parts.append(partial)
            break
        return " ".join(parts)

    def interrupt(self) -> None:
        now = self.state.clock()
        reply = self._current
        self._items.clear()
        self._head_offset = 0
        self.state.reply_active = False
        if reply is None or reply.finished:
            return
        reply.interrupted = True
        reply.heard_at_interruption = self.heard(reply, now)
        if reply.timer is not None:
            reply.timer.cancel()
        if reply.first_audio_at is not None:
            self._play_end = now
            if self.recorder is not None:
                self.recorder.cut_agent(now)
            if not self.closing:
                self.clears_sent += 1
                self.spawn(self.transport.clear(), "clear")
        if reply.ended:
            self._finish(reply)

    def _finish(self, reply: _Reply) -> None:
        if reply.finished:
            return
        reply.finished = True
        if reply.timer is not None:
            reply.timer.cancel()
        self._replies.pop(reply.reply_id, None)
        full = " ".join(s.text for _, s in sorted(reply.sentences.items()))
        if reply.interrupted:
            heard = reply.heard_at_interruption or ""
        else:
            heard = full
        if self._current is reply:
            self._current = None
            if not reply.interrupted:
                self.state.reply_active = False
        if self.on_reply_done is not None:
            self.on_reply_done(
                PlayedReply(
                    reply.reply_id,
                    reply.reason,
                    full,
                    heard,
                    reply.interrupted,
                    reply.end_call and not reply.interrupted,
                    reply.first_audio_at,
                    None if reply.interrupted else reply.transfer_to,
                )
            )

    async def close(self) -> None:
        for reply in self._replies.values():
            if reply.timer is not None:
                reply.timer.cancel()
        await super().close()
        with contextlib.suppress(Exception):
            self._items.clear()


_AUDIO, _MARK, _END = 0, 1, 2
__all__ = ["OutputStage", "PlayedReply", "log"]
