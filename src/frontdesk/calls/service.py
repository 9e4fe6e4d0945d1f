"""Calls: starting them (inbound, browser), their live status, and their record when they end."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.agents.models import Agent
from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.auth.security import issue_call_token, sign_path
from frontdesk.calls import progress, schemas
from frontdesk.calls.models import Call
from frontdesk.channels.models import Channel
from frontdesk.conversations import service as conversation_service
from frontdesk.conversations.models import Conversation, Message
from frontdesk.crm import contacts as contact_service
from frontdesk.crm import gdpr
from frontdesk.crm.models import Contact
from frontdesk.errors import Conflict, NotFound
from frontdesk.events import service as event_service
from frontdesk.jobs import service as job_service
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.settings import get_settings
from frontdesk.storage.base import StorageUnavailable
from frontdesk.storage.service import get_storage
from frontdesk.tenancy.scope import WorkspaceScope
from frontdesk.voice import providers
from frontdesk.voice.session import Outcome

log = structlog.get_logger("frontdesk.calls")

ANALYZE_JOB = "calls.analyze"
WEB_CALL_TOKEN_SECONDS = 600
STREAM_TOKEN_SECONDS = 3600
RECORDING_LINK_SECONDS = 3600
LIVE_STATUSES = ("queued", "initiated", "in_progress", "paused")
RECORDINGS = "recordings"


def recordings_dir() -> Path:
    """Where the recorder writes during a call (the store's folder when the store is local)."""
    return get_settings().data_dir / RECORDINGS


def recording_key(call: Call) -> str | None:
    """The recording's key in storage: `recordings/` and the call's `recording_path`."""
    return f"{RECORDINGS}/{call.recording_path}" if call.recording_path else None


def new_recording_path(call: Call) -> Path:
    """Recordings are filed by contact, so erasing a person removes their folder."""
    owner = str(call.contact_id) if call.contact_id else "no-contact"
    return recordings_dir() / str(call.workspace_id) / owner / f"{call.id}.wav"


def download_path(call_id: uuid.UUID) -> str:
    return f"/v1/calls/{call_id}/recording/download"


def signed_download_url(call: Call) -> tuple[str, datetime]:
    expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(
        seconds=RECORDING_LINK_SECONDS
    )
    expires = int(expires_at.timestamp())
    path = download_path(call.id)
    base = get_settings().public_url.rstrip("/")
    return f"{base}{path}?expires={expires}&signature={sign_path(path, expires)}", expires_at


def to_schema(call: Call) -> schemas.Call:
    return schemas.Call(
        id=call.id,
        agent_id=call.agent_id,
        campaign_id=call.campaign_id,
        conversation_id=call.conversation_id,
        contact_id=call.contact_id,
        direction=call.direction,
        provider=call.provider,
        status=call.status,
        end_call_reason=call.end_call_reason,
        end_detail=call.end_detail,
        phone_number_from=call.phone_number_from,
        phone_number_to=call.phone_number_to,
        start_time=call.start_time,
        end_time=call.end_time,
        duration=call.duration,
        transcript=call.transcript,
        summary=call.summary,
        sentiment=call.sentiment,
        emotions=call.emotions or [],
        key_phrases=call.key_phrases or [],
        executed_actions=call.executed_actions or [],
        prompt_variables=call.prompt_variables or {},
        recording_url=signed_download_url(call)[0] if call.recording_path else None,
        cost=call.cost,
        cost_breakdown=call.cost_breakdown or {},
        latency=schemas.Latency.model_validate(call.latency or {}),
        turns=call.turns or [],
        metadata=call.extra or {},
        created_at=call.created_at,
        updated_at=call.updated_at,
    )


async def _emit(session: AsyncSession, call: Call, type_: str) -> None:
    await event_service.emit(
        session,
        call.workspace_id,
        type_,
        to_schema(call).model_dump(mode="json"),
        contact_id=call.contact_id,
    )


# -- starting calls ---------------------------------------------------------------------------


async def contact_for_phone(
    session: AsyncSession, scope: WorkspaceScope, phone: str | None, name: str | None = None
) -> Contact | None:
    """The workspace's contact with this number, created (as a new lead) when there is none."""
    if not phone:
        return None
    return (await contact_service.for_phones(session, scope.workspace_id, [(phone, name)]))[phone]


@dataclass
class NewCall:
    """One call to open: who, which way, through what."""

    direction: str
    provider: str
    contact: Contact | None
    phone_from: str | None = None
    phone_to: str | None = None
    provider_call_id: str | None = None
    custom_variables: dict[str, Any] | None = None
    prompt_override: str | None = None
    greeting_override: str | None = None
    status: str = "initiated"
    campaign_id: uuid.UUID | None = None
    recipient_id: uuid.UUID | None = None
    lead_name: str | None = None


async def _voice_channels(
    session: AsyncSession, scope: WorkspaceScope, wanted: list[NewCall]
) -> dict[str, uuid.UUID]:
    """The voice channel of each of our numbers on these calls (the number called, or the
    number called from)."""
    ours = {
        n
        for item in wanted
        if (n := item.phone_to if item.direction == "inbound" else item.phone_from)
    }
    if not ours:
        return {}
    rows = await session.execute(
        scope.apply(select(Channel.phone_number, Channel.id), Channel).where(
            Channel.type == "voice", Channel.phone_number.in_(ours)
        )
    )
    return {str(number): channel_id for number, channel_id in rows.all()}


async def open_calls(
    session: AsyncSession, scope: WorkspaceScope, agent: Agent, wanted: list[NewCall]
) -> list[Call]:
    """Call records with their conversations (channel `voice`): a handful of statements for any
    number of calls (a campaign's dispatch opens hundreds at once)."""
    if not agent.enabled:
        raise Conflict("This agent is disabled; enable it first", "AGENT_DISABLED")
    calls, conversations = [], []
    channels = await _voice_channels(session, scope, wanted)
    for item in wanted:
        call_id = uuid.uuid4()
        conversation = conversation_service.build(
            scope.workspace_id,
            agent,
            "voice",
            item.contact,
            item.custom_variables,
            {"call_id": str(call_id), "call_direction": item.direction},
        )
        ours = item.phone_to if item.direction == "inbound" else item.phone_from
        conversation.channel_id = channels.get(ours or "")
        conversations.append(conversation)
        calls.append(
            Call(
                id=call_id,
                workspace_id=scope.workspace_id,
                agent_id=agent.id,
                conversation_id=conversation.id,
                contact_id=item.contact.id if item.contact else None,
                campaign_id=item.campaign_id,
                recipient_id=item.recipient_id,
                lead_name=item.lead_name,
                direction=item.direction,
                provider=item.provider,
                provider_call_id=item.provider_call_id,
                status=item.status,
                phone_number_from=item.phone_from,
                phone_number_to=item.phone_to,
                prompt_variables=dict(item.custom_variables or {}),
                prompt_override=item.prompt_override,
                greeting_override=item.greeting_override,
                emotions=[],
                key_phrases=[],
                executed_actions=[],
                cost_breakdown={},
                latency={},
                turns=[],
                extra={},
            )
        )
    session.add_all(conversations)
    await session.flush()
    session.add_all(calls)
    await session.flush()
    await conversation_service.started(session, scope.workspace_id, conversations)
    voice = agent.voice or {}
    providers.warm_up(voice.get("stt_provider", "local"), voice.get("tts_provider", "local"))
    return calls


async def open_call(
    session: AsyncSession,
    scope: WorkspaceScope,
    agent: Agent,
    *,
    direction: str,
    provider: str,
    contact: Contact | None,
    phone_from: str | None = None,
    phone_to: str | None = None,
    provider_call_id: str | None = None,
    custom_variables: dict[str, Any] | None = None,
    prompt_override: str | None = None,
    greeting_override: str | None = None,
    status: str = "initiated",
) -> Call:
    """A call record with its conversation (channel `voice`)."""
    (call,) = await open_calls(
        session,
        scope,
        agent,
        [
            NewCall(
                direction=direction,
                provider=provider,
                contact=contact,
                phone_from=phone_from,
                phone_to=phone_to,
                provider_call_id=provider_call_id,
                custom_variables=custom_variables,
                prompt_override=prompt_override,
                greeting_override=greeting_override,
                status=status,
            )
        ],
    )
    return call


async def start_web_call(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, agent_id: uuid.UUID
) -> tuple[Call, str, datetime]:
    """A browser voice session with an agent: the call and a token for its WebSocket."""
    agent = await scope.get(session, Agent, agent_id, "agent")
    call = await open_call(session, scope, agent, direction="web", provider="web", contact=None)
    await audit_service.record(session, auth, "call.web_call", "call", call.id)
    expires_at = datetime.now(UTC) + timedelta(seconds=WEB_CALL_TOKEN_SECONDS)
    return call, issue_call_token(call.id, call.workspace_id, WEB_CALL_TOKEN_SECONDS), expires_at


async def mark_in_progress(session: AsyncSession, call: Call, node: str) -> None:
    if call.status not in ("queued", "initiated", "in_progress"):
        raise Conflict("This call has already ended", "CALL_ENDED")
    call.status = "in_progress"
    call.start_time = datetime.now(UTC)
    call.node = node
    await session.flush()
    await _emit(session, call, "call.started")


# -- ending calls -----------------------------------------------------------------------------


def transcript_of(messages: list[Message]) -> str:
    lines = []
    for m in messages:
        if m.sender_type == "user":
            lines.append(f"human: {m.content}")
        elif m.sender_type in ("agent", "member"):
            lines.append(f"bot: {m.content}")
    return "\n".join(lines)


async def finish(session: AsyncSession, call: Call, outcome: Outcome) -> None:
    """Record how the call went; its analysis follows as a job in the same transaction."""
    call.status = outcome.status
    call.end_call_reason = outcome.end_reason
    call.end_detail = outcome.end_detail
    call.start_time = call.start_time or outcome.started_at
    call.end_time = outcome.ended_at
    call.duration = round(outcome.duration_seconds)
    call.turns = outcome.turns
    call.latency = outcome.latency
    call.extra = {**(call.extra or {}), "interruptions": outcome.interruptions}
    if outcome.recording is not None:
        path, seconds, size = outcome.recording
        call.recording_path = str(path.relative_to(recordings_dir()))
        call.recording_seconds = round(seconds, 3)
        call.recording_bytes = size
    conversation = (
        await session.get(Conversation, call.conversation_id) if call.conversation_id else None
    )
    if conversation is not None:
        call.transcript = transcript_of(
            await conversation_service.messages_of(session, conversation.id)
        )
        call.executed_actions = list(conversation.executed_actions or [])
        await conversation_service.end(session, conversation, outcome.end_reason, analyze=False)
    await session.flush()
    await _emit(session, call, "call.ended")
    await progress.after_call(session, call)
    await job_service.enqueue(
        session,
        ANALYZE_JOB,
        {"call_id": str(call.id)},
        unique_key=f"call-analyze:{call.id}",
        workspace_id=call.workspace_id,
    )


async def fail(session: AsyncSession, call: Call, detail: str) -> None:
    """A call that could not run (its stream never started properly)."""
    if call.status in schemas.FINAL_STATUSES:
        return
    call.status = "failed"
    call.end_call_reason = "error"
    call.end_detail = detail[:60]
    call.end_time = datetime.now(UTC)
    await session.flush()
    await _emit(session, call, "call.ended")
    await progress.after_call(session, call)


# -- reading ----------------------------------------------------------------------------------


def _filters(
    stmt: Select[Any],
    agent_id: uuid.UUID | None,
    campaign_id: uuid.UUID | None,
    status: str | None,
    phone_number: str | None,
    direction: str | None,
    start_date: datetime | None,
    end_date: datetime | None,
) -> Select[Any]:
    if agent_id:
        stmt = stmt.where(Call.agent_id == agent_id)
    if campaign_id:
        stmt = stmt.where(Call.campaign_id == campaign_id)
    if status:
        stmt = stmt.where(Call.status == status)
    if phone_number:
        stmt = stmt.where(
            (Call.phone_number_from == phone_number) | (Call.phone_number_to == phone_number)
        )
    if direction:
        stmt = stmt.where(Call.direction == direction)
    if start_date:
        stmt = stmt.where(Call.created_at >= start_date)
    if end_date:
        stmt = stmt.where(Call.created_at <= end_date)
    return stmt


async def list_calls(
    session: AsyncSession,
    scope: WorkspaceScope,
    pagination: Pagination,
    *,
    agent_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    status: str | None = None,
    phone_number: str | None = None,
    direction: str | None = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
) -> tuple[list[Call], int]:
    stmt = _filters(
        scope.apply(select(Call), Call),
        agent_id,
        campaign_id,
        status,
        phone_number,
        direction,
        start_date,
        end_date,
    ).order_by(Call.created_at.desc(), Call.id)
    return await paginate(session, stmt, pagination)


async def get(session: AsyncSession, scope: WorkspaceScope, call_id: uuid.UUID) -> Call:
    return await scope.get(session, Call, call_id, "call")


async def recording_of(call: Call) -> str:
    """The key of the call's stored recording, or 404."""
    key = recording_key(call)
    if key is None or not await get_storage().exists(key):
        raise NotFound("recording")
    return key


async def store_recording(path: Path) -> None:
    """Put a finished recording into storage under its key; in a bucket, the local file goes.
    A store that cannot take it leaves the file where it is (logged with its key, to copy by
    hand): the call is recorded all the same."""
    key = f"{RECORDINGS}/{path.relative_to(recordings_dir()).as_posix()}"
    try:
        await get_storage().put_file(key, path, "audio/wav", remove=True)
    except (StorageUnavailable, OSError) as exc:
        detail = exc.detail if isinstance(exc, StorageUnavailable) else repr(exc)
        log.error("recording_not_stored", key=key, path=str(path), error=detail)


async def request_hangup(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, call_id: uuid.UUID
) -> Call:
    call = await get(session, scope, call_id)
    if call.status not in ("initiated", "in_progress"):
        raise Conflict(
            f"The call is {call.status}; only a live call can be hung up", "CALL_NOT_LIVE"
        )
    await audit_service.record(session, auth, "call.hangup", "call", call.id)
    return call


async def request_transfer(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    call_id: uuid.UUID,
    to: str,
) -> Call:
    call = await get(session, scope, call_id)
    if call.status != "in_progress":
        raise Conflict(
            f"The call is {call.status}; only a call in progress can be transferred",
            "CALL_NOT_LIVE",
        )
    if not call.on_phone_line:
        raise Conflict(
            "A browser call has no phone line to hand over; only phone calls can be transferred",
            "CALL_NOT_TRANSFERABLE",
        )
    await audit_service.record(session, auth, "call.transfer", "call", call.id, {"to": to})
    return call


# -- GDPR -------------------------------------------------------------------------------------


async def contact_exporter(session: AsyncSession, contact: Contact) -> list[dict[str, Any]]:
    calls = (
        await session.scalars(
            select(Call).where(Call.contact_id == contact.id).order_by(Call.created_at)
        )
    ).all()
    return [to_schema(c).model_dump(mode="json") for c in calls]


async def erase_recordings(ctx: Any, workspace_id: uuid.UUID, contact_id: uuid.UUID) -> int:
    """The recordings of an erased contact's calls: their folder in storage, and any left in
    the local one (a recording the bucket could not take when its call ended)."""
    folder = f"{RECORDINGS}/{workspace_id}/{contact_id}/"
    removed = await get_storage(ctx.settings).delete_prefix(folder)
    local = recordings_dir() / str(workspace_id) / str(contact_id)
    if local.is_dir():
        removed += sum(1 for p in local.iterdir() if p.is_file())
        await asyncio.to_thread(shutil.rmtree, local, True)
    return removed


gdpr.register_contact_table("calls")
gdpr.register_exporter("calls", contact_exporter)
gdpr.register_file_eraser(erase_recordings)
