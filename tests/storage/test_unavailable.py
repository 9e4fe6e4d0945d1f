"""The bucket in readiness, and what clients see while the S3 server is down: a 503
`STORAGE_UNAVAILABLE` to retry, never a 500, and nothing half-written."""

from __future__ import annotations

import httpx
import pytest

from frontdesk.jobs.worker import Worker
from frontdesk.settings import Settings
from tests.fixtures.factories import Account
from tests.knowledge.conftest import ingest_worker, make_kb, upload
from tests.storage.conftest import Bucket, S3Server, point_at

__all__ = ["ingest_worker"]


async def test_readiness_checks_the_bucket(client: httpx.AsyncClient, s3_settings: Bucket) -> None:
    ready = await client.get("/readiness")
    assert ready.status_code == 200, ready.text
    assert ready.json()["storage"] == "ok"


async def test_readiness_reports_a_missing_bucket(
    client: httpx.AsyncClient,
    s3_server: S3Server,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    s3_settings: Bucket,
) -> None:
    point_at(monkeypatch, settings, "s3://no-such-bucket-here", s3_server.endpoint)
    ready = await client.get("/readiness")
    assert ready.status_code == 503
    assert ready.json()["storage"] == "error: head bucket: 404 Not Found"
    assert ready.json()["database"] == "ok"


async def test_readiness_reports_the_server_down(client: httpx.AsyncClient, s3_down: None) -> None:
    ready = await client.get("/readiness")
    assert ready.status_code == 503
    storage = ready.json()["storage"]
    # Refused at once, or (on a loaded machine) slower than the probe's time limit.
    assert storage.startswith(("error: head bucket: EndpointConnectionError", "error: timed out"))


async def test_an_upload_while_the_server_is_down_is_a_503(
    client: httpx.AsyncClient, owner: Account, ingest_worker: Worker, s3_down: None
) -> None:
    kb = await make_kb(client, owner)
    response = await upload(client, owner, kb["id"], "hours.txt", b"Open 9 to 5.", "text/plain")
    assert response.status_code == 503, response.text
    assert response.json() == {
        "error": "The file storage cannot be reached right now; retry in a moment",
        "code": "STORAGE_UNAVAILABLE",
        "details": {},
    }
    assert response.headers["retry-after"] == "5"
    listed = await client.get(f"/v1/knowledge-bases/{kb['id']}/sources", headers=owner.headers)
    assert listed.json()["total"] == 0  # the request rolled back: no source without its file
    assert await ingest_worker.run_until_idle() == 0
