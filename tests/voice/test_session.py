"""A call's session end to end in memory: real speech through the real VAD, turn taking and
playout; transcription, replies and speech stand in (fixed texts, tones) to keep time exact."""

from __future__ import annotations

import asyncio

import pytest

from frontdesk.voice import audio
from frontdesk.voice.config import IDLE_GOODBYE, VoiceConfig
from frontdesk.voice.session import Outcome, VoiceSession
from tests.voice.helpers import (
    FixedSTT,
    MemoryTransport,
    ScriptResponder,
    ToneTTS,
    play,
    quiet,
    speech,
)

RATE = 8000


def _session(
    stt: FixedSTT,
    responder: ScriptResponder,
    tts: ToneTTS | None = None,
    marks: bool = True,
    **config: object,
) -> tuple[VoiceSession, MemoryTransport]:
    transport = MemoryTransport(RATE, marks=marks)
    options: dict[str, object] = {"silence_ms": 300, "initial_pause_seconds": 0.1, "record": False}
    options.update(config)
    session = VoiceSession(
        VoiceConfig(**options),  # type: ignore[arg-type]
        transport,
        stt,
        tts or ToneTTS(0.4),
        responder,
    )
    transport.session = session
    return session, transport


async def _run(session: VoiceSession) -> asyncio.Task[Outcome]:
    task = asyncio.create_task(session.run())
    await asyncio.sleep(0)
    return task


async def test_greeting_then_a_turn_answered_with_its_latency_recorded() -> None:
    responder = ScriptResponder("We open at nine.")
    session, transport = _session(
        FixedSTT("When do you open?"), responder, greeting="Hello, Bright Smile Dental."
    )
    task = await _run(session)
    await quiet(session, 0.8, RATE)
    assert responder.said_log == [("greeting", "Hello, Bright Smile Dental.")]
    spoken_end = await play(session, await speech("When do you open tomorrow?", RATE), RATE)
    await quiet(session, 1.2, RATE)
    session.caller_hung_up()
    outcome = await task
    assert responder.asked == ["When do you open?"]
    reply_audio = transport.first("audio", after=spoken_end)
    assert reply_audio is not None
    # The end-of-speech silence, then at once (the clip ends in a little silence of its own).
    assert 0.0 < reply_audio - spoken_end < 0.45
    assert outcome.transcript == [
        ("bot", "Hello, Bright Smile Dental."),
        ("human", "When do you open?"),
        ("bot", "We open at nine."),
    ]
    (turn,) = outcome.turns
    assert turn["latency_ms"] == pytest.approx(turn["endpointing_ms"], abs=30)
    assert outcome.latency["p50_ms"] == turn["latency_ms"]
    assert outcome.end_reason == "human_pick_up_cut_off"  # hung up without a goodbye
    assert ("event", "transcript") in [
        (k, p.get("type")) for k, _, p in transport.sent if p and k == "event"
    ]


async def test_talking_over_the_agent_clears_it_and_keeps_what_was_heard() -> None:
    words = "one two three four five six seven eight nine ten eleven twelve"
    responder = ScriptResponder(words)
    session, transport = _session(
        FixedSTT("Tell me everything.", "Stop, please."),
        responder,
        tts=ToneTTS(3.0),
        min_words_to_interrupt=0,
    )
    task = await _run(session)
    await play(session, await speech("Tell me everything.", RATE), RATE)
    await quiet(session, 1.5, RATE)  # 0.3 s to the answer, then about a second of it
    await play(session, await speech("Stop, please.", RATE), RATE)
    await quiet(session, 1.0, RATE)
    session.caller_hung_up()
    outcome = await task
    assert "clear" in transport.kinds()
    assert outcome.interruptions == 1
    first = responder.heard_log[0]
    assert first[2] is True
    assert 1 <= len(first[1].split()) < 12
    assert words.startswith(first[1])
    assert responder.asked == ["Tell me everything.", "Stop, please."]


