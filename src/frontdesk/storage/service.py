"""The process's store, chosen by the settings, and removals that must outlive a crash."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.jobs import service as job_service
from frontdesk.settings import Settings, get_settings
from frontdesk.storage.base import Storage, check_prefix
from frontdesk.storage.local import LocalStorage
from frontdesk.storage.location import parse_storage_url

DELETE_JOB = "storage.delete"

_STORES: dict[tuple[Any, ...], Storage] = {}


def _config(settings: Settings) -> tuple[Any, ...]:
    return (
        settings.storage_url,
        settings.data_dir,
        settings.s3_endpoint_url,
        settings.s3_region,
        settings.s3_access_key_id,
        settings.s3_secret_access_key,
    )


def open_storage(settings: Settings) -> Storage:
    """A new store for these settings (`get_storage` keeps one per process)."""
    if not settings.storage_url:
        return LocalStorage(settings.data_dir)
    location = parse_storage_url(settings.storage_url)
    if location.scheme == "file":
        assert location.path is not None
        return LocalStorage(location.path)
    from frontdesk.storage.s3 import S3Storage

    return S3Storage(
        location.bucket,
        location.prefix,
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
    )


def get_storage(settings: Settings | None = None) -> Storage:
    """The store of these settings (the process's by default), the same object each time."""
    settings = settings or get_settings()
    config = _config(settings)
    store = _STORES.get(config)
    if store is None:
        store = _STORES[config] = open_storage(settings)
    return store


async def close_storage() -> None:
    """At shutdown: close the stores' connections."""
    stores = list(_STORES.values())
    _STORES.clear()
    for store in stores:
        await store.aclose()


async def delete_later(session: AsyncSession, prefix: str, workspace_id: uuid.UUID) -> None:
    """Remove the objects under `prefix` once this transaction has committed (a job: done even
    if the store is down right now, never when the transaction rolls back)."""
    await job_service.enqueue(
        session, DELETE_JOB, {"prefix": check_prefix(prefix)}, workspace_id=workspace_id
    )
