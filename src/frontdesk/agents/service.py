"""Agents: configuration, and their links to actions, knowledge bases and memory stores."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.actions import service as action_service
from frontdesk.agents import schemas
from frontdesk.agents.models import Agent, AgentLink
from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.crm import memory as memory_service
from frontdesk.errors import NotFound
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.kit.patch import patched
from frontdesk.kit.ssrf import validate_url_field
from frontdesk.settings import get_settings
from frontdesk.tenancy.scope import WorkspaceScope
from frontdesk.tenancy.service import secret_box

_SIMPLE = (
    "name",
    "description",
    "type",
    "enabled",
    "prompt",
    "greeting_message",
    "language",
    "timezone",
    "phone_number",
    "external_webhook_url",
    "is_recording",
    "allowed_idle_time_seconds",
    "send_user_idle_reminders",
    "reminder_after_idle_time_seconds",
    "reminder_after_idle_message",
    "min_words_to_interrupt",
    "patience_level",
    "custom_variables",
    "theme",
)
_EMPTIED_BY_NULL = {"custom_variables", "theme"}
# The other columns that always hold a value: a null for them leaves them as they are.
_REQUIRED = {f for f in _SIMPLE if not Agent.__table__.c[f].nullable} - _EMPTIED_BY_NULL


async def _links(session: AsyncSession, agent_id: uuid.UUID, kind: str) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(AgentLink.target_id)
        .where(AgentLink.agent_id == agent_id, AgentLink.kind == kind)
        .order_by(AgentLink.created_at, AgentLink.target_id)
    )
    return list(rows.all())


@dataclass
class Linked:
    """An agent with what it is attached to by kind (`action`, `knowledge_base`), each in the
    order attached."""

    agent: Agent
    links: dict[str, list[uuid.UUID]]


def linked(rows: Sequence[Any]) -> Linked | None:
    """`Linked` from rows of (agent, link kind, link target) of one agent left-joined to its
    links, or None when there is no agent."""
    if not rows or rows[0][0] is None:
        return None
    links: dict[str, list[uuid.UUID]] = {"action": [], "knowledge_base": []}
    for row in rows:
        kind, target_id = row[-2], row[-1]
        if kind is not None:
            links.setdefault(kind, []).append(target_id)
    return Linked(rows[0][0], links)


# What `linked` reads of each row: select them (after any columns of your own) left-joined to
# the agent's links, ordered by `AgentLink.created_at, AgentLink.target_id`.
WITH_LINKS = (Agent, AgentLink.kind, AgentLink.target_id)


async def with_links(session: AsyncSession, agent_id: uuid.UUID) -> Linked:
    """The agent and its links, in one statement: for a conversation's turn."""
    rows = (
        await session.execute(
            select(*WITH_LINKS)
            .outerjoin(AgentLink, AgentLink.agent_id == Agent.id)
            .where(Agent.id == agent_id)
            .order_by(AgentLink.created_at, AgentLink.target_id)
        )
    ).all()
    found = linked(rows)
    if found is None:
        raise NotFound("agent")
    return found


async def action_ids(session: AsyncSession, agent_id: uuid.UUID) -> list[uuid.UUID]:
    return await _links(session, agent_id, "action")


async def knowledge_base_ids(session: AsyncSession, agent_id: uuid.UUID) -> list[uuid.UUID]:
    return await _links(session, agent_id, "knowledge_base")


async def agents_linked_to(
    session: AsyncSession, kind: str, target_id: uuid.UUID
) -> list[uuid.UUID]:
    rows = await session.scalars(
        select(AgentLink.agent_id)
        .where(AgentLink.kind == kind, AgentLink.target_id == target_id)
        .order_by(AgentLink.created_at, AgentLink.agent_id)
    )
    return list(rows.all())


async def link(session: AsyncSession, agent_id: uuid.UUID, kind: str, target_id: uuid.UUID) -> None:
    """Attach a target to an agent (again is a no-op)."""
    if target_id not in await _links(session, agent_id, kind):
        session.add(AgentLink(agent_id=agent_id, kind=kind, target_id=target_id))
        await session.flush()


