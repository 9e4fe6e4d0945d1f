"""`frontdesk serve` as a real process: migrations on an empty database, HTTP on loopback,
clean exit on SIGTERM."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.fixtures.databases import create_database, drop_database
from tests.fixtures.server import FRONTDESK, free_port, frontdesk_server

pytestmark = pytest.mark.slow


async def test_serve_register_login_me_and_sigterm(tmp_root: Path) -> None:
    url = await create_database(tmp_root)
    try:
        with frontdesk_server(tmp_root / "serve-test", url) as server:
            async with httpx.AsyncClient(base_url=server.url) as http:
                account = {"email": "p@example.com", "password": "a-long-password"}
                registered = await http.post(
                    "/v1/auth/register", json={**account, "first_name": "P", "last_name": "Q"}
                )
                assert registered.status_code == 201, registered.text
                login = await http.post("/v1/auth/login", json=account)
                assert login.status_code == 200
                me = await http.get(
                    "/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['token']}"}
                )
                assert me.status_code == 200
                assert me.json()["email"] == "p@example.com"
                assert me.json()["role"] == "owner"
                assert "x-ratelimit-remaining" in me.headers
                headers = {"Authorization": f"Bearer {login.json()['token']}"}
                long_name = "0" * 300  # one word: its first_name part is cut to the column
                created = await http.post(
                    "/v1/contacts", headers=headers, json={"name": long_name, "email": "e@x.io"}
                )
                assert created.status_code == 201, created.text
                # A streamed export reads through a cursor: real database sessions only.
                export = await http.get("/v1/contacts/export", headers=headers)
                assert export.status_code == 200
                assert "e@x.io" in export.text
                ready = await http.get("/readiness")
                assert ready.json() == {
                    "database": "ok",
                    "storage": "ok",
                    "cache": "ok",
                    "queue": "ok",
                    "draining": False,
                    "active_calls": 0,
                }
            assert server.stop() == 0
            assert "Traceback" not in server.log.read_text()
    finally:
        await drop_database(url)


async def test_a_second_start_finds_the_database_migrated(tmp_root: Path) -> None:
    url = await create_database(tmp_root)
    try:
        for n in range(2):  # the first start migrates (in a child process), the second does not
            with frontdesk_server(tmp_root / f"restart-{n}", url) as server:
                async with httpx.AsyncClient(base_url=server.url) as http:
                    ready = await http.get("/readiness")
                    assert ready.status_code == 200
                assert server.stop() == 0
            if n == 1:
                assert "Running upgrade" not in server.log.read_text()
    finally:
        await drop_database(url)


def test_a_failed_migration_stops_the_start_with_a_message(tmp_root: Path) -> None:
    data = tmp_root / "unmigratable"
    data.mkdir()
    (data / "frontdesk.db").write_bytes(b"not a database" * 100)
    env = {
        **os.environ,
        "FRONTDESK_DATA_DIR": str(data),
        "FRONTDESK_DATABASE_URL": f"sqlite+aiosqlite:///{data / 'frontdesk.db'}",
    }
    done = subprocess.run(
        [FRONTDESK, "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "migrations failed" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
