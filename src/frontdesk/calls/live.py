"""Live calls in this process: running a connected call end to end, and hang-up requests that
reach whichever process holds the call (through the live broker's control channel)."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from datetime import UTC, datetime
from typing import Any

import structlog

from frontdesk.agents.models import Agent
from frontdesk.calls import service as call_service
from frontdesk.calls.models import Call
from frontdesk.calls.responder import EngineResponder
from frontdesk.conversations import service as conversation_service
from frontdesk.conversations.models import Conversation
from frontdesk.crm.models import Contact
from frontdesk.errors import AppError
from frontdesk.events.live import LiveBroker
from frontdesk.tenancy import service as tenancy_service
from frontdesk.tenancy.models import Workspace
from frontdesk.voice import providers
from frontdesk.voice.config import VoiceConfig
from frontdesk.voice.session import Outcome, VoiceSession
from frontdesk.voice.transports.base import Transport

log = structlog.get_logger("frontdesk.calls")
NODE = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
_LIVE: dict[uuid.UUID, VoiceSession] = {}
HANGUP = "call.hangup"
TRANSFER = "call.transfer"


HEARTBEAT_SECONDS = 15
_heartbeat: asyncio.Task[None] | None = None


async def _beat(sessionmaker: Any) -> None:
    """Mark this process's live calls as alive (one statement for all of them)."""
    from sqlalchemy import update

    while _LIVE:
        try:
            async with sessionmaker() as db:
                await db.execute(
                    update(Call)
                    .where(Call.id.in_(list(_LIVE)))
                    .values(heartbeat_at=datetime.now(UTC))
                )
                await db.commit()
        except Exception as exc:  # a missed beat; the next one will do
            log.warning("call_heartbeat_failed", error=repr(exc))
        await asyncio.sleep(HEARTBEAT_SECONDS)


def _keep_beating(sessionmaker: Any) -> None:
    global _heartbeat
    if _heartbeat is None or _heartbeat.done():
        _heartbeat = asyncio.get_running_loop().create_task(_beat(sessionmaker))


def live_session(call_id: uuid.UUID) -> VoiceSession | None:
    return _LIVE.get(call_id)


def live_count() -> int:
    return len(_LIVE)


def _on_control(message: dict[str, Any]) -> None:
    if message.get("type") not in (HANGUP, TRANSFER):
        return
    try:
        session = _LIVE.get(uuid.UUID(str(message.get("call_id"))))
    except ValueError:
        return
    if session is None:
        return
    if message["type"] == HANGUP:
        session.hangup(str(message.get("detail") or "hangup_requested"))
    elif isinstance(message.get("to"), str):
        message_text = message.get("message")
        session.request_transfer(
            message["to"], message_text if isinstance(message_text, str) else None
        )


def install(broker: LiveBroker) -> None:
    broker.on_control(_on_control)


async def hang_up(broker: LiveBroker, call_id: uuid.UUID, detail: str = "hangup_api") -> None:
    session = _LIVE.get(call_id)
    if session is not None:
        session.hangup(detail)
    else:
        await broker.publish_control({"type": HANGUP, "call_id": str(call_id), "detail": detail})


async def transfer(
    broker: LiveBroker, call_id: uuid.UUID, to: str, message: str | None = None
) -> None:
    """Hand a live phone call to `to`, from whichever process holds it."""
    session = _LIVE.get(call_id)
    if session is not None:
        session.request_transfer(to, message)
    else:
        await broker.publish_control(
            {"type": TRANSFER, "call_id": str(call_id), "to": to, "message": message}
        )


