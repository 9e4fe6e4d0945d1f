"""Hosted speech providers against local fakes of their APIs, and the factory that picks them."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import httpx
import pytest

from frontdesk.settings import Settings
from frontdesk.voice import audio, hosted, providers
from frontdesk.voice.config import VoiceConfig
from frontdesk.voice.providers import ProviderKeys
from frontdesk.voice.stt.base import STTUnavailable
from frontdesk.voice.stt.deepgram import DeepgramSTT
from frontdesk.voice.stt.openai import OpenAISTT
from frontdesk.voice.tts import openai as openai_tts
from frontdesk.voice.tts.base import TTS, TTSUnavailable
from frontdesk.voice.tts.cartesia import CartesiaTTS
from frontdesk.voice.tts.cartesia import list_voices as cartesia_voices
from frontdesk.voice.tts.elevenlabs import ElevenLabsTTS
from frontdesk.voice.tts.elevenlabs import list_voices as elevenlabs_voices
from tests.fakes import cartesia_server, deepgram_server, elevenlabs_server, openai_audio_server
from tests.fakes.cartesia_server import FakeCartesia
from tests.fakes.deepgram_server import FakeDeepgram
from tests.fakes.elevenlabs_server import FakeElevenLabs
from tests.fakes.openai_audio_server import FakeOpenAIAudio
from tests.fixtures.loopback import LoopbackServer

WRONG_KEY = "wrong-secret-key-5678"
SPEECH = audio.tone(1.0, 300.0, 16000)  # 1 s at 16 kHz
FRAME = audio.frame_bytes(16000)  # 20 ms, as the pipeline feeds it
Server = TypeVar("Server", bound=LoopbackServer)


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def deepgram() -> Iterator[FakeDeepgram]:
    with serving(FakeDeepgram()) as fake:
        yield fake


@pytest.fixture
def elevenlabs() -> Iterator[FakeElevenLabs]:
    with serving(FakeElevenLabs()) as fake:
        yield fake


@pytest.fixture
def cartesia() -> Iterator[FakeCartesia]:
    with serving(FakeCartesia()) as fake:
        yield fake


@pytest.fixture
def openai_audio() -> Iterator[FakeOpenAIAudio]:
    with serving(FakeOpenAIAudio()) as fake:
        yield fake


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


async def eventually(check: Callable[[], bool], seconds: float = 3.0) -> None:
    """The fakes record from their own thread."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "the fake never saw it"
        await asyncio.sleep(0.01)


def assert_keyless(error: STTUnavailable | TTSUnavailable, key: str) -> None:
    assert key not in error.message
    assert key not in repr(error.details)
    assert key[-4:] not in error.message, "not even the tail some providers echo"


def dg(fake: FakeDeepgram, key: str = deepgram_server.API_KEY) -> DeepgramSTT:
    return DeepgramSTT(key, base_url=fake.base_url, language="en-US", allow_private=True)


# Deepgram


async def test_deepgram_streams_interims_and_finalizes(deepgram: FakeDeepgram) -> None:
    interims: list[str] = []
    stream = await dg(deepgram).stream(16000, interims.append)
    started = time.perf_counter()
    for start in range(0, len(SPEECH), FRAME):
        stream.feed(SPEECH[start : start + FRAME])
    assert time.perf_counter() - started < 0.1, "feed only queues"
    result = await stream.finalize()
    assert result.text == "I would like to book a table"
    assert result.confidence == pytest.approx(0.93)
    assert interims[:2] == ["I", "I would"], "interim results reach the callback as they come"
    await stream.close()
    await stream.close()
    stream.feed(SPEECH)  # after close: dropped, no error
    assert not [t for t in asyncio.all_tasks() if t.get_name().startswith("deepgram")]

    (conn,) = deepgram.connections
    assert conn.authorization == f"Token {deepgram_server.API_KEY}"
    assert conn.query == {
        "encoding": "linear16",
        "sample_rate": "16000",
        "channels": "1",
        "interim_results": "true",
        "punctuate": "true",
        "language": "en-US",
        "model": "nova-2",
    }
    assert conn.audio_bytes == len(SPEECH)
    assert [m["type"] for m in conn.messages] == ["Finalize", "CloseStream"]
    assert conn.closed_by_client


