from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from frontdesk.auth.dependencies import ReadAuth, WriteAuth
from frontdesk.campaigns import schemas
from frontdesk.campaigns import service as campaign_service
from frontdesk.db.session import Session
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.tenancy.scope import scope_of

router = APIRouter(prefix="/v1/campaigns", tags=["campaigns"])


@router.get("")
async def list_campaigns(
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    status: Annotated[schemas.Status | None, Query()] = None,
    agent_id: uuid.UUID | None = None,
) -> Page[schemas.Campaign]:
    """List campaigns, newest first."""
    items, total = await campaign_service.list_campaigns(
        session, scope_of(auth), pagination, status, agent_id
    )
    return Page.of([campaign_service.to_schema(c) for c in items], total, pagination)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_campaign(
    data: schemas.CampaignCreate, auth: WriteAuth, session: Session
) -> schemas.Campaign:
    """Create a campaign (a draft) with its recipients: numbers, a phone book, contacts."""
    campaign = await campaign_service.create(session, auth, scope_of(auth), data)
    return campaign_service.to_schema(campaign)


@router.get("/{campaign_id}")
async def get_campaign(
    campaign_id: uuid.UUID, auth: ReadAuth, session: Session
) -> schemas.Campaign:
    """Get a campaign."""
    return campaign_service.to_schema(
        await campaign_service.get(session, scope_of(auth), campaign_id)
    )


@router.patch("/{campaign_id}")
async def update_campaign(
    campaign_id: uuid.UUID, data: schemas.CampaignUpdate, auth: WriteAuth, session: Session
) -> schemas.Campaign:
    """Change a campaign; its agent, number, start and time zone only while it is a draft."""
    campaign = await campaign_service.update_campaign(
        session, auth, scope_of(auth), campaign_id, data
    )
    return campaign_service.to_schema(campaign)


@router.delete("/{campaign_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_campaign(campaign_id: uuid.UUID, auth: WriteAuth, session: Session) -> None:
    """Delete a campaign that is not running (its calls stay in the call log)."""
    await campaign_service.delete(session, auth, scope_of(auth), campaign_id)


@router.post("/{campaign_id}/launch")
async def launch_campaign(
    campaign_id: uuid.UUID, auth: WriteAuth, session: Session
) -> schemas.Campaign:
    """Start calling (409 `CAMPAIGN_CANNOT_LAUNCH` says why not, e.g. no recipients)."""
    return campaign_service.to_schema(
        await campaign_service.launch(session, auth, scope_of(auth), campaign_id)
    )


@router.post("/{campaign_id}/pause")
async def pause_campaign(
    campaign_id: uuid.UUID, auth: WriteAuth, session: Session
) -> schemas.Campaign:
    """Stop dialing new recipients; calls in progress finish."""
    return campaign_service.to_schema(
        await campaign_service.set_state(session, auth, scope_of(auth), campaign_id, "pause")
    )


@router.post("/{campaign_id}/resume")
async def resume_campaign(
    campaign_id: uuid.UUID, auth: WriteAuth, session: Session
) -> schemas.Campaign:
    """Dial again after a pause."""
    return campaign_service.to_schema(
        await campaign_service.set_state(session, auth, scope_of(auth), campaign_id, "resume")
    )


@router.post("/{campaign_id}/cancel")
async def cancel_campaign(
    campaign_id: uuid.UUID, auth: WriteAuth, session: Session
) -> schemas.Campaign:
    """End the campaign: nobody more is called; calls in progress finish."""
    return campaign_service.to_schema(
        await campaign_service.set_state(session, auth, scope_of(auth), campaign_id, "cancel")
    )


@router.get("/{campaign_id}/stats")
async def campaign_stats(campaign_id: uuid.UUID, auth: ReadAuth, session: Session) -> schemas.Stats:
    """Recipients per status, attempts, calls per status, completion rate, calls in flight."""
    campaign = await campaign_service.get(session, scope_of(auth), campaign_id)
    return await campaign_service.stats_of(session, campaign)


@router.get("/{campaign_id}/recipients")
async def list_recipients(
    campaign_id: uuid.UUID,
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    status: Annotated[schemas.RecipientStatus | None, Query()] = None,
) -> Page[schemas.Recipient]:
    """The campaign's recipients with their status and attempts."""
    items, total = await campaign_service.list_recipients(
        session, scope_of(auth), campaign_id, pagination, status
    )
    return Page.of([schemas.Recipient.model_validate(r) for r in items], total, pagination)


@router.post("/{campaign_id}/recipients")
async def add_recipients(
    campaign_id: uuid.UUID, data: schemas.Recipients, auth: WriteAuth, session: Session
) -> schemas.RecipientsAdded:
    """Add recipients (numbers already in the campaign are skipped)."""
    return await campaign_service.add(session, auth, scope_of(auth), campaign_id, data)
