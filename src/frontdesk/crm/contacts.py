"""Contacts and leads: de-duplicated by e-mail or phone, searchable, with lead-status events."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import Select, TextClause, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.crm import schemas, search
from frontdesk.crm.models import Contact
from frontdesk.errors import Conflict
from frontdesk.events import service as event_service
from frontdesk.jobs.clock import get_clock
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.tenancy.scope import WorkspaceScope

_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "email",
    "phone_number",
    "company_name",
    "tags",
    "lead_status",
    "qualification_score",
)


def to_schema(contact: Contact) -> schemas.Contact:
    return schemas.Contact.model_validate(contact)


def event_data(contact: Contact) -> dict[str, Any]:
    return to_schema(contact).model_dump(mode="json")


def _sync_names(contact: Contact, fields: set[str]) -> None:
    """Keep `name` and `first_name`/`last_name` telling the same story."""
    parts_given = bool(fields & {"first_name", "last_name"})
    if parts_given and "name" not in fields:
        joined = " ".join(p for p in (contact.first_name, contact.last_name) if p)
        contact.name = joined or None
    elif "name" in fields and not parts_given:
        first, _, last = (contact.name or "").partition(" ")
        contact.first_name = first[:150] or None  # the parts' columns are half the name's
        contact.last_name = last.strip()[:150] or None


def apply_fields(contact: Contact, data: schemas.ContactFields) -> set[str]:
    fields = set(data.model_fields_set)
    for field in _FIELDS:
        if field in fields:
            value = getattr(data, field)
            if field == "email" and value is not None:
                value = value.lower()
            if field == "tags" and value is None:
                value = []
            setattr(contact, field, value)
    if "metadata" in fields:
        contact.extra = data.metadata or {}
    _sync_names(contact, fields)
    contact.search_text = search.search_text(contact)
    return fields


async def _find_duplicate(
    session: AsyncSession, workspace_id: uuid.UUID, email: str | None, phone: str | None
) -> Contact | None:
    conditions = []
    if email:
        conditions.append(Contact.email == email.lower())
    if phone:
        conditions.append(Contact.phone_number == phone)
    if not conditions:
        return None
    return await session.scalar(
        select(Contact)
        .where(Contact.workspace_id == workspace_id, or_(*conditions))
        .order_by(Contact.created_at)
        .limit(1)
    )


async def emit_status_events(session: AsyncSession, contact: Contact, previous: str | None) -> None:
    """Lead events for a change of `lead_status` from `previous` to the contact's current one."""
    current = contact.lead_status
    if current == previous or current is None:
        return
    data = event_data(contact)
    ws, cid = contact.workspace_id, contact.id
    if previous is None:
        await event_service.emit(session, ws, "lead.created", data, contact_id=cid)
    else:
        await event_service.emit(
            session,
            ws,
            "lead.status_changed",
            {**data, "previous_status": previous},
            contact_id=cid,
        )
    if current == "qualified":
        await event_service.emit(session, ws, "lead.qualified", data, contact_id=cid)
    elif current == "booked":
        await event_service.emit(session, ws, "meeting.booked", data, contact_id=cid)


async def create(
    session: AsyncSession,
    auth: AuthContext | None,
    scope: WorkspaceScope,
    data: schemas.ContactCreate,
    upsert: bool = False,
) -> tuple[Contact, bool]:
    """Create a contact, or with `upsert` update the one with the same e-mail or phone.
    Returns the contact and whether it was created."""
    existing = await _find_duplicate(session, scope.workspace_id, data.email, data.phone_number)
    if existing is not None:
        if not upsert:
            raise Conflict(
                "A contact with this e-mail or phone number exists; "
                "update it, or send ?upsert=true",
                "CONTACT_EXISTS",
                details={"id": str(existing.id)},
            )
        return await _update(session, auth, existing, schemas.ContactUpdate(**_given(data))), False
    contact = Contact(workspace_id=scope.workspace_id, tags=[], extra={})
    apply_fields(contact, data)
    session.add(contact)
    await session.flush()
    await event_service.emit(
        session, contact.workspace_id, "contact.created", event_data(contact), contact_id=contact.id
    )
    await emit_status_events(session, contact, None)
    if auth is not None:
        await audit_service.record(session, auth, "contact.create", "contact", contact.id)
    return contact, True


