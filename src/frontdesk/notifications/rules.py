"""Which events become notifications, and what they say."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str | None
    resource_type: str | None
    resource_id: str | None


def _name(data: dict[str, Any], key: str = "name", fallback: str = "") -> str:
    value = data.get(key)
    return str(value) if value else fallback


def _conversation_pending(data: dict[str, Any]) -> Rendered | None:
    who = _name(data, "contact_name", "A customer")
    return Rendered(
        "Conversation waiting for a human",
        f"{who} is waiting for a reply.",
        "conversation",
        data.get("conversation_id") or data.get("id"),
    )


def _call_ended(data: dict[str, Any]) -> Rendered | None:
    if data.get("status") != "failed":
        return None
    reason = data.get("error") or data.get("end_call_reason") or "unknown reason"
    return Rendered(
        "Call failed",
        f"The call to {data.get('phone_number_to') or 'a number'} failed: {reason}.",
        "call",
        data.get("call_id") or data.get("id"),
    )


def _campaign_completed(data: dict[str, Any]) -> Rendered | None:
    return Rendered(
        "Campaign finished",
        f"{_name(data, 'name', 'A campaign')} has finished.",
        "campaign",
        data.get("campaign_id") or data.get("id"),
    )


def _source_processed(data: dict[str, Any]) -> Rendered | None:
    if data.get("status") != "failed":
        return None
    return Rendered(
        "Knowledge source failed to process",
        f"{_name(data, 'name', 'A source')}: {data.get('error') or 'unknown error'}",
        "knowledge_source",
        data.get("source_id") or data.get("id"),
    )


RULES: dict[str, Callable[[dict[str, Any]], Rendered | None]] = {
    "conversation.pending": _conversation_pending,
    "call.ended": _call_ended,
    "campaign.completed": _campaign_completed,
    "knowledge_source.processed": _source_processed,
}