async def test_deepgram_finalize_joins_pieces_of_one_utterance(deepgram: FakeDeepgram) -> None:
    deepgram.final_pieces = 3
    stream = await dg(deepgram).stream(16000, lambda text: None)
    stream.feed(SPEECH)
    assert (await stream.finalize()).text == "I would like to book a table"
    assert (await stream.finalize()).text == "", "nothing fed since: no round trip"
    deepgram.text = "For two people"
    stream.feed(SPEECH)
    assert (await stream.finalize()).text == "For two people"
    await stream.close()
    assert deepgram.connections[0].count("Finalize") == 2


async def test_deepgram_sends_keepalive_when_quiet(deepgram: FakeDeepgram) -> None:
    stt = dg(deepgram)
    stt.keepalive_s = 0.05
    stream = await stt.stream(16000, lambda text: None)
    await eventually(lambda: deepgram.connections[0].count("KeepAlive") >= 2)
    await stream.close()


async def test_deepgram_finalize_times_out_with_what_it_has(deepgram: FakeDeepgram) -> None:
    deepgram.answer_finalize = False
    stt = dg(deepgram)
    stt.finalize_timeout_s = 0.2
    stream = await stt.stream(16000, lambda text: None)
    stream.feed(SPEECH)
    started = time.perf_counter()
    assert (await stream.finalize()).text == ""
    assert time.perf_counter() - started < 1.0
    await stream.close()


async def test_deepgram_dropped_stream_is_unavailable(deepgram: FakeDeepgram) -> None:
    deepgram.drop_after_bytes = FRAME
    stream = await dg(deepgram).stream(16000, lambda text: None)
    stream.feed(SPEECH)
    with pytest.raises(STTUnavailable) as caught:
        await stream.finalize()
    assert "Deepgram" in caught.value.message
    assert "1011" in caught.value.message
    await stream.close()


async def test_deepgram_transcribes_a_whole_utterance(deepgram: FakeDeepgram) -> None:
    result = await dg(deepgram).transcribe(audio.tone(0.5, 300.0, 8000), 8000)
    assert result.text == "I would like to book a table"
    (conn,) = deepgram.connections
    assert conn.query["sample_rate"] == "8000"
    assert conn.audio_bytes == 8000
    await eventually(lambda: conn.closed_by_client)


async def test_deepgram_wrong_key(deepgram: FakeDeepgram, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG), pytest.raises(STTUnavailable) as caught:
        await dg(deepgram, WRONG_KEY).stream(16000, lambda text: None)
    assert caught.value.message == "Deepgram rejected the API key (HTTP 401)"
    assert_keyless(caught.value, WRONG_KEY)
    assert WRONG_KEY not in caplog.text, "websockets logs handshake headers at DEBUG"


async def test_deepgram_unreachable() -> None:
    stt = DeepgramSTT("k", base_url="ws://127.0.0.1:9", allow_private=True)
    with pytest.raises(STTUnavailable, match="Deepgram is unreachable"):
        await stt.transcribe(SPEECH, 16000)


async def test_deepgram_refuses_private_address(deepgram: FakeDeepgram) -> None:
    stt = DeepgramSTT(deepgram_server.API_KEY, base_url=deepgram.base_url, allow_private=False)
    with pytest.raises(STTUnavailable, match="refusing to connect"):
        await stt.stream(16000, lambda text: None)
    assert deepgram.connections == []


# OpenAI transcription


def transcriber(
    fake: FakeOpenAIAudio,
    http: httpx.AsyncClient,
    key: str = openai_audio_server.API_KEY,
    allow_private: bool = True,
) -> OpenAISTT:
    return OpenAISTT(
        key, http, base_url=fake.base_url, language="en-GB", allow_private=allow_private
    )


async def test_openai_transcribes_a_wav_upload(
    openai_audio: FakeOpenAIAudio, http: httpx.AsyncClient
) -> None:
    stt = transcriber(openai_audio, http)
    assert not stt.streaming
    result = await stt.transcribe(audio.tone(0.5, 300.0, 8000), 8000)
    assert result.text == "I would like to book a table"
    (sent,) = openai_audio.requests
    assert sent.path == "/v1/audio/transcriptions"
    assert sent.headers["authorization"] == f"Bearer {openai_audio_server.API_KEY}"
    assert sent.form["model"] == "gpt-4o-mini-transcribe"
    assert sent.form["language"] == "en"
    assert sent.form["response_format"] == "json"
    assert sent.form["wav"] == {"channels": 1, "sample_width": 2, "rate": 8000, "frames": 4000}
    assert sent.form["filename"].endswith(".wav")
    assert (await stt.transcribe(b"", 8000)).text == ""
    assert len(openai_audio.requests) == 1, "silence costs no request"
    with pytest.raises(STTUnavailable):
        await stt.stream(8000, lambda text: None)


