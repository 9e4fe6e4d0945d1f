"""A stand-in for Anthropic's Messages API (a paid API), speaking its streaming wire format:
`event:`/`data:` pairs message_start, content_block_start/delta/stop (text_delta,
input_json_delta), message_delta with the output usage, message_stop."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fixtures.loopback import LoopbackServer


@dataclass
class FakeAnthropic(LoopbackServer):
    text: str = "Hello from Claude"
    tool: dict[str, Any] | None = None
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _events(self, model: str) -> list[tuple[str, dict[str, Any]]]:
        events: list[tuple[str, dict[str, Any]]] = [
            (
                "message_start",
                {
                    "type": "message_start",
                    "message": {
                        "id": "msg_1",
                        "type": "message",
                        "role": "assistant",
                        "model": model,
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {"input_tokens": 21, "output_tokens": 1},
                    },
                },
            )
        ]
        index = 0
        if self.text:
            events.append(
                (
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": 0,
                        "content_block": {"type": "text", "text": ""},
                    },
                )
            )
            for word in self.text.split(" "):
                events.append(
                    (
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": 0,
                            "delta": {"type": "text_delta", "text": word + " "},
                        },
                    )
                )
            events.append(("content_block_stop", {"type": "content_block_stop", "index": 0}))
            index = 1
        if self.tool:
            raw = json.dumps(self.tool["input"])
            events.append(
                (
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": {
                            "type": "tool_use",
                            "id": "toolu_1",
                            "name": self.tool["name"],
                            "input": {},
                        },
                    },
                )
            )
            for part in (raw[: len(raw) // 2], raw[len(raw) // 2 :]):
                events.append(
                    (
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": index,
                            "delta": {"type": "input_json_delta", "partial_json": part},
                        },
                    )
                )
            events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        events.append(
            (
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {
                        "stop_reason": "tool_use" if self.tool else "end_turn",
                        "stop_sequence": None,
                    },
                    "usage": {"output_tokens": 9},
                },
            )
        )
        events.append(("message_stop", {"type": "message_stop"}))
        return events

    def _app(self) -> Starlette:
        async def messages(request: Request) -> Response:
            body = await request.json()
            self.requests.append(body)
            if self.status != 200:
                return JSONResponse(
                    {
                        "type": "error",
                        "error": {"type": "overloaded_error", "message": "Overloaded"},
                    },
                    status_code=self.status,
                )

            async def stream() -> AsyncIterator[str]:
                for name, data in self._events(body.get("model", "claude")):
                    yield f"event: {name}\ndata: {json.dumps(data)}\n\n"

            return StreamingResponse(stream(), media_type="text/event-stream")

        return Starlette(routes=[Route("/v1/messages", messages, methods=["POST"])])