def _given(data: schemas.ContactFields) -> dict[str, Any]:
    return {f: getattr(data, f) for f in data.model_fields_set}


def _filtered(
    stmt: Select[Any],
    dialect: str,
    search_query: str | None,
    lead_status: str | None,
    tag: str | None,
) -> Select[Any]:
    if search_query:
        words = search.query_words(search_query)
        if words:
            stmt = stmt.where(search.match_clause(dialect, words))
    if lead_status:
        stmt = stmt.where(Contact.lead_status == lead_status)
    if tag:
        stmt = stmt.where(tag_clause(dialect, tag))
    return stmt


def tag_clause(dialect: str, tag: str, table: str = "contacts") -> TextClause:
    """Rows of `table` whose JSON `tags` list holds `tag`."""
    if dialect == "postgresql":
        return text(f"{table}.tags @> CAST(:fd_tag AS jsonb)").bindparams(fd_tag=json.dumps([tag]))
    return text(
        f"EXISTS (SELECT 1 FROM json_each({table}.tags) WHERE json_each.value = :fd_tag)"
    ).bindparams(fd_tag=tag)


def list_statement(
    scope: WorkspaceScope,
    dialect: str,
    search_query: str | None = None,
    lead_status: str | None = None,
    tag: str | None = None,
) -> Select[Any]:
    stmt = scope.apply(select(Contact), Contact)
    stmt = _filtered(stmt, dialect, search_query, lead_status, tag)
    return stmt.order_by(Contact.created_at.desc(), Contact.id)


async def list_contacts(
    session: AsyncSession,
    scope: WorkspaceScope,
    pagination: Pagination,
    search_query: str | None = None,
    lead_status: str | None = None,
    tag: str | None = None,
) -> tuple[list[Contact], int]:
    dialect = session.get_bind().dialect.name
    stmt = list_statement(scope, dialect, search_query, lead_status, tag)
    if not search_query:
        return await paginate(session, stmt, pagination)
    # A search scans the index once: the page and the number of matches from one query.
    rows = (
        await session.execute(
            stmt.add_columns(func.count().over().label("total"))
            .limit(pagination.limit)
            .offset(pagination.offset)
        )
    ).all()
    if rows:
        return [row[0] for row in rows], int(rows[0].total)
    if pagination.offset == 0:
        return [], 0
    return await paginate(session, stmt, pagination)  # past the end: count on its own


async def get(session: AsyncSession, scope: WorkspaceScope, contact_id: uuid.UUID) -> Contact:
    contact = await scope.get(session, Contact, contact_id, "contact")
    return contact


async def _update(
    session: AsyncSession,
    auth: AuthContext | None,
    contact: Contact,
    data: schemas.ContactUpdate,
) -> Contact:
    new_email = data.email.lower() if data.email else None
    clash = await _find_duplicate(
        session,
        contact.workspace_id,
        new_email if "email" in data.model_fields_set and new_email != contact.email else None,
        data.phone_number
        if "phone_number" in data.model_fields_set and data.phone_number != contact.phone_number
        else None,
    )
    if clash is not None and clash.id != contact.id:
        raise Conflict(
            "Another contact has this e-mail or phone number",
            "CONTACT_EXISTS",
            details={"id": str(clash.id)},
        )
    previous_status = contact.lead_status
    fields = apply_fields(contact, data)
    await session.flush()
    await emit_status_events(session, contact, previous_status)
    if auth is not None:
        await audit_service.record(
            session, auth, "contact.update", "contact", contact.id, {"fields": sorted(fields)}
        )
    return contact


