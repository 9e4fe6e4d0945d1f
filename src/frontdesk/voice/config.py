"""A call's voice behaviour, read from the agent's settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# How long the caller may pause before the agent takes the turn.
PATIENCE_SILENCE_MS = {"low": 400, "medium": 700, "high": 1100}
DEFAULT_REMINDER = "Are you still there?"
IDLE_GOODBYE = "It seems you have stepped away. Goodbye!"


@dataclass
class VoiceConfig:
    silence_ms: int = PATIENCE_SILENCE_MS["medium"]
    min_words_to_interrupt: int = 1
    interrupt_after_ms: int = 1200
    greeting: str | None = None
    initial_pause_seconds: float = 0.0
    send_idle_reminders: bool = False
    reminder_after_seconds: float = 6.0
    reminder_message: str = DEFAULT_REMINDER
    allowed_idle_seconds: float = 12.0
    max_duration_seconds: float | None = None
    voicemail_detection: bool = False
    record: bool = True
    volume: float = 1.0
    speed: float = 1.0
    stt_provider: str = "local"
    tts_provider: str = "local"
    voice_id: str | None = None
    language: str = "en-US"

    @classmethod
    def for_agent(cls, agent: Any, direction: str, greeting: str | None = None) -> VoiceConfig:
        voice: dict[str, Any] = dict(agent.voice or {})
        max_duration = agent.max_duration or {}
        silence = voice.get("end_of_speech_silence_ms")
        return cls(
            silence_ms=int(silence or PATIENCE_SILENCE_MS.get(agent.patience_level, 700)),
            min_words_to_interrupt=int(agent.min_words_to_interrupt),
            greeting=greeting,
            initial_pause_seconds=float(voice.get("initial_pause_seconds") or 0.0),
            send_idle_reminders=bool(agent.send_user_idle_reminders),
            reminder_after_seconds=float(agent.reminder_after_idle_time_seconds),
            reminder_message=agent.reminder_after_idle_message or DEFAULT_REMINDER,
            allowed_idle_seconds=float(agent.allowed_idle_time_seconds),
            max_duration_seconds=float(max_duration.get("duration_seconds", 1200))
            if max_duration.get("is_enabled")
            else None,
            voicemail_detection=(
                direction == "outbound"
                if voice.get("voicemail_detection") is None
                else bool(voice["voicemail_detection"])
            ),
            record=bool(agent.is_recording),
            volume=float(voice.get("volume", 1.0)),
            speed=float(voice.get("speed", 1.0)),
            stt_provider=str(voice.get("stt_provider", "local")),
            tts_provider=str(voice.get("tts_provider", "local")),
            voice_id=voice.get("voice_id"),
            language=str(voice.get("language") or agent.language or "en-US"),
        )
