"""Which tools fit the customer's last message, for the embedded model.

SmolLM2-135M cannot tell on its own whether a message calls for a tool: offered the choice, it
nearly always answers with text, and now and then calls a tool nobody asked for (measured by
`bench/local_tools.py`). This router decides instead, with the local embedding model
(all-MiniLM-L6-v2): a tool is picked when the message is close to the tool's name, description or
one of its sentences, and not clearly closer to an example of ordinary customer talk. The
language model then only writes the call's arguments, constrained to the tool's schema.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from frontdesk.llm.base import ToolSpec

THRESHOLD = 0.2  # cosine similarity; below it a message is never taken as asking for the tool
# A tool may trail the closest phrase of ordinary talk by this much (tuned on examples apart
# from the benchmark's: it catches more requests at the cost of a few wrong picks).
SLACK = 0.05
# Ordinary customer talk that a reply answers: a tool must be closer to the message than these.
ORDINARY = (
    "Hi there",
    "Good morning, how are you?",
    "Thank you",
    "Yes",
    "No",
    "I have a question",
    "Can you help me?",
    "How much is it?",
    "Is that included?",
    "How does it work?",
    "What do you recommend?",
    "Do you have this in stock?",
    "Where are you located?",
    "Can you tell me more about your products?",
)


@lru_cache(maxsize=1024)
def _vectors(texts: tuple[str, ...]) -> Any:
    from frontdesk.knowledge.embeddings import LocalEmbedder

    return LocalEmbedder().embed_sync(list(texts))


def _texts(tool: ToolSpec) -> tuple[str, ...]:
    description = tool.description.strip()
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", description) if s]
    return tuple(t for t in (tool.name.replace("_", " "), description, *sentences) if t)


def relevance(tools: list[ToolSpec], message: str) -> dict[str, float]:
    """How close the message is to each tool: the best cosine similarity of its texts."""
    said = _vectors((message,))[0]
    return {t.name: float((_vectors(_texts(t)) @ said).max()) for t in tools}


def pick(tools: list[ToolSpec], message: str) -> list[ToolSpec]:
    """The tools the message asks for, closest first; none for ordinary talk. Raises
    `EmbeddingUnavailable` when the embedding model is not installed."""
    if not tools or not message.strip():
        return []
    scores = relevance(tools, message)
    ordinary = float((_vectors(ORDINARY) @ _vectors((message,))[0]).max())
    fits = [t for t in tools if scores[t.name] >= max(THRESHOLD, ordinary - SLACK)]
    return sorted(fits, key=lambda t: -scores[t.name])
