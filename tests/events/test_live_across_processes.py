"""With Redis, an event fanned out by a worker process reaches an SSE client of an API process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from frontdesk.db.engine import create_engine, create_sessionmaker
from frontdesk.events import service as event_service
from frontdesk.settings import Settings
from tests.fixtures.databases import REDIS_URL, create_database, drop_database
from tests.fixtures.server import frontdesk_server

pytestmark = pytest.mark.slow
FRONTDESK = str(Path(sys.executable).with_name("frontdesk"))


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [FRONTDESK, "worker"], stdout=out, stderr=subprocess.STDOUT, env=env
        )


async def test_event_from_worker_reaches_sse_client_of_api(tmp_root: Path) -> None:
    url = await create_database(tmp_root)
    data_dir = tmp_root / "live"
    shared = {"FRONTDESK_REDIS_URL": REDIS_URL, "FRONTDESK_WORKER_POLL_SECONDS": "0.1"}
    worker: subprocess.Popen[bytes] | None = None
    try:
        with frontdesk_server(data_dir, url, shared, command="api") as api:
            worker = _worker(
                {
                    **os.environ,
                    **shared,
                    "FRONTDESK_DATABASE_URL": url,
                    "FRONTDESK_DATA_DIR": str(data_dir),
                },
                data_dir / "worker.log",
            )
            async with httpx.AsyncClient(base_url=api.url, timeout=30) as http:
                account = {"email": "live@example.com", "password": "a-long-password"}
                await http.post(
                    "/v1/auth/register", json={**account, "first_name": "L", "last_name": "V"}
                )
                login = (await http.post("/v1/auth/login", json=account)).json()
                headers = {"Authorization": f"Bearer {login['token']}"}
                workspace_id = uuid.UUID(login["user"]["workspace_id"])
                marker = uuid.uuid4().hex
                async with http.stream("GET", "/v1/events/stream", headers=headers) as stream:
                    lines = stream.aiter_lines()
                    async with asyncio.timeout(20):
                        async for line in lines:
                            if line.startswith("event: ready"):
                                break
                    engine = create_engine(Settings(database_url=url, data_dir=data_dir))
                    async with create_sessionmaker(engine)() as session:
                        await event_service.emit(
                            session, workspace_id, "lead.created", {"marker": marker}
                        )
                        await session.commit()
                    await engine.dispose()
                    received = None
                    async with asyncio.timeout(20):
                        async for line in lines:
                            if line.startswith("data: ") and marker in line:
                                received = json.loads(line[6:])
                                break
            assert received is not None
            assert received["event"] == "lead.created"
            assert received["data"] == {"marker": marker}
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
        await drop_database(url)
