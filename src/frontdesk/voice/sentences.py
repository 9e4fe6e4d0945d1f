"""Sentences out of streamed text, so speech can start before the model has finished.

A sentence ends at `.`, `!`, `?` or a line break followed by more text (not inside a number or
after a common abbreviation). The reply's first piece may end at a comma once it has a few
words: the caller hears something sooner.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from frontdesk.voice.frames import (
    Frame,
    ReplyEndFrame,
    ReplyStartFrame,
    SentenceFrame,
    TextFrame,
)
from frontdesk.voice.stage import Stage

_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+|\n+")
_CLAUSE = re.compile(r"(?<=[,;:])\s+")
_ABBREVIATIONS = {"mr.", "mrs.", "ms.", "dr.", "st.", "vs.", "e.g.", "i.e.", "etc.", "no.", "jr."}
FIRST_CLAUSE_WORDS = 6


def _is_abbreviation(text: str) -> bool:
    last = text.rstrip().rsplit(None, 1)[-1].lower() if text.strip() else ""
    return last in _ABBREVIATIONS or bool(re.fullmatch(r"[a-z]\.", last))


def split_ready(buffer: str, first: bool) -> tuple[list[str], str]:
    """The complete sentences at the start of `buffer`, and the rest."""
    out: list[str] = []
    start = 0
    for match in _END.finditer(buffer):
        piece = buffer[start : match.start()]
        if not piece.strip() or _is_abbreviation(piece):
            continue
        out.append(piece.strip())
        start = match.end()
    rest = buffer[start:]
    if first and not out:
        for match in _CLAUSE.finditer(rest):
            piece = rest[: match.start()]
            if len(piece.split()) >= FIRST_CLAUSE_WORDS:
                out.append(piece.strip())
                rest = rest[match.end() :]
                break
    return out, rest


class SentenceStage(Stage):
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.clock = clock
        self._buffer = ""
        self._sent = 0
        self._reply_id = 0
        self.first_sentence_at: dict[int, float] = {}

    def handle(self, frame: Frame) -> None:
        if isinstance(frame, TextFrame):
            self._buffer += frame.text
            sentences, self._buffer = split_ready(self._buffer, self._sent == 0)
            for sentence in sentences:
                self._emit(sentence)
        elif isinstance(frame, ReplyStartFrame):
            self._buffer, self._sent = "", 0
            self._reply_id = frame.reply_id
            self.push(frame)
        elif isinstance(frame, ReplyEndFrame):
            if self._buffer.strip() and not frame.stopped:
                self._emit(self._buffer.strip())
            self._buffer, self._sent = "", 0
            self.push(frame)
        else:
            super().handle(frame)

    def _emit(self, sentence: str) -> None:
        if self._sent == 0:
            self.first_sentence_at[self._reply_id] = self.clock()
        self._sent += 1
        self.push(SentenceFrame(sentence))

    def interrupt(self) -> None:
        self._buffer, self._sent = "", 0
