"""Grounding for the conversation engine: the passages of an agent's knowledge bases that answer
the customer's message, with their sources.

A base with a `rag_use_condition` is consulted only when the message is about what the
condition names (shared words, or the cosine of the two with the base's embedding model); a base
without one is consulted on every turn. Only passages whose calibrated score reaches the base's
threshold (default `DEFAULT_THRESHOLD`) are used.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np

from frontdesk.agents.models import Agent
from frontdesk.engine import prompt
from frontdesk.knowledge import text
from frontdesk.knowledge.embeddings import EmbeddingUnavailable
from frontdesk.knowledge.models import KnowledgeBase
from frontdesk.knowledge.search import QUERY_VECTORS, search
from frontdesk.tenancy.scope import system_scope

DEFAULT_THRESHOLD = 0.35
PASSAGES = 4
CONDITION_SIMILARITY = 0.3
NO_ANSWER = "I'm sorry, I don't know that. I can put you in touch with a colleague who can help."


async def _condition_met(kb: KnowledgeBase, question: str) -> bool:
    condition = kb.rag_use_condition or ""
    if set(text.query_terms(condition)) & set(text.query_terms(question)):
        return True
    try:
        # The search's query-vector cache: the question is embedded once per turn, the
        # condition once per process.
        first = await QUERY_VECTORS.get(kb, condition)
        second = await QUERY_VECTORS.get(kb, question)
    except EmbeddingUnavailable:
        return True  # cannot tell: consulting the base is the safe side
    return float(np.dot(first, second)) >= CONDITION_SIMILARITY


async def retrieve(
    session: Any, agent: Agent, question: str, knowledge_base_ids: list[uuid.UUID]
) -> prompt.Knowledge:
    """The passages of the agent's bases (`knowledge_base_ids`, as attached) for `question`."""
    knowledge = prompt.Knowledge()
    if not question.strip() or not knowledge_base_ids:
        return knowledge
    from frontdesk.knowledge import service as knowledge_service

    scope = system_scope(agent.workspace_id)
    kbs: list[KnowledgeBase] = []
    for kb in await knowledge_service.get_many_existing(session, scope, knowledge_base_ids):
        if not kb.rag_use_condition or await _condition_met(kb, question):
            kbs.append(kb)
    if not kbs:
        return knowledge
    knowledge.consulted = True
    knowledge.no_answer_message = next(
        (kb.no_answer_message for kb in kbs if kb.no_answer_message), NO_ANSWER
    )
    threshold = min(kb.threshold if kb.threshold is not None else DEFAULT_THRESHOLD for kb in kbs)
    try:
        hits = await search(session, kbs, question, limit=PASSAGES, threshold=threshold)
    except EmbeddingUnavailable:
        hits = await search(
            session, kbs, question, mode="keyword", limit=PASSAGES, threshold=threshold
        )
    for hit in hits:
        where = hit.source + (f", page {hit.page}" if hit.page else "")
        knowledge.passages.append(f"({where}) {hit.content}")
        knowledge.sources.append(
            {
                "knowledge_base_id": str(hit.knowledge_base_id),
                "source_id": str(hit.source_id),
                "chunk_id": str(hit.chunk_id),
                "source": hit.source,
                "page": hit.page,
                "heading": hit.heading,
                "score": round(hit.score, 4),
            }
        )
    return knowledge


prompt.RETRIEVERS.append(retrieve)
