"""Prompt assembly: the agent's prompt with its variables filled, memory, retrieved knowledge
and the conversation so far."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from frontdesk.agents.models import Agent
from frontdesk.conversations.models import Conversation
from frontdesk.crm.models import Contact
from frontdesk.kit import templates
from frontdesk.llm import base as llm

HISTORY_MESSAGES = 30


@dataclass
class Knowledge:
    """Passages retrieved for the question, with where they came from."""

    passages: list[str] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    consulted: bool = False  # the agent's knowledge was searched for this turn
    no_answer_message: str | None = None

    @property
    def found_nothing(self) -> bool:
        return self.consulted and not self.passages


# frontdesk.knowledge.retriever registers the retriever that searches an agent's knowledge bases.
Retriever = Callable[[Any, Agent, str, list[uuid.UUID]], Awaitable[Knowledge]]
RETRIEVERS: list[Retriever] = []


def variables(
    agent: Agent, conversation: Conversation, contact: Contact | None, now: datetime | None = None
) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    local = now.astimezone(ZoneInfo(agent.timezone)) if agent.timezone else now
    values: dict[str, Any] = {
        "agent_name": agent.name,
        "current_date": local.date().isoformat(),
        "current_time": local.strftime("%H:%M"),
        "current_weekday": local.strftime("%A"),
    }
    values.update(agent.custom_variables or {})
    values.update(conversation.custom_variables or {})
    if contact is not None:
        values.update(
            {
                "contact_name": contact.name,
                "contact_first_name": contact.first_name,
                "contact_last_name": contact.last_name,
                "contact_email": contact.email,
                "contact_phone": contact.phone_number,
                "company_name": contact.company_name,
                "lead_status": contact.lead_status,
            }
        )
    return {k: v for k, v in values.items() if v is not None}


# How replies should read on a channel, told to the model after the agent's own prompt.
CHANNEL_STYLE = {
    "sms": (
        "You are texting with the customer (SMS). Reply in one to three short sentences of "
        "plain text, under 300 characters: no markdown, lists or links unless asked."
    ),
}
# The most tokens a reply may take on a channel (an SMS reply stays a text or two).
CHANNEL_MAX_TOKENS = {"sms": 120}


def system_prompt(
    agent: Agent,
    values: dict[str, Any],
    memories: Sequence[str],
    knowledge: Knowledge,
    override: str | None = None,
    channel: str | None = None,
) -> tuple[str, list[str]]:
    """The system message and the placeholders no value was found for."""
    text, missing = templates.render(override or agent.prompt or "", values)
    parts = [text.strip() or f"You are {agent.name}, a helpful assistant. Answer briefly."]
    if channel in CHANNEL_STYLE:
        parts.append(CHANNEL_STYLE[channel])
    if memories:
        parts.append("What you remember about this customer:\n" + "\n".join(memories))
    if knowledge.passages:
        numbered = "\n".join(f"[{i + 1}] {p}" for i, p in enumerate(knowledge.passages))
        parts.append(
            "Answer from these passages; if they do not contain the answer, say you don't know.\n"
            + numbered
        )
    elif knowledge.found_nothing:
        parts.append(
            "Your knowledge base has nothing on the customer's last message. Do not make up "
            "facts; if they ask for information, reply: " + (knowledge.no_answer_message or "")
        )
    return "\n\n".join(parts), missing


_QUESTION_START = re.compile(
    r"^\s*(what|whats|what's|how|when|where|why|who|whom|whose|which|can|could|do|does|did|is|"
    r"are|was|were|will|would|should|may|might|have|has|tell me|explain|list|describe)\b",
    re.IGNORECASE,
)


def asks_for_information(message: str) -> bool:
    """A question or a request for facts (not a greeting, thanks or small talk)."""
    return "?" in message or bool(_QUESTION_START.match(message))


class Said(Protocol):
    """A line of the conversation: a stored message or a row of its two columns."""

    @property
    def sender_type(self) -> str: ...

    @property
    def content(self) -> str: ...


def history(messages: Sequence[Said]) -> list[llm.Message]:
    out: list[llm.Message] = []
    for m in messages[-HISTORY_MESSAGES:]:
        if m.sender_type == "user":
            out.append(llm.Message("user", m.content))
        elif m.sender_type in ("agent", "member"):
            out.append(llm.Message("assistant", m.content))
    return out
