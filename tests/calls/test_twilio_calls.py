"""Phone calls end to end: a real `frontdesk serve`, Twilio's webhooks signed as Twilio signs
them, and a caller speaking Media Streams with speech from the local voice. The agent hears it
through the real local speech recognition and answers with the real local voice."""

from __future__ import annotations

import asyncio
import io
import wave

import httpx
import pytest

from frontdesk.voice.stt.local import LocalSTT
from tests.calls.conftest import AUTH_TOKEN, VoiceServer, received_json
from tests.voice.helpers import speech

pytestmark = pytest.mark.slow


async def _heard(pcm8k: bytes) -> str:
    return (await LocalSTT().transcribe(pcm8k, 8000)).text.lower()


async def test_a_call_is_answered_interrupted_recorded_and_analysed(
    voice_server: VoiceServer,
) -> None:
    agent = await voice_server.agent("+14155550001", external_webhook_url=voice_server.receiver.url)
    caller = await voice_server.dial("+14155550001")
    call_id = caller.parameters["call_id"]
    async with caller:
        greeting_at = await caller.wait_for_audio(0.0, within=20)
        assert greeting_at is not None, "no greeting"
        await caller.wait_until_quiet()
        assert "bright smile" in await _heard(caller.agent_audio())

        asked_at = await caller.say(await speech("What are your opening hours?", 8000))
        answered_at = await caller.wait_for_audio(asked_at, within=10)
        assert answered_at is not None, "no answer"
        assert answered_at - asked_at < 3.0
        await caller.wait_until_quiet()
        assert "monday to friday" in await _heard(caller.agent_audio(start=asked_at))

        asked_at = await caller.say(await speech("Tell me about your practice.", 8000))
        assert await caller.wait_for_audio(asked_at, within=10) is not None
        await asyncio.sleep(1.5)  # a sentence or so into the long answer
        assert caller.clears == []
        await caller.say(await speech("Sorry, one more thing.", 8000))
        await asyncio.sleep(0.3)
        assert caller.clears, "talking over the agent did not clear its audio"
        await caller.wait_until_quiet()

        bye_at = await caller.say(await speech("Thanks, goodbye.", 8000))
        assert await caller.wait_for_audio(bye_at, within=10) is not None
        await caller.wait_until_quiet()
    call = await voice_server.finished_call(call_id)
    assert call["status"] == "completed"
    assert call["end_call_reason"] == "human_goodbye"
    assert call["direction"] == "inbound"
    assert call["phone_number_to"] == "+14155550001"
    assert call["phone_number_from"] == "+14155550100"
    assert call["contact_id"]
    transcript = call["transcript"].lower()
    assert "human: what are your opening hours" in transcript
    assert "bot: we are open from nine to five" in transcript
    # The long answer was cut short: the transcript keeps only what the caller heard.
    long_answer = next(line for line in transcript.splitlines() if "cleanings" in line)
    assert "emergency appointments" not in long_answer
    assert call["metadata"]["interruptions"] >= 1
    assert call["latency"]["p50_ms"] is not None
    assert call["latency"]["p50_ms"] < 3000
    assert all("stt_ms" in turn for turn in call["turns"])
    assert call["summary"]
    assert call["sentiment"] in ("positive", "neutral", "negative")
    assert call["cost"] is not None

    recording = await voice_server.http.get(
        f"/v1/calls/{call_id}/recording", headers=voice_server.headers
    )
    assert recording.status_code == 200, recording.text
    info = recording.json()
    assert info["format"] == "wav"
    assert info["size_bytes"] > 0
    assert abs(info["duration_seconds"] - call["duration"]) <= 2
    # The signed link works without credentials.
    link = info["download_url"].replace("https://voice.example.test", "")
    async with httpx.AsyncClient(base_url=voice_server.server.url) as anonymous:
        download = await anonymous.get(link)
        assert download.status_code == 200
        assert download.headers["content-type"] == "audio/wav"
        with wave.open(io.BytesIO(download.content)) as w:
            assert w.getnchannels() == 2
            assert w.getframerate() == 8000
            assert abs(w.getnframes() / 8000 - info["duration_seconds"]) < 0.1
        tampered = await anonymous.get(link[:-4] + "0000")
        assert tampered.status_code == 401
        assert (await anonymous.get(f"/v1/calls/{call_id}/recording/download")).status_code == 401

    # The agent's webhook gets the post-call document.
    for _ in range(100):
        documents = [d for d in received_json(voice_server.receiver) if "call" in d]
        if documents:
            break
        await asyncio.sleep(0.1)
    document = next(d for d in documents if d["call"]["call_id"] == call_id)
    assert document["status"] == "completed"
    assert document["lead"]["phone_number"] == "+14155550100"
    assert document["call"]["model_id"] == agent["id"]
    assert "nine to five" in document["call"]["transcript"]


