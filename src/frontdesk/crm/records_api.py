"""Deals, phone books and memory stores."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from frontdesk.auth.dependencies import ReadAuth, WriteAuth
from frontdesk.crm import deals as deal_service
from frontdesk.crm import memory as memory_service
from frontdesk.crm import phonebooks as phonebook_service
from frontdesk.crm import schemas
from frontdesk.db.session import Session
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.tenancy.scope import scope_of

deals_router = APIRouter(prefix="/v1/deals", tags=["deals"])
phonebooks_router = APIRouter(prefix="/v1/phonebooks", tags=["phone books"])
memory_router = APIRouter(prefix="/v1/memory-stores", tags=["memory stores"])


@deals_router.get("")
async def list_deals(
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    stage: Annotated[schemas.DealStage | None, Query()] = None,
    contact_id: uuid.UUID | None = None,
) -> Page[schemas.Deal]:
    """List deals, newest first."""
    items, total = await deal_service.list_deals(
        session, scope_of(auth), pagination, stage, contact_id
    )
    return Page.of([deal_service.to_schema(d) for d in items], total, pagination)


@deals_router.get("/summary")
async def deal_summary(auth: ReadAuth, session: Session) -> schemas.DealSummary:
    """Count and total value per stage."""
    return await deal_service.summary(session, scope_of(auth))


@deals_router.post("", status_code=status.HTTP_201_CREATED)
async def create_deal(data: schemas.DealCreate, auth: WriteAuth, session: Session) -> schemas.Deal:
    """Create a deal."""
    return deal_service.to_schema(await deal_service.create(session, auth, scope_of(auth), data))


@deals_router.get("/{deal_id}")
async def get_deal(deal_id: uuid.UUID, auth: ReadAuth, session: Session) -> schemas.Deal:
    """Get a deal."""
    return deal_service.to_schema(await deal_service.get(session, scope_of(auth), deal_id))


@deals_router.patch("/{deal_id}")
async def update_deal(
    deal_id: uuid.UUID, data: schemas.DealUpdate, auth: WriteAuth, session: Session
) -> schemas.Deal:
    """Update a deal; a new stage emits deal.stage_changed."""
    deal = await deal_service.update(session, auth, scope_of(auth), deal_id, data)
    return deal_service.to_schema(deal)


@deals_router.delete("/{deal_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_deal(deal_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Delete a deal."""
    await deal_service.delete(session, auth, scope_of(auth), deal_id)


@phonebooks_router.get("")
async def list_phonebooks(
    auth: ReadAuth, session: Session, pagination: PaginationParams
) -> Page[schemas.Phonebook]:
    """List phone books with their entries."""
    items, total = await phonebook_service.list_phonebooks(session, scope_of(auth), pagination)
    return Page.of(
        [await phonebook_service.to_schema(session, p) for p in items], total, pagination
    )


@phonebooks_router.post("", status_code=status.HTTP_201_CREATED)
async def create_phonebook(
    data: schemas.PhonebookCreate, auth: WriteAuth, session: Session
) -> schemas.Phonebook:
    """Create a phone book."""
    phonebook = await phonebook_service.create(session, auth, scope_of(auth), data)
    return await phonebook_service.to_schema(session, phonebook)


@phonebooks_router.get("/{phonebook_id}")
async def get_phonebook(
    phonebook_id: uuid.UUID, auth: ReadAuth, session: Session
) -> schemas.Phonebook:
    """Get a phone book with its entries."""
    phonebook = await phonebook_service.get(session, scope_of(auth), phonebook_id)
    return await phonebook_service.to_schema(session, phonebook)


