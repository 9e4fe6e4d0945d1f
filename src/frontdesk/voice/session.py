"""One call: the pipeline for it, the greeting, idle reminders and hang-up, maximum duration,
voicemail detection, how the call ended, per-turn latency and the recording.

A call costs one pipeline of plain objects, the transport's receive loop, a playout task, the
short-lived tasks of the reply in progress and one 4 Hz timer; no task or queue per stage.
"""

from __future__ import annotations

import asyncio
import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from frontdesk.voice import voicemail
from frontdesk.voice.config import IDLE_GOODBYE, VoiceConfig
from frontdesk.voice.frames import (
    DTMFFrame,
    Frame,
    InterruptionFrame,
    MarkFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from frontdesk.voice.playout import OutputStage, PlayedReply
from frontdesk.voice.recorder import Recorder
from frontdesk.voice.respond import Responder, ResponderStage
from frontdesk.voice.sentences import SentenceStage
from frontdesk.voice.speak import TTSStage
from frontdesk.voice.stage import Pipeline, Stage, log
from frontdesk.voice.state import CallState
from frontdesk.voice.stt.base import STT
from frontdesk.voice.transcribe import STTStage
from frontdesk.voice.transports.base import Transport
from frontdesk.voice.tts.base import TTS
from frontdesk.voice.turns import TurnStage
from frontdesk.voice.vad import VADStage

TICK_SECONDS = 0.25
WAIT_FOR_CALLEE_SECONDS = 3.0  # outbound: how long to wait for "Hello?" before greeting
WAIT_FOR_WORDS_SECONDS = 2.5  # ... and after they spoke, for their words to be transcribed
SCREEN_PAUSE_SECONDS = 1.2  # a pause this long after their first words: a person, not a machine
SETTLE_SECONDS = 10.0  # at the end, how long the engine may take to store the last reply
TRANSFER_FAILED = "Sorry, I could not transfer your call right now."
TRANSFER_REQUESTED = "transfer_requested"  # the reason of the line said before a requested transfer
SPOKEN_CHARACTERS_PER_SECOND = 5.0  # slower than speech: a line is said well within its deadline


@dataclass
class Outcome:
    status: str  # completed | hangup_on_voicemail
    end_reason: str
    end_detail: str | None
    started_at: datetime
    ended_at: datetime
    duration_seconds: float
    turns: list[dict[str, Any]]
    interruptions: int
    recording: tuple[Path, float, int] | None = None
    transcript: list[tuple[str, str]] = field(default_factory=list)

    @property
    def latency(self) -> dict[str, float | None]:
        values = sorted(t["latency_ms"] for t in self.turns if t.get("latency_ms") is not None)
        if not values:
            return {"p50_ms": None, "p95_ms": None}
        p95 = values[min(len(values) - 1, max(0, round(0.95 * len(values) + 0.5) - 1))]
        return {"p50_ms": round(statistics.median(values), 1), "p95_ms": round(p95, 1)}


class ControlStage(Stage):
    """Between turn taking and the responder: the session sees each turn before the engine."""

    def __init__(self, session: VoiceSession) -> None:
        super().__init__()
        self.session = session

    def handle(self, frame: Frame) -> None:
        if isinstance(frame, TranscriptionFrame) and frame.final:
            if self.session.accept_turn(frame):
                self.push(frame)
                self.session.turn_started(frame)
            return
        if isinstance(frame, UserStartedSpeakingFrame | UserStoppedSpeakingFrame):
            self.session.user_activity()
        elif isinstance(frame, InterruptionFrame):
            self.session.interrupted()
        super().handle(frame)


class VoiceSession:
    def __init__(
        self,
        config: VoiceConfig,
        transport: Transport,
        stt: STT,
        tts: TTS,
        responder: Responder,
        *,
        recording_path: Path | None = None,
        use_silero: bool = True,
        lead_ms: int = 80,
        chunk_ms: int = 20,
        connected_at: datetime | None = None,
        on_transfer: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.config = config
        self.on_transfer = on_transfer
        self.transport = transport
        self.state = CallState(transport.in_rate, transport.out_rate)
        self.recorder = (
            Recorder(recording_path, transport.in_rate)
            if recording_path is not None and config.record
            else None
        )
        self.pipeline = self._build(stt, tts, responder, use_silero, lead_ms, chunk_ms)
        self.transcript: list[tuple[str, str]] = []
        self.turns: list[dict[str, Any]] = []
        self._pending: dict[int, dict[str, Any]] = {}  # reply id -> timings of its turn
        self.interruptions = 0
        # The call began when its audio did (a transport may connect before the session runs).
        self._started_wall = connected_at or datetime.now(UTC)
        self._started = self.state.clock()
        self._ended: asyncio.Future[tuple[str, str | None, str]] | None = None
        self._tick: asyncio.TimerHandle | None = None
        self._greeting_timer: asyncio.TimerHandle | None = None
        self._greeted = config.greeting is None
        self._reminded = False
        self._callee_spoke = False
        # Outbound with voicemail detection: the greeting waits for the callee's first words.
        self._screening = config.voicemail_detection
        self._screen_text = ""
        self._screen_ms = 0.0
        self._screen_timer: asyncio.TimerHandle | None = None
        self._idle_goodbye = False
        self._last_user_text = ""
        self._last_reply_ended_call = False
        self._heard_tasks: set[asyncio.Task[None]] = set()
        self.outcome: Outcome | None = None
        self._transferring = False
        self._requested_transfer: str | None = None

    def _build(
        self,
        stt: STT,
        tts: TTS,
        responder: Responder,
        use_silero: bool,
        lead_ms: int,
        chunk_ms: int,
    ) -> Pipeline:
        config = self.config
        self.responder_stage = ResponderStage(self.state, responder)
        self.sentence_stage = SentenceStage(self.state.clock)
        self.tts_stage = TTSStage(self.state, tts, config.volume)
        self.output = OutputStage(
            self.state,
            self.transport,
            self.recorder,
            on_reply_done=self._reply_done,
            lead_ms=lead_ms,
            chunk_ms=chunk_ms,
        )
        return Pipeline(
            [
                VADStage(self.state, stop_ms=config.silence_ms, use_silero=use_silero),
                STTStage(self.state, stt, want_interim=config.min_words_to_interrupt > 0),
                TurnStage(self.state, config.min_words_to_interrupt, config.interrupt_after_ms),
                ControlStage(self),
                self.responder_stage,
                self.sentence_stage,
                self.tts_stage,
                self.output,
            ]
        )

    # -- the transport's side -------------------------------------------------------------------

    def audio_in(self, pcm: bytes) -> None:
        """Caller audio, PCM16 at `transport.in_rate`, any length (20 ms frames normally)."""
        if self.recorder is not None:
            self.recorder.caller(pcm)
        self.pipeline.audio(pcm)

    def mark(self, name: str) -> None:
        self.pipeline.feed(MarkFrame(name))

    def dtmf(self, digit: str) -> None:
        self.user_activity()
        self.pipeline.feed(DTMFFrame(digit))

    def caller_hung_up(self) -> None:
        if self._transferring:
            # The network ends our leg of the call as it hands it over.
            self.end("transferred", "live_transfer")
        elif self._last_reply_ended_call:
            self.end("agent_goodbye", "caller_hung_up_after_goodbye")
        elif voicemail.says_goodbye(self._last_user_text):
            self.end("human_goodbye", "caller_hung_up")
        else:
            self.end("human_pick_up_cut_off", "caller_hung_up")

    def hangup(self, detail: str = "hangup_requested") -> None:
        self.end("agent_goodbye", detail)

    # -- lifecycle ------------------------------------------------------------------------------

    async def run(self) -> Outcome:
        loop = asyncio.get_running_loop()
        self._ended = loop.create_future()
        self._started = self.state.clock()
        self.state.last_activity_at = self._started
        if not self._greeted:
            wait = (
                WAIT_FOR_CALLEE_SECONDS
                if self.config.voicemail_detection
                else self.config.initial_pause_seconds
            )
            self._greeting_timer = loop.call_later(wait, self._greet)
        self._tick = loop.call_later(TICK_SECONDS, self._on_tick)
        status, reason, detail = "completed", "undefined", None
        try:
            reason, detail, status = await self._ended
        finally:
            outcome = await self._shut_down(status, reason, detail)
        return outcome

    def end(self, reason: str, detail: str | None = None, status: str = "completed") -> None:
        if self._ended is not None and not self._ended.done():
            self._ended.set_result((reason, detail, status))

    @property
    def ended(self) -> bool:
        return self._ended is not None and self._ended.done()

    async def _shut_down(self, status: str, reason: str, detail: str | None) -> Outcome:
        for timer in (self._tick, self._greeting_timer, self._screen_timer):
            if timer is not None:
                timer.cancel()
        # A reply still on its way stops here; the transcript keeps what was heard of it.
        self.output.closing = True
        self.responder_stage.handle(InterruptionFrame())
        await self.responder_stage.settle(SETTLE_SECONDS)
        if self._heard_tasks:
            await asyncio.wait(set(self._heard_tasks), timeout=SETTLE_SECONDS)
        await self.pipeline.close()
        try:
            await self.transport.send_event({"type": "ended", "reason": reason})
            await self.transport.close()
        except Exception as exc:  # the far end may be gone already
            log.debug("transport_close_failed", error=repr(exc))
        recording = None
        if self.recorder is not None:
            recording = await asyncio.to_thread(self.recorder.finish)
        ended = datetime.now(UTC)
        self.outcome = Outcome(
            status=status,
            end_reason=reason,
            end_detail=detail,
            started_at=self._started_wall,
            ended_at=ended,
            duration_seconds=round((ended - self._started_wall).total_seconds(), 2),
            turns=self.turns,
            interruptions=self.interruptions,
            recording=recording,
            transcript=self.transcript,
        )
        return self.outcome

    # -- greeting, timers -----------------------------------------------------------------------

    def _greet(self, at_once: bool = False) -> None:
        self._greeting_timer = None
        if self._greeted or self.ended:
            return
        # While the callee's first words are being screened for a machine, the screening greets;
        # if what they made was no words at all, the greeting goes ahead after a while.
        waiting_for_words = (
            self._screening
            and self._callee_spoke
            and self.state.clock() - self.state.last_activity_at < WAIT_FOR_WORDS_SECONDS
        )
        if not at_once and (self.state.user_speaking or waiting_for_words or self._screen_timer):
            loop = asyncio.get_running_loop()
            self._greeting_timer = loop.call_later(TICK_SECONDS, self._greet)
            return
        self._screening = False
        self._greeted = True
        if self.config.greeting:
            self.responder_stage.say(self.config.greeting, "greeting")

    def _on_tick(self) -> None:
        if self.ended:
            return
        now = self.state.clock()
        loop = asyncio.get_running_loop()
        self._tick = loop.call_later(TICK_SECONDS, self._on_tick)
        limit = self.config.max_duration_seconds
        if limit is not None and now - self._started >= limit:
            self.end("max_duration", "max_duration")
            return
        if not self._greeted or self.state.user_speaking or self.state.reply_active:
            return
        idle = now - self.state.last_activity_at
        if idle >= self.config.allowed_idle_seconds and not self._idle_goodbye:
            self._idle_goodbye = True
            self.responder_stage.say(IDLE_GOODBYE, "idle_goodbye", end_call=True)
        elif (
            self.config.send_idle_reminders
            and not self._reminded
            and idle >= self.config.reminder_after_seconds
        ):
            self._reminded = True
            self.responder_stage.say(self.config.reminder_message, "reminder")

    # -- what the stages report -----------------------------------------------------------------

    def user_activity(self) -> None:
        self.state.last_activity_at = self.state.clock()
        self._reminded = False
        self._callee_spoke = True

    def interrupted(self) -> None:
        self.interruptions += 1
        self._last_reply_ended_call = False
        self.transport_event({"type": "interrupted"})

    def accept_turn(self, frame: TranscriptionFrame) -> bool:
        """Whether a transcribed utterance goes to the engine (False: handled here)."""
        self._last_user_text = frame.text
        self.transcript.append(("human", frame.text))
        self.transport_event({"type": "transcript", "role": "user", "text": frame.text})
        if self._screening:
            if self.config.greeting:  # else the screened words go to the engine together
                self.responder_stage.note(frame.text)
            return self._screen(frame)
        if not self._greeted:
            self.responder_stage.note(frame.text)
            # The caller spoke first ("Hello?"): answer with the greeting.
            if self._greeting_timer is not None:
                self._greeting_timer.cancel()
            self._greet(at_once=True)
            return False
        return True

    def _screen(self, frame: TranscriptionFrame) -> bool:
        """Voicemail detection: the callee's first words, up to their first pause, decide. A
        person says "Hello?" and waits; a machine talks on (pauses shorter than a second)."""
        self._screen_text = f"{self._screen_text} {frame.text}".strip()
        self._screen_ms += frame.speech_ms
        why = voicemail.sounds_like_machine(self._screen_text, self._screen_ms)
        if why is not None:
            self.end("voicemail", why, status="hangup_on_voicemail")
            return False
        if self._screen_timer is not None:
            self._screen_timer.cancel()
        loop = asyncio.get_running_loop()
        self._screen_timer = loop.call_later(SCREEN_PAUSE_SECONDS, self._screened)
        return False

    def _screened(self) -> None:
        self._screen_timer = None
        if self.ended:
            return
        quiet_for = self.state.clock() - self.state.last_activity_at
        if self.state.user_speaking or quiet_for < SCREEN_PAUSE_SECONDS:
            loop = asyncio.get_running_loop()
            self._screen_timer = loop.call_later(TICK_SECONDS, self._screened)
            return
        self._screening = False  # a person: greet them, or answer them without a greeting
        if self._greeting_timer is not None:
            self._greeting_timer.cancel()
        if self.config.greeting:
            self._greet(at_once=True)
        else:
            self.responder_stage.respond(self._screen_text)

    def turn_started(self, frame: TranscriptionFrame) -> None:
        self._pending[self.responder_stage.reply_id] = {
            "speech_end_at": frame.speech_end_at,
            "turn_end_at": frame.turn_end_at,
            "stt_ms": frame.stt_ms,
            "transcribed_at": self.state.clock(),
        }

    def _reply_done(self, played: PlayedReply) -> None:
        if played.heard_text:
            self.transcript.append(("bot", played.heard_text))
            self.transport_event({"type": "transcript", "role": "agent", "text": played.heard_text})
        if played.reason != "reminder":
            self.state.last_activity_at = self.state.clock()
        self._record_latency(played)
        # Not a stage task: it must complete even while the pipeline is being closed.
        task = asyncio.get_running_loop().create_task(
            self.responder_stage.responder.heard(
                played.reply_id, played.heard_text, played.interrupted
            )
        )
        self._heard_tasks.add(task)
        task.add_done_callback(self._heard_tasks.discard)
        if played.reason == TRANSFER_REQUESTED and self._requested_transfer:
            # Asked for through the API: the caller talking over the line does not cancel it.
            number, self._requested_transfer = self._requested_transfer, None
            self.output.spawn(self._transfer(number, "transfer_api"), "transfer")
        elif played.transfer_to:
            self.output.spawn(self._transfer(played.transfer_to), "transfer")
        elif played.end_call:
            self._last_reply_ended_call = True
            detail = "idle_timeout" if played.reason == "idle_goodbye" else "end_call"
            self.end("agent_goodbye", detail)

    def request_transfer(self, number: str, message: str | None = None) -> None:
        """Hand the call to `number` on request (not the agent's own decision): say `message`
        first when there is one."""
        if self._transferring or self._requested_transfer:
            return
        if message:
            self._requested_transfer = number
            self.responder_stage.say(message, TRANSFER_REQUESTED, transfer_to=number)
            # The line may be cut short or superseded (a greeting starting, the caller's keypad):
            # the transfer happens anyway once the line would have been said.
            self.output.spawn(
                self._transfer_later(number, 5.0 + len(message) / SPOKEN_CHARACTERS_PER_SECOND),
                "transfer-deadline",
            )
        else:
            self.output.spawn(self._transfer(number, "transfer_api"), "transfer")

    async def _transfer_later(self, number: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        if self._requested_transfer == number:
            self._requested_transfer = None
            await self._transfer(number, "transfer_api")

    async def _transfer(self, number: str, detail: str = "live_transfer") -> None:
        """Hand the call to `number` (the agent has said its transfer message)."""
        self._transferring = True
        try:
            if self.on_transfer is None:
                raise RuntimeError("this call cannot be transferred")
            await self.on_transfer(number)
        except Exception as exc:
            self._transferring = False
            log.warning("transfer_failed", error=repr(exc))
            self.responder_stage.say(TRANSFER_FAILED, "transfer_failed")
            return
        self.end("transferred", detail)

    def _record_latency(self, played: PlayedReply) -> None:
        timing = self._pending.pop(played.reply_id, None)
        if timing is None or played.first_audio_at is None or timing["speech_end_at"] is None:
            return

        def ms(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else round((b - a) * 1000, 1)

        first_token = self.responder_stage.first_token_at.get(played.reply_id)
        first_sentence = self.sentence_stage.first_sentence_at.get(played.reply_id)
        tts_audio = self.tts_stage.first_audio_at.get(played.reply_id)
        self.turns.append(
            {
                "turn": len(self.turns) + 1,
                "latency_ms": ms(timing["speech_end_at"], played.first_audio_at),
                "endpointing_ms": ms(timing["speech_end_at"], timing["turn_end_at"]),
                "stt_ms": timing["stt_ms"],
                "llm_first_token_ms": ms(timing["transcribed_at"], first_token),
                "first_sentence_ms": ms(first_token, first_sentence),
                "tts_first_audio_ms": ms(first_sentence, tts_audio),
                "playout_ms": ms(tts_audio, played.first_audio_at),
                "interrupted": played.interrupted,
            }
        )

    def transport_event(self, event: dict[str, Any]) -> None:
        if self.transport.has_events:
            self.output.spawn(self.transport.send_event(event), "event")
