"""What every store does, and the errors it raises.

Keys are relative paths with `/` between their parts (`recordings/<ws>/<owner>/<call>.wav`); a
prefix is a folder of them (`recordings/<ws>/<owner>/`).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from frontdesk.errors import ServiceUnavailable

CHUNK_BYTES = 64 * 1024  # what a stream hands on at a time
MAX_KEY_LENGTH = 1024  # S3's limit, in bytes of UTF-8
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class StorageUnavailable(ServiceUnavailable):
    """The store cannot be reached or refused the request (down, wrong credentials, no bucket):
    a 503 the client may retry; the cause is logged, not shown."""

    code = "STORAGE_UNAVAILABLE"

    def __init__(self, detail: str) -> None:
        super().__init__(
            "The file storage cannot be reached right now; retry in a moment",
            headers={"Retry-After": "5"},
        )
        self.detail = detail


class ObjectNotFound(LookupError):
    """No object has this key."""


def check_key(key: str) -> str:
    """The key itself, or a ValueError when it is not a plain relative path."""
    parts = key.split("/")
    if (
        not key
        or len(key.encode()) > MAX_KEY_LENGTH
        or "\\" in key
        or "\x00" in key
        or any(p in ("", ".", "..") for p in parts)
    ):
        raise ValueError(f"not a storage key: {key!r}")
    return key


def check_prefix(prefix: str) -> str:
    """A folder of keys, ending with `/` (so `a/b/` never takes in `a/bc/...`)."""
    return check_key(prefix.rstrip("/")) + "/"


def safe_name(filename: str | None, default: str = "file") -> str:
    """A file's name made fit for a key: letters, digits, `.`, `_` and `-`, at most 100."""
    name = _UNSAFE.sub("_", (filename or "").rsplit("/", 1)[-1]).strip("._")[:100]
    return name or default


@dataclass
class ObjectReader:
    """An opened object, or a byte range of it: its bytes come as `chunks`, once."""

    size: int  # of the whole object
    start: int  # first byte sent
    end: int  # last byte sent (inclusive); start - 1 for an empty object
    chunks: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class Storage(ABC):
    """Objects by key. Missing objects raise `ObjectNotFound`; an unreachable store raises
    `StorageUnavailable`."""

    #: True when objects are files on this machine (the recorder and uploads can skip a copy).
    is_local: bool

    @abstractmethod
    async def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        """Store `data` under `key`, replacing what was there."""

    @abstractmethod
    async def put_file(
        self, key: str, path: Path, content_type: str | None = None, *, remove: bool = False
    ) -> None:
        """Store a local file under `key`; with `remove`, the file is handed over (moved, or
        deleted once uploaded)."""

    @abstractmethod
    async def get_bytes(self, key: str) -> bytes:
        """The whole object, in memory: for small objects only."""

    @abstractmethod
    async def open(self, key: str, start: int = 0, end: int | None = None) -> ObjectReader:
        """The object's bytes `start`..`end` (inclusive; to its end when None) as a stream.
        The caller checks the range against `size` first (see `size`)."""

    @abstractmethod
    async def size(self, key: str) -> int:
        """The object's size in bytes."""

    async def exists(self, key: str) -> bool:
        try:
            await self.size(key)
        except ObjectNotFound:
            return False
        return True

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the object; nothing happens when there is none."""

    @abstractmethod
    async def delete_prefix(self, prefix: str) -> int:
        """Remove every object under the folder `prefix`; returns how many there were."""

    @abstractmethod
    async def check(self) -> None:
        """Raise when the store cannot be used (readiness)."""

    def local_path(self, key: str) -> Path | None:
        """Where the object is on this machine, for a store of local files."""
        return None

    async def aclose(self) -> None:  # noqa: B027 - most stores hold nothing to release
        """Release connections (at shutdown)."""