async def test_an_idle_caller_is_reminded_then_hung_up_on(voice_server: VoiceServer) -> None:
    await voice_server.agent(
        "+14155550002",
        send_user_idle_reminders=True,
        reminder_after_idle_time_seconds=2,
        reminder_after_idle_message="Are you still there?",
        allowed_idle_time_seconds=4,
    )
    caller = await voice_server.dial("+14155550002")
    async with caller:
        assert await caller.wait_closed(within=30), "the agent did not hang up"
    call = await voice_server.finished_call(caller.parameters["call_id"], analysed=False)
    assert (call["end_call_reason"], call["end_detail"]) == ("agent_goodbye", "idle_timeout")
    assert "are you still there?" in call["transcript"].lower()


async def test_a_call_ends_at_its_maximum_duration(voice_server: VoiceServer) -> None:
    await voice_server.agent(
        "+14155550003",
        max_duration={"is_enabled": True, "duration_seconds": 10},
        allowed_idle_time_seconds=60,
    )
    caller = await voice_server.dial("+14155550003")
    async with caller:
        await caller.say(await speech("Hello, I have a question about my bill.", 8000))
        assert await caller.wait_closed(within=25)
    call = await voice_server.finished_call(caller.parameters["call_id"], analysed=False)
    assert call["end_call_reason"] == "max_duration"
    assert 9 <= call["duration"] <= 13


async def test_an_answering_machine_is_detected_and_hung_up_on(voice_server: VoiceServer) -> None:
    await voice_server.agent("+14155550004", voice={"voicemail_detection": True})
    caller = await voice_server.dial("+14155550004")
    async with caller:
        await caller.say(
            await speech("Hi, you have reached Sam. Please leave a message after the tone.", 8000)
        )
        assert await caller.wait_closed(within=15)
        assert caller.media == []  # no greeting for a machine
    call = await voice_server.finished_call(caller.parameters["call_id"], analysed=False)
    assert (call["status"], call["end_call_reason"]) == ("hangup_on_voicemail", "voicemail")


async def test_twilio_requests_are_checked(voice_server: VoiceServer) -> None:
    await voice_server.agent("+14155550005")
    params = {"CallSid": "CA" + "9" * 32, "From": "+14155550100", "To": "+14155550005"}
    forged = await voice_server.twilio_webhook("/telephony/twilio/voice", params, token="wrong")
    assert forged.status_code == 403
    assert forged.json()["code"] == "TWILIO_SIGNATURE_INVALID"
    unknown = await voice_server.twilio_webhook(
        "/telephony/twilio/voice", {**params, "To": "+14155559999"}
    )
    assert "<Reject/>" in unknown.text
    # A media stream needs the token from the TwiML.
    caller = await voice_server.dial("+14155550005")
    caller.parameters = {**caller.parameters, "token": "not-a-token"}
    async with caller:
        assert await caller.wait_closed(within=5)
    # Status callbacks: signed ones are accepted; a forged one is refused.
    status = {"CallSid": "CA" + "9" * 32, "CallStatus": "completed", "To": "+14155550005"}
    assert (
        await voice_server.twilio_webhook("/telephony/twilio/status", status)
    ).status_code == 204
    assert AUTH_TOKEN
