from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from frontdesk.auth.dependencies import ReadAuth
from frontdesk.events.live import LiveBroker

router = APIRouter(prefix="/v1/events", tags=["events"])
PING_SECONDS = 15


@router.get("/stream", response_class=EventSourceResponse)
async def stream_events(auth: ReadAuth, request: Request) -> EventSourceResponse:
    """Live events of the workspace as Server-Sent Events (`event:` is the event type)."""
    broker: LiveBroker = request.app.state.broker

    async def events() -> AsyncIterator[ServerSentEvent]:
        async with broker.subscribe(auth.workspace_id) as queue:
            yield ServerSentEvent(
                event="ready", data=json.dumps({"workspace_id": str(auth.workspace_id)})
            )
            while True:
                message: dict[str, Any] = await queue.get()
                yield ServerSentEvent(
                    event=str(message.get("event", "message")),
                    id=message.get("id"),
                    data=json.dumps(message),
                )

    return EventSourceResponse(events(), ping=PING_SECONDS, send_timeout=30)
