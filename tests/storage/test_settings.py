"""`FRONTDESK_STORAGE_URL` and the S3 settings: a wrong value stops start-up with one line that
names the variable."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from frontdesk.settings import Settings, SettingsError, load_settings
from frontdesk.storage.local import LocalStorage
from frontdesk.storage.location import parse_storage_url
from frontdesk.storage.s3 import S3Storage
from frontdesk.storage.service import open_storage
from tests.fixtures.server import FRONTDESK


@pytest.mark.parametrize(
    ("url", "scheme", "bucket", "prefix"),
    [
        ("s3://frontdesk-files", "s3", "frontdesk-files", ""),
        ("s3://frontdesk-files/", "s3", "frontdesk-files", ""),
        ("s3://frontdesk.files/prod/eu/", "s3", "frontdesk.files", "prod/eu"),
        ("file:///srv/frontdesk", "file", "", ""),
    ],
)
def test_good_urls(url: str, scheme: str, bucket: str, prefix: str) -> None:
    location = parse_storage_url(url)
    assert (location.scheme, location.bucket, location.prefix) == (scheme, bucket, prefix)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://files.example.com/x",
        "/srv/frontdesk",
        "s3://",
        "s3://Upper_Case",
        "s3://ab",
        "s3://bucket/../escape",
        "s3://bucket/prefix?versioning=1",
        "file://relative/path",
    ],
)
def test_a_wrong_storage_url_names_the_variable(
    url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FRONTDESK_STORAGE_URL", url)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("FRONTDESK_STORAGE_URL: ")
    assert "\n" not in message
    assert repr(url) in message


def test_s3_keys_come_in_pairs_and_the_secret_is_not_shown(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FRONTDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FRONTDESK_STORAGE_URL", "s3://frontdesk-files")
    monkeypatch.setenv("FRONTDESK_S3_SECRET_ACCESS_KEY", "very-secret-value")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith("FRONTDESK_S3_SECRET_ACCESS_KEY: ")
    assert "very-secret-value" not in str(caught.value)
    monkeypatch.setenv("FRONTDESK_S3_ACCESS_KEY_ID", "AKIDEXAMPLE")
    assert load_settings().s3_access_key_id == "AKIDEXAMPLE"
    monkeypatch.setenv("FRONTDESK_S3_ENDPOINT_URL", "minio:9000")
    with pytest.raises(SettingsError, match=r"^FRONTDESK_S3_ENDPOINT_URL: .*http"):
        load_settings()


def test_the_url_picks_the_store(tmp_path: Path) -> None:
    assert isinstance(open_storage(Settings(data_dir=tmp_path)), LocalStorage)
    elsewhere = open_storage(Settings(data_dir=tmp_path, storage_url=f"file://{tmp_path}/files"))
    assert isinstance(elsewhere, LocalStorage)
    assert elsewhere.local_path("uploads/a") == tmp_path / "files" / "uploads" / "a"
    bucket = open_storage(Settings(data_dir=tmp_path, storage_url="s3://frontdesk-files/p"))
    assert isinstance(bucket, S3Storage)
    assert (bucket.bucket, bucket.prefix) == ("frontdesk-files", "p/")


def test_the_server_refuses_to_start_with_a_wrong_url(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FRONTDESK_")}
    env |= {"FRONTDESK_DATA_DIR": str(tmp_path), "FRONTDESK_STORAGE_URL": "s3:/frontdesk"}
    done = subprocess.run(
        [FRONTDESK, "serve", "--port", "1"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: FRONTDESK_STORAGE_URL: ")
    assert lines[0].endswith("a bucket of 3-63 [a-z0-9.-] (got 's3:/frontdesk')")
