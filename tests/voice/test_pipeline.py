"""The pipeline's stages, fed lists of frames (and real speech from the local voice)."""

from __future__ import annotations

import asyncio
import time
import wave

import pytest

from frontdesk.voice import audio
from frontdesk.voice.frames import (
    InterruptionFrame,
    MarkFrame,
    ReplyEndFrame,
    ReplyStartFrame,
    TextFrame,
    TranscriptionFrame,
    TTSAudioFrame,
    TTSSentenceEndFrame,
    TTSSentenceStartFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from frontdesk.voice.playout import OutputStage, PlayedReply
from frontdesk.voice.recorder import Recorder
from frontdesk.voice.sentences import SentenceStage, split_ready
from frontdesk.voice.stage import Collector, Pipeline
from frontdesk.voice.state import CallState
from frontdesk.voice.stt.base import STTUnavailable, Transcript
from frontdesk.voice.transcribe import STTStage
from frontdesk.voice.turns import TurnStage
from frontdesk.voice.vad import VADStage
from tests.voice.helpers import MemoryTransport, frames, speech


def _clocked(rate: int) -> tuple[CallState, list[float]]:
    now = [0.0]
    return CallState(rate, rate, clock=lambda: now[0]), now


async def test_vad_finds_the_utterance_in_real_speech() -> None:
    state, now = _clocked(8000)
    vad, out = VADStage(state, stop_ms=300), Collector()
    Pipeline([vad, out])
    spoken = await speech("I would like to book a table for two people tonight.", 8000)
    feed = [*frames(audio.silence(500, 8000), 8000), *frames(spoken, 8000)]
    feed += frames(audio.silence(800, 8000), 8000)
    for frame in feed:
        now[0] += 0.02
        vad.on_audio(frame)
        await asyncio.sleep(0)  # Silero scores the windows in a batch once the loop is free
    assert out.types() == ["UserStartedSpeakingFrame", "UserStoppedSpeakingFrame"]
    started, stopped = out.frames
    assert isinstance(started, UserStartedSpeakingFrame)
    assert isinstance(stopped, UserStoppedSpeakingFrame)
    assert 0.4 < started.at < 0.8  # the speech starts after 0.5 s of silence
    assert stopped.at - stopped.last_speech_at == pytest.approx(0.3, abs=0.021)
    spoken_seconds = len(spoken) / 16000
    assert stopped.last_speech_at == pytest.approx(0.5 + spoken_seconds, abs=0.35)
    # The utterance handed on: the speech (with its pre-roll), not the silence before it.
    assert spoken_seconds - 0.3 < audio.duration_ms(stopped.audio, 8000) / 1000 < spoken_seconds + 1
    assert out.audio  # speech was passed on while it was heard (for streaming STT)


async def test_vad_gate_alone_mistakes_a_tone_for_speech_and_silero_does_not() -> None:
    for use_silero, expected in ((False, ["UserStartedSpeakingFrame"]), (True, [])):
        state, now = _clocked(8000)
        vad, out = VADStage(state, stop_ms=300, use_silero=use_silero), Collector()
        Pipeline([vad, out])
        for frame in frames(audio.tone(1.5, 440.0, 8000, level=0.3), 8000):
            now[0] += 0.02
            vad.on_audio(frame)
            await asyncio.sleep(0)
        assert out.types()[:1] == expected


async def test_vad_rechunks_odd_sizes_and_16khz() -> None:
    state, now = _clocked(16000)
    vad, out = VADStage(state, stop_ms=200), Collector()
    Pipeline([vad, out])
    pcm = audio.silence(300, 16000) + await speech("Hello there.", 16000)
    pcm += audio.silence(600, 16000)
    for i in range(0, len(pcm), 1000):  # 31.25 ms pieces
        now[0] += 1000 / 32000
        vad.on_audio(pcm[i : i + 1000])
        await asyncio.sleep(0)
    assert out.types() == ["UserStartedSpeakingFrame", "UserStoppedSpeakingFrame"]


def test_sentences_split_at_ends_not_abbreviations_or_numbers() -> None:
    ready, rest = split_ready("Dr. Smith sees you at 3.30 today. Bring your card! And", False)
    assert ready == ["Dr. Smith sees you at 3.30 today.", "Bring your card!"]
    assert rest == "And"
    # The first piece of a reply may end at a comma once it has a few words.
    ready, rest = split_ready("Thanks for calling Bright Smile Dental, how can", True)
    assert ready == ["Thanks for calling Bright Smile Dental,"]
    assert rest == "how can"
    assert split_ready("Yes, sure", True) == ([], "Yes, sure")


def test_sentence_stage_streams_sentences_and_flushes_at_the_end() -> None:
    stage, out = SentenceStage(), Collector()
    Pipeline([stage, out])
    for piece in (
        ReplyStartFrame(1),
        TextFrame("We open at nine. We cl"),
        TextFrame("ose at five"),
    ):
        stage.handle(piece)
    assert out.types() == ["ReplyStartFrame", "SentenceFrame"]
    stage.handle(ReplyEndFrame(1))
    assert out.types() == ["ReplyStartFrame", "SentenceFrame", "SentenceFrame", "ReplyEndFrame"]
    assert [getattr(f, "text", None) for f in out.frames[1:3]] == [
        "We open at nine.",
        "We close at five",
    ]
    # A reply stopped by an interruption is not finished off.
    stage.handle(ReplyStartFrame(2))
    stage.handle(TextFrame("Half a sent"))
    stage.handle(ReplyEndFrame(2, stopped=True))
    assert out.types()[-2:] == ["ReplyStartFrame", "ReplyEndFrame"]


def _turns(min_words: int, reply_active: bool) -> tuple[TurnStage, Collector]:
    state = CallState(8000, 8000)
    state.reply_active = reply_active
    stage, out = TurnStage(state, min_words=min_words, interrupt_after_ms=5000), Collector()
    Pipeline([stage, out])
    return stage, out


async def test_turns_interrupt_at_once_when_no_words_are_needed() -> None:
    stage, out = _turns(0, reply_active=True)
    stage.handle(UserStartedSpeakingFrame(0.0))
    assert out.types() == ["UserStartedSpeakingFrame", "InterruptionFrame"]
    stage.handle(UserStoppedSpeakingFrame(1.0, 0.8))
    stage.handle(TranscriptionFrame("Wait, stop."))
    assert out.types()[-1] == "TranscriptionFrame"  # the interruption is a turn


async def test_turns_a_backchannel_neither_interrupts_nor_becomes_a_turn() -> None:
    stage, out = _turns(2, reply_active=True)
    stage.handle(UserStartedSpeakingFrame(0.0))
    stage.handle(TranscriptionFrame("uh-huh", final=False))
    stage.handle(UserStoppedSpeakingFrame(0.5, 0.3))
    stage.handle(TranscriptionFrame("Uh-huh."))
    assert "InterruptionFrame" not in out.types()
    assert [f for f in out.frames if isinstance(f, TranscriptionFrame) and f.final] == []


async def test_turns_interrupt_once_the_caller_said_enough_words() -> None:
    stage, out = _turns(2, reply_active=True)
    stage.handle(UserStartedSpeakingFrame(0.0))
    stage.handle(TranscriptionFrame("sorry", final=False))
    assert "InterruptionFrame" not in out.types()
    stage.handle(TranscriptionFrame("sorry but", final=False))
    assert out.types()[-2:] == ["InterruptionFrame", "TranscriptionFrame"]
    stage.handle(UserStoppedSpeakingFrame(1.0, 0.8))
    stage.handle(TranscriptionFrame("Sorry, but I have a question."))
    assert out.types()[-1] == "TranscriptionFrame"


async def test_turns_long_speech_interrupts_without_words() -> None:
    state = CallState(8000, 8000)
    state.reply_active = True
    stage, out = TurnStage(state, min_words=3, interrupt_after_ms=100), Collector()
    Pipeline([stage, out])
    stage.handle(UserStartedSpeakingFrame(0.0))
    await asyncio.sleep(0.2)
    assert out.types()[-1] == "InterruptionFrame"


def _reply(stage: OutputStage, reply_id: int, sentences: list[tuple[str, float]]) -> None:
    stage.handle(ReplyStartFrame(reply_id))
    for index, (text, seconds) in enumerate(sentences):
        stage.handle(TTSSentenceStartFrame(reply_id, index, text))
        stage.handle(TTSAudioFrame(audio.tone(seconds, 440.0, 8000), reply_id, index))
        stage.handle(TTSSentenceEndFrame(reply_id, index))
    stage.handle(ReplyEndFrame(reply_id))


async def test_playout_paces_audio_in_real_time_and_marks_each_sentence() -> None:
    state = CallState(8000, 8000)
    state.reply_active = True
    transport = MemoryTransport(8000, marks=True)
    done: list[PlayedReply] = []
    stage = OutputStage(state, transport, on_reply_done=done.append, lead_ms=80)
    transport.session = type("S", (), {"mark": lambda _, name: stage.handle(_mark(name))})()
    _reply(stage, 1, [("Hello there.", 0.4), ("How can I help?", 0.4)])
    await asyncio.sleep(1.2)
    sends = [t for kind, t, _ in transport.sent if kind == "audio"]
    assert sends[-1] - sends[0] > 0.6  # 0.8 s of audio, sent as it plays (minus the lead)
    assert transport.audio_seconds() == pytest.approx(0.8, abs=0.01)
    assert [p for kind, _, p in transport.sent if kind == "mark"] == ["1.0", "1.1"]
    assert len(done) == 1
    assert done[0].heard_text == "Hello there. How can I help?"
    assert not done[0].interrupted
    assert not state.reply_active
    await stage.close()


def _mark(name: str) -> MarkFrame:
    return MarkFrame(name)


async def test_playout_interruption_clears_and_keeps_what_was_heard() -> None:
    state = CallState(8000, 8000)
    state.reply_active = True
    transport = MemoryTransport(8000)
    done: list[PlayedReply] = []
    stage = OutputStage(state, transport, on_reply_done=done.append)
    text = "one two three four five six seven eight nine ten"
    _reply(stage, 1, [(text, 2.0)])
    await asyncio.sleep(0.7)
    stage.handle(InterruptionFrame())
    await asyncio.sleep(0.05)
    assert "clear" in transport.kinds()
    assert len(done) == 1
    assert done[0].interrupted
    heard = done[0].heard_text.split()
    assert 2 <= len(heard) <= 5
    assert text.startswith(done[0].heard_text)
    sent_before = transport.audio_seconds()
    await asyncio.sleep(0.3)
    assert transport.audio_seconds() == sent_before  # nothing more after the interruption
    await stage.close()


def test_recorder_writes_both_sides_on_the_callers_timeline(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    now = [100.0]
    recorder = Recorder(tmp_path / "call.wav", 8000, clock=lambda: now[0])
    for frame in frames(audio.silence(1000, 8000), 8000):
        now[0] += 0.02
        recorder.caller(frame)
    recorder.agent(audio.tone(0.5, 440.0, 8000), now[0] - 0.6)  # it played from 0.4 s
    recorder.agent(audio.tone(0.5, 440.0, 8000), now[0] + 0.2)  # sent ahead, then cut
    recorder.cut_agent(now[0])
    path, seconds, size = recorder.finish()
    with wave.open(str(path)) as w:
        assert w.getnchannels() == 2
        assert w.getframerate() == 8000
        data = w.readframes(w.getnframes())
    assert seconds == pytest.approx(1.0, abs=0.03)
    assert size == path.stat().st_size
    right = bytes(b for i in range(0, len(data), 4) for b in data[i + 2 : i + 4])
    agent_ms = sum(1 for i in range(0, len(right), 160) if audio.rms(right[i : i + 160]) > 100)
    assert 45 <= agent_ms <= 55  # 0.5 s of agent audio in 10 ms blocks; the cut part is gone
    assert not path.with_suffix(".raw").exists()


async def test_playout_latency_from_tts_audio_to_the_wire_is_small() -> None:
    state = CallState(8000, 8000)
    state.reply_active = True
    transport = MemoryTransport(8000)
    stage = OutputStage(state, transport)
    stage.handle(ReplyStartFrame(1))
    stage.handle(TTSSentenceStartFrame(1, 0, "Hi."))
    sent_at = time.monotonic()
    stage.handle(TTSAudioFrame(audio.tone(0.3, 440.0, 8000), 1, 0))
    await asyncio.sleep(0.05)
    first = transport.first("audio")
    assert first is not None
    assert first - sent_at < 0.02
    await stage.close()


async def test_silero_scores_many_calls_in_one_batch_as_it_would_one_by_one() -> None:
    from frontdesk.voice import vad

    spoken = await speech("Good morning, I would like to book a table.", 8000)
    one_by_one = vad.Silero(8000)
    alone = []
    batch = vad.SileroBatch.for_rate(8000)
    for frame in frames(spoken, 8000):
        one_by_one.feed(frame)
        batch.run()  # scored at once, batch of one
        alone.append(one_by_one.probability)
    calls = [vad.Silero(8000) for _ in range(5)]
    runs = 0
    original = batch.run

    def counted() -> None:
        nonlocal runs
        runs += 1
        original()

    batch.run = counted  # type: ignore[method-assign]
    together: list[float] = []
    try:
        for frame in frames(spoken, 8000):
            for call in calls:
                call.feed(frame)
            await asyncio.sleep(0)  # the batch runs once for all five calls
            assert len({c.probability for c in calls}) == 1
            together.append(calls[0].probability)
    finally:
        batch.run = original  # type: ignore[method-assign]
    windows = len(frames(spoken, 8000)) * 160 // 256
    assert runs == windows  # one model run per window for all five calls, not five
    assert max(abs(a - b) for a, b in zip(alone, together, strict=True)) < 1e-4
    assert max(together) > 0.9


class _FlakyStream:
    def __init__(self, broken: bool) -> None:
        self.broken = broken
        self.fed = 0

    def feed(self, pcm: bytes) -> None:
        self.fed += len(pcm)

    async def finalize(self) -> Transcript:
        if self.broken:
            raise STTUnavailable("the stream closed")
        return Transcript("second time lucky")

    async def close(self) -> None:
        return None


class _FlakyStreamingSTT:
    name = "flaky"
    streaming = True

    def __init__(self) -> None:
        self.opened: list[_FlakyStream] = []

    async def transcribe(self, pcm: bytes, rate: int) -> Transcript:
        raise AssertionError("a streaming provider is fed as the caller speaks")

    async def stream(self, rate: int, on_interim: object) -> _FlakyStream:
        stream = _FlakyStream(broken=not self.opened)
        self.opened.append(stream)
        return stream


async def test_a_broken_stt_stream_loses_one_utterance_and_is_replaced() -> None:
    state = CallState(8000, 8000)
    stt = _FlakyStreamingSTT()
    stage, out = STTStage(state, stt), Collector()
    Pipeline([stage, out])
    for _ in range(2):
        stage.handle(UserStartedSpeakingFrame(0.0))
        await asyncio.sleep(0.01)
        stage.on_audio(audio.silence(20, 8000))
        stage.handle(UserStoppedSpeakingFrame(1.0, 0.8, audio.silence(20, 8000)))
        await asyncio.sleep(0.05)
    finals = [f.text for f in out.frames if isinstance(f, TranscriptionFrame)]
    assert finals == ["", "second time lucky"]
    assert len(stt.opened) == 2
    assert all(s.fed > 0 for s in stt.opened)
    await stage.close()
