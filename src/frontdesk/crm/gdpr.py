"""GDPR: export everything held about a person, or erase all of it.

`CONTACT_TABLES` is the one list of tables that hold a `contact_id`. Erasure deletes their rows
with the contact in one transaction, then a job removes the person's files (recordings) through
the registered file erasers. A test walks the schema and fails when a table with a `contact_id`
is missing here, so a new feature cannot forget to join.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from fastapi.encoders import jsonable_encoder
from sqlalchemy import Table, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.crm import contacts as contact_service
from frontdesk.crm import deals as deal_service
from frontdesk.crm.models import Contact, Deal, MemoryStoreContact
from frontdesk.db.base import Base
from frontdesk.events.models import Event
from frontdesk.jobs import service as job_service
from frontdesk.jobs.registry import JobContext, job_handler
from frontdesk.notifications.models import Notification
from frontdesk.tenancy.scope import WorkspaceScope
from frontdesk.webhooks.models import WebhookDelivery

log = structlog.get_logger("frontdesk.gdpr")

# Tables whose rows with the contact's `contact_id` are erased with it (children first).
CONTACT_TABLES: list[str] = [
    "conversations",  # their messages go with them
    "memory_store_contacts",
    "deals",
    "webhook_deliveries",
    "notifications",
    "events",
]

FileEraser = Callable[[JobContext, uuid.UUID, uuid.UUID], Awaitable[int]]
FILE_ERASERS: list[FileEraser] = []
ERASE_FILES_JOB = "gdpr.erase_files"


def register_contact_table(name: str) -> None:
    """A later domain with a `contact_id` column joins erasure and export here."""
    if name not in CONTACT_TABLES:
        CONTACT_TABLES.insert(0, name)


def register_file_eraser(eraser: FileEraser) -> FileEraser:
    FILE_ERASERS.append(eraser)
    return eraser


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


async def export(
    session: AsyncSession, scope: WorkspaceScope, contact_id: uuid.UUID
) -> dict[str, Any]:
    """Everything held about the contact, as one JSON document."""
    contact = await contact_service.get(session, scope, contact_id)
    deals = (await session.scalars(select(Deal).where(Deal.contact_id == contact.id))).all()
    memories = (
        await session.scalars(
            select(MemoryStoreContact).where(MemoryStoreContact.contact_id == contact.id)
        )
    ).all()
    events = (
        await session.scalars(
            select(Event).where(Event.contact_id == contact.id).order_by(Event.created_at)
        )
    ).all()
    deliveries = (
        await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.contact_id == contact.id)
            .order_by(WebhookDelivery.created_at)
        )
    ).all()
    notifications = (
        await session.scalars(select(Notification).where(Notification.contact_id == contact.id))
    ).all()
    document: dict[str, Any] = {
        "contact": contact_service.to_schema(contact).model_dump(mode="json"),
        "deals": [deal_service.to_schema(d).model_dump(mode="json") for d in deals],
        "memories": [
            {
                "memory_store_id": m.memory_store_id,
                "memory": m.memory,
                "updated_at": m.updated_at,
            }
            for m in memories
        ],
        "events": [
            {"id": e.id, "type": e.type, "data": e.data, "created_at": e.created_at} for e in events
        ],
        "webhook_deliveries": [
            {
                "id": d.id,
                "webhook_id": d.endpoint_id,
                "event": d.event,
                "status": d.status,
                "payload": d.payload,
                "created_at": d.created_at,
            }
            for d in deliveries
        ],
        "notifications": [
            {"id": n.id, "type": n.type, "title": n.title, "created_at": n.created_at}
            for n in notifications
        ],
    }
    for name, exporter in EXPORTERS.items():
        document[name] = await exporter(session, contact)
    return jsonable_encoder(document)


Exporter = Callable[[AsyncSession, Contact], Awaitable[list[dict[str, Any]]]]
EXPORTERS: dict[str, Exporter] = {}


def register_exporter(name: str, exporter: Exporter) -> None:
    """Conversations, calls and other later domains add their part of the export."""
    EXPORTERS[name] = exporter


async def erase(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, contact_id: uuid.UUID
) -> dict[str, int]:
    """Remove the contact and every row about them; returns rows removed per table."""
    contact = await contact_service.get(session, scope, contact_id)
    removed: dict[str, int] = {}
    for name in CONTACT_TABLES:
        table = _table(name)
        result = await session.execute(delete(table).where(table.c.contact_id == contact.id))
        removed[name] = int(getattr(result, "rowcount", 0) or 0)
    await session.execute(delete(Contact).where(Contact.id == contact.id))
    removed["contacts"] = 1
    await job_service.enqueue(
        session,
        ERASE_FILES_JOB,
        {"contact_id": str(contact.id), "workspace_id": str(contact.workspace_id)},
        workspace_id=contact.workspace_id,
    )
    # The entry names what was erased by its random id only: no personal data.
    await audit_service.record(
        session, auth, "contact.erase", "contact", contact.id, {"rows_removed": removed}
    )
    return removed


@job_handler(ERASE_FILES_JOB, timeout=600)
async def erase_files(ctx: JobContext, payload: dict[str, Any]) -> None:
    contact_id = uuid.UUID(payload["contact_id"])
    workspace_id = uuid.UUID(payload["workspace_id"])
    removed = 0
    for eraser in FILE_ERASERS:
        removed += await eraser(ctx, workspace_id, contact_id)
    log.info("contact_files_erased", contact_id=str(contact_id), files=removed)
