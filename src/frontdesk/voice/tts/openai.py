"""OpenAI text to speech: `/audio/speech` with `response_format=pcm` streams raw PCM16 at 24 kHz
as it is made."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from frontdesk.voice import hosted
from frontdesk.voice.tts.base import TTSUnavailable, Voice

PROVIDER = "OpenAI"
DEFAULT_URL = "https://api.openai.com/v1"
MODEL = "gpt-4o-mini-tts"
DEFAULT_VOICE = "alloy"
RATE = 24000  # fixed for the pcm format
SPEED_RANGE = (0.25, 4.0)
VOICES: tuple[Voice, ...] = tuple(
    Voice(voice_id, voice_id.capitalize(), "en", gender, "openai")
    for voice_id, gender in (
        ("alloy", None),
        ("ash", "male"),
        ("coral", "female"),
        ("echo", "male"),
        ("fable", "male"),
        ("onyx", "male"),
        ("nova", "female"),
        ("sage", "female"),
        ("shimmer", "female"),
    )
)


class OpenAITTS:
    name = "openai"
    sample_rate = RATE

    def __init__(
        self,
        api_key: str,
        http: httpx.AsyncClient,
        voice_id: str | None = None,
        base_url: str = DEFAULT_URL,
        speed: float = 1.0,
        allow_private: bool = False,
        model: str = MODEL,
    ) -> None:
        self._key = api_key
        self.http = http
        self.voice_id = voice_id or DEFAULT_VOICE
        self.base_url = base_url.rstrip("/")
        self.speed = max(SPEED_RANGE[0], min(SPEED_RANGE[1], speed))
        self.allow_private = allow_private
        self.model = model

    def __repr__(self) -> str:
        return f"OpenAITTS(voice_id={self.voice_id!r}, base_url={self.base_url!r})"

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        text = text.strip()
        if not text:
            return
        url = f"{self.base_url}/audio/speech"
        await hosted.guard(url, self.allow_private, TTSUnavailable, PROVIDER)
        body: dict[str, Any] = {
            "model": self.model,
            "input": text,
            "voice": self.voice_id,
            "response_format": "pcm",
            "speed": self.speed,
        }
        async for chunk in hosted.stream_pcm(
            self.http,
            url,
            provider=PROVIDER,
            error=TTSUnavailable,
            headers={"Authorization": f"Bearer {self._key}"},
            body=body,
        ):
            yield chunk
