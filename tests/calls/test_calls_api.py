"""The calls API: a call run in-process through the whole pipeline and the engine (local speech
recognition and voice), then read, filtered, analysed, downloaded, hung up and erased."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.calls import live
from frontdesk.calls import service as call_service
from frontdesk.calls.models import Call
from frontdesk.events.models import Event
from frontdesk.jobs.worker import Worker
from frontdesk.tenancy.roles import Role
from frontdesk.voice.session import VoiceSession
from tests.calls.conftest import SCRIPT, open_inbound_call
from tests.fixtures.factories import Account, make_account
from tests.jobs.conftest import clock, worker
from tests.voice.helpers import MemoryTransport, play, quiet, speech

__all__ = ["clock", "worker"]


async def _agent(client: httpx.AsyncClient, account: Account, **fields: Any) -> dict[str, Any]:
    body = {
        "name": "Ava",
        "type": "inbound",
        "greeting_message": "Hello, this is Ava.",
        "llm": {"provider": "scripted", "script": SCRIPT},
        "voice": {"initial_pause_seconds": 0.1},
        "patience_level": "low",
        **fields,
    }
    created = await client.post("/v1/agents", headers=account.headers, json=body)
    assert created.status_code == 201, created.text
    return dict(created.json())


async def _open(
    session: AsyncSession, agent: dict[str, Any], phone: str | None = "+14155550142"
) -> uuid.UUID:
    return (await open_inbound_call(session, uuid.UUID(agent["id"]), phone)).id


async def _run_call(
    sessionmaker: async_sessionmaker[AsyncSession],
    call_id: uuid.UUID,
    caller: Any,
) -> MemoryTransport:
    transport = MemoryTransport(8000, marks=False)

    async def feed(session: VoiceSession) -> None:
        transport.session = session
        await caller(session)
        session.caller_hung_up()

    async with httpx.AsyncClient() as http:
        await live.run_call(
            SimpleNamespace(sessionmaker=sessionmaker, http=http), call_id, transport, feed
        )
    return transport


async def _quiet_until(session: VoiceSession, done: Any, within: float = 20.0) -> None:
    """Silence from the caller until `done()` (the agent said or heard something)."""
    for _ in range(int(within / 0.1)):
        if done():
            return
        await quiet(session, 0.1, 8000)
    raise AssertionError(f"timed out; transcript so far: {session.transcript}")


async def _spoken_call(
    sessionmaker: async_sessionmaker[AsyncSession], call_id: uuid.UUID
) -> MemoryTransport:
    async def caller(session: VoiceSession) -> None:
        def said(role: str, count: int) -> Any:
            return lambda: sum(r == role for r, _ in session.transcript) >= count

        await _quiet_until(session, lambda: said("bot", 1)() and not session.state.reply_active)
        await play(session, await speech("What are your opening hours?", 8000), 8000)
        await _quiet_until(session, lambda: said("bot", 2)() and not session.state.reply_active)
        await play(session, await speech("Thank you, goodbye.", 8000), 8000)
        await _quiet_until(session, said("human", 2))

    return await _run_call(sessionmaker, call_id, caller)


@pytest.mark.slow
async def test_a_call_through_the_engine_is_stored_and_analysed(
    client: httpx.AsyncClient,
    owner: Account,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    worker: Worker,
) -> None:
    agent = await _agent(client, owner)
    call_id = await _open(session, agent)
    transport = await _spoken_call(sessionmaker, call_id)
    assert transport.audio_seconds() > 2  # the greeting and an answer, in the local voice
    await worker.run_until_idle()
    call = (await client.get(f"/v1/calls/{call_id}", headers=owner.headers)).json()
    assert call["status"] == "completed"
    assert call["end_call_reason"] == "human_goodbye"
    assert call["transcript"].splitlines()[:3] == [
        "bot: Hello, this is Ava.",
        "human: What are your opening hours?",
        "bot: We are open from nine to five, Monday to Friday.",
    ]
    assert call["summary"].startswith("Customer:")
    assert call["sentiment"] in ("positive", "neutral")
    assert "grateful" in call["emotions"]
    # Local speech and the scripted model cost nothing; Twilio's inbound minutes do.
    assert float(call["cost"]) == pytest.approx(call["duration"] / 60 * 0.0085, abs=2e-6)
    assert call["cost_breakdown"]["parts"]["stt"] == "0.000000"
    assert call["latency"]["p50_ms"] > 0
    assert len(call["turns"]) >= 1
    assert call["recording_url"].startswith("http")
    events = (
        await session.scalars(select(Event.type).where(Event.workspace_id == owner.workspace.id))
    ).all()
    assert {"call.started", "call.ended", "call.analyzed"} <= set(events)
    conversation = (
        await client.get(f"/v1/conversations/{call['conversation_id']}", headers=owner.headers)
    ).json()
    assert conversation["channel"] == "voice"
    assert conversation["status"] == "ended"
    recording = await client.get(f"/v1/calls/{call_id}/recording", headers=owner.headers)
    assert recording.status_code == 200
    assert recording.json()["metadata"]["channels"] == {"left": "caller", "right": "agent"}
    download = await client.get(f"/v1/calls/{call_id}/recording/download", headers=owner.headers)
    assert download.status_code == 200
    assert download.content[:4] == b"RIFF"


async def _stored_call(session: AsyncSession, workspace_id: uuid.UUID, **fields: Any) -> Call:
    call = Call(
        workspace_id=workspace_id,
        direction=fields.pop("direction", "inbound"),
        provider="twilio",
        status=fields.pop("status", "completed"),
        emotions=[],
        key_phrases=[],
        executed_actions=[],
        prompt_variables={},
        cost_breakdown={},
        latency={},
        turns=[],
        extra={},
        **fields,
    )
    session.add(call)
    await session.flush()
    return call


async def test_list_filters_and_bad_filters(
    client: httpx.AsyncClient, owner: Account, stranger: Account, session: AsyncSession
) -> None:
    await _stored_call(session, owner.workspace.id, phone_number_from="+14155550101")
    await _stored_call(session, owner.workspace.id, status="no_answer", direction="outbound")
    await _stored_call(session, stranger.workspace.id)
    listed = (await client.get("/v1/calls", headers=owner.headers)).json()
    assert listed["total"] == 2
    by_status = await client.get("/v1/calls?status=no_answer", headers=owner.headers)
    assert [c["direction"] for c in by_status.json()["items"]] == ["outbound"]
    by_phone = await client.get("/v1/calls?phone_number=%2B14155550101", headers=owner.headers)
    assert by_phone.json()["total"] == 1
    for bad in ("status=ringing", "phone_number=12", "direction=sideways", "limit=1000"):
        response = await client.get(f"/v1/calls?{bad}", headers=owner.headers)
        assert response.status_code == 400, bad
        assert response.json()["code"] == "VALIDATION_ERROR"


async def test_another_workspaces_call_is_404(
    client: httpx.AsyncClient, owner: Account, stranger: Account, session: AsyncSession
) -> None:
    theirs = await _stored_call(session, stranger.workspace.id, recording_path="x/y.wav")
    for method, path in (
        ("GET", f"/v1/calls/{theirs.id}"),
        ("GET", f"/v1/calls/{theirs.id}/recording"),
        ("GET", f"/v1/calls/{theirs.id}/recording/download"),
        ("POST", f"/v1/calls/{theirs.id}/hangup"),
    ):
        response = await client.request(method, path, headers=owner.headers)
        assert response.status_code == 404, path
        assert response.json()["code"] == "CALL_NOT_FOUND"


async def test_recording_links_and_their_errors(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    call = await _stored_call(session, owner.workspace.id)
    missing = await client.get(f"/v1/calls/{call.id}/recording", headers=owner.headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == "RECORDING_NOT_FOUND"
    path = call_service.new_recording_path(call)
    path.parent.mkdir(parents=True, exist_ok=True)
    from frontdesk.voice import audio

    audio.write_wav(path, audio.tone(1.0, 440.0, 8000) * 2, 8000, channels=2)
    call.recording_path = str(path.relative_to(call_service.recordings_dir()))
    call.recording_seconds, call.recording_bytes = 1.0, path.stat().st_size
    await session.flush()
    info = (await client.get(f"/v1/calls/{call.id}/recording", headers=owner.headers)).json()
    link = info["download_url"].split("://", 1)[1].split("/", 1)[1]
    assert (await client.get("/" + link)).status_code == 200  # no credentials needed
    expired = f"/v1/calls/{call.id}/recording/download?expires=1&signature=00"
    assert (await client.get(expired)).json()["code"] == "AUTH_TOKEN_EXPIRED"
    half = f"/v1/calls/{call.id}/recording/download?expires={int(time.time()) + 60}"
    assert (await client.get(half)).status_code == 401


async def test_hang_up_needs_a_live_call_and_an_inbox_role(
    client: httpx.AsyncClient, owner: Account, session: AsyncSession
) -> None:
    ended = await _stored_call(session, owner.workspace.id)
    refused = await client.post(f"/v1/calls/{ended.id}/hangup", headers=owner.headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "CALL_NOT_LIVE"
    viewer = await make_account(session, Role.viewer, workspace=owner.workspace)
    live_call = await _stored_call(session, owner.workspace.id, status="in_progress")
    forbidden = await client.post(f"/v1/calls/{live_call.id}/hangup", headers=viewer.headers)
    assert forbidden.status_code == 403


@pytest.mark.slow
def _one_at_a_time(sessionmaker: async_sessionmaker[AsyncSession]) -> Any:
    """Sessions on the test's one connection, opened one at a time: a live call and a request
    running side by side would otherwise interleave their savepoints on that connection."""
    lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def opened() -> AsyncIterator[AsyncSession]:
        async with lock, sessionmaker() as db:
            yield db

    return opened


async def test_hang_up_ends_a_live_call(
    app: FastAPI,
    client: httpx.AsyncClient,
    owner: Account,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    agent = await _agent(client, owner, allowed_idle_time_seconds=60)
    call_id = await _open(session, agent)
    serial = _one_at_a_time(sessionmaker)
    app.state.sessionmaker = app.state.read_sessionmaker = serial

    async def caller(voice: VoiceSession) -> None:
        await quiet(voice, 30.0, 8000)

    running = asyncio.create_task(_run_call(serial, call_id, caller))
    for _ in range(100):
        if live.live_session(call_id) is not None:
            break
        await asyncio.sleep(0.05)
    hung = await client.post(f"/v1/calls/{call_id}/hangup", headers=owner.headers)
    assert hung.status_code == 200, hung.text
    await asyncio.wait_for(running, 10)
    call = (await client.get(f"/v1/calls/{call_id}", headers=owner.headers)).json()
    assert (call["end_call_reason"], call["end_detail"]) == ("agent_goodbye", "hangup_api")


async def test_transfer_hands_a_live_call_over_after_a_line(
    app: FastAPI,
    client: httpx.AsyncClient,
    owner: Account,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    agent = await _agent(client, owner, allowed_idle_time_seconds=60)
    call_id = await _open(session, agent)
    row = await session.get_one(Call, call_id)
    row.provider, row.provider_call_id = "simulated", "CA" + uuid.uuid4().hex
    await session.commit()
    serial = _one_at_a_time(sessionmaker)
    app.state.sessionmaker = app.state.read_sessionmaker = serial

    async def caller(voice: VoiceSession) -> None:
        await quiet(voice, 30.0, 8000)  # on the line until the call moves on

    running = asyncio.create_task(_run_call(serial, call_id, caller))
    for _ in range(100):
        if live.live_session(call_id) is not None:
            break
        await asyncio.sleep(0.05)
    voice = live.live_session(call_id)
    assert voice is not None
    for _ in range(200):  # the greeting was said
        if voice.transcript:
            break
        await asyncio.sleep(0.05)
    moved = await client.post(
        f"/v1/calls/{call_id}/transfer",
        headers=owner.headers,
        json={"phone_number": "+1 415 555 0177", "message": "Let me pass you to a colleague."},
    )
    assert moved.status_code == 202, moved.text
    await asyncio.wait_for(running, 30)
    call = (await client.get(f"/v1/calls/{call_id}", headers=owner.headers)).json()
    assert (call["end_call_reason"], call["end_detail"]) == ("transferred", "transfer_api")
    assert "bot: Let me pass you to a colleague." in call["transcript"]
    async with sessionmaker() as db:
        stored = await db.get_one(Call, call_id)
        assert (stored.extra or {})["transferred_to"] == "+14155550177"
    audit = (await client.get("/v1/audit-logs", headers=owner.headers)).json()["items"]
    assert any(a["action"] == "call.transfer" for a in audit)
    again = await client.post(
        f"/v1/calls/{call_id}/transfer",
        headers=owner.headers,
        json={"phone_number": "+14155550177"},
    )
    assert (again.status_code, again.json()["code"]) == (409, "CALL_NOT_LIVE")


async def test_transfer_refusals(
    client: httpx.AsyncClient, owner: Account, stranger: Account, session: AsyncSession
) -> None:
    agent = await _agent(client, owner, type="widget")
    web = (await client.post(f"/v1/agents/{agent['id']}/web-call", headers=owner.headers)).json()
    row = await session.get_one(Call, uuid.UUID(web["call_id"]))
    row.status = "in_progress"
    await session.commit()
    url = f"/v1/calls/{web['call_id']}/transfer"
    browser = await client.post(url, headers=owner.headers, json={"phone_number": "+14155550177"})
    assert (browser.status_code, browser.json()["code"]) == (409, "CALL_NOT_TRANSFERABLE")
    bad = await client.post(url, headers=owner.headers, json={"phone_number": "call my boss"})
    assert (bad.status_code, bad.json()["code"]) == (400, "VALIDATION_ERROR")
    missing = await client.post(url, headers=owner.headers, json={})
    assert missing.status_code == 400
    theirs = await client.post(url, headers=stranger.headers, json={"phone_number": "+14155550177"})
    assert theirs.status_code == 404
    viewer = await make_account(session, Role.viewer, workspace=owner.workspace)
    refused = await client.post(url, headers=viewer.headers, json={"phone_number": "+14155550177"})
    assert refused.status_code == 403


async def test_web_call_start_and_its_refusals(
    client: httpx.AsyncClient, owner: Account, stranger: Account, session: AsyncSession
) -> None:
    agent = await _agent(client, owner, type="widget")
    started = await client.post(f"/v1/agents/{agent['id']}/web-call", headers=owner.headers)
    assert started.status_code == 201, started.text
    body = started.json()
    assert body["websocket_url"].startswith("ws://127.0.0.1:8000/v1/web-calls/" + body["call_id"])
    assert body["token"] in body["websocket_url"]
    assert body["sample_rate"] == 16000
    call = (await client.get(f"/v1/calls/{body['call_id']}", headers=owner.headers)).json()
    assert (call["direction"], call["status"]) == ("web", "initiated")
    theirs = await _agent(client, stranger)
    other = await client.post(f"/v1/agents/{theirs['id']}/web-call", headers=owner.headers)
    assert other.status_code == 404
    await client.patch(f"/v1/agents/{agent['id']}", headers=owner.headers, json={"enabled": False})
    disabled = await client.post(f"/v1/agents/{agent['id']}/web-call", headers=owner.headers)
    assert disabled.status_code == 409
    assert disabled.json()["code"] == "AGENT_DISABLED"


async def test_voices_and_write_only_provider_keys(
    client: httpx.AsyncClient, owner: Account
) -> None:
    voices = (await client.get("/v1/voices", headers=owner.headers)).json()
    providers = {v["provider"] for v in voices}
    assert {"local", "espeak"} <= providers
    assert any(v["voice_id"] == "en_US-joe-medium" for v in voices)
    patched = await client.patch(
        "/v1/workspace",
        headers=owner.headers,
        json={"voice_providers": {"deepgram_api_key": "dg-secret-key"}},
    )
    assert patched.status_code == 200
    shown = patched.json()["voice_providers"]
    assert shown["deepgram_api_key_set"] is True
    assert shown["elevenlabs_api_key_set"] is False
    assert "dg-secret-key" not in patched.text
    bad = await client.patch(
        "/v1/workspace", headers=owner.headers, json={"voice": {"tts_provider": "robot"}}
    )
    assert bad.status_code == 400


@pytest.mark.slow
async def test_erasing_a_contact_removes_their_calls_and_recordings(
    client: httpx.AsyncClient,
    owner: Account,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    worker: Worker,
) -> None:
    agent = await _agent(client, owner)
    call_id = await _open(session, agent, phone="+14155550177")

    async def caller(voice: VoiceSession) -> None:
        await quiet(voice, 1.5, 8000)

    await _run_call(sessionmaker, call_id, caller)
    call = (await client.get(f"/v1/calls/{call_id}", headers=owner.headers)).json()
    recording = call_service.recordings_dir() / str(owner.workspace.id) / call["contact_id"]
    assert any(recording.iterdir())
    exported = await client.get(f"/v1/contacts/{call['contact_id']}/export", headers=owner.headers)
    assert [c["id"] for c in exported.json()["calls"]] == [str(call_id)]
    erased = await client.delete(
        f"/v1/contacts/{call['contact_id']}?erase=true", headers=owner.headers
    )
    assert erased.status_code == 204
    await worker.run_until_idle()
    assert (await client.get(f"/v1/calls/{call_id}", headers=owner.headers)).status_code == 404
    assert not recording.exists()