async def _start(state: Any, call_id: uuid.UUID, transport: Transport) -> VoiceSession | None:
    """The call's voice session, its call marked in progress; None (and the transport closed)
    when the call cannot run."""
    connected_at = datetime.now(UTC)
    async with state.sessionmaker() as db:
        call = await db.get_one(Call, call_id)
        agent = await db.get(Agent, call.agent_id) if call.agent_id else None
        conversation = (
            await db.get(Conversation, call.conversation_id) if call.conversation_id else None
        )
        workspace = await db.get_one(Workspace, call.workspace_id)
        try:
            if agent is None or conversation is None:
                raise AppError(
                    "The call's agent or conversation is gone", "AGENT_OR_CONVERSATION_MISSING"
                )
            contact = await db.get(Contact, call.contact_id) if call.contact_id else None
            greeting = conversation_service.render_greeting(
                agent, conversation, contact, call.greeting_override
            )
            config = VoiceConfig.for_agent(agent, call.direction, greeting)
            keys = providers.ProviderKeys(**tenancy_service.voice_keys(workspace))
            stt = providers.stt_for(config, keys, state.http)
            tts = providers.tts_for(config, keys, state.http)
        except AppError as exc:
            log.warning("call_cannot_run", call_id=str(call.id), error=exc.message)
            await call_service.fail(db, call, exc.code.lower())
            await db.commit()
            await transport.close()
            return None
        try:
            await call_service.mark_in_progress(db, call, NODE)
        except AppError as exc:  # a stream for a call that already ran
            log.warning("call_not_startable", call_id=str(call.id), error=exc.message)
            await transport.close()
            return None
        call.extra = {
            **(call.extra or {}),
            "voice": {"stt": config.stt_provider, "tts": config.tts_provider},
        }
        session = VoiceSession(
            config,
            transport,
            stt,
            tts,
            EngineResponder(state.sessionmaker, state.http, conversation.id, call.prompt_override),
            recording_path=call_service.new_recording_path(call) if config.record else None,
            connected_at=connected_at,
            on_transfer=lambda number: _transfer(state, call_id, number),
        )
        await db.commit()
    return session


async def run_call(
    state: Any, call_id: uuid.UUID, transport: Transport, run_transport: Any
) -> None:
    """Run a call whose audio transport is connected, from greeting to its stored outcome.

    `state` is the application's state (sessionmaker, http client); `run_transport(session)`
    reads the transport's messages into the voice session until the caller hangs up."""
    session = await _start(state, call_id, transport)
    if session is None:
        return
    _LIVE[call_id] = session
    _keep_beating(state.sessionmaker)
    reader = asyncio.create_task(run_transport(session))
    try:
        outcome = await session.run()
    except asyncio.CancelledError:
        # The server is stopping: the call is recorded as it stood before the task ends.
        if session.outcome is not None:
            await asyncio.shield(_record(state.sessionmaker, call_id, session.outcome))
        raise
    finally:
        _LIVE.pop(call_id, None)
        reader.cancel()
    await _record(state.sessionmaker, call_id, outcome)


async def _transfer(state: Any, call_id: uuid.UUID, number: str) -> None:
    """Hand a live phone call to another number through its phone network."""
    from frontdesk.telephony import registry

    async with state.sessionmaker() as db:
        call = await db.get_one(Call, call_id)
        if not call.on_phone_line:
            raise RuntimeError("a browser or local call cannot be transferred to a phone")
        if not call.provider_call_id:
            raise RuntimeError("the phone network has not identified this call yet")
        workspace = await db.get_one(Workspace, call.workspace_id)
        call.extra = {**(call.extra or {}), "transferred_to": number}
        await db.commit()
    provider = registry.provider_for(workspace, state.sessionmaker, state.http)
    await provider.transfer(call.provider_call_id, number)


async def _record(sessionmaker: Any, call_id: uuid.UUID, outcome: Outcome) -> None:
    if outcome.recording is not None:
        await call_service.store_recording(outcome.recording[0])
    async with sessionmaker() as db:
        call = await db.get_one(Call, call_id)
        await call_service.finish(db, call, outcome)
        await db.commit()
    log.info(
        "call_ended",
        call_id=str(call_id),
        reason=outcome.end_reason,
        seconds=outcome.duration_seconds,
        turns=len(outcome.turns),
    )
