"""Scores: BM25 for keywords, cosine for vectors, and one calibrated score in [0, 1] for all
three search modes.

`hybrid` adds three signals: the cosine of the query to the passage (the best of its own vector's
and its windows', for a passage longer than the model reads at once), its cosine to the passage's
context (the source's name and the section heading: for an FAQ that is the canonical question),
and BM25 normalised by the best score the query's words could reach, so it compares across
queries. The weights were chosen on the development queries of three public retrieval sets (a
support FAQ, scientific claims, encyclopedia questions) as the ones that never rank below the
better of keyword and vector search on any of them (bench/retrieval.py, docs/knowledge.md).

Every mode's raw score then goes through a logistic curve fitted on the same queries: the result
estimates the chance that the passage answers the query, so a threshold of 0.5 means "more likely
relevant than not" whichever mode is used.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

K1 = 1.2
B = 0.75
KEYWORD_CAP = 1.75  # normalised BM25 above this (words repeated) adds nothing
CONTEXT_WEIGHT = 0.6
KEYWORD_WEIGHT = 0.6
CONTEXT_REPEAT = 3  # the context line weighs three times in keyword search (a title field)

# Logistic calibration (slope, intercept) of each mode's raw score.
VECTOR_CALIBRATION = (15.18, -9.88)
KEYWORD_CALIBRATION = (3.95, -4.29)
HYBRID_CALIBRATION = (4.85, -7.40)

Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class CorpusStats:
    """BM25's view of the searched bases: how many chunks, their mean length, and the document
    frequency of each query word."""

    chunks: int
    mean_length: float
    df: Mapping[str, int]

    def idf(self, term: str) -> float:
        n = self.df.get(term, 0)
        return math.log(1 + (self.chunks - n + 0.5) / (n + 0.5))

    def best_possible(self, terms: Sequence[str]) -> float:
        """The score of a passage holding each query word once at mean length: keyword scores
        are divided by it, so they compare across queries."""
        return sum(self.idf(t) for t in terms if self.df.get(t)) or 1.0


def bm25(stats: CorpusStats, terms: Sequence[str], chunks: Sequence[str]) -> Array:
    """The BM25 score of each chunk, given as its indexed words (space separated). Only the
    query's words are counted, and a chunk holding none of them is not split at all."""
    weights = [(t, stats.idf(t)) for t in dict.fromkeys(terms)]
    out = np.zeros(len(chunks), dtype=np.float64)
    if not weights:
        return out
    scale = K1 * B / max(stats.mean_length, 1.0)
    base = K1 * (1 - B)
    for i, indexed in enumerate(chunks):
        if not any(term in indexed for term, _ in weights):
            continue
        words = indexed.split()
        norm = base + scale * len(words)
        score = 0.0
        for term, idf in weights:
            tf = words.count(term)
            if tf:
                score += idf * tf * (K1 + 1) / (tf + norm)
        out[i] = score
    return out


def _calibrated(raw: Array, calibration: tuple[float, float]) -> Array:
    slope, intercept = calibration
    return 1.0 / (1.0 + np.exp(-np.clip(slope * raw + intercept, -30, 30)))


def vector_scores(cosine: Array) -> Array:
    return _calibrated(cosine, VECTOR_CALIBRATION)


def keyword_scores(keyword: Array) -> Array:
    return _calibrated(np.minimum(keyword, KEYWORD_CAP), KEYWORD_CALIBRATION)


def hybrid_raw(cosine: Array, context: Array, keyword: Array) -> Array:
    return (
        cosine
        + CONTEXT_WEIGHT * np.maximum(context, 0.0)
        + KEYWORD_WEIGHT * np.minimum(keyword, KEYWORD_CAP)
    )


def hybrid_scores(cosine: Array, context: Array, keyword: Array) -> Array:
    return _calibrated(hybrid_raw(cosine, context, keyword), HYBRID_CALIBRATION)


def mode_scores(
    mode: str, cosine: Array, context: Array, keyword: Array, *, have_vectors: bool
) -> tuple[Array, npt.NDArray[np.bool_]]:
    """Each candidate's calibrated score in `mode`, and which candidates the mode may return
    (keyword search only those holding a query word). Hybrid without a query vector (the
    embedding endpoint failed) scores by keywords alone."""
    if mode == "keyword":
        return keyword_scores(keyword), keyword > 0
    everyone = np.ones(len(cosine), dtype=bool)
    if mode == "vector":
        return vector_scores(cosine), everyone
    if not have_vectors:
        return keyword_scores(keyword), everyone
    return hybrid_scores(cosine, context, keyword), everyone