async def test_openai_transcription_wrong_key(
    openai_audio: FakeOpenAIAudio, http: httpx.AsyncClient
) -> None:
    with pytest.raises(STTUnavailable) as caught:
        await transcriber(openai_audio, http, WRONG_KEY).transcribe(SPEECH, 16000)
    assert caught.value.message == "OpenAI rejected the API key (HTTP 401)"
    assert_keyless(caught.value, WRONG_KEY)


@pytest.mark.parametrize(("status", "says"), [(429, "rate limiting"), (503, "HTTP 503")])
async def test_openai_transcription_provider_errors(
    openai_audio: FakeOpenAIAudio, http: httpx.AsyncClient, status: int, says: str
) -> None:
    openai_audio.status = status
    with pytest.raises(STTUnavailable, match=says) as caught:
        await transcriber(openai_audio, http).transcribe(SPEECH, 16000)
    assert caught.value.details["status_code"] == status


async def test_openai_transcription_refuses_private_address(
    openai_audio: FakeOpenAIAudio, http: httpx.AsyncClient
) -> None:
    stt = transcriber(openai_audio, http, allow_private=False)
    with pytest.raises(STTUnavailable, match="refusing to connect"):
        await stt.transcribe(SPEECH, 16000)
    assert openai_audio.requests == []


# Voices: the same behaviour from the three hosted voices

VoiceFake = FakeElevenLabs | FakeCartesia | FakeOpenAIAudio
KEYS = {
    "elevenlabs": elevenlabs_server.API_KEY,
    "cartesia": cartesia_server.API_KEY,
    "openai": openai_audio_server.API_KEY,
}


def voice(
    provider: str,
    fake: VoiceFake,
    http: httpx.AsyncClient,
    key: str | None = None,
    allow_private: bool = True,
) -> TTS:
    key = key or KEYS[provider]
    private = allow_private
    if provider == "elevenlabs":
        return ElevenLabsTTS(key, http, base_url=fake.base_url, allow_private=private)
    if provider == "cartesia":
        return CartesiaTTS(key, http, base_url=fake.base_url, allow_private=private)
    return openai_tts.OpenAITTS(key, http, base_url=fake.base_url, allow_private=private)


@pytest.fixture(params=["elevenlabs", "cartesia", "openai"])
def hosted_voice(request: pytest.FixtureRequest) -> Iterator[tuple[str, VoiceFake]]:
    fakes: dict[str, type[VoiceFake]] = {
        "elevenlabs": FakeElevenLabs,
        "cartesia": FakeCartesia,
        "openai": FakeOpenAIAudio,
    }
    with serving(fakes[request.param]()) as fake:
        yield request.param, fake


async def say(tts: TTS, text: str = "Hello there.") -> list[bytes]:
    return [chunk async for chunk in tts.synthesize(text)]


async def collect(chunks: AsyncIterator[bytes], into: list[bytes]) -> None:
    async for chunk in chunks:
        into.append(chunk)


async def test_voice_streams_whole_samples_as_they_arrive(
    hosted_voice: tuple[str, VoiceFake], http: httpx.AsyncClient
) -> None:
    provider, fake = hosted_voice
    fake.audio.hold = threading.Event()
    tts = voice(provider, fake, http)
    chunks: list[bytes] = []
    try:
        async for chunk in tts.synthesize("Hello there."):
            if not chunks:
                assert fake.audio.chunks_sent <= 1, "the first piece came before the rest"
                fake.audio.hold.set()
            chunks.append(chunk)
    finally:
        fake.audio.hold.set()
    assert len(chunks) > 1
    assert all(len(chunk) % 2 == 0 for chunk in chunks), "odd network pieces are realigned"
    assert b"".join(chunks) == fake.audio.pcm
    assert tts.sample_rate == fake.audio.rate
    assert await say(tts, "  ") == []
    assert len(fake.requests) == 1, "no request for nothing to say"


async def test_voice_wrong_key(
    hosted_voice: tuple[str, VoiceFake], http: httpx.AsyncClient
) -> None:
    provider, fake = hosted_voice
    with pytest.raises(TTSUnavailable) as caught:
        await say(voice(provider, fake, http, WRONG_KEY))
    assert caught.value.message.endswith("rejected the API key (HTTP 401)")
    assert_keyless(caught.value, WRONG_KEY)


