"""`Idempotency-Key` on creating POSTs: a replay within 24 h returns the first response.

Keys are scoped by the caller's credentials (a hash of the Authorization and workspace headers), so
two clients cannot see each other's responses. The key is claimed in its own short transaction
before the request runs; a concurrent request with the same key gets 409 until the first finishes.
Only responses a retry would reproduce are kept (2xx and 4xx, not 401, 429 or 5xx).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Integer, LargeBinary, String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from frontdesk.db.base import Model, utcnow
from frontdesk.db.types import UTCDateTime
from frontdesk.errors import Conflict, ValidationFailed

HEADER = "idempotency-key"
TTL = timedelta(hours=24)
# A claim still unfinished this long after it was made belongs to a process that died: a retry
# with the key takes it over instead of waiting out the TTL.
ABANDONED_AFTER = timedelta(minutes=10)
MAX_KEY_LENGTH = 255


class IdempotencyKey(Model):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    principal: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    content_type: str | None
    body: bytes


def principal_of(authorization: str | None, workspace: str | None) -> str | None:
    if not authorization:
        return None
    return hashlib.sha256(f"{authorization}\n{workspace or ''}".encode()).hexdigest()


def should_store(status_code: int) -> bool:
    return status_code < 500 and status_code not in (401, 429)


async def claim(
    maker: async_sessionmaker[AsyncSession],
    principal: str,
    key: str,
    method: str,
    path: str,
    body: bytes,
) -> uuid.UUID | StoredResponse:
    """Claim `key` for this request, or return the response stored for an earlier one."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            f"Idempotency-Key must be 1-{MAX_KEY_LENGTH} characters",
            details={"Idempotency-Key": "invalid length"},
        )
    request_hash = hashlib.sha256(body).hexdigest()
    now = utcnow()
    async with maker() as session:
        row = await session.scalar(
            select(IdempotencyKey).where(
                IdempotencyKey.principal == principal, IdempotencyKey.key == key
            )
        )
        if row is not None and row.expires_at > now:
            if (row.method, row.path, row.request_hash) != (method, path, request_hash):
                raise Conflict(
                    "This Idempotency-Key was used with a different request; use a new key",
                    "IDEMPOTENCY_KEY_MISMATCH",
                )
            claimed_at = row.expires_at - TTL
            if row.status_code is None and now - claimed_at < ABANDONED_AFTER:
                raise Conflict(
                    "A request with this Idempotency-Key is still being processed; retry shortly",
                    "IDEMPOTENCY_KEY_IN_USE",
                )
            if row.status_code is not None:
                return StoredResponse(row.status_code, row.content_type, row.response_body or b"")
        if row is not None:
            await session.delete(row)
            await session.flush()
        claimed = IdempotencyKey(
            principal=principal,
            key=key,
            method=method,
            path=path,
            request_hash=request_hash,
            expires_at=now + TTL,
        )
        session.add(claimed)
        try:
            await session.commit()
        except IntegrityError:
            raise Conflict(
                "A request with this Idempotency-Key is still being processed; retry shortly",
                "IDEMPOTENCY_KEY_IN_USE",
            ) from None
        return claimed.id


async def finish(
    maker: async_sessionmaker[AsyncSession],
    claim_id: uuid.UUID,
    status_code: int,
    content_type: str | None,
    body: bytes,
) -> None:
    async with maker() as session:
        if should_store(status_code):
            row = await session.get(IdempotencyKey, claim_id)
            if row is not None:
                row.status_code = status_code
                row.content_type = content_type
                row.response_body = body
        else:
            await session.execute(delete(IdempotencyKey).where(IdempotencyKey.id == claim_id))
        await session.commit()


async def purge_expired(session: AsyncSession) -> int:
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.expires_at < datetime.now(UTC))
    )
    return int(getattr(result, "rowcount", 0) or 0)
