"""A real S3-compatible server (moto's, on loopback) and the settings that point Frontdesk at it.

The server runs once per test session; each test gets its own key prefix in its bucket, so tests
never see each other's objects. `s3_settings` switches the process's settings to the bucket for
one test (every module that asks for the store gets the bucket), then back to local files.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import botocore.session
import pytest
from moto.server import ThreadedMotoServer

from frontdesk.settings import Settings
from frontdesk.storage.service import close_storage

BUCKET = "frontdesk-tests"
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"
REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class S3Server:
    endpoint: str

    def client(self) -> Any:
        """A plain botocore client: the tests' own view of the bucket, apart from Frontdesk's."""
        return botocore.session.get_session().create_client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def keys(self, prefix: str = "") -> list[str]:
        listed = self.client().list_objects_v2(Bucket=BUCKET, Prefix=prefix)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def read(self, key: str) -> bytes:
        body: bytes = self.client().get_object(Bucket=BUCKET, Key=key)["Body"].read()
        return body


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    running = S3Server(f"http://127.0.0.1:{port}")
    running.client().create_bucket(Bucket=BUCKET)
    try:
        yield running
    finally:
        server.stop()


@dataclass
class Bucket:
    """This test's part of the bucket: Frontdesk's keys are under `prefix`."""

    server: S3Server
    prefix: str

    def keys(self, under: str = "") -> list[str]:
        return [k.removeprefix(self.prefix) for k in self.server.keys(self.prefix + under)]

    def read(self, key: str) -> bytes:
        return self.server.read(self.prefix + key)


def point_at(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, url: str, endpoint: str | None
) -> None:
    for field, value in (
        ("storage_url", url),
        ("s3_endpoint_url", endpoint),
        ("s3_region", REGION),
        ("s3_access_key_id", ACCESS_KEY),
        ("s3_secret_access_key", SECRET_KEY),
    ):
        monkeypatch.setattr(settings, field, value)


@pytest.fixture
async def s3_settings(
    s3_server: S3Server, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Bucket]:
    """Frontdesk's files in the bucket for this test."""
    prefix = f"run-{uuid.uuid4().hex[:12]}"
    point_at(monkeypatch, settings, f"s3://{BUCKET}/{prefix}", s3_server.endpoint)
    yield Bucket(s3_server, prefix + "/")
    await close_storage()


@pytest.fixture
async def s3_down(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[None]:
    """Frontdesk pointed at an S3 endpoint where nothing listens (the server is down)."""
    point_at(monkeypatch, settings, f"s3://{BUCKET}/down", f"http://127.0.0.1:{free_port()}")
    yield
    await close_storage()
