"""Text messages: the log of what went out and came in, and texting a workspace's number on
the simulated phone network."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import BeforeValidator, Field
from sqlalchemy import or_, select

from frontdesk.auth.dependencies import ReadAuth, WriteAuth
from frontdesk.channels import service as channel_service
from frontdesk.channels import sms as sms_channel
from frontdesk.db.session import Session
from frontdesk.errors import AppError
from frontdesk.kit.pagination import Page, PaginationParams, paginate
from frontdesk.kit.phone import PhoneNumber as E164
from frontdesk.kit.schemas import Input, Schema
from frontdesk.telephony.models import SMSMessage
from frontdesk.tenancy import service as tenancy_service
from frontdesk.tenancy.scope import scope_of

router = APIRouter(prefix="/v1/sms-messages", tags=["text messages"])
simulated_router = APIRouter(prefix="/telephony/simulated", tags=["telephony"])


def _plus(value: object) -> object:
    # `?phone_number=+1415...` unencoded arrives as " 1415...": the `+` became a space.
    return "+" + value.strip() if isinstance(value, str) and value.startswith(" ") else value


QueryPhone = Annotated[E164, BeforeValidator(_plus)]

TextStatus = Literal["queued", "sent", "delivered", "undelivered", "failed", "not_sent", "received"]


class Text(Schema):
    id: uuid.UUID
    direction: Literal["inbound", "outbound"]
    from_number: str
    to_number: str
    body: str
    status: TextStatus
    error: str | None
    provider: str
    provider_message_id: str | None
    contact_id: uuid.UUID | None
    conversation_id: uuid.UUID | None
    message_id: uuid.UUID | None
    call_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


@router.get("")
async def list_texts(
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    phone_number: QueryPhone | None = None,
    direction: Literal["inbound", "outbound"] | None = None,
    status_: Annotated[TextStatus | None, Query(alias="status")] = None,
    contact_id: uuid.UUID | None = None,
    conversation_id: uuid.UUID | None = None,
) -> Page[Text]:
    """Texts sent and received, newest first; `phone_number` matches either end."""
    stmt = scope_of(auth).apply(select(SMSMessage), SMSMessage)
    if phone_number:
        stmt = stmt.where(
            or_(SMSMessage.from_number == phone_number, SMSMessage.to_number == phone_number)
        )
    if direction:
        stmt = stmt.where(SMSMessage.direction == direction)
    if status_:
        stmt = stmt.where(SMSMessage.status == status_)
    if contact_id:
        stmt = stmt.where(SMSMessage.contact_id == contact_id)
    if conversation_id:
        stmt = stmt.where(SMSMessage.conversation_id == conversation_id)
    stmt = stmt.order_by(SMSMessage.created_at.desc(), SMSMessage.id)
    items, total = await paginate(session, stmt, pagination)
    return Page.of([Text.model_validate(t) for t in items], total, pagination)


class SimulatedText(Input):
    from_: E164 = Field(alias="from")
    to: E164
    body: Annotated[str, Field(max_length=1600)]


class SimulatedTextResult(Schema):
    sms_id: uuid.UUID
    conversation_id: uuid.UUID | None
    opted: Literal["out", "in"] | None


@simulated_router.post("/sms", status_code=status.HTTP_202_ACCEPTED)
async def simulated_text(
    data: SimulatedText, auth: WriteAuth, session: Session
) -> SimulatedTextResult:
    """Text one of the workspace's numbers from a phone on the simulated network, as a customer
    would: it arrives like Twilio's messaging webhook, and the answer is texted back (see
    `GET /v1/sms-messages?phone_number=`)."""
    scope = scope_of(auth)
    workspace = await tenancy_service.get_workspace(session, scope)
    if workspace.telephony_provider != "simulated":
        raise AppError(
            f"The workspace's numbers are on {workspace.telephony_provider}, not the simulated "
            "network: text them from a phone",
            "SIMULATED_NETWORK_NOT_IN_USE",
            409,
        )
    channel = await channel_service.for_number(session, "sms", data.to)
    if channel is None or channel.workspace_id != workspace.id:
        raise AppError(
            f"{data.to} has no sms channel in this workspace; add one with POST /v1/channels",
            "SMS_CHANNEL_NOT_FOUND",
            404,
        )
    received = await sms_channel.receive(
        session,
        channel,
        data.from_,
        data.body,
        provider="simulated",
        provider_message_id="SMSIM" + uuid.uuid4().hex,
    )
    opted = {"opt_out": "out", "opt_in": "in"}.get(received.keyword or "")
    return SimulatedTextResult(
        sms_id=received.sms.id,
        conversation_id=received.conversation.id if received.conversation else None,
        opted=opted,
    )
