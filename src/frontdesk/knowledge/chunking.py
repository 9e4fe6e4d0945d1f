"""Structure-aware chunking: passages of about `size` tokens that follow the document's
headings and paragraphs, overlapping by about `overlap` tokens, each knowing its heading and
page.

Tokens are counted as words and punctuation marks, which is close to what embedding models see
for English text. Each section starts a new chunk at its heading (one chunk never mixes two
sections), and a paragraph longer than a chunk is cut between sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from frontdesk.knowledge.parsing import Block

_TOKEN = re.compile(r"\w+|[^\w\s]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


def count_tokens(text: str) -> int:
    return len(_TOKEN.findall(text))


@dataclass(frozen=True, slots=True)
class Chunk:
    text: str
    heading: str | None
    page: int | None
    page_end: int | None
    tokens: int


@dataclass(slots=True)
class _Unit:
    text: str
    heading: str | None
    page: int | None
    tokens: int
    paragraph: int  # sentences of one long paragraph share it, and are joined by a space


def _sentences(text: str, size: int) -> list[str]:
    """A long paragraph as sentences; a run-on sentence longer than a chunk as word runs."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        tokens = count_tokens(sentence)
        if tokens > size:
            words = sentence.split()
            step = max(1, int(len(words) * size / max(tokens, 1)))
            pieces.extend(" ".join(words[i : i + step]) for i in range(0, len(words), step))
        elif sentence.strip():
            pieces.append(sentence)
    return pieces


def _units(blocks: list[Block], size: int) -> list[_Unit | None]:
    """Paragraph-sized units; None marks a heading (a place a chunk likes to start)."""
    units: list[_Unit | None] = []
    for number, block in enumerate(blocks):
        if block.is_heading:
            units.append(None)
            continue
        tokens = count_tokens(block.text)
        if tokens > size:
            for part in _sentences(block.text, size):
                units.append(_Unit(part, block.heading, block.page, count_tokens(part), number))
        elif tokens:
            units.append(_Unit(block.text, block.heading, block.page, tokens, number))
    return units


def chunk(blocks: list[Block], size: int = 400, overlap: int = 60) -> list[Chunk]:
    size = max(size, 20)
    overlap = min(max(overlap, 0), size // 2)
    chunks: list[Chunk] = []
    current: list[_Unit] = []
    fresh = 0  # units of `current` not already emitted in an earlier chunk

    def emit() -> None:
        nonlocal current, fresh
        if not current or not fresh:
            return
        text = current[0].text
        for previous, unit in zip(current, current[1:], strict=False):
            text += (" " if unit.paragraph == previous.paragraph else "\n\n") + unit.text
        pages = [u.page for u in current if u.page is not None]
        chunks.append(
            Chunk(
                text,
                current[-1].heading if current[0].heading is None else current[0].heading,
                min(pages) if pages else None,
                max(pages) if pages else None,
                sum(u.tokens for u in current),
            )
        )
        # Carry the tail of this chunk into the next, up to `overlap` tokens, same section only.
        kept: list[_Unit] = []
        total = 0
        for unit in reversed(current):
            if total + unit.tokens > overlap:
                break
            kept.insert(0, unit)
            total += unit.tokens
        current, fresh = kept, 0

    for unit in _units(blocks, size):
        if unit is None:
            emit()  # a section starts a chunk of its own: topics are not mixed
            current, fresh = [], 0
            continue
        if current and current[0].heading != unit.heading and fresh == 0:
            current = []  # an overlap from another section is not context for this one
        if current and sum(u.tokens for u in current) + unit.tokens > size:
            emit()
            if current and sum(u.tokens for u in current) + unit.tokens > size:
                current = []
        current.append(unit)
        fresh += 1
    emit()
    return chunks
