"""Anthropic's Messages API, streamed, with tool use."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import anthropic
from anthropic import AsyncAnthropic

from frontdesk.kit import ssrf
from frontdesk.llm.base import Delta, LLMUnavailable, Message, Request, ToolCall, Usage
from frontdesk.settings import get_settings


def _messages(messages: list[Message]) -> tuple[str, list[dict[str, Any]]]:
    """Anthropic takes the system prompt apart, and tool results as user content blocks."""
    system = "\n\n".join(m.content or "" for m in messages if m.role == "system")
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            block = {"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.content}
            if out and out[-1]["role"] == "user" and isinstance(out[-1]["content"], list):
                out[-1]["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
        elif m.role == "assistant" and m.tool_calls:
            content: list[dict[str, Any]] = []
            if m.content:
                content.append({"type": "text", "text": m.content})
            content.extend(
                {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
                for c in m.tool_calls
            )
            out.append({"role": "assistant", "content": content})
        else:
            out.append({"role": m.role, "content": m.content or ""})
    return system, out


class AnthropicProvider:
    name = "anthropic"

    def __init__(self, base_url: str | None, api_key: str | None, default_model: str) -> None:
        self.client = AsyncAnthropic(
            base_url=base_url,
            api_key=api_key or "missing",
            max_retries=1,
            # The endpoint is the workspace's choice: connections go through the SSRF guard.
            http_client=ssrf.sdk_client(get_settings().allow_private_urls),
        )
        self.default_model = default_model

    async def stream(self, request: Request) -> AsyncIterator[Delta]:
        system, messages = _messages(request.messages)
        kwargs: dict[str, Any] = {
            "model": request.model or self.default_model,
            "max_tokens": request.max_tokens,
            "messages": messages,
            "stream": True,
            "timeout": request.timeout,
        }
        if system:
            kwargs["system"] = system
        if request.tools:
            kwargs["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters}
                for t in request.tools
            ]
            if request.tool_choice is not None:
                kwargs["tool_choice"] = {"type": "tool", "name": request.tool_choice}
        if request.json_schema is not None:
            kwargs["system"] = (
                f"{system}\n\nAnswer with JSON only, matching this schema: "
                f"{json.dumps(request.json_schema)}"
            ).strip()
        blocks: dict[int, dict[str, str]] = {}
        usage = Usage()
        model = kwargs["model"]
        try:
            stream = await self.client.messages.create(**kwargs)
            async for event in stream:
                kind = event.type
                if kind == "message_start":
                    model = event.message.model or model
                    usage.prompt_tokens = event.message.usage.input_tokens or 0
                elif kind == "content_block_start" and event.content_block.type == "tool_use":
                    block = event.content_block
                    blocks[event.index] = {"id": block.id, "name": block.name, "json": ""}
                elif kind == "content_block_delta":
                    delta = event.delta
                    if delta.type == "text_delta" and delta.text:
                        yield Delta(text=delta.text)
                    elif delta.type == "input_json_delta" and event.index in blocks:
                        blocks[event.index]["json"] += delta.partial_json
                elif kind == "message_delta" and event.usage is not None:
                    usage.completion_tokens = event.usage.output_tokens or 0
        except anthropic.APITimeoutError as exc:
            raise LLMUnavailable(
                f"The language model timed out after {request.timeout:g} s"
            ) from exc
        except anthropic.APIStatusError as exc:
            raise LLMUnavailable(
                f"The language model answered HTTP {exc.status_code}",
                details={"status_code": exc.status_code},
            ) from exc
        except anthropic.APIError as exc:
            raise LLMUnavailable(f"The language model is unreachable: {exc}") from exc
        calls = [
            ToolCall(b["id"], b["name"], json.loads(b["json"] or "{}"))
            for _, b in sorted(blocks.items())
        ]
        yield Delta(tool_calls=calls, usage=usage, model=model)
