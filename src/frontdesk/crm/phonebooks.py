"""Phone books: where a live transfer can send a call, and when."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.crm import schemas
from frontdesk.crm.models import Phonebook, PhonebookEntry
from frontdesk.errors import Conflict, NotFound
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.tenancy.scope import WorkspaceScope

MAX_ENTRIES = 500


async def entries_of(session: AsyncSession, phonebook_id: uuid.UUID) -> list[PhonebookEntry]:
    rows = await session.scalars(
        select(PhonebookEntry)
        .where(PhonebookEntry.phonebook_id == phonebook_id)
        .order_by(PhonebookEntry.created_at, PhonebookEntry.id)
    )
    return list(rows.all())


async def to_schema(session: AsyncSession, phonebook: Phonebook) -> schemas.Phonebook:
    entries = await entries_of(session, phonebook.id)
    return schemas.Phonebook(
        id=phonebook.id,
        name=phonebook.name,
        description=phonebook.description,
        entries=[schemas.PhonebookEntry.model_validate(e) for e in entries],
        created_at=phonebook.created_at,
        updated_at=phonebook.updated_at,
    )


async def create(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, data: schemas.PhonebookCreate
) -> Phonebook:
    phonebook = Phonebook(workspace_id=scope.workspace_id, **data.model_dump())
    session.add(phonebook)
    await session.flush()
    await audit_service.record(session, auth, "phonebook.create", "phonebook", phonebook.id)
    return phonebook


async def list_phonebooks(
    session: AsyncSession, scope: WorkspaceScope, pagination: Pagination
) -> tuple[list[Phonebook], int]:
    stmt = scope.apply(select(Phonebook), Phonebook).order_by(Phonebook.name, Phonebook.id)
    return await paginate(session, stmt, pagination)


async def get(session: AsyncSession, scope: WorkspaceScope, phonebook_id: uuid.UUID) -> Phonebook:
    phonebook = await scope.get(session, Phonebook, phonebook_id, "phonebook")
    return phonebook


async def delete(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, phonebook_id: uuid.UUID
) -> None:
    phonebook = await get(session, scope, phonebook_id)
    await session.delete(phonebook)
    await session.flush()
    await audit_service.record(session, auth, "phonebook.delete", "phonebook", phonebook_id)


async def add_entry(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    phonebook_id: uuid.UUID,
    data: schemas.PhonebookEntryCreate,
) -> PhonebookEntry:
    phonebook = await get(session, scope, phonebook_id)
    entries = await entries_of(session, phonebook.id)
    if len(entries) >= MAX_ENTRIES:
        raise Conflict(f"A phone book holds at most {MAX_ENTRIES} entries", "PHONEBOOK_FULL")
    if any(e.phone_number == data.phone_number for e in entries):
        raise Conflict(f"{data.phone_number} is already in this phone book", "ENTRY_EXISTS")
    entry = PhonebookEntry(
        phonebook_id=phonebook.id, workspace_id=phonebook.workspace_id, **data.model_dump()
    )
    session.add(entry)
    await session.flush()
    await audit_service.record(
        session, auth, "phonebook.add_entry", "phonebook", phonebook.id, {"entry_id": str(entry.id)}
    )
    return entry


async def remove_entry(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    phonebook_id: uuid.UUID,
    entry_id: uuid.UUID,
) -> None:
    phonebook = await get(session, scope, phonebook_id)
    entry = await session.scalar(
        select(PhonebookEntry).where(
            PhonebookEntry.id == entry_id, PhonebookEntry.phonebook_id == phonebook.id
        )
    )
    if entry is None:
        raise NotFound("phonebook entry")
    await session.delete(entry)
    await session.flush()
    await audit_service.record(
        session,
        auth,
        "phonebook.remove_entry",
        "phonebook",
        phonebook.id,
        {"entry_id": str(entry_id)},
    )
