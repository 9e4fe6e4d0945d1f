"""ElevenLabs text to speech: the HTTP streaming endpoint, raw PCM16 at 16 kHz as it is made."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx

from frontdesk.voice import hosted
from frontdesk.voice.tts.base import TTSUnavailable, Voice

PROVIDER = "ElevenLabs"
DEFAULT_URL = "https://api.elevenlabs.io"
DEFAULT_VOICE = "21m00Tcm4TlvDq8ikWAM"  # "Rachel", one of the voices every account has
MODEL = "eleven_flash_v2_5"
RATE = 16000
SPEED_RANGE = (0.7, 1.2)  # what ElevenLabs accepts in voice_settings.speed


class ElevenLabsTTS:
    name = "elevenlabs"
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
        return f"ElevenLabsTTS(voice_id={self.voice_id!r}, base_url={self.base_url!r})"

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        text = text.strip()
        if not text:
            return
        url = f"{self.base_url}/v1/text-to-speech/{quote(self.voice_id, safe='')}/stream"
        await hosted.guard(url, self.allow_private, TTSUnavailable, PROVIDER)
        body: dict[str, Any] = {
            "text": text,
            "model_id": self.model,
            "voice_settings": {"speed": self.speed},
        }
        async for chunk in hosted.stream_pcm(
            self.http,
            url,
            provider=PROVIDER,
            error=TTSUnavailable,
            headers={"xi-api-key": self._key},
            body=body,
            params={"output_format": f"pcm_{RATE}"},
        ):
            yield chunk


async def list_voices(
    api_key: str,
    http: httpx.AsyncClient,
    base_url: str = DEFAULT_URL,
    allow_private: bool = False,
) -> list[Voice]:
    """The account's voices (its own and the ones it added from the library)."""
    url = f"{base_url.rstrip('/')}/v1/voices"
    await hosted.guard(url, allow_private, TTSUnavailable, PROVIDER)
    data = await hosted.get_json(
        http, url, provider=PROVIDER, error=TTSUnavailable, headers={"xi-api-key": api_key}
    )
    voices = []
    for item in data.get("voices", []) if isinstance(data, dict) else []:
        if not isinstance(item, dict) or not item.get("voice_id"):
            continue
        labels = item.get("labels") or {}
        voices.append(
            Voice(
                voice_id=str(item["voice_id"]),
                name=str(item.get("name") or item["voice_id"]),
                language=str(labels.get("language") or "en"),
                gender=str(labels["gender"]) if labels.get("gender") else None,
                provider="elevenlabs",
            )
        )
    return voices
