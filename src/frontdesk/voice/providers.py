"""Choosing a call's speech-to-text and text-to-speech providers, and listing voices.

`local` needs nothing (models from pinned packages, espeak-ng from the system). Hosted providers
take the workspace's keys (stored encrypted, see `PUT /v1/workspace` `voice_providers`); their
addresses default to the public APIs and can be pointed elsewhere (`FRONTDESK_DEEPGRAM_URL`, ...),
always through the SSRF guard.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import structlog

from frontdesk.settings import get_settings
from frontdesk.voice.config import VoiceConfig
from frontdesk.voice.stt.base import STT, STTUnavailable
from frontdesk.voice.tts import espeak
from frontdesk.voice.tts import local as piper
from frontdesk.voice.tts.base import TTS, TTSUnavailable, Voice

log = structlog.get_logger("frontdesk.voice")
STT_PROVIDERS = ("local", "deepgram", "openai")
TTS_PROVIDERS = ("local", "espeak", "elevenlabs", "cartesia", "openai")


@dataclass(frozen=True)
class ProviderKeys:
    """A workspace's decrypted keys for hosted voice providers."""

    deepgram_api_key: str | None = None
    elevenlabs_api_key: str | None = None
    cartesia_api_key: str | None = None
    openai_api_key: str | None = None
    openai_base_url: str | None = None


def _missing(provider: str, kind: str) -> str:
    return (
        f"The {provider} {kind} provider needs an API key; set voice_providers."
        f"{provider}_api_key on the workspace"
    )


def stt_for(config: VoiceConfig, keys: ProviderKeys, http: httpx.AsyncClient) -> STT:
    settings = get_settings()
    provider = config.stt_provider
    if provider == "local":
        from frontdesk.voice.stt.local import LocalSTT

        return LocalSTT()
    if provider == "deepgram":
        if not keys.deepgram_api_key:
            raise STTUnavailable(_missing("deepgram", "stt"), "STT_NOT_CONFIGURED")
        from frontdesk.voice.stt.deepgram import DeepgramSTT

        return DeepgramSTT(
            keys.deepgram_api_key,
            base_url=settings.deepgram_url,
            language=config.language,
            allow_private=settings.allow_private_urls,
        )
    if provider == "openai":
        if not keys.openai_api_key:
            raise STTUnavailable(_missing("openai", "stt"), "STT_NOT_CONFIGURED")
        from frontdesk.voice.stt.openai import OpenAISTT

        return OpenAISTT(
            keys.openai_api_key,
            http,
            base_url=keys.openai_base_url or settings.openai_url,
            language=config.language,
            allow_private=settings.allow_private_urls,
        )
    raise STTUnavailable(f"Unknown stt_provider {provider!r}; one of {', '.join(STT_PROVIDERS)}")


def tts_for(config: VoiceConfig, keys: ProviderKeys, http: httpx.AsyncClient) -> TTS:
    settings = get_settings()
    provider = config.tts_provider
    if provider == "local":
        if piper.installed():
            return piper.PiperTTS(config.voice_id, config.speed)
        log.warning("local_voice_missing_using_espeak")
        return espeak.EspeakTTS(None, config.speed)
    if provider == "espeak":
        return espeak.EspeakTTS(config.voice_id, config.speed)
    if provider == "elevenlabs":
        if not keys.elevenlabs_api_key:
            raise TTSUnavailable(_missing("elevenlabs", "tts"), "TTS_NOT_CONFIGURED")
        from frontdesk.voice.tts.elevenlabs import ElevenLabsTTS

        return ElevenLabsTTS(
            keys.elevenlabs_api_key,
            http,
            voice_id=config.voice_id,
            base_url=settings.elevenlabs_url,
            speed=config.speed,
            allow_private=settings.allow_private_urls,
        )
    if provider == "cartesia":
        if not keys.cartesia_api_key:
            raise TTSUnavailable(_missing("cartesia", "tts"), "TTS_NOT_CONFIGURED")
        from frontdesk.voice.tts.cartesia import CartesiaTTS

        return CartesiaTTS(
            keys.cartesia_api_key,
            http,
            voice_id=config.voice_id,
            base_url=settings.cartesia_url,
            language=config.language,
            speed=config.speed,
            allow_private=settings.allow_private_urls,
        )
    if provider == "openai":
        if not keys.openai_api_key:
            raise TTSUnavailable(_missing("openai", "tts"), "TTS_NOT_CONFIGURED")
        from frontdesk.voice.tts.openai import OpenAITTS

        return OpenAITTS(
            keys.openai_api_key,
            http,
            voice_id=config.voice_id,
            base_url=keys.openai_base_url or settings.openai_url,
            speed=config.speed,
            allow_private=settings.allow_private_urls,
        )
    raise TTSUnavailable(f"Unknown tts_provider {provider!r}; one of {', '.join(TTS_PROVIDERS)}")


_warming: set[str] = set()
WARM_UP = {"enabled": False}  # a server turns it on: a short-lived process has no use for it


def warm_up(stt_provider: str, tts_provider: str) -> None:
    """Load the local models a call will use in the background (once per process), so the
    first call does not wait seconds for them; called as a call is being set up."""
    import threading

    if not WARM_UP["enabled"]:
        return
    from frontdesk.voice.vad import Silero

    wanted = {"silero"}
    if stt_provider == "local":
        wanted.add("whisper")
    if tts_provider == "local" and piper.installed():
        wanted.add("piper")
    todo = wanted - _warming
    if not todo:
        return
    _warming.update(todo)

    def load() -> None:
        try:
            if "silero" in todo and Silero.available():
                Silero.session()
            if "piper" in todo:
                piper.PiperTTS.model()
            if "whisper" in todo:
                from frontdesk.voice.stt.local import LocalSTT

                LocalSTT.warm_up()
        except Exception as exc:  # the call itself will report what is missing
            log.warning("voice_warm_up_failed", error=repr(exc))

    # Not a daemon: native code must not be torn down mid-load when the process exits.
    threading.Thread(target=load, name="voice-warm-up").start()


async def list_voices(keys: ProviderKeys, http: httpx.AsyncClient) -> list[Voice]:
    """The voices of every configured provider (a provider that cannot be reached is left out)."""
    settings = get_settings()
    voices: list[Voice] = []
    if piper.installed():
        voices.extend(piper.VOICES)
    if espeak.installed():
        voices.extend(espeak.VOICES)
    if keys.openai_api_key:
        from frontdesk.voice.tts.openai import VOICES as OPENAI_VOICES

        voices.extend(OPENAI_VOICES)
    if keys.elevenlabs_api_key:
        from frontdesk.voice.tts.elevenlabs import list_voices as elevenlabs_voices

        try:
            voices.extend(
                await elevenlabs_voices(
                    keys.elevenlabs_api_key,
                    http,
                    base_url=settings.elevenlabs_url,
                    allow_private=settings.allow_private_urls,
                )
            )
        except Exception as exc:
            log.warning("voices_unavailable", provider="elevenlabs", error=repr(exc))
    if keys.cartesia_api_key:
        from frontdesk.voice.tts.cartesia import list_voices as cartesia_voices

        try:
            voices.extend(
                await cartesia_voices(
                    keys.cartesia_api_key,
                    http,
                    base_url=settings.cartesia_url,
                    allow_private=settings.allow_private_urls,
                )
            )
        except Exception as exc:
            log.warning("voices_unavailable", provider="cartesia", error=repr(exc))
    return voices
