"""A deterministic provider for tests and demos: rules map the customer's last message to a
reply or a tool call; without a matching rule it echoes."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

from frontdesk.llm.base import Delta, Request, ToolCall, Usage


def _words(text: str) -> int:
    return max(1, len(text.split()))


class ScriptedProvider:
    name = "scripted"

    def __init__(self, script: list[dict[str, Any]] | None = None) -> None:
        self.script = script or []

    def _reply(self, request: Request) -> tuple[str, list[ToolCall]]:
        last_user = next(
            (m.content or "" for m in reversed(request.messages) if m.role == "user"), ""
        )
        after_tool = request.messages and request.messages[-1].role == "tool"
        for rule in self.script:
            if not re.search(rule.get("match", ".*"), last_user, re.IGNORECASE):
                continue
            if rule.get("call") and not after_tool:
                return "", [
                    ToolCall(
                        f"call_{uuid.uuid4().hex[:8]}", rule["call"], rule.get("arguments", {})
                    )
                ]
            if rule.get("reply") or not rule.get("call"):
                return rule.get("reply", ""), []
            break  # a tool rule after its tool ran: report the result
        if after_tool:
            return f"Done: {request.messages[-1].content}", []
        if request.json_schema is not None:
            return json.dumps(_example(request.json_schema)), []
        return f"You said: {last_user}", []

    async def stream(self, request: Request) -> AsyncIterator[Delta]:
        text, calls = self._reply(request)
        for word in re.findall(r"\S+\s*", text):
            yield Delta(text=word)
        prompt = sum(_words(m.content or "") for m in request.messages)
        yield Delta(
            tool_calls=calls,
            usage=Usage(prompt, _words(text) if text else len(calls)),
            model=request.model or "scripted",
        )


def _example(schema: dict[str, Any]) -> Any:
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        return {k: _example(v) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return []
    if kind in ("number", "integer"):
        return 0
    if kind == "boolean":
        return False
    return ""
