"""The two stores behave alike: files under a directory, and a real S3-compatible server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from frontdesk.storage import s3 as s3_module
from frontdesk.storage.base import ObjectNotFound, Storage, check_key, safe_name
from frontdesk.storage.local import LocalStorage
from frontdesk.storage.s3 import S3Storage
from tests.storage.conftest import ACCESS_KEY, BUCKET, REGION, SECRET_KEY, S3Server


@pytest.fixture(params=["local", "s3"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, s3_server: S3Server
) -> AsyncIterator[Storage]:
    if request.param == "local":
        yield LocalStorage(tmp_path / "files")
        return
    s3 = S3Storage(
        BUCKET,
        f"backends-{os.urandom(4).hex()}",
        endpoint_url=s3_server.endpoint,
        region=REGION,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
    )
    yield s3
    await s3.aclose()


async def _read(store: Storage, key: str, start: int = 0, end: int | None = None) -> bytes:
    reader = await store.open(key, start, end)
    try:
        return b"".join([chunk async for chunk in reader.chunks])
    finally:
        await reader.close()


async def test_put_get_exists_and_delete(store: Storage) -> None:
    key = "recordings/ws/owner/call.wav"
    assert not await store.exists(key)
    await store.put_bytes(key, b"RIFF and the rest", "audio/wav")
    assert await store.exists(key)
    assert await store.size(key) == 17
    assert await store.get_bytes(key) == b"RIFF and the rest"
    await store.put_bytes(key, b"replaced")
    assert await store.get_bytes(key) == b"replaced"
    await store.delete(key)
    assert not await store.exists(key)
    await store.delete(key)  # nothing there: no error
    with pytest.raises(ObjectNotFound):
        await store.get_bytes(key)
    with pytest.raises(ObjectNotFound):
        await store.open(key)


async def test_streams_whole_and_in_ranges(store: Storage) -> None:
    data = os.urandom(200_000)  # several chunks
    await store.put_bytes("uploads/big.bin", data)
    reader = await store.open("uploads/big.bin")
    chunks = [chunk async for chunk in reader.chunks]
    assert len(chunks) > 1
    assert b"".join(chunks) == data
    assert (reader.size, reader.start, reader.end, reader.length) == (200_000, 0, 199_999, 200_000)
    part = await store.open("uploads/big.bin", 1000, 1999)
    assert (part.size, part.start, part.end) == (200_000, 1000, 1999)
    assert b"".join([c async for c in part.chunks]) == data[1000:2000]
    assert await _read(store, "uploads/big.bin", 199_990) == data[199_990:]


async def test_delete_by_prefix_takes_the_folder_only(store: Storage) -> None:
    for key in (
        "recordings/w/alice/1.wav",
        "recordings/w/alice/2.wav",
        "recordings/w/alicia/3.wav",
    ):
        await store.put_bytes(key, b"x")
    assert await store.delete_prefix("recordings/w/alice") == 2
    assert not await store.exists("recordings/w/alice/1.wav")
    assert await store.exists("recordings/w/alicia/3.wav")  # a name that starts the same stays
    assert await store.delete_prefix("recordings/w/alice/") == 0


async def test_put_file_copies_or_hands_over(store: Storage, tmp_path: Path) -> None:
    source = tmp_path / "call.wav"
    source.write_bytes(b"recorded audio")
    await store.put_file("recordings/a.wav", source, "audio/wav")
    assert source.exists()
    await store.put_file("recordings/b.wav", source, "audio/wav", remove=True)
    assert not source.exists()
    assert await store.get_bytes("recordings/a.wav") == b"recorded audio"
    assert await store.get_bytes("recordings/b.wav") == b"recorded audio"


async def test_a_file_written_in_place_stays_put(tmp_path: Path) -> None:
    store = LocalStorage(tmp_path)
    path = tmp_path / "recordings" / "w" / "c.wav"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"audio")
    await store.put_file("recordings/w/c.wav", path, remove=True)
    assert path.read_bytes() == b"audio"
    assert store.local_path("recordings/w/c.wav") == path


async def test_large_files_go_up_in_parts(
    s3_server: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(s3_module, "PART_BYTES", 5 * 1024 * 1024)  # S3's smallest part
    store = S3Storage(
        BUCKET,
        "parts",
        endpoint_url=s3_server.endpoint,
        region=REGION,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
    )
    data = os.urandom(11 * 1024 * 1024)
    path = tmp_path / "long-call.wav"
    path.write_bytes(data)
    try:
        await store.put_file("recordings/long.wav", path, remove=True)
        assert not path.exists()
        assert await store.size("recordings/long.wav") == len(data)
        assert s3_server.read("parts/recordings/long.wav") == data
        head = s3_server.client().head_object(Bucket=BUCKET, Key="parts/recordings/long.wav")
        assert head["ETag"].strip('"').endswith("-3")  # three parts
    finally:
        await store.delete_prefix("recordings")
        await store.aclose()


async def test_the_prefix_of_the_url_holds_every_key(s3_server: S3Server) -> None:
    store = S3Storage(
        BUCKET,
        "/team/frontdesk/",
        endpoint_url=s3_server.endpoint,
        region=REGION,
        access_key_id=ACCESS_KEY,
        secret_access_key=SECRET_KEY,
    )
    try:
        await store.put_bytes("uploads/w/k/s/a.txt", b"hello")
        assert s3_server.keys("team/") == ["team/frontdesk/uploads/w/k/s/a.txt"]
        await store.check()
    finally:
        await store.delete_prefix("uploads")
        await store.aclose()
    assert s3_server.keys("team/") == []


@pytest.mark.parametrize(
    "key", ["", "/abs", "a/../b", "a//b", "a/./b", "trailing/", "back\\slash", "nul\x00"]
)
def test_keys_are_plain_relative_paths(key: str) -> None:
    with pytest.raises(ValueError, match="not a storage key"):
        check_key(key)


def test_safe_names() -> None:
    assert safe_name("Price list (2026).PDF") == "Price_list_2026_.PDF"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("..", "document.pdf") == "document.pdf"
    assert safe_name("résumé.docx") == "r_sum_.docx"
