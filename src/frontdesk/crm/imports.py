"""CSV import (a job, one transaction, line-numbered error report) and CSV export of contacts."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.crm import contacts as contact_service
from frontdesk.crm import schemas
from frontdesk.crm.models import Contact, ContactImport
from frontdesk.errors import NotFound, ValidationFailed
from frontdesk.errors import validation_details as error_details
from frontdesk.events import service as event_service
from frontdesk.jobs import service as job_service
from frontdesk.jobs.clock import get_clock
from frontdesk.jobs.registry import JobContext, RetryPolicy, job_handler
from frontdesk.tenancy.scope import WorkspaceScope

IMPORT_JOB = "crm.import_contacts"
MAX_REPORTED_ERRORS = 1000
ALIASES = {
    "phone": "phone_number",
    "phone number": "phone_number",
    "mobile": "phone_number",
    "company": "company_name",
    "e-mail": "email",
    "full_name": "name",
    "first name": "first_name",
    "last name": "last_name",
    "status": "lead_status",
    "score": "qualification_score",
}
KNOWN = {
    "name",
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "company_name",
    "tags",
    "lead_status",
    "qualification_score",
}
EXPORT_COLUMNS = [
    "id",
    "company_name",
    "email",
    "first_name",
    "last_name",
    "lead_status",
    "name",
    "phone_number",
    "qualification_score",
    "tags",
    "created_at",
]


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            "The file is not UTF-8 text; save the CSV as UTF-8", details={"file": "not UTF-8"}
        ) from None


def _columns(header: list[str]) -> list[str]:
    columns = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header]
    if not KNOWN & set(columns):
        raise ValidationFailed(
            "The CSV header names no contact column; use e.g. name,email,phone_number",
            details={"file": f"columns found: {', '.join(header)[:200]}"},
        )
    return columns


async def start(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    filename: str | None,
    content: bytes,
    on_duplicate: str,
) -> ContactImport:
    text = _decode(content)
    header = next(csv.reader(io.StringIO(text)), None)
    if not header:
        raise ValidationFailed("The file is empty", details={"file": "no header row"})
    _columns(header)
    job = ContactImport(
        workspace_id=scope.workspace_id,
        filename=(filename or "")[:300] or None,
        on_duplicate=on_duplicate,
        content=content,
        status="pending",
        errors=[],
    )
    session.add(job)
    await session.flush()
    await job_service.enqueue(
        session, IMPORT_JOB, {"import_id": str(job.id)}, workspace_id=scope.workspace_id
    )
    await audit_service.record(session, auth, "contact.import", "contact_import", job.id)
    return job


async def get(session: AsyncSession, scope: WorkspaceScope, import_id: uuid.UUID) -> ContactImport:
    job = await session.scalar(
        scope.apply(select(ContactImport), ContactImport).where(ContactImport.id == import_id)
    )
    if job is None:
        raise NotFound("contact import", "IMPORT_NOT_FOUND")
    return job


def _rows(text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.reader(io.StringIO(text))
    columns = _columns(next(reader))
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        row: dict[str, Any] = {}
        extra: dict[str, str] = {}
        for column, value in zip(columns, values, strict=False):
            value = value.strip()
            if not value:
                continue
            if column in KNOWN:
                row[column] = value
            else:
                extra[column] = value
        if "tags" in row:
            row["tags"] = [t.strip() for t in row["tags"].replace("|", ";").split(";") if t.strip()]
        if extra:
            row["metadata"] = extra
        yield line, row


class _Outcome:
    def __init__(self) -> None:
        self.total = self.created = self.updated = self.skipped = self.failed = 0
        self.errors: list[dict[str, Any]] = []

    def fail(self, line: int, errors: dict[str, str]) -> None:
        self.failed += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append({"line": line, "errors": errors})


async def _existing(session: AsyncSession, workspace_id: uuid.UUID) -> dict[str, uuid.UUID]:
    rows = await session.execute(
        select(Contact.id, Contact.email, Contact.phone_number).where(
            Contact.workspace_id == workspace_id
        )
    )
    index: dict[str, uuid.UUID] = {}
    for contact_id, email, phone in rows.all():
        if email:
            index[f"e:{email}"] = contact_id
        if phone:
            index[f"p:{phone}"] = contact_id
    return index


def _keys(data: schemas.ContactCreate) -> list[str]:
    keys = []
    if data.email:
        keys.append(f"e:{data.email.lower()}")
    if data.phone_number:
        keys.append(f"p:{data.phone_number}")
    return keys


async def run_import(session: AsyncSession, job: ContactImport) -> None:
    """Process the file in the session's transaction: valid rows land, bad rows are reported."""
    outcome = _Outcome()
    index = await _existing(session, job.workspace_id)
    now = get_clock().now()
    new_rows: list[dict[str, Any]] = []
    events: list[tuple[str, dict[str, Any], uuid.UUID | None]] = []
    created_at_line: dict[uuid.UUID, int] = {}
    for line, raw in _rows(_decode(job.content or b"")):
        outcome.total += 1
        try:
            data = schemas.ContactCreate.model_validate(raw)
        except ValidationError as exc:
            outcome.fail(line, error_details(list(exc.errors())))
            continue
        keys = _keys(data)
        match = next((index[k] for k in keys if k in index), None)
        if match is not None and match in created_at_line:
            outcome.fail(line, {"row": f"same e-mail or phone as line {created_at_line[match]}"})
            continue
        if match is not None:
            if job.on_duplicate == "skip":
                outcome.skipped += 1
                continue
            contact = await session.get_one(Contact, match)
            previous = contact.lead_status
            contact_service.apply_fields(contact, data)
            await contact_service.emit_status_events(session, contact, previous)
            outcome.updated += 1
            continue
        contact = Contact(
            id=uuid.uuid4(),
            workspace_id=job.workspace_id,
            tags=[],
            extra={},
            created_at=now,
            updated_at=now,
        )
        contact_service.apply_fields(contact, data)
        created_at_line[contact.id] = line
        row = {
            c.key: getattr(contact, c.key)
            for c in Contact.__mapper__.column_attrs
            if c.key not in ("created_at", "updated_at")
        }
        new_rows.append({**row, "created_at": now, "updated_at": now})
        for key in keys:
            index[key] = contact.id
        payload = contact_service.event_data(contact)
        events.append(("contact.created", payload, contact.id))
        if contact.lead_status:
            events.append(("lead.created", payload, contact.id))
        outcome.created += 1
    if new_rows:
        await session.execute(insert(Contact), new_rows)
    await event_service.emit_many(session, job.workspace_id, events)
    job.status = "completed"
    job.total_rows = outcome.total
    job.created_count = outcome.created
    job.updated_count = outcome.updated
    job.skipped_count = outcome.skipped
    job.failed_count = outcome.failed
    job.errors = outcome.errors
    job.content = None  # the rows now live in contacts; the file is not kept


