"""`frontdesk serve` as a real process: migrations on an empty database, HTTP on loopback,
clean exit on SIGTERM."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.fixtures.databases import create_database, drop_database
from tests.fixtures.server import frontdesk_server

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