async def test_idle_caller_gets_a_reminder_then_a_goodbye() -> None:
    responder = ScriptResponder()
    session, _ = _session(
        FixedSTT(""),
        responder,
        greeting="Hi.",
        send_idle_reminders=True,
        reminder_after_seconds=0.6,
        reminder_message="Are you still there?",
        allowed_idle_seconds=1.6,
    )
    task = await _run(session)
    feeding = asyncio.create_task(quiet(session, 8.0, RATE))
    outcome = await asyncio.wait_for(task, 8)
    feeding.cancel()
    assert [reason for reason, _ in responder.said_log] == ["greeting", "reminder", "idle_goodbye"]
    assert responder.said_log[-1][1] == IDLE_GOODBYE
    assert (outcome.end_reason, outcome.end_detail) == ("agent_goodbye", "idle_timeout")


async def test_max_duration_ends_the_call() -> None:
    session, _ = _session(FixedSTT(""), ScriptResponder(), max_duration_seconds=0.8)
    task = await _run(session)
    feeding = asyncio.create_task(quiet(session, 5.0, RATE))
    outcome = await asyncio.wait_for(task, 5)
    feeding.cancel()
    assert outcome.end_reason == "max_duration"
    assert 0.7 < outcome.duration_seconds < 1.5


async def test_a_machine_talking_on_through_short_pauses_is_detected() -> None:
    responder = ScriptResponder()
    # Each utterance alone sounds innocent; together, without a real pause, they are a machine.
    stt = FixedSTT("Hi, this is Sam.", "Sorry I missed you.", "Leave a message and I'll call back.")
    session, _ = _session(stt, responder, greeting="Hello!", voicemail_detection=True)
    task = await _run(session)
    pieces = [
        await speech(text, RATE)
        for text in ("Hi, this is Sam.", "Sorry I missed you.", "I'll call you back.")
    ]
    gap = audio.silence(600, RATE)
    feeding = asyncio.create_task(play(session, gap.join(pieces) + audio.silence(4000, RATE), RATE))
    outcome = await asyncio.wait_for(task, 15)
    feeding.cancel()
    assert (outcome.status, outcome.end_reason) == ("hangup_on_voicemail", "voicemail")
    assert responder.said_log == []


async def test_an_answering_machine_is_hung_up_on_before_the_greeting() -> None:
    responder = ScriptResponder()
    machine = "Hi, you have reached Sam. Please leave a message after the tone."
    session, _ = _session(FixedSTT(machine), responder, greeting="Hello!", voicemail_detection=True)
    task = await _run(session)
    spoken = await speech(machine, RATE)
    feeding = asyncio.create_task(play(session, spoken + audio.silence(6000, RATE), RATE))
    outcome = await asyncio.wait_for(task, 12)
    feeding.cancel()
    assert (outcome.status, outcome.end_reason) == ("hangup_on_voicemail", "voicemail")
    assert responder.said_log == []
    assert responder.asked == []


async def test_a_person_answering_gets_the_greeting_first() -> None:
    responder = ScriptResponder()
    session, _ = _session(
        FixedSTT("Hello?"), responder, greeting="Hi, this is Ava.", voicemail_detection=True
    )
    task = await _run(session)
    await play(session, await speech("Hello?", RATE), RATE)
    await quiet(session, 2.0, RATE)  # a pause after "Hello?": a person
    session.caller_hung_up()
    await task
    assert responder.said_log == [("greeting", "Hi, this is Ava.")]
    assert responder.asked == []  # "Hello?" was answered by the greeting, not the engine


