"""espeak-ng, run as a separate program (it is GPL; Frontdesk only starts it): the fallback voice,
and the phonemizer of the Piper voices."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator

from frontdesk.voice.tts.base import TTSUnavailable, Voice

ESPEAK_RATE = 22050
WAV_HEADER = 44  # espeak-ng writes a canonical 44-byte header (with unknown sizes) to stdout
_CLAUSE = re.compile(r"[^,.;:!?]+[,.;:!?]*")
VOICES = (
    Voice("en-us", "English (America)", "en-US", "male", "espeak"),
    Voice("en-gb", "English (Great Britain)", "en-GB", "male", "espeak"),
    Voice("en-us+f3", "English (America), female", "en-US", "female", "espeak"),
    Voice("en-gb+f3", "English (Great Britain), female", "en-GB", "female", "espeak"),
)


def program() -> str:
    path = shutil.which("espeak-ng")
    if path is None:
        raise TTSUnavailable(
            "espeak-ng is not installed (e.g. apt-get install espeak-ng); the local voices need it",
            "TTS_NOT_INSTALLED",
        )
    return path


def installed() -> bool:
    return shutil.which("espeak-ng") is not None


async def _run(*args: str, text: str) -> bytes:
    process = await asyncio.create_subprocess_exec(
        program(),
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await process.communicate(text.encode())
    if process.returncode != 0:
        raise TTSUnavailable(f"espeak-ng failed with exit code {process.returncode}")
    return out


def _clean(text: str) -> str:
    # One line of plain text: espeak-ng must not read SSML or its own command characters.
    return " ".join(text.replace("<", " ").replace(">", " ").split())


async def phonemes(text: str, voice: str = "en-us") -> str:
    """IPA phonemes of `text` with its clause punctuation kept, the way Piper voices read them."""
    clauses = [c.strip() for c in _CLAUSE.findall(_clean(text)) if c.strip()]
    if not clauses:
        return ""
    # espeak-ng prints one line per clause; the punctuation that ended each clause is put back.
    out = (await _run("-q", "--ipa", "-v", voice, text="\n".join(clauses))).decode()
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    if len(lines) != len(clauses):
        return " ".join(lines)
    parts = []
    for clause, line in zip(clauses, lines, strict=True):
        end = clause[-1] if clause[-1] in ",.;:!?" else ""
        parts.append(line + end)
    return " ".join(parts)


class EspeakTTS:
    name = "espeak"
    sample_rate = ESPEAK_RATE

    def __init__(self, voice_id: str | None = None, speed: float = 1.0) -> None:
        self.voice = voice_id or "en-us"
        self.words_per_minute = str(int(175 * speed))

    async def synthesize(self, text: str) -> AsyncIterator[bytes]:
        text = _clean(text)
        if not text:
            return
        wav = await _run("--stdout", "-v", self.voice, "-s", self.words_per_minute, text=text)
        pcm = wav[WAV_HEADER:]
        yield pcm[: len(pcm) - len(pcm) % 2]
