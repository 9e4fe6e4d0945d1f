"""Cartesia text to speech (Sonic): `/tts/bytes` streams raw PCM16 at 16 kHz as it is made."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from frontdesk.voice import hosted
from frontdesk.voice.tts.base import TTSUnavailable, Voice

PROVIDER = "Cartesia"
DEFAULT_URL = "https://api.cartesia.ai"
API_VERSION = "2024-06-10"
DEFAULT_VOICE = "a0e99841-438c-4a64-b679-ae501e7d6091"  # a stock English voice ("Barbershop Man")
MODEL = "sonic-2"
RATE = 16000
_GENDERS = {"masculine": "male", "feminine": "female", "male": "male", "female": "female"}


def _speed_control(speed: float) -> float:
    """Our speed factor (0.5 to 2, 1 = normal) on Cartesia's scale (-1 to 1, 0 = normal)."""
    return round(max(-1.0, min(1.0, (speed - 1.0) * 2)), 2)


class CartesiaTTS:
    name = "cartesia"
    sample_rate = RATE

    def __init__(
        self,
        api_key: str,
        http: httpx.AsyncClient,
        voice_id: str | None = None,
        base_url: str = DEFAULT_URL,
        language: str = "en-US",
        speed: float = 1.0,
        allow_private: bool = False,
        model: str = MODEL,
    ) -> None:
        self._key = api_key
        self.http = http
        self.voice_id = voice_id or DEFAULT_VOICE
        self.base_url = base_url.rstrip("/")
        # Cartesia takes two-letter codes ("en", "fr", ...), not regions.
        self.language = (language or "en").split("-")[0].lower()
        self.speed = speed
        self.allow_private = allow_private
        self.model = model

    def __repr__(self) -> str:
        return f"CartesiaTTS(voice_id={self.voice_id!r}, base_url={self.base_url!r})"

    def _body(self, text: str) -> dict[str, Any]:
        voice: dict[str, Any] = {"mode": "id", "id": self.voice_id}
        if self.speed != 1.0:
            voice["__experimental_controls"] = {"speed": _speed_control(self.speed)}
        return {
            "model_id": self.model,
            "transcript": text,
            "voice": voice,
            "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": RATE},
            "language": self.language,
        }

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        text = text.strip()
        if not text:
            return
        url = f"{self.base_url}/tts/bytes"
        await hosted.guard(url, self.allow_private, TTSUnavailable, PROVIDER)
        async for chunk in hosted.stream_pcm(
            self.http,
            url,
            provider=PROVIDER,
            error=TTSUnavailable,
            headers=_headers(self._key),
            body=self._body(text),
        ):
            yield chunk


def _headers(api_key: str) -> dict[str, str]:
    return {"X-API-Key": api_key, "Cartesia-Version": API_VERSION}


async def list_voices(
    api_key: str,
    http: httpx.AsyncClient,
    base_url: str = DEFAULT_URL,
    allow_private: bool = False,
) -> list[Voice]:
    """Cartesia's stock voices and the account's own."""
    url = f"{base_url.rstrip('/')}/voices"
    await hosted.guard(url, allow_private, TTSUnavailable, PROVIDER)
    data = await hosted.get_json(
        http, url, provider=PROVIDER, error=TTSUnavailable, headers=_headers(api_key)
    )
    # This API version answers a plain list; later ones page it as {"data": [...]}.
    items = data.get("data", []) if isinstance(data, dict) else data
    voices = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not item.get("id"):
            continue
        voices.append(
            Voice(
                voice_id=str(item["id"]),
                name=str(item.get("name") or item["id"]),
                language=str(item.get("language") or "en"),
                gender=_GENDERS.get(str(item.get("gender")).lower()),
                provider="cartesia",
            )
        )
    return voices
