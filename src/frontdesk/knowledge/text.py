"""The words keyword search matches: accents folded, case folded, common words dropped, English
stems. The same function builds the index and reads the query, on SQLite and PostgreSQL alike, so
both databases match the same words and the BM25 score of a chunk is the same on both.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STEMMER = snowballstemmer.stemmer("english")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself just
    me more most my myself no nor not now of off on once only or other our ours ourselves out over
    own same she should so some such than that the their theirs them themselves then there these
    they this those through to too under until up very was we were what when where which while who
    whom why will with would you your yours yourself yourselves""".split()
)
MAX_WORD = 40  # longer runs (hashes, base64) are not words anyone searches for


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


def terms(text: str) -> list[str]:
    """The indexed words of a text, in order (repeats kept: they are term frequency)."""
    return [
        _stem(w) for w in _WORD.findall(fold(text)) if w not in STOPWORDS and len(w) <= MAX_WORD
    ]


def index_text(text: str) -> str:
    """What the full-text index stores for a chunk: its words, space separated."""
    return " ".join(terms(text))


def query_terms(query: str, limit: int = 32) -> list[str]:
    """The distinct words of a query, in order, at most `limit`."""
    return list(dict.fromkeys(terms(query)))[:limit]
