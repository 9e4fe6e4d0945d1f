"""A stand-in for OpenAI's chat completions endpoint (a paid API), speaking its streaming wire
format: `data: {chunk}` lines with `delta.content` / `delta.tool_calls` pieces, a final usage
chunk and `data: [DONE]`. Replies are set per test."""

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

EMBEDDING_DIMENSIONS = 64


def fake_embedding(text: str) -> list[float]:
    """A bag-of-words vector: texts sharing words are close, as with a real model."""
    vector = [0.0] * EMBEDDING_DIMENSIONS
    for word in text.lower().split():
        vector[sum(word.encode()) % EMBEDDING_DIMENSIONS] += 1.0
    return vector


@dataclass
class FakeOpenAI(LoopbackServer):
    text: str = "Hello there"
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _chunks(self, model: str) -> list[dict[str, Any]]:
        base = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 0, "model": model}
        chunks = []
        for word in self.text.split(" ") if self.text else []:
            chunks.append({**base, "choices": [{"index": 0, "delta": {"content": word + " "}}]})
        for index, call in enumerate(self.tool_calls):
            arguments = json.dumps(call["arguments"])
            half = len(arguments) // 2
            first = {
                "index": index,
                "id": f"call_{index}",
                "type": "function",
                "function": {"name": call["name"], "arguments": arguments[:half]},
            }
            rest = {"index": index, "function": {"arguments": arguments[half:]}}
            for piece in (first, rest):
                chunks.append({**base, "choices": [{"index": 0, "delta": {"tool_calls": [piece]}}]})
        finish = "tool_calls" if self.tool_calls else "stop"
        chunks.append({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
        chunks.append(
            {
                **base,
                "choices": [],
                "usage": {"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18},
            }
        )
        return chunks

    def _app(self) -> Starlette:
        async def completions(request: Request) -> Response:
            body = await request.json()
            self.requests.append(body)
            if self.status != 200:
                return JSONResponse(
                    {"error": {"message": "overloaded", "type": "server_error"}},
                    status_code=self.status,
                )

            async def stream() -> AsyncIterator[str]:
                for chunk in self._chunks(body.get("model", "gpt-4o-mini")):
                    yield f"data: {json.dumps(chunk)}\n\n"
                yield "data: [DONE]\n\n"

            return StreamingResponse(stream(), media_type="text/event-stream")

        async def embeddings(request: Request) -> Response:
            body = await request.json()
            self.requests.append(body)
            if self.status != 200:
                return JSONResponse(
                    {"error": {"message": "overloaded", "type": "server_error"}},
                    status_code=self.status,
                )
            inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
            data = [
                {"object": "embedding", "index": i, "embedding": fake_embedding(text)}
                for i, text in enumerate(inputs)
            ]
            return JSONResponse(
                {
                    "object": "list",
                    "data": data,
                    "model": body.get("model", "text-embedding-3-small"),
                    "usage": {"prompt_tokens": len(inputs), "total_tokens": len(inputs)},
                }
            )

        return Starlette(
            routes=[
                Route("/v1/chat/completions", completions, methods=["POST"]),
                Route("/v1/embeddings", embeddings, methods=["POST"]),
            ]
        )
