"""Analyses that need no language model: VADER sentiment, YAKE key phrases, and an extractive
summary (the customer's sentences that carry the most key phrases)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

POSITIVE, NEGATIVE = 0.05, -0.05
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Analysis:
    summary: str
    sentiment: str
    key_phrases: list[str]
    scores: dict[str, Any]
    method: str
    emotions: list[str] = field(default_factory=list)


EMOTIONS = (
    "satisfied",
    "grateful",
    "happy",
    "interested",
    "relieved",
    "confused",
    "frustrated",
    "angry",
    "anxious",
    "disappointed",
    "impatient",
)
# Cue words (stems) for each emotion in what the customer said; a cue counts once per message.
_CUES: dict[str, tuple[str, ...]] = {
    "satisfied": (
        "perfect",
        "great",
        "works",
        "sounds good",
        "that's fine",
        "excellent",
        "awesome",
    ),
    "grateful": ("thank", "appreciate", "grateful", "cheers"),
    "happy": ("happy", "glad", "love", "wonderful", "delighted", "excited"),
    "interested": ("interested", "tell me more", "how much", "curious", "would like", "i'd like"),
    "relieved": ("relieved", "phew", "what a relief", "finally", "good to know"),
    "confused": ("confus", "don't understand", "not sure", "what do you mean", "unclear", "huh"),
    "frustrated": ("frustrat", "again", "still not", "doesn't work", "not working", "annoy"),
    "angry": ("angry", "furious", "ridiculous", "unacceptable", "terrible", "worst", "outrage"),
    "anxious": ("worried", "anxious", "nervous", "afraid", "concern", "urgent", "asap"),
    "disappointed": ("disappoint", "let down", "expected better", "unfortunately", "shame"),
    "impatient": ("hurry", "waiting", "how long", "taking forever", "quickly", "right now"),
}


@lru_cache
def _vader() -> SentimentIntensityAnalyzer:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def sentiment(text: str) -> tuple[str, float]:
    if not text.strip():
        return "neutral", 0.0
    compound = float(_vader().polarity_scores(text)["compound"])
    label = (
        "positive" if compound >= POSITIVE else "negative" if compound <= NEGATIVE else "neutral"
    )
    return label, compound


def key_phrases(text: str, top: int = 5, language: str = "en") -> list[str]:
    if len(text.split()) < 3:
        return []
    import yake  # loaded on first use: it pulls in networkx (a quarter second)

    extractor = yake.KeywordExtractor(lan=language[:2], n=2, top=top * 2, dedupLim=0.7)
    phrases: list[str] = []
    for phrase, _score in extractor.extract_keywords(text):
        lowered = phrase.lower()
        if not any(lowered in p or p in lowered for p in phrases):
            phrases.append(lowered)
        if len(phrases) == top:
            break
    return phrases


def summarize(customer: list[str], agent: list[str], phrases: list[str], limit: int = 2) -> str:
    sentences = [s.strip() for text in customer for s in _SENTENCE.split(text) if s.strip()]
    if not sentences:
        return "The customer did not write anything."
    scored = sorted(
        enumerate(sentences),
        key=lambda item: (-sum(p in item[1].lower() for p in phrases), item[0]),
    )
    chosen = sorted(scored[:limit])
    summary = "Customer: " + " ".join(s for _, s in chosen)
    if agent:
        summary += f" ({len(agent)} agent replies.)"
    return summary[:1000]


def emotions(customer: list[str], compound: float, top: int = 3) -> list[str]:
    """The customer's most evident emotions, from cue words, backed by the sentiment score."""
    counts: dict[str, int] = {}
    for message in customer:
        lowered = message.lower()
        for emotion, cues in _CUES.items():
            if any(cue in lowered for cue in cues):
                counts[emotion] = counts.get(emotion, 0) + 1
    positive = {"satisfied", "grateful", "happy", "interested", "relieved"}
    # A cue against the overall tone ("thanks for nothing") does not count.
    if compound <= NEGATIVE:
        counts = {e: n for e, n in counts.items() if e not in positive - {"interested"}}
    elif compound >= POSITIVE:
        counts = {e: n for e, n in counts.items() if e in positive or e == "confused"}
    found = sorted(counts, key=lambda e: (-counts[e], EMOTIONS.index(e)))[:top]
    if not found and compound >= 0.5:
        found = ["satisfied"]
    elif not found and compound <= -0.5:
        found = ["frustrated"]
    return found


def analyze(customer: list[str], agent: list[str], language: str = "en") -> Analysis:
    text = " ".join(customer)
    label, compound = sentiment(text)
    phrases = key_phrases(text, language=language)
    return Analysis(
        summary=summarize(customer, agent, phrases),
        sentiment=label,
        key_phrases=phrases,
        scores={"compound": compound},
        method="classic",
        emotions=emotions(customer, compound),
    )