async def unlink(
    session: AsyncSession, agent_id: uuid.UUID, kind: str, target_id: uuid.UUID
) -> None:
    await session.execute(
        sql_delete(AgentLink).where(
            AgentLink.agent_id == agent_id, AgentLink.kind == kind, AgentLink.target_id == target_id
        )
    )


async def to_schema(session: AsyncSession, agent: Agent) -> schemas.Agent:
    llm = dict(agent.llm or {})
    llm["api_key_set"] = bool(llm.pop("api_key_encrypted", None))
    return schemas.Agent(
        **{f: getattr(agent, f) for f in _SIMPLE},
        id=agent.id,
        llm=schemas.AgentLLM.model_validate(llm),
        voice=agent.voice or {},
        max_duration=agent.max_duration or {},
        knowledge_base_ids=await knowledge_base_ids(session, agent.id),
        action_ids=await action_ids(session, agent.id),
        memory_store_ids=await memory_service.store_ids_of_agent(session, agent.id),
        created_at=agent.created_at,
        updated_at=agent.updated_at,
    )


def _llm(given: schemas.AgentLLMInput, kept_key: str | None = None) -> dict[str, Any]:
    """What is stored of `llm`: the API key encrypted (a new one, else `kept_key`)."""
    llm = given.model_dump(exclude={"api_key"}, exclude_none=True)
    if llm.get("base_url"):
        # Checked again, with the address resolved, on every connection (kit/ssrf.py).
        validate_url_field(llm["base_url"], "llm.base_url", get_settings().allow_private_urls)
    if given.api_key is not None:
        llm["api_key_encrypted"] = secret_box().encrypt(given.api_key)
    elif kept_key:
        llm["api_key_encrypted"] = kept_key
    return llm


def api_key_of(agent: Agent) -> str | None:
    encrypted = (agent.llm or {}).get("api_key_encrypted")
    return secret_box().decrypt(encrypted) if encrypted else None


async def _set_links(
    session: AsyncSession,
    scope: WorkspaceScope,
    agent: Agent,
    data: schemas.AgentFields,
) -> None:
    fields = data.model_fields_set
    if "action_ids" in fields:
        ids = list(dict.fromkeys(data.action_ids or []))
        await action_service.get_many(session, scope, ids)
        await _replace_links(session, agent.id, "action", ids)
    if "knowledge_base_ids" in fields:
        from frontdesk.knowledge import service as knowledge_service  # it links back to agents

        ids = list(dict.fromkeys(data.knowledge_base_ids or []))
        await knowledge_service.get_many(session, scope, ids)
        await _replace_links(session, agent.id, "knowledge_base", ids)
    if "memory_store_ids" in fields:
        await memory_service.set_agent_stores(
            session, scope, agent.id, list(dict.fromkeys(data.memory_store_ids or []))
        )


async def forget_target(session: AsyncSession, kind: str, target_id: uuid.UUID) -> None:
    """A deleted action or knowledge base leaves every agent."""
    await session.execute(
        sql_delete(AgentLink).where(AgentLink.kind == kind, AgentLink.target_id == target_id)
    )


async def _replace_links(
    session: AsyncSession, agent_id: uuid.UUID, kind: str, ids: list[uuid.UUID]
) -> None:
    await session.execute(
        sql_delete(AgentLink).where(AgentLink.agent_id == agent_id, AgentLink.kind == kind)
    )
    session.add_all(AgentLink(agent_id=agent_id, kind=kind, target_id=i) for i in ids)
    await session.flush()


def _apply(agent: Agent, data: schemas.AgentFields) -> None:
    fields = data.model_fields_set
    if "external_webhook_url" in fields and data.external_webhook_url:
        validate_url_field(
            data.external_webhook_url, "external_webhook_url", get_settings().allow_private_urls
        )
    for field in _SIMPLE:
        if field in fields:
            value = getattr(data, field)
            if value is None and field in _REQUIRED:
                continue
            if value is None and field in _EMPTIED_BY_NULL:
                value = {}
            setattr(agent, field, value)


