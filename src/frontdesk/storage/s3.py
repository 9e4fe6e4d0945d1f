"""Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, Cloudflare R2, ...) through
aiobotocore: one client per process, opened on first use and closed at shutdown.

The endpoint is the operator's configuration, not user input: the SSRF guard that outbound
requests to users' addresses go through does not apply to it (a MinIO on a private address is
the usual set-up).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import structlog
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from frontdesk.storage.base import (
    CHUNK_BYTES,
    ObjectNotFound,
    ObjectReader,
    Storage,
    StorageUnavailable,
    check_key,
    check_prefix,
)

log = structlog.get_logger("frontdesk.storage")

# Files up to this size go up in one request; larger ones (long recordings) in parts of this
# size, so memory stays bounded. S3 wants parts of at least 5 MiB (but the last).
PART_BYTES = 16 * 1024 * 1024
_MISSING = ("NoSuchKey", "404", "NotFound")


@contextlib.contextmanager
def _translated(operation: str, key: str | None = None) -> Iterator[None]:
    """S3's and the network's errors as the store's own."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        if key is not None and error.get("Code") in _MISSING:
            raise ObjectNotFound(key) from None
        detail = f"{operation}: {error.get('Code')} {error.get('Message', '')}".strip()
        log.warning("storage_unavailable", operation=operation, error=detail)
        raise StorageUnavailable(detail) from exc
    except (BotoCoreError, aiohttp.ClientError, OSError, TimeoutError) as exc:
        detail = f"{operation}: {type(exc).__name__}: {exc}"
        log.warning("storage_unavailable", operation=operation, error=detail)
        raise StorageUnavailable(detail) from exc


class S3Storage(Storage):
    is_local = False

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.prefix = f"{prefix.strip('/')}/" if prefix.strip("/") else ""
        self._options: dict[str, Any] = {
            "endpoint_url": endpoint_url,
            "region_name": region,
            # Unset: botocore's chain (AWS_* variables, profile, instance or task role).
            "aws_access_key_id": access_key_id or None,
            "aws_secret_access_key": secret_access_key or None,
            "config": AioConfig(
                connect_timeout=5,
                read_timeout=60,
                # One retry: a request waits little while the server is down, and jobs retry
                # on their own schedule.
                retries={"max_attempts": 2, "mode": "standard"},
                # Other S3 servers are reached by path (http://minio:9000/bucket/key).
                s3={"addressing_style": "path" if endpoint_url else "auto"},
            ),
        }
        self._session = get_session()
        self._client: Any = None
        self._stack: AsyncExitStack | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    async def _s3(self) -> Any:
        """The client, opened on first use in this event loop."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop, self._lock, self._client, self._stack = loop, asyncio.Lock(), None, None
        assert self._lock is not None
        async with self._lock:
            if self._client is None:
                stack = AsyncExitStack()
                with _translated("connect"):
                    self._client = await stack.enter_async_context(
                        self._session.create_client("s3", **self._options)
                    )
                self._stack = stack
        return self._client

    async def aclose(self) -> None:
        if self._stack is not None and self._loop is asyncio.get_running_loop():
            await self._stack.aclose()
        self._client = self._stack = self._loop = self._lock = None

    async def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        s3 = await self._s3()
        extra = {"ContentType": content_type} if content_type else {}
        with _translated("put", key):
            await s3.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, **extra)

    async def put_file(
        self, key: str, path: Path, content_type: str | None = None, *, remove: bool = False
    ) -> None:
        size = (await asyncio.to_thread(path.stat)).st_size
        if size <= PART_BYTES:
            await self.put_bytes(key, await asyncio.to_thread(path.read_bytes), content_type)
        else:
            await self._put_parts(key, path, content_type)
        if remove:
            await asyncio.to_thread(path.unlink, True)

    async def _put_parts(self, key: str, path: Path, content_type: str | None) -> None:
        s3 = await self._s3()
        full = self._key(key)
        extra = {"ContentType": content_type} if content_type else {}
        with _translated("put", key):
            upload = await s3.create_multipart_upload(Bucket=self.bucket, Key=full, **extra)
        upload_id = upload["UploadId"]
        parts = []
        try:
            with path.open("rb") as handle, _translated("put", key):
                number = 1
                while block := await asyncio.to_thread(handle.read, PART_BYTES):
                    sent = await s3.upload_part(
                        Bucket=self.bucket,
                        Key=full,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=block,
                    )
                    parts.append({"PartNumber": number, "ETag": sent["ETag"]})
                    number += 1
                await s3.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=full,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException:
            with contextlib.suppress(Exception):
                await s3.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id)
            raise

    async def get_bytes(self, key: str) -> bytes:
        s3 = await self._s3()
        with _translated("get", key):
            response = await s3.get_object(Bucket=self.bucket, Key=self._key(key))
            async with response["Body"] as body:
                data: bytes = await body.read()
        return data

    async def size(self, key: str) -> int:
        s3 = await self._s3()
        with _translated("head", key):
            response = await s3.head_object(Bucket=self.bucket, Key=self._key(key))
        return int(response["ContentLength"])

    async def open(self, key: str, start: int = 0, end: int | None = None) -> ObjectReader:
        s3 = await self._s3()
        ranged = {}
        if start > 0 or end is not None:
            ranged = {"Range": f"bytes={start}-{'' if end is None else end}"}
        with _translated("get", key):
            response = await s3.get_object(Bucket=self.bucket, Key=self._key(key), **ranged)
        body = response["Body"]
        length = int(response["ContentLength"])
        size = length
        if ranged and response.get("ContentRange"):  # "bytes 0-99/1000"
            size = int(str(response["ContentRange"]).rsplit("/", 1)[1])

        async def close() -> None:
            body.close()

        return ObjectReader(size, start, start + length - 1, _chunks(body, key), close)

    async def delete(self, key: str) -> None:
        s3 = await self._s3()
        with _translated("delete"):
            await s3.delete_object(Bucket=self.bucket, Key=self._key(key))

    async def delete_prefix(self, prefix: str) -> int:
        s3 = await self._s3()
        full = self.prefix + check_prefix(prefix)
        removed = 0
        with _translated("delete"):
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=full)
            async for page in pages:
                keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if not keys:
                    continue
                answer = await s3.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                )
                if answer.get("Errors"):
                    first = answer["Errors"][0]
                    raise StorageUnavailable(
                        f"delete: {first.get('Code')} {first.get('Key')}: {first.get('Message')}"
                    )
                removed += len(keys)
        return removed

    async def check(self) -> None:
        s3 = await self._s3()
        with _translated("head bucket"):
            await s3.head_bucket(Bucket=self.bucket)


async def _chunks(body: Any, key: str) -> AsyncIterator[bytes]:
    try:
        with _translated("get", key):
            async for chunk in body.iter_chunks(CHUNK_BYTES):
                yield chunk
    finally:
        body.close()
