"""Choosing the provider for an agent, and what its tokens cost."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from frontdesk.llm.base import LLMUnavailable, Provider, Usage
from frontdesk.llm.local import MODEL_NAME, LocalProvider
from frontdesk.llm.scripted import ScriptedProvider

# USD per million tokens (prompt, completion); override with FRONTDESK_LLM_PRICES.
PRICES: dict[str, tuple[Decimal, Decimal]] = {
    MODEL_NAME: (Decimal(0), Decimal(0)),
    "scripted": (Decimal(0), Decimal(0)),
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
    "gpt-4o": (Decimal("2.50"), Decimal("10.00")),
    "gpt-4.1-mini": (Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1": (Decimal("2.00"), Decimal("8.00")),
    "claude-haiku-4-5": (Decimal("1.00"), Decimal("5.00")),
    "claude-sonnet-4-0": (Decimal("3.00"), Decimal("15.00")),
}

_local: LocalProvider | None = None


def local_provider() -> LocalProvider:
    global _local
    if _local is None:
        _local = LocalProvider()
    return _local


def provider_for(config: dict[str, Any], secret: str | None = None) -> Provider:
    """The provider an agent's `llm` settings name; `secret` is its decrypted API key."""
    kind = config.get("provider", "local")
    if kind == "local":
        return local_provider()
    if kind == "scripted":
        return ScriptedProvider(config.get("script"))
    # The SDKs take a second to import: only when an agent uses them (fast start-up).
    if kind == "openai":
        from frontdesk.llm.openai_compat import OpenAICompatibleProvider

        return OpenAICompatibleProvider(
            config.get("base_url"), secret, config.get("model") or "gpt-4o-mini"
        )
    if kind == "anthropic":
        from frontdesk.llm.anthropic_provider import AnthropicProvider

        return AnthropicProvider(
            config.get("base_url"), secret, config.get("model") or "claude-haiku-4-5"
        )
    raise LLMUnavailable(f"Unknown llm provider {kind!r}", "LLM_PROVIDER_UNAVAILABLE")


def cost(
    model: str, usage: Usage, prices: dict[str, tuple[Decimal, Decimal]] | None = None
) -> Decimal:
    table = {**PRICES, **(prices or {})}
    prompt, completion = table.get(model, (Decimal(0), Decimal(0)))
    total = (prompt * usage.prompt_tokens + completion * usage.completion_tokens) / 1_000_000
    return total.quantize(Decimal("0.000001"))