def _apply_patches(agent: Agent, data: schemas.AgentUpdate) -> None:
    """Merge the update's nested objects into the agent's (a null object changes nothing)."""
    if data.llm is not None:
        llm = patched(schemas.AgentLLMInput, "llm", agent.llm, data.llm)
        # A key given replaces the stored one, a null removes it; without either it stays.
        kept = None if "api_key" in data.llm else (agent.llm or {}).get("api_key_encrypted")
        agent.llm = _llm(llm, kept)
    if data.voice is not None:
        agent.voice = patched(schemas.VoiceDefaults, "voice", agent.voice, data.voice).model_dump()
    if data.max_duration is not None:
        agent.max_duration = patched(
            schemas.MaxDuration, "max_duration", agent.max_duration, data.max_duration
        ).model_dump()


async def create(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, data: schemas.AgentCreate
) -> Agent:
    agent = Agent(
        workspace_id=scope.workspace_id,
        name=data.name,
        type=data.type,
        llm=_llm(data.llm or schemas.AgentLLMInput()),
        voice=(data.voice or schemas.VoiceDefaults()).model_dump(),
        max_duration=(data.max_duration or schemas.MaxDuration()).model_dump(),
        custom_variables={},
        theme={},
    )
    _apply(agent, data)
    session.add(agent)
    await session.flush()
    await _set_links(session, scope, agent, data)
    await audit_service.record(session, auth, "agent.create", "agent", agent.id)
    return agent


async def list_agents(
    session: AsyncSession,
    scope: WorkspaceScope,
    pagination: Pagination,
    search: str | None = None,
    type_: str | None = None,
    enabled: bool | None = None,
) -> tuple[list[Agent], int]:
    stmt = scope.apply(select(Agent), Agent)
    if search:
        pattern = f"%{search.strip().lower()}%"
        stmt = stmt.where(or_(Agent.name.ilike(pattern), Agent.description.ilike(pattern)))
    if type_:
        stmt = stmt.where(Agent.type == type_)
    if enabled is not None:
        stmt = stmt.where(Agent.enabled.is_(enabled))
    return await paginate(session, stmt.order_by(Agent.created_at.desc(), Agent.id), pagination)


async def get_public(session: AsyncSession, agent_id: uuid.UUID) -> Agent:
    """An enabled widget or chat agent, found by id alone (for the public widget routes)."""
    agent = await session.get(Agent, agent_id)
    if agent is None or not agent.enabled or agent.type not in ("widget", "chat"):
        raise NotFound("agent")
    return agent


async def get(session: AsyncSession, scope: WorkspaceScope, agent_id: uuid.UUID) -> Agent:
    return await scope.get(session, Agent, agent_id, "agent")


async def update(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    agent_id: uuid.UUID,
    data: schemas.AgentUpdate,
) -> Agent:
    agent = await get(session, scope, agent_id)
    _apply(agent, data)
    _apply_patches(agent, data)
    await session.flush()
    await _set_links(session, scope, agent, data)
    await audit_service.record(
        session, auth, "agent.update", "agent", agent.id, {"fields": sorted(data.model_fields_set)}
    )
    return agent


async def delete(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, agent_id: uuid.UUID
) -> None:
    agent = await get(session, scope, agent_id)
    await memory_service.set_agent_stores(session, scope, agent.id, [])
    await session.delete(agent)
    await session.flush()
    await audit_service.record(session, auth, "agent.delete", "agent", agent_id)


async def attach_actions(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    agent_id: uuid.UUID,
    ids: list[uuid.UUID],
) -> Agent:
    agent = await get(session, scope, agent_id)
    await action_service.get_many(session, scope, ids)
    current = await action_ids(session, agent.id)
    new = [i for i in dict.fromkeys(ids) if i not in current]
    session.add_all(AgentLink(agent_id=agent.id, kind="action", target_id=i) for i in new)
    await session.flush()
    await audit_service.record(
        session,
        auth,
        "agent.attach_actions",
        "agent",
        agent.id,
        {"action_ids": [str(i) for i in new]},
    )
    return agent


async def detach_action(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    agent_id: uuid.UUID,
    action_id: uuid.UUID,
) -> None:
    agent = await get(session, scope, agent_id)
    link = await session.scalar(
        select(AgentLink).where(
            AgentLink.agent_id == agent.id,
            AgentLink.kind == "action",
            AgentLink.target_id == action_id,
        )
    )
    if link is None:
        raise NotFound("action")
    await session.delete(link)
    await session.flush()
    await audit_service.record(
        session, auth, "agent.detach_action", "agent", agent.id, {"action_id": str(action_id)}
    )
