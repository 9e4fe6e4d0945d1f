"""Any OpenAI-compatible chat endpoint (OpenAI, llama.cpp's server, vLLM, Ollama, ...)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import openai
from openai import AsyncOpenAI

from frontdesk.kit import ssrf
from frontdesk.llm.base import Delta, LLMUnavailable, Message, Request, ToolCall, Usage
from frontdesk.settings import get_settings


def _message(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.role, "content": m.content or ""}
    if m.tool_calls:
        out["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
            }
            for c in m.tool_calls
        ]
    if m.tool_call_id:
        out["tool_call_id"] = m.tool_call_id
    return out


class OpenAICompatibleProvider:
    name = "openai"

    def __init__(self, base_url: str | None, api_key: str | None, default_model: str) -> None:
        self.client = AsyncOpenAI(
            base_url=base_url,
            api_key=api_key or "not-needed",
            max_retries=1,
            # The endpoint is the workspace's choice: connections go through the SSRF guard.
            http_client=ssrf.sdk_client(get_settings().allow_private_urls),
        )
        self.default_model = default_model

    async def stream(self, request: Request) -> AsyncIterator[Delta]:
        kwargs: dict[str, Any] = {
            "model": request.model or self.default_model,
            "messages": [_message(m) for m in request.messages],
            "temperature": request.temperature,
            "max_tokens": request.max_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
            "timeout": request.timeout,
        }
        if request.tools:
            kwargs["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": t.name,
                        "description": t.description,
                        "parameters": t.parameters,
                    },
                }
                for t in request.tools
            ]
            if request.tool_choice is not None:
                kwargs["tool_choice"] = {
                    "type": "function",
                    "function": {"name": request.tool_choice},
                }
        if request.json_schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "reply", "schema": request.json_schema, "strict": True},
            }
        pending: dict[int, dict[str, str]] = {}
        usage: Usage | None = None
        chunks = 0
        model = kwargs["model"]
        try:
            stream = await self.client.chat.completions.create(**kwargs)
            async for chunk in stream:
                model = chunk.model or model
                if chunk.usage is not None:
                    usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.content:
                        chunks += 1
                        yield Delta(text=delta.content)
                    for call in delta.tool_calls or []:
                        slot = pending.setdefault(call.index, {"id": "", "name": "", "args": ""})
                        if call.id:
                            slot["id"] = call.id
                        if call.function and call.function.name:
                            slot["name"] += call.function.name
                        if call.function and call.function.arguments:
                            slot["args"] += call.function.arguments
        except openai.APITimeoutError as exc:
            raise LLMUnavailable(
                f"The language model timed out after {request.timeout:g} s"
            ) from exc
        except openai.APIStatusError as exc:
            raise LLMUnavailable(
                f"The language model answered HTTP {exc.status_code}",
                details={"status_code": exc.status_code},
            ) from exc
        except openai.APIError as exc:
            raise LLMUnavailable(f"The language model is unreachable: {exc}") from exc
        calls = [
            ToolCall(slot["id"] or f"call_{index}", slot["name"], _arguments(slot["args"]))
            for index, slot in sorted(pending.items())
        ]
        if usage is None:  # servers that do not honour stream_options (llama.cpp's)
            prompt_chars = sum(len(m.content or "") for m in request.messages)
            usage = Usage(max(1, prompt_chars // 4), chunks + len(calls), estimated=True)
        yield Delta(tool_calls=calls, usage=usage, model=model)


def _arguments(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"value": value}