@job_handler(IMPORT_JOB, retry=RetryPolicy((30, 300)), timeout=1800)
async def import_contacts(ctx: JobContext, payload: dict[str, Any]) -> None:
    import_id = uuid.UUID(payload["import_id"])
    async with ctx.sessionmaker() as session:
        job = await session.get(ContactImport, import_id)
        if job is None or job.status == "completed":
            return
        try:
            await run_import(session, job)
            await session.commit()
        except Exception as exc:
            await session.rollback()
            if ctx.is_last_attempt:
                await _mark_failed(ctx.sessionmaker, import_id, str(exc))
            raise


async def _mark_failed(
    maker: async_sessionmaker[AsyncSession], import_id: uuid.UUID, error: str
) -> None:
    async with maker() as session:
        job = await session.get(ContactImport, import_id)
        if job is not None:
            job.status = "failed"
            job.error = error[:2000]
            job.content = None
            await session.commit()


async def export_csv(
    maker: async_sessionmaker[AsyncSession],
    scope: WorkspaceScope,
    search_query: str | None,
    lead_status: str | None,
    tag: str | None,
) -> AsyncIterator[str]:
    """CSV of every matching contact, produced in batches."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    yield buffer.getvalue()
    async with maker() as session:
        dialect = session.get_bind().dialect.name
        stmt = contact_service.list_statement(scope, dialect, search_query, lead_status, tag)
        result = await session.stream_scalars(stmt.execution_options(yield_per=500))
        async for contact in result:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(
                [
                    contact.id,
                    contact.company_name or "",
                    contact.email or "",
                    contact.first_name or "",
                    contact.last_name or "",
                    contact.lead_status or "",
                    contact.name or "",
                    contact.phone_number or "",
                    "" if contact.qualification_score is None else contact.qualification_score,
                    ";".join(contact.tags or []),
                    contact.created_at.isoformat().replace("+00:00", "Z"),
                ]
            )
            yield buffer.getvalue()
