"""Answering machines: an outbound call's first words that sound like a recorded greeting."""

from __future__ import annotations

import re

_MACHINE = re.compile(
    r"leave (me |us )?(a |your )?(brief |short )?(message|name|number)|after the (tone|beep)|"
    r"at the (tone|beep)|(can't|cannot|can not|unable to) (come to|take|answer|get to) (the )?"
    r"(phone|call)|not available|unavailable|voice ?mail|mailbox|you('ve| have) reached|"
    r"record your message|please leave",
    re.IGNORECASE,
)
_GOODBYE = re.compile(
    r"\b(good ?bye|bye( bye)?|see you|talk (to you )?(later|soon)|have a (good|nice|great) "
    r"(day|one|evening|night)|that's all|hang(ing)? up)\b",
    re.IGNORECASE,
)
MONOLOGUE_MS = 5500  # a first utterance this long is a recording, not "Hello?"


def sounds_like_machine(text: str, speech_ms: float) -> str | None:
    """Why the first words of a call look like an answering machine, or None."""
    if _MACHINE.search(text):
        return "voicemail_phrase"
    if speech_ms >= MONOLOGUE_MS:
        return "long_greeting"
    return None


def says_goodbye(text: str) -> bool:
    return bool(_GOODBYE.search(text))
