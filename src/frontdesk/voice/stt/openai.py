"""OpenAI speech to text (`/audio/transcriptions`): whole utterances, sent as WAV files."""

from __future__ import annotations

import io
import wave
from collections.abc import Callable

import httpx

from frontdesk.voice import hosted
from frontdesk.voice.stt.base import STTStream, STTUnavailable, Transcript

PROVIDER = "OpenAI"
DEFAULT_URL = "https://api.openai.com/v1"
MODEL = "gpt-4o-mini-transcribe"
# An utterance's upload and transcription take longer than a streamed chunk.
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


def wav_bytes(pcm: bytes, rate: int) -> bytes:
    """PCM16 mono as a WAV file in memory."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm[: len(pcm) - len(pcm) % 2])
    return buffer.getvalue()


class OpenAISTT:
    name = "openai"
    streaming = False

    def __init__(
        self,
        api_key: str,
        http: httpx.AsyncClient,
        base_url: str = DEFAULT_URL,
        language: str = "en-US",
        allow_private: bool = False,
        model: str = MODEL,
    ) -> None:
        self._key = api_key
        self.http = http
        self.base_url = base_url.rstrip("/")
        # ISO-639-1, which the API wants: "en-US" -> "en".
        self.language = (language or "en").split("-")[0].lower()
        self.allow_private = allow_private
        self.model = model

    def __repr__(self) -> str:
        return f"OpenAISTT(model={self.model!r}, base_url={self.base_url!r})"

    async def transcribe(self, pcm: bytes, rate: int) -> Transcript:
        if len(pcm) < 2:
            return Transcript("")
        url = f"{self.base_url}/audio/transcriptions"
        await hosted.guard(url, self.allow_private, STTUnavailable, PROVIDER)
        try:
            response = await self.http.post(
                url,
                headers={"Authorization": f"Bearer {self._key}"},
                files={"file": ("utterance.wav", wav_bytes(pcm, rate), "audio/wav")},
                data={"model": self.model, "language": self.language, "response_format": "json"},
                timeout=TIMEOUT,
                follow_redirects=False,
            )
        except httpx.HTTPError as exc:
            raise hosted.transport_error(STTUnavailable, PROVIDER, exc) from exc
        if response.status_code != 200:
            raise hosted.status_error(STTUnavailable, PROVIDER, response.status_code)
        try:
            text = response.json()["text"]
        except (ValueError, KeyError, TypeError):
            raise STTUnavailable(f"{PROVIDER} answered without a transcript") from None
        return Transcript(str(text).strip())

    async def stream(self, rate: int, on_interim: Callable[[str], None]) -> STTStream:
        raise STTUnavailable("OpenAI's transcription endpoint takes whole utterances")