async def test_the_end_call_tool_hangs_up_once_the_goodbye_has_played() -> None:
    responder = ScriptResponder("Goodbye!", end_after=1)
    session, transport = _session(FixedSTT("That is all, bye."), responder)
    task = await _run(session)
    await play(session, await speech("That is all, bye.", RATE), RATE)
    feeding = asyncio.create_task(quiet(session, 5.0, RATE))
    outcome = await asyncio.wait_for(task, 5)
    feeding.cancel()
    assert (outcome.end_reason, outcome.end_detail) == ("agent_goodbye", "end_call")
    assert transport.audio_seconds() == pytest.approx(0.4, abs=0.03)  # the goodbye, all of it
    assert responder.heard_log == [(1, "Goodbye!", False)]


async def test_keypad_digits_reach_the_engine() -> None:
    responder = ScriptResponder("Thanks.")
    session, _ = _session(FixedSTT(""), responder)
    task = await _run(session)
    for digit in "12#":
        session.dtmf(digit)
    await quiet(session, 0.5, RATE)
    session.caller_hung_up()
    await task
    assert responder.asked == ["(The caller pressed 1 2 on the keypad.)"]


async def test_how_the_caller_hung_up_decides_the_reason() -> None:
    session, _ = _session(FixedSTT("Thanks, goodbye."), ScriptResponder("Bye."))
    task = await _run(session)
    await play(session, await speech("Thanks, goodbye.", RATE), RATE)
    await quiet(session, 1.2, RATE)
    session.caller_hung_up()
    assert (await task).end_reason == "human_goodbye"


async def test_the_recording_has_both_sides(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    transport = MemoryTransport(RATE)
    session = VoiceSession(
        VoiceConfig(silence_ms=300, greeting="Hi.", initial_pause_seconds=0.1),
        transport,
        FixedSTT(""),
        ToneTTS(0.5),
        ScriptResponder(),
        recording_path=tmp_path / "rec.wav",
    )
    task = await _run(session)
    await quiet(session, 1.5, RATE)
    session.caller_hung_up()
    outcome = await task
    assert outcome.recording is not None
    path, seconds, size = outcome.recording
    assert path.exists()
    assert size > 44
    assert seconds == pytest.approx(1.5, abs=0.1)
    pcm, rate = audio.read_wav(path)  # mixed down: the agent's tone is in it
    assert rate == RATE
    assert audio.rms(pcm) > 100


async def test_a_transfer_happens_once_its_message_has_been_spoken() -> None:
    responder = ScriptResponder("Let me transfer you now.", transfer="+14155550999")
    transport = MemoryTransport(RATE)
    handed: list[tuple[str, float]] = []

    async def transfer(number: str) -> None:
        handed.append((number, transport.audio_seconds()))

    session = VoiceSession(
        VoiceConfig(silence_ms=300, record=False),
        transport,
        FixedSTT("A person, please."),
        ToneTTS(0.6),
        responder,
        on_transfer=transfer,
    )
    task = await _run(session)
    await play(session, await speech("A person, please.", RATE), RATE)
    feeding = asyncio.create_task(quiet(session, 5.0, RATE))
    outcome = await asyncio.wait_for(task, 5)
    feeding.cancel()
    assert (outcome.end_reason, outcome.end_detail) == ("transferred", "live_transfer")
    assert handed == [("+14155550999", pytest.approx(0.6, abs=0.03))]  # after all of it


async def test_a_failed_transfer_is_apologised_for_and_the_call_goes_on() -> None:
    responder = ScriptResponder("Let me transfer you now.", transfer="+14155550999")

    async def transfer(number: str) -> None:
        raise RuntimeError("the line is down")

    transport = MemoryTransport(RATE)
    session = VoiceSession(
        VoiceConfig(silence_ms=300, record=False),
        transport,
        FixedSTT("A person, please."),
        ToneTTS(0.3),
        responder,
        on_transfer=transfer,
    )
    task = await _run(session)
    await play(session, await speech("A person, please.", RATE), RATE)
    await quiet(session, 2.0, RATE)
    session.caller_hung_up()
    outcome = await task
    assert outcome.end_reason == "human_pick_up_cut_off"
    assert (
        "transfer_failed",
        "Sorry, I could not transfer your call right now.",
    ) in responder.said_log
