"""Deals: value, stage and the contact they are with; stage changes are events."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from frontdesk.audit import service as audit_service
from frontdesk.auth.context import AuthContext
from frontdesk.crm import contacts as contact_service
from frontdesk.crm import schemas
from frontdesk.crm.models import DEAL_STAGES, Deal
from frontdesk.events import service as event_service
from frontdesk.kit.pagination import Pagination, paginate
from frontdesk.tenancy.scope import WorkspaceScope


def to_schema(deal: Deal) -> schemas.Deal:
    return schemas.Deal.model_validate(deal)


async def _check_contact(
    session: AsyncSession, scope: WorkspaceScope, contact_id: uuid.UUID | None
) -> None:
    if contact_id is not None:
        await contact_service.get(session, scope, contact_id)


async def create(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, data: schemas.DealCreate
) -> Deal:
    await _check_contact(session, scope, data.contact_id)
    deal = Deal(workspace_id=scope.workspace_id, **data.model_dump())
    session.add(deal)
    await session.flush()
    await audit_service.record(session, auth, "deal.create", "deal", deal.id)
    return deal


async def list_deals(
    session: AsyncSession,
    scope: WorkspaceScope,
    pagination: Pagination,
    stage: str | None = None,
    contact_id: uuid.UUID | None = None,
) -> tuple[list[Deal], int]:
    stmt = scope.apply(select(Deal), Deal)
    if stage:
        stmt = stmt.where(Deal.stage == stage)
    if contact_id:
        stmt = stmt.where(Deal.contact_id == contact_id)
    stmt = stmt.order_by(Deal.created_at.desc(), Deal.id)
    return await paginate(session, stmt, pagination)


async def summary(session: AsyncSession, scope: WorkspaceScope) -> schemas.DealSummary:
    rows = await session.execute(
        scope.apply(
            select(Deal.stage, Deal.currency, func.count(), func.sum(Deal.value)), Deal
        ).group_by(Deal.stage, Deal.currency)
    )
    counts: dict[str, int] = dict.fromkeys(DEAL_STAGES, 0)
    values: dict[str, dict[str, Decimal]] = {s: {} for s in DEAL_STAGES}
    for stage, currency, count, total in rows.all():
        counts[stage] += count
        values[stage][currency] = Decimal(total or 0).quantize(Decimal("0.01"))
    return schemas.DealSummary(
        stages=[
            schemas.StageTotal(stage=s, count=counts[s], value_by_currency=values[s])
            for s in DEAL_STAGES
        ]
    )


async def get(session: AsyncSession, scope: WorkspaceScope, deal_id: uuid.UUID) -> Deal:
    deal = await scope.get(session, Deal, deal_id, "deal")
    return deal


async def update(
    session: AsyncSession,
    auth: AuthContext,
    scope: WorkspaceScope,
    deal_id: uuid.UUID,
    data: schemas.DealUpdate,
) -> Deal:
    deal = await get(session, scope, deal_id)
    if "contact_id" in data.model_fields_set:
        await _check_contact(session, scope, data.contact_id)
    previous_stage = deal.stage
    for field in data.model_fields_set:
        value = getattr(data, field)
        if value is None and field in ("title", "value", "currency", "stage"):
            continue  # required columns: null means "leave as is"
        setattr(deal, field, value.upper() if field == "currency" and value else value)
    await session.flush()
    if deal.stage != previous_stage:
        await event_service.emit(
            session,
            deal.workspace_id,
            "deal.stage_changed",
            {**to_schema(deal).model_dump(mode="json"), "previous_stage": previous_stage},
            contact_id=deal.contact_id,
        )
    await audit_service.record(
        session, auth, "deal.update", "deal", deal.id, {"fields": sorted(data.model_fields_set)}
    )
    return deal


async def delete(
    session: AsyncSession, auth: AuthContext, scope: WorkspaceScope, deal_id: uuid.UUID
) -> None:
    deal = await get(session, scope, deal_id)
    await session.delete(deal)
    await session.flush()
    await audit_service.record(session, auth, "deal.delete", "deal", deal_id)
