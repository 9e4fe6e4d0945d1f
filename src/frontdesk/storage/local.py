"""Objects as files under one directory (the data directory by default): the key is the path.

Writes go to a temporary file beside the target and are renamed into place, so a reader never
sees half a file. File work runs in threads, off the event loop.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

from frontdesk.storage.base import (
    CHUNK_BYTES,
    ObjectNotFound,
    ObjectReader,
    Storage,
    check_key,
    check_prefix,
)


class LocalStorage(Storage):
    is_local = True

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def _temporary(self, target: Path) -> Path:
        target.parent.mkdir(parents=True, exist_ok=True)
        return target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")

    def _write(self, target: Path, data: bytes) -> None:
        temporary = self._temporary(target)
        try:
            temporary.write_bytes(data)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)

    def _copy(self, source: Path, target: Path, remove: bool) -> None:
        if source.resolve() == target.resolve():
            return  # written in place already (the recorder's file under the data directory)
        temporary = self._temporary(target)
        try:
            if remove:
                shutil.move(source, temporary)
            else:
                shutil.copyfile(source, temporary)
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)

    async def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def put_file(
        self, key: str, path: Path, content_type: str | None = None, *, remove: bool = False
    ) -> None:
        await asyncio.to_thread(self._copy, path, self._path(key), remove)

    async def get_bytes(self, key: str) -> bytes:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None

    async def size(self, key: str) -> int:
        path = self._path(key)
        try:
            stat = await asyncio.to_thread(path.stat)
        except (FileNotFoundError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        if not path.is_file():
            raise ObjectNotFound(key)
        return stat.st_size

    async def open(self, key: str, start: int = 0, end: int | None = None) -> ObjectReader:
        path = self._path(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectNotFound(key) from None
        size = os.fstat(handle.fileno()).st_size
        last = size - 1 if end is None else min(end, size - 1)
        handle.seek(start)

        async def close() -> None:
            handle.close()

        return ObjectReader(size, start, last, _read(handle, last - start + 1), close)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, True)

    async def delete_prefix(self, prefix: str) -> int:
        folder = self.root / check_prefix(prefix)

        def remove() -> int:
            if not folder.is_dir():
                return 0
            count = sum(1 for p in folder.rglob("*") if p.is_file())
            shutil.rmtree(folder, ignore_errors=True)
            return count

        return await asyncio.to_thread(remove)

    async def check(self) -> None:
        def probe() -> None:
            self.root.mkdir(parents=True, exist_ok=True)
            path = self.root / f".ready-{uuid.uuid4().hex}"
            path.write_bytes(b"ok")
            path.unlink()

        await asyncio.to_thread(probe)


async def _read(handle: BinaryIO, remaining: int) -> AsyncIterator[bytes]:
    try:
        while remaining > 0:
            chunk = await asyncio.to_thread(handle.read, min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()
