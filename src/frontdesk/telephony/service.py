"""The workspace's phone numbers and the agent each routes inbound calls to."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.channels.models import Channel
from frontdesk.errors import Conflict
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.telephony import schemas
from frontdesk.telephony.models import PhoneNumber
from frontdesk.tenancy.scope import WorkspaceScope

SIMULATED_FROM = "+15550100000"  # the caller id of the simulated network


async def caller_id(
    session: AsyncSession, workspace_id: uuid.UUID, provider: str, preferred: str | None
) -> str | None:
    """The number a call or text goes out from: the one preferred (a campaign's, an agent's),
    else the workspace's first; on the simulated network any workspace has one."""
    if preferred:
        return preferred
    first = await session.scalar(
        select(PhoneNumber.phone_number)
        .where(PhoneNumber.workspace_id == workspace_id)
        .order_by(PhoneNumber.created_at)
        .limit(1)
    )
    return first or (SIMULATED_FROM if provider == "simulated" else None)


async def list_numbers(
    session: AsyncSession, scope: WorkspaceScope, pagination: Pagination
) -> tuple[list[PhoneNumber], int]:
    stmt = scope.apply(select(PhoneNumber), PhoneNumber).order_by(PhoneNumber.phone_number)
    return await paginate(session, stmt, pagination)


async def get(session: AsyncSession, scope: WorkspaceScope, number_id: uuid.UUID) -> PhoneNumber:
    number = await scope.get(session, PhoneNumber, number_id, "phone number")
    return number


async def create(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    data: schemas.PhoneNumberCreate,
) -> PhoneNumber:
    taken = await session.scalar(
        select(PhoneNumber.id).where(PhoneNumber.phone_number == data.phone_number)
    )
    if taken is not None:
        raise Conflict(f"{data.phone_number} is already in use", "PHONE_NUMBER_TAKEN")
    number = PhoneNumber(workspace_id=scope.workspace_id, **data.model_dump())
    session.add(number)
    await session.flush()
    await audit_service.record(session, auth, "phone_number.create", "phone_number", number.id)
    return number


async def update(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    number_id: uuid.UUID,
    data: schemas.PhoneNumberUpdate,
) -> PhoneNumber:
    number = await get(session, scope, number_id)
    for field in data.model_fields_set:
        setattr(number, field, getattr(data, field))
    await session.flush()
    await audit_service.record(
        session,
        auth,
        "phone_number.update",
        "phone_number",
        number.id,
        {"fields": sorted(data.model_fields_set)},
    )
    return number


async def delete(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, number_id: uuid.UUID
) -> None:
    number = await get(session, scope, number_id)
    used = (
        await session.scalars(
            select(Channel.type).where(
                Channel.workspace_id == number.workspace_id,
                Channel.phone_number == number.phone_number,
            )
        )
    ).all()
    if used:
        raise Conflict(
            f"{number.phone_number} is the number of the workspace's {' and '.join(sorted(used))} "
            "channel; delete or change the channel first",
            "PHONE_NUMBER_IN_USE",
        )
    await session.delete(number)
    await session.flush()
    await audit_service.record(session, auth, "phone_number.delete", "phone_number", number_id)


async def inventory(
    session: AsyncSession, scope: WorkspaceScope, http: httpx.AsyncClient
) -> list[tuple[str, bool]]:
    """(number, already added) for each number of the workspace's phone network account."""
    from frontdesk.telephony import registry
    from frontdesk.tenancy import service as tenancy_service

    workspace = await tenancy_service.get_workspace(session, scope)
    numbers = await registry.provider_for(workspace, None, http).numbers()
    added = set(
        (
            await session.scalars(
                scope.apply(select(PhoneNumber.phone_number), PhoneNumber).where(
                    PhoneNumber.phone_number.in_(numbers)
                )
            )
        ).all()
    )
    return [(n, n in added) for n in numbers]
