"""Call recordings in the bucket: a call run in-process through the pipeline (local speech and
voice) records locally, the finished WAV goes to the bucket, downloads come from there (whole,
signed, in ranges), and erasing the caller removes it."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.agents.models import Agent
from frontdesk.calls import live
from frontdesk.calls import service as call_service
from frontdesk.calls.models import Call
from frontdesk.jobs.worker import Worker
from frontdesk.voice.session import VoiceSession
from tests.calls.conftest import SCRIPT, open_inbound_call
from tests.fixtures.factories import Account
from tests.jobs.conftest import worker
from tests.storage.conftest import Bucket
from tests.voice.helpers import MemoryTransport, quiet

__all__ = ["worker"]
pytestmark = pytest.mark.slow  # runs the local speech models


async def _recorded_call(
    client: httpx.AsyncClient,
    account: Account,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    phone: str,
) -> dict[str, Any]:
    """An inbound call from `phone` that lasts a moment, run to its end; the call as read back."""
    created = await client.post(
        "/v1/agents",
        headers=account.headers,
        json={
            "name": "Ava",
            "type": "inbound",
            "greeting_message": "Hello, this is Ava.",
            "llm": {"provider": "scripted", "script": SCRIPT},
            "voice": {"initial_pause_seconds": 0.1},
        },
    )
    assert created.status_code == 201, created.text
    agent = await session.get_one(Agent, uuid.UUID(created.json()["id"]))
    call = await open_inbound_call(session, agent.id, phone)
    transport = MemoryTransport(8000)

    async def feed(voice: VoiceSession) -> None:
        transport.session = voice
        await quiet(voice, 1.5, 8000)
        voice.caller_hung_up()

    async with httpx.AsyncClient() as http:
        state = SimpleNamespace(sessionmaker=sessionmaker, http=http)
        await live.run_call(state, call.id, transport, feed)
    read = await client.get(f"/v1/calls/{call.id}", headers=account.headers)
    return dict(read.json())


async def test_a_recording_lands_in_the_bucket_and_downloads_from_it(
    client: httpx.AsyncClient,
    owner: Account,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    worker: Worker,
    s3_settings: Bucket,
) -> None:
    call = await _recorded_call(client, owner, session, sessionmaker, "+14155550188")
    assert call["status"] == "completed"
    key = f"recordings/{owner.workspace.id}/{call['contact_id']}/{call['id']}.wav"
    assert s3_settings.keys("recordings/") == [key]
    stored = s3_settings.read(key)
    assert stored[:4] == b"RIFF"
    local = call_service.recordings_dir() / key.removeprefix("recordings/")
    assert not local.exists()  # handed over to the bucket
    row = await session.get_one(Call, uuid.UUID(call["id"]))
    assert row.recording_bytes == len(stored)

    info = await client.get(f"/v1/calls/{call['id']}/recording", headers=owner.headers)
    assert info.status_code == 200, info.text
    assert info.json()["size_bytes"] == len(stored)
    url = f"/v1/calls/{call['id']}/recording/download"
    download = await client.get(url, headers=owner.headers)
    assert download.status_code == 200
    assert download.content == stored
    assert download.headers["content-type"] == "audio/wav"
    assert download.headers["content-length"] == str(len(stored))
    assert download.headers["accept-ranges"] == "bytes"
    assert f'filename="call-{call["id"]}.wav"' in download.headers["content-disposition"]
    signed = info.json()["download_url"].split("://", 1)[1].split("/", 1)[1]
    assert (await client.get("/" + signed)).content == stored  # no credentials needed

    header = await client.get(url, headers={**owner.headers, "Range": "bytes=0-43"})
    assert header.status_code == 206
    assert header.content == stored[:44]
    assert header.headers["content-range"] == f"bytes 0-43/{len(stored)}"
    tail = await client.get(url, headers={**owner.headers, "Range": "bytes=-100"})
    assert (tail.status_code, tail.content) == (206, stored[-100:])
    past = await client.get(url, headers={**owner.headers, "Range": f"bytes={len(stored)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(stored)}"

    erased = await client.delete(
        f"/v1/contacts/{call['contact_id']}?erase=true", headers=owner.headers
    )
    assert erased.status_code == 204
    await worker.run_until_idle()
    assert s3_settings.keys("recordings/") == []
    assert (await client.get(url, headers=owner.headers)).status_code == 404


async def test_a_recording_the_bucket_could_not_take_stays_on_disk(
    client: httpx.AsyncClient,
    owner: Account,
    session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    s3_down: None,
) -> None:
    call = await _recorded_call(client, owner, session, sessionmaker, "+14155550189")
    assert call["status"] == "completed"  # the call is recorded all the same
    row = await session.get_one(Call, uuid.UUID(call["id"]))
    assert row.recording_path == f"{owner.workspace.id}/{call['contact_id']}/{call['id']}.wav"
    local = call_service.recordings_dir() / row.recording_path
    assert local.read_bytes()[:4] == b"RIFF"  # kept, to upload under the same key by hand
    for path in ("recording", "recording/download"):
        answer = await client.get(f"/v1/calls/{call['id']}/{path}", headers=owner.headers)
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "STORAGE_UNAVAILABLE"
        assert answer.headers["retry-after"] == "5"
    local.unlink()
