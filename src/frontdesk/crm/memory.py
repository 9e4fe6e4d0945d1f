"""Memory stores: what agents remember about a contact between conversations.

The conversation engine calls `read_for_contact` before a conversation and `append` after it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.crm import contacts as contact_service
from frontdesk.crm import schemas
from frontdesk.crm.models import MemoryStore, MemoryStoreAgent, MemoryStoreContact
from frontdesk.errors import NotFound
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.tenancy.scope import WorkspaceScope

MAX_MEMORY_CHARS = 20_000


async def to_schema(session: AsyncSession, store: MemoryStore) -> schemas.MemoryStore:
    contacts = await session.scalars(
        select(MemoryStoreContact.contact_id).where(MemoryStoreContact.memory_store_id == store.id)
    )
    agents = await session.scalars(
        select(MemoryStoreAgent.agent_id).where(MemoryStoreAgent.memory_store_id == store.id)
    )
    return schemas.MemoryStore(
        id=store.id,
        name=store.name,
        description=store.description,
        contact_ids=list(contacts.all()),
        agent_ids=list(agents.all()),
        created_at=store.created_at,
        updated_at=store.updated_at,
    )


async def create(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, data: schemas.MemoryStoreCreate
) -> MemoryStore:
    store = MemoryStore(workspace_id=scope.workspace_id, **data.model_dump())
    session.add(store)
    await session.flush()
    await audit_service.record(session, auth, "memory_store.create", "memory_store", store.id)
    return store


async def list_stores(
    session: AsyncSession, scope: WorkspaceScope, pagination: Pagination
) -> tuple[list[MemoryStore], int]:
    stmt = scope.apply(select(MemoryStore), MemoryStore).order_by(MemoryStore.name, MemoryStore.id)
    return await paginate(session, stmt, pagination)


async def get(session: AsyncSession, scope: WorkspaceScope, store_id: uuid.UUID) -> MemoryStore:
    store = await scope.get(session, MemoryStore, store_id, "memory store")
    return store


async def update(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    store_id: uuid.UUID,
    data: schemas.MemoryStoreUpdate,
) -> MemoryStore:
    store = await get(session, scope, store_id)
    if data.name is not None:
        store.name = data.name
    if "description" in data.model_fields_set:
        store.description = data.description
    await session.flush()
    await audit_service.record(session, auth, "memory_store.update", "memory_store", store.id)
    return store


async def delete(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, store_id: uuid.UUID
) -> None:
    store = await get(session, scope, store_id)
    await session.delete(store)
    await session.flush()
    await audit_service.record(session, auth, "memory_store.delete", "memory_store", store_id)


async def _link(
    session: AsyncSession, store_id: uuid.UUID, contact_id: uuid.UUID
) -> MemoryStoreContact | None:
    return await session.scalar(
        select(MemoryStoreContact).where(
            MemoryStoreContact.memory_store_id == store_id,
            MemoryStoreContact.contact_id == contact_id,
        )
    )


async def attach_contact(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    store_id: uuid.UUID,
    contact_id: uuid.UUID,
) -> MemoryStoreContact:
    store = await get(session, scope, store_id)
    contact = await contact_service.get(session, scope, contact_id)
    link = await _link(session, store.id, contact.id)
    if link is None:
        link = MemoryStoreContact(memory_store_id=store.id, contact_id=contact.id, memory="")
        session.add(link)
        await session.flush()
        await audit_service.record(
            session,
            auth,
            "memory_store.attach_contact",
            "memory_store",
            store.id,
            {"contact_id": str(contact.id)},
        )
    return link


async def detach_contact(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    store_id: uuid.UUID,
    contact_id: uuid.UUID,
) -> None:
    store = await get(session, scope, store_id)
    link = await _link(session, store.id, contact_id)
    if link is None:
        raise NotFound("contact in memory store", "CONTACT_NOT_FOUND")
    await session.delete(link)
    await session.flush()
    await audit_service.record(
        session,
        auth,
        "memory_store.detach_contact",
        "memory_store",
        store.id,
        {"contact_id": str(contact_id)},
    )


async def get_memory(
    session: AsyncSession, scope: WorkspaceScope, store_id: uuid.UUID, contact_id: uuid.UUID
) -> MemoryStoreContact:
    store = await get(session, scope, store_id)
    link = await _link(session, store.id, contact_id)
    if link is None:
        raise NotFound("contact in memory store", "CONTACT_NOT_FOUND")
    return link


async def attach_agent(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    store_id: uuid.UUID,
    agent_id: uuid.UUID,
) -> None:
    store = await get(session, scope, store_id)
    exists = await session.scalar(
        select(MemoryStoreAgent.id).where(
            MemoryStoreAgent.memory_store_id == store.id, MemoryStoreAgent.agent_id == agent_id
        )
    )
    if exists is None:
        session.add(MemoryStoreAgent(memory_store_id=store.id, agent_id=agent_id))
        await session.flush()
        await audit_service.record(
            session,
            auth,
            "memory_store.attach_agent",
            "memory_store",
            store.id,
            {"agent_id": str(agent_id)},
        )


async def detach_agent(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    store_id: uuid.UUID,
    agent_id: uuid.UUID,
) -> None:
    store = await get(session, scope, store_id)
    link = await session.scalar(
        select(MemoryStoreAgent).where(
            MemoryStoreAgent.memory_store_id == store.id, MemoryStoreAgent.agent_id == agent_id
        )
    )
    if link is None:
        raise NotFound("agent in memory store", "AGENT_NOT_FOUND")
    await session.delete(link)
    await session.flush()
    await audit_service.record(
        session,
        auth,
        "memory_store.detach_agent",
        "memory_store",
        store.id,
        {"agent_id": str(agent_id)},
    )


async def store_ids_of_agent(session: AsyncSession, agent_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(MemoryStoreAgent.memory_store_id)
        .where(MemoryStoreAgent.agent_id == agent_id)
        .order_by(MemoryStoreAgent.created_at, MemoryStoreAgent.memory_store_id)
    )
    return list(rows.all())


async def set_agent_stores(
    session: AsyncSession, scope: WorkspaceScope, agent_id: uuid.UUID, store_ids: list[uuid.UUID]
) -> None:
    """Make the agent attached to exactly these stores (all of this workspace)."""
    for store_id in store_ids:
        await get(session, scope, store_id)
    current = await session.scalars(
        select(MemoryStoreAgent).where(MemoryStoreAgent.agent_id == agent_id)
    )
    for link in current.all():
        if link.memory_store_id not in store_ids:
            await session.delete(link)
    have = set(await store_ids_of_agent(session, agent_id))
    session.add_all(
        MemoryStoreAgent(memory_store_id=s, agent_id=agent_id) for s in store_ids if s not in have
    )
    await session.flush()


async def read_for_contact(
    session: AsyncSession, scope: WorkspaceScope, agent_id: uuid.UUID, contact_id: uuid.UUID
) -> list[str]:
    """The memories of the contact in every store the agent is attached to."""
    rows = await session.scalars(
        select(MemoryStoreContact.memory)
        .join(MemoryStore, MemoryStore.id == MemoryStoreContact.memory_store_id)
        .join(MemoryStoreAgent, MemoryStoreAgent.memory_store_id == MemoryStore.id)
        .where(
            MemoryStore.workspace_id.in_(scope.workspace_ids),
            MemoryStoreAgent.agent_id == agent_id,
            MemoryStoreContact.contact_id == contact_id,
        )
        .order_by(MemoryStore.name)
    )
    return [m for m in rows.all() if m]


async def append(
    session: AsyncSession,
    scope: WorkspaceScope,
    agent_id: uuid.UUID,
    contact_id: uuid.UUID,
    summary: str,
    when: datetime,
) -> int:
    """Add a dated line to the contact's memory in every store the agent is attached to,
    attaching the contact where needed; the oldest lines go when a memory grows too long."""
    stores = (
        await session.scalars(
            select(MemoryStore)
            .join(MemoryStoreAgent, MemoryStoreAgent.memory_store_id == MemoryStore.id)
            .where(
                MemoryStore.workspace_id.in_(scope.workspace_ids),
                MemoryStoreAgent.agent_id == agent_id,
            )
        )
    ).all()
    line = f"[{when.date().isoformat()}] {' '.join(summary.split())}"
    for store in stores:
        link = await _link(session, store.id, contact_id)
        if link is None:
            link = MemoryStoreContact(memory_store_id=store.id, contact_id=contact_id, memory="")
            session.add(link)
        memory = f"{link.memory}\n{line}".strip()
        while len(memory) > MAX_MEMORY_CHARS and "\n" in memory:
            memory = memory.split("\n", 1)[1]
        link.memory = memory[-MAX_MEMORY_CHARS:]
    await session.flush()
    return len(stores)