@pytest.mark.parametrize(("status", "says"), [(429, "rate limiting"), (500, "HTTP 500")])
async def test_voice_provider_errors(
    hosted_voice: tuple[str, VoiceFake], http: httpx.AsyncClient, status: int, says: str
) -> None:
    provider, fake = hosted_voice
    fake.status = status
    with pytest.raises(TTSUnavailable, match=says) as caught:
        await say(voice(provider, fake, http))
    assert caught.value.details == {"provider": provider, "status_code": status}


async def test_voice_refuses_private_address(
    hosted_voice: tuple[str, VoiceFake], http: httpx.AsyncClient
) -> None:
    provider, fake = hosted_voice
    with pytest.raises(TTSUnavailable, match="refusing to connect"):
        await say(voice(provider, fake, http, allow_private=False))
    assert fake.requests == []


async def test_voice_stalled_stream_times_out(
    elevenlabs: FakeElevenLabs, http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hosted, "TIMEOUT", httpx.Timeout(0.2))
    elevenlabs.audio.hold = threading.Event()  # never set: the audio stops after one piece
    tts = voice("elevenlabs", elevenlabs, http)
    chunks: list[bytes] = []
    with pytest.raises(TTSUnavailable, match="ElevenLabs timed out"):
        await collect(tts.synthesize("Hello there."), chunks)
    assert len(chunks) == 1
    elevenlabs.audio.hold.set()


async def test_voice_unreachable(http: httpx.AsyncClient) -> None:
    tts = ElevenLabsTTS("k", http, base_url="http://127.0.0.1:9", allow_private=True)
    with pytest.raises(TTSUnavailable, match="ElevenLabs is unreachable"):
        await say(tts)


# Voices: each provider's wire format


async def test_elevenlabs_request(elevenlabs: FakeElevenLabs, http: httpx.AsyncClient) -> None:
    key = elevenlabs_server.API_KEY
    tts = ElevenLabsTTS(key, http, base_url=elevenlabs.base_url, speed=1.1, allow_private=True)
    await say(tts, " Hello there. ")
    (sent,) = elevenlabs.requests
    assert sent.path == "/v1/text-to-speech/21m00Tcm4TlvDq8ikWAM/stream"
    assert sent.query == {"output_format": "pcm_16000"}
    assert sent.headers["xi-api-key"] == key
    assert sent.json == {
        "text": "Hello there.",
        "model_id": "eleven_flash_v2_5",
        "voice_settings": {"speed": 1.1},
    }


async def test_cartesia_request(cartesia: FakeCartesia, http: httpx.AsyncClient) -> None:
    key = cartesia_server.API_KEY
    tts = CartesiaTTS(
        key, http, voice_id="v-1", base_url=cartesia.base_url, language="fr-FR", allow_private=True
    )
    await say(tts, "Bonjour.")
    (sent,) = cartesia.requests
    assert sent.path == "/tts/bytes"
    assert sent.headers["x-api-key"] == key
    assert sent.headers["cartesia-version"] == "2024-06-10"
    assert sent.json == {
        "model_id": "sonic-2",
        "transcript": "Bonjour.",
        "voice": {"mode": "id", "id": "v-1"},
        "output_format": {"container": "raw", "encoding": "pcm_s16le", "sample_rate": 16000},
        "language": "fr",
    }


async def test_openai_speech_request(
    openai_audio: FakeOpenAIAudio, http: httpx.AsyncClient
) -> None:
    key = openai_audio_server.API_KEY
    tts = openai_tts.OpenAITTS(
        key, http, base_url=openai_audio.base_url, speed=1.25, allow_private=True
    )
    assert tts.sample_rate == 24000
    await say(tts)
    (sent,) = openai_audio.requests
    assert sent.path == "/v1/audio/speech"
    assert sent.headers["authorization"] == f"Bearer {key}"
    assert sent.json == {
        "model": "gpt-4o-mini-tts",
        "input": "Hello there.",
        "voice": "alloy",
        "response_format": "pcm",
        "speed": 1.25,
    }
    names = [v.voice_id for v in openai_tts.VOICES]
    assert names == ["alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer"]
    assert {v.provider for v in openai_tts.VOICES} == {"openai"}


