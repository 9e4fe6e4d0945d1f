from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile, status
from fastapi.responses import StreamingResponse

from frontdesk.auth.dependencies import ReadAuth, WriteAuth
from frontdesk.crm import contacts as contact_service
from frontdesk.crm import gdpr, schemas
from frontdesk.crm import imports as import_service
from frontdesk.db.session import Session
from frontdesk.errors import UnsupportedMediaType
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.kit.schemas import storable_text
from frontdesk.tenancy.scope import scope_of

router = APIRouter(prefix="/v1/contacts", tags=["contacts"])

Search = Annotated[
    str | None, Query(max_length=200, description="Words of name, e-mail, phone or company")
]
StatusFilter = Annotated[schemas.LeadStatus | None, Query()]
TagFilter = Annotated[str | None, Query(max_length=50)]
CSV_TYPES = {"text/csv", "application/csv", "application/vnd.ms-excel", "text/plain"}


@router.get("")
async def list_contacts(
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    search: Search = None,
    lead_status: StatusFilter = None,
    tag: TagFilter = None,
) -> Page[schemas.Contact]:
    """List contacts, newest first; `search` matches every word as a prefix."""
    items, total = await contact_service.list_contacts(
        session, scope_of(auth), pagination, search, lead_status, tag
    )
    return Page.of([contact_service.to_schema(c) for c in items], total, pagination)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_contact(
    data: schemas.ContactCreate,
    auth: WriteAuth,
    session: Session,
    response: Response,
    upsert: bool = False,
) -> schemas.Contact:
    """Create a contact; 409 CONTACT_EXISTS for a known e-mail or phone unless `upsert=true`."""
    contact, created = await contact_service.create(session, auth, scope_of(auth), data, upsert)
    if not created:
        response.status_code = status.HTTP_200_OK
    return contact_service.to_schema(contact)


@router.post("/import", status_code=status.HTTP_202_ACCEPTED)
async def import_contacts(
    auth: WriteAuth,
    session: Session,
    file: Annotated[UploadFile, File(description="CSV with a header row")],
    on_duplicate: Annotated[Literal["update", "skip"], Form()] = "update",
) -> schemas.ContactImport:
    """Import contacts from a CSV file in the background; poll the import for its report."""
    content_type = (file.content_type or "").split(";")[0].strip().lower()
    if content_type not in CSV_TYPES and not (file.filename or "").lower().endswith(".csv"):
        raise UnsupportedMediaType(f"Expected a CSV file, got {content_type or 'no type'}")
    content = await file.read()
    filename = storable_text(file.filename, "file")
    job = await import_service.start(session, auth, scope_of(auth), filename, content, on_duplicate)
    return schemas.ContactImport.model_validate(job)


@router.get("/imports/{import_id}")
async def get_import(
    import_id: uuid.UUID, auth: ReadAuth, session: Session
) -> schemas.ContactImport:
    """An import's status, counts and per-line errors."""
    return schemas.ContactImport.model_validate(
        await import_service.get(session, scope_of(auth), import_id)
    )


@router.get("/export", response_class=StreamingResponse)
async def export_contacts(
    auth: ReadAuth,
    request: Request,
    search: Search = None,
    lead_status: StatusFilter = None,
    tag: TagFilter = None,
) -> StreamingResponse:
    """Every matching contact as CSV."""
    rows = import_service.export_csv(
        request.app.state.stream_sessionmaker, scope_of(auth), search, lead_status, tag
    )
    return StreamingResponse(
        rows,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="contacts.csv"'},
    )


@router.get("/{contact_id}")
async def get_contact(contact_id: uuid.UUID, auth: ReadAuth, session: Session) -> schemas.Contact:
    """Get a contact."""
    return contact_service.to_schema(await contact_service.get(session, scope_of(auth), contact_id))


@router.patch("/{contact_id}")
async def update_contact(
    contact_id: uuid.UUID, data: schemas.ContactUpdate, auth: WriteAuth, session: Session
) -> schemas.Contact:
    """Update some fields of a contact."""
    contact = await contact_service.update(session, auth, scope_of(auth), contact_id, data)
    return contact_service.to_schema(contact)


@router.delete("/{contact_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_contact(
    contact_id: uuid.UUID, auth: WriteAuth, session: Session, erase: bool = False
) -> None:
    """Delete a contact; with `erase=true`, everything about them too (GDPR erasure)."""
    if erase:
        await gdpr.erase(session, auth, scope_of(auth), contact_id)
    else:
        await contact_service.delete(session, auth, scope_of(auth), contact_id)


@router.get("/{contact_id}/export")
async def export_contact(
    contact_id: uuid.UUID, auth: WriteAuth, session: Session
) -> dict[str, Any]:
    """Everything held about the contact (GDPR export)."""
    return await gdpr.export(session, scope_of(auth), contact_id)