async def update_system(
    session: AsyncSession, contact: Contact, data: schemas.ContactUpdate
) -> Contact:
    """An update made by Frontdesk itself (lead fields from a conversation), not by a person."""
    return await _update(session, None, contact, data)


async def update(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    contact_id: uuid.UUID,
    data: schemas.ContactUpdate,
) -> Contact:
    return await _update(session, auth, await get(session, scope, contact_id), data)


async def delete(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, contact_id: uuid.UUID
) -> None:
    """Delete the contact; its deals stay, unlinked. See gdpr.erase to remove everything."""
    contact = await get(session, scope, contact_id)
    await session.delete(contact)
    await session.flush()
    await audit_service.record(session, auth, "contact.delete", "contact", contact_id)


async def for_phones(
    session: AsyncSession, workspace_id: uuid.UUID, people: list[tuple[str, str | None]]
) -> dict[str, Contact]:
    """The workspace's contact for each (phone, name); a number nobody has becomes a new lead
    (one insert and one event insert for all of them)."""
    phones = list(dict.fromkeys(phone for phone, _ in people))
    found: dict[str, Contact] = {}
    for offset in range(0, len(phones), 500):
        rows = await session.scalars(
            select(Contact)
            .where(
                Contact.workspace_id == workspace_id,
                Contact.phone_number.in_(phones[offset : offset + 500]),
            )
            .order_by(Contact.created_at)
        )
        for contact in rows.all():
            found.setdefault(contact.phone_number or "", contact)
    now = get_clock().now()
    created: list[Contact] = []
    for phone, name in people:
        if phone in found:
            continue
        contact = Contact(
            id=uuid.uuid4(),
            workspace_id=workspace_id,
            tags=[],
            extra={},
            created_at=now,
            updated_at=now,
        )
        apply_fields(
            contact, schemas.ContactCreate(phone_number=phone, name=name, lead_status="new")
        )
        found[phone] = contact
        created.append(contact)
    if created:
        session.add_all(created)
        await session.flush()
        events: list[tuple[str, dict[str, Any], uuid.UUID | None]] = []
        for contact in created:
            payload = event_data(contact)
            events += [
                ("contact.created", payload, contact.id),
                ("lead.created", payload, contact.id),
            ]
        await event_service.emit_many(session, workspace_id, events)
    return found


async def unify(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    email: str | None = None,
    phone: str | None = None,
    name: str | None = None,
) -> Contact | None:
    """The one contact of a person across channels: the one with this e-mail, else the one
    with this phone number, given what it lacked (an e-mail or number nobody else has, a
    name); a new lead when neither is known. None without an e-mail or a number."""
    if not email and not phone:
        return None
    email = email.lower() if email else None

    async def having(column: Any, value: str | None) -> Contact | None:
        if not value:
            return None
        return await session.scalar(
            select(Contact)
            .where(Contact.workspace_id == workspace_id, column == value)
            .order_by(Contact.created_at)
            .limit(1)
        )

    by_email = await having(Contact.email, email)
    by_phone = await having(Contact.phone_number, phone)
    contact = by_email or by_phone
    if contact is None:
        contact = Contact(workspace_id=workspace_id, tags=[], extra={})
        apply_fields(
            contact,
            schemas.ContactCreate(email=email, phone_number=phone, name=name, lead_status="new"),
        )
        session.add(contact)
        await session.flush()
        payload = event_data(contact)
        await event_service.emit_many(
            session,
            workspace_id,
            [("contact.created", payload, contact.id), ("lead.created", payload, contact.id)],
        )
        return contact
    missing: dict[str, Any] = {}
    if email and not contact.email and by_email is None:
        missing["email"] = email
    if phone and not contact.phone_number and by_phone is None:
        missing["phone_number"] = phone
    if name and not contact.name:
        missing["name"] = name
    if missing:
        await _update(session, None, contact, schemas.ContactUpdate(**missing))
    return contact