async def test_voice_listings(
    elevenlabs: FakeElevenLabs, cartesia: FakeCartesia, http: httpx.AsyncClient
) -> None:
    eleven = await elevenlabs_voices(
        elevenlabs_server.API_KEY, http, base_url=elevenlabs.base_url, allow_private=True
    )
    assert [(v.voice_id, v.name, v.gender, v.provider) for v in eleven] == [
        ("21m00Tcm4TlvDq8ikWAM", "Rachel", "female", "elevenlabs"),
        ("pNInz6obpgDQGcFmaJgB", "Adam", "male", "elevenlabs"),
    ]
    sonic = await cartesia_voices(
        cartesia_server.API_KEY, http, base_url=cartesia.base_url, allow_private=True
    )
    assert [(v.name, v.language, v.provider) for v in sonic] == [
        ("Barbershop Man", "en", "cartesia"),
        ("British Lady", "en", "cartesia"),
    ]
    assert cartesia.requests[0].headers["cartesia-version"] == "2024-06-10"
    with pytest.raises(TTSUnavailable, match="HTTP 401") as caught:
        await cartesia_voices(WRONG_KEY, http, base_url=cartesia.base_url, allow_private=True)
    assert_keyless(caught.value, WRONG_KEY)
    with pytest.raises(TTSUnavailable, match="refusing to connect"):
        await elevenlabs_voices("k", http, base_url=elevenlabs.base_url, allow_private=False)


# The factory


@pytest.fixture
def pointed(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    deepgram: FakeDeepgram,
    elevenlabs: FakeElevenLabs,
    cartesia: FakeCartesia,
) -> Settings:
    """Settings with the hosted providers' addresses on the fakes."""
    monkeypatch.setattr(settings, "deepgram_url", deepgram.base_url)
    monkeypatch.setattr(settings, "elevenlabs_url", elevenlabs.base_url)
    monkeypatch.setattr(settings, "cartesia_url", cartesia.base_url)
    return settings


async def test_factory_builds_hosted_providers(
    pointed: Settings, openai_audio: FakeOpenAIAudio, http: httpx.AsyncClient
) -> None:
    keys = ProviderKeys(
        deepgram_api_key=deepgram_server.API_KEY,
        elevenlabs_api_key=elevenlabs_server.API_KEY,
        cartesia_api_key=cartesia_server.API_KEY,
        openai_api_key=openai_audio_server.API_KEY,
        openai_base_url=openai_audio.base_url,
    )
    for provider in ("deepgram", "openai"):
        stt = providers.stt_for(VoiceConfig(stt_provider=provider), keys, http)
        assert stt.name == provider
        assert (await stt.transcribe(SPEECH, 16000)).text == "I would like to book a table"
    for provider in ("elevenlabs", "cartesia", "openai"):
        tts = providers.tts_for(VoiceConfig(tts_provider=provider, voice_id="v-9"), keys, http)
        assert tts.name == provider
        assert b"".join(await say(tts))
    assert openai_audio.requests[-1].json["voice"] == "v-9"


async def test_factory_refuses_hosted_providers_without_keys(http: httpx.AsyncClient) -> None:
    keys = ProviderKeys(openai_base_url="http://127.0.0.1:9/v1")
    for provider in ("deepgram", "openai"):
        with pytest.raises(STTUnavailable) as stt_error:
            providers.stt_for(VoiceConfig(stt_provider=provider), keys, http)
        assert stt_error.value.code == "STT_NOT_CONFIGURED"
    for provider in ("elevenlabs", "cartesia", "openai"):
        with pytest.raises(TTSUnavailable) as tts_error:
            providers.tts_for(VoiceConfig(tts_provider=provider), keys, http)
        assert tts_error.value.code == "TTS_NOT_CONFIGURED"
        assert f"{provider}_api_key" in tts_error.value.message


async def test_list_voices_includes_hosted_voices(
    pointed: Settings, http: httpx.AsyncClient
) -> None:
    keys = ProviderKeys(
        elevenlabs_api_key=elevenlabs_server.API_KEY,
        cartesia_api_key=WRONG_KEY,  # a provider that refuses is left out, not fatal
        openai_api_key="sk-anything",
    )
    voices = await providers.list_voices(keys, http)
    ids = {(v.provider, v.voice_id) for v in voices}
    assert ("elevenlabs", "21m00Tcm4TlvDq8ikWAM") in ids
    assert ("openai", "shimmer") in ids
    assert not any(v.provider == "cartesia" for v in voices)
    keys = ProviderKeys(cartesia_api_key=cartesia_server.API_KEY)
    names = {v.name for v in await providers.list_voices(keys, http)}
    assert {"Barbershop Man", "British Lady"} <= names
