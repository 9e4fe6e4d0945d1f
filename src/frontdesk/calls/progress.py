"""What the phone network says about a call (Twilio's status callbacks, the simulated network),
and what follows a call's end: its campaign recipient's outcome, and a dispatch for the slot it
frees."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.calls import dialer
from frontdesk.calls.models import Call
from frontdesk.calls.schemas import FINAL_STATUSES
from frontdesk.events import service as event_service

# The network's final word on a call that never reached our media stream.
_UNANSWERED = {
    "busy": ("busy", "undefined"),
    "no_answer": ("no_answer", "undefined"),
    "failed": ("failed", "error"),
    "completed": ("failed", "error"),  # answered, but the audio never reached us
}


async def report(
    session: AsyncSession,
    call: Call,
    status: str,
    duration: int | None = None,
    detail: str | None = None,
) -> None:
    """Apply a status from the phone network. Once the media stream has started, the voice
    session owns the call's outcome; before that, a final status ends the call here."""
    if call.status in FINAL_STATUSES or call.status == "in_progress":
        return
    if status not in _UNANSWERED:
        return  # queued, initiated, ringing, in-progress: the stream tells the rest
    call.status, call.end_call_reason = _UNANSWERED[status]
    call.end_detail = (detail or ("no_media_stream" if status == "completed" else status))[:60]
    call.end_time = datetime.now(UTC)
    call.duration = duration if duration is not None else 0
    await session.flush()
    from frontdesk.calls.service import to_schema

    await event_service.emit(
        session,
        call.workspace_id,
        "call.ended",
        to_schema(call).model_dump(mode="json"),
        contact_id=call.contact_id,
    )
    await after_call(session, call)


async def after_call(session: AsyncSession, call: Call) -> None:
    """A call has ended (whichever way): its recipient's outcome, and the freed slot."""
    if call.recipient_id is not None:
        from frontdesk.campaigns import dialing

        await dialing.record_outcome(session, call)
    if call.direction == "outbound" or call.campaign_id is not None:
        await dialer.request_dispatch(session, call.workspace_id)