@phonebooks_router.delete("/{phonebook_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_phonebook(phonebook_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Delete a phone book and its entries."""
    await phonebook_service.delete(session, auth, scope_of(auth), phonebook_id)


@phonebooks_router.post("/{phonebook_id}/entries", status_code=status.HTTP_201_CREATED)
async def add_phonebook_entry(
    phonebook_id: uuid.UUID,
    data: schemas.PhonebookEntryCreate,
    auth: WriteAuth,
    session: Session,
) -> schemas.PhonebookEntry:
    """Add a number and the condition for transferring to it."""
    entry = await phonebook_service.add_entry(session, auth, scope_of(auth), phonebook_id, data)
    return schemas.PhonebookEntry.model_validate(entry)


@phonebooks_router.delete(
    "/{phonebook_id}/entries/{entry_id}", status_code=status.HTTP_204_NO_CONTENT
)
async def remove_phonebook_entry(
    phonebook_id: uuid.UUID, entry_id: uuid.UUID, auth: WriteAuth, session: Session
) -> None:
    """Remove an entry."""
    await phonebook_service.remove_entry(session, auth, scope_of(auth), phonebook_id, entry_id)


@memory_router.get("")
async def list_memory_stores(
    auth: ReadAuth, session: Session, pagination: PaginationParams
) -> Page[schemas.MemoryStore]:
    """List memory stores."""
    items, total = await memory_service.list_stores(session, scope_of(auth), pagination)
    return Page.of([await memory_service.to_schema(session, s) for s in items], total, pagination)


@memory_router.post("", status_code=status.HTTP_201_CREATED)
async def create_memory_store(
    data: schemas.MemoryStoreCreate, auth: WriteAuth, session: Session
) -> schemas.MemoryStore:
    """Create a memory store."""
    store = await memory_service.create(session, auth, scope_of(auth), data)
    return await memory_service.to_schema(session, store)


@memory_router.get("/{store_id}")
async def get_memory_store(
    store_id: uuid.UUID, auth: ReadAuth, session: Session
) -> schemas.MemoryStore:
    """Get a memory store with its contacts and agents."""
    store = await memory_service.get(session, scope_of(auth), store_id)
    return await memory_service.to_schema(session, store)


@memory_router.patch("/{store_id}")
async def update_memory_store(
    store_id: uuid.UUID, data: schemas.MemoryStoreUpdate, auth: WriteAuth, session: Session
) -> schemas.MemoryStore:
    """Rename or describe a memory store."""
    store = await memory_service.update(session, auth, scope_of(auth), store_id, data)
    return await memory_service.to_schema(session, store)


@memory_router.delete("/{store_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_memory_store(store_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Delete a memory store and what it remembers."""
    await memory_service.delete(session, auth, scope_of(auth), store_id)


@memory_router.post("/{store_id}/contacts/{contact_id}/attach")
async def attach_contact(
    store_id: uuid.UUID, contact_id: uuid.UUID, auth: WriteAuth, session: Session
) -> schemas.ContactMemory:
    """Let the store remember this contact."""
    link = await memory_service.attach_contact(session, auth, scope_of(auth), store_id, contact_id)
    return schemas.ContactMemory.model_validate(link)


@memory_router.post(
    "/{store_id}/contacts/{contact_id}/detach", status_code=status.HTTP_204_NO_CONTENT
)
async def detach_contact(
    store_id: uuid.UUID, contact_id: uuid.UUID, auth: WriteAuth, session: Session
) -> None:
    """Forget this contact in the store."""
    await memory_service.detach_contact(session, auth, scope_of(auth), store_id, contact_id)


@memory_router.get("/{store_id}/contacts/{contact_id}/memory")
async def get_contact_memory(
    store_id: uuid.UUID, contact_id: uuid.UUID, auth: ReadAuth, session: Session
) -> schemas.ContactMemory:
    """What the store remembers about the contact."""
    link = await memory_service.get_memory(session, scope_of(auth), store_id, contact_id)
    return schemas.ContactMemory.model_validate(link)


@memory_router.post("/{store_id}/agents/{agent_id}/attach", status_code=status.HTTP_204_NO_CONTENT)
async def attach_agent(
    store_id: uuid.UUID, agent_id: uuid.UUID, auth: WriteAuth, session: Session
) -> None:
    """Let an agent read and extend this store's memories."""
    await memory_service.attach_agent(session, auth, scope_of(auth), store_id, agent_id)


@memory_router.post("/{store_id}/agents/{agent_id}/detach", status_code=status.HTTP_204_NO_CONTENT)
async def detach_agent(
    store_id: uuid.UUID, agent_id: uuid.UUID, auth: WriteAuth, session: Session
) -> None:
    """Detach an agent from this store."""
    await memory_service.detach_agent(session, auth, scope_of(auth), store_id, agent_id)
