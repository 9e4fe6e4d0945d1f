"""The small interface every language-model provider implements: stream a chat completion,
with tool calls and token usage."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from frontdesk.errors import AppError


class LLMUnavailable(AppError):
    status = 503
    code = "LLM_UNAVAILABLE"


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass
class Message:
    role: Literal["system", "user", "assistant", "tool"]
    content: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_call_id: str | None = None


@dataclass
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0
    estimated: bool = False  # the server reported none; counted from the stream and the text

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class Request:
    messages: list[Message]
    model: str | None = None
    temperature: float = 0.3
    max_tokens: int = 256
    tools: list[ToolSpec] = field(default_factory=list)
    tool_choice: str | None = None  # the name of a tool the model must call this turn
    json_schema: dict[str, Any] | None = None  # constrain the reply to this schema
    timeout: float = 60.0


@dataclass
class Delta:
    """A piece of the streamed reply: text, finished tool calls, or the final usage."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage | None = None
    model: str | None = None


class Provider(Protocol):
    name: str

    def stream(self, request: Request) -> AsyncIterator[Delta]: ...


@dataclass
class Completion:
    text: str
    tool_calls: list[ToolCall]
    usage: Usage
    model: str


async def complete(provider: Provider, request: Request) -> Completion:
    """Collect a streamed reply."""
    parts: list[str] = []
    calls: list[ToolCall] = []
    usage = Usage()
    model = request.model or provider.name
    async for delta in provider.stream(request):
        parts.append(delta.text)
        calls.extend(delta.tool_calls)
        if delta.usage is not None:
            usage = delta.usage
        if delta.model:
            model = delta.model
    return Completion("".join(parts), calls, usage, model)
