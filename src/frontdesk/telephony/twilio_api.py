"""Twilio's webhooks and Media Streams: the telephony edges (not under /v1, authenticated by
Twilio's request signature, and for the media stream by a token in the stream's parameters)."""

from __future__ import annotations

import uuid
from typing import Any

import structlog
from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import Response
from sqlalchemy import select

from frontdesk.agents.models import Agent
from frontdesk.auth.security import decode_call_token, issue_call_token
from frontdesk.calls import drain, live, progress
from frontdesk.calls import service as call_service
from frontdesk.calls.models import Call
from frontdesk.channels import service as channel_service
from frontdesk.channels import sms as sms_channel
from frontdesk.errors import AppError, PermissionDenied
from frontdesk.kit.phone import InvalidPhoneNumber, to_e164
from frontdesk.telephony import registry, twilio
from frontdesk.telephony import sms as texts
from frontdesk.telephony.models import PhoneNumber, SMSMessage
from frontdesk.tenancy import service as tenancy_service
from frontdesk.tenancy.models import Workspace
from frontdesk.tenancy.scope import system_scope
from frontdesk.voice.transports.twilio import StreamError, TwilioMediaTransport

log = structlog.get_logger("frontdesk.telephony")
router = APIRouter(prefix="/telephony/twilio", tags=["telephony"])
TWIML = "application/xml"


def _public_url(request: Request) -> str:
    base = request.app.state.settings.public_url.rstrip("/")
    query = f"?{request.url.query}" if request.url.query else ""
    return f"{base}{request.url.path}{query}"


def _media_url() -> str:
    return f"{registry.websocket_base()}/telephony/twilio/media"


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(v) for k, v in form.items()}


def _check_signature(request: Request, params: dict[str, str], workspace: Workspace) -> None:
    token = tenancy_service.twilio_auth_token(workspace)
    given = request.headers.get("x-twilio-signature", "")
    if token is None or not twilio.valid_signature(_public_url(request), params, token, given):
        raise PermissionDenied(
            "The Twilio request signature is invalid", "TWILIO_SIGNATURE_INVALID"
        )


@router.post("/voice", response_class=Response)
async def inbound_call(request: Request) -> Response:
    """Twilio's voice webhook: answer with TwiML that streams the call's audio to Frontdesk.
    503 while this process drains, so Twilio tries the number's fallback URL."""
    drain.refuse_new_calls()
    params = await _form(request)
    try:
        to = to_e164(params.get("To", ""))
        caller = to_e164(params["From"]) if params.get("From") else None
    except InvalidPhoneNumber:
        return Response(twilio.reject_twiml(), media_type=TWIML)
    async with request.app.state.sessionmaker() as session:
        number = await session.scalar(select(PhoneNumber).where(PhoneNumber.phone_number == to))
        workspace = await session.get(Workspace, number.workspace_id) if number else None
        if number is None or workspace is None:
            return Response(twilio.reject_twiml(), media_type=TWIML)
        _check_signature(request, params, workspace)
        agent = await session.get(Agent, number.agent_id) if number.agent_id else None
        if agent is None or not agent.enabled:
            return Response(
                twilio.say_and_hang_up("Sorry, this number cannot take calls right now."),
                media_type=TWIML,
            )
        scope = system_scope(workspace.id)
        contact = await call_service.contact_for_phone(session, scope, caller)
        call = await call_service.open_call(
            session,
            scope,
            agent,
            direction="inbound",
            provider="twilio",
            contact=contact,
            phone_from=caller,
            phone_to=to,
            provider_call_id=params.get("CallSid"),
        )
        await session.commit()
    token = issue_call_token(call.id, call.workspace_id, call_service.STREAM_TOKEN_SECONDS)
    twiml = twilio.stream_twiml(_media_url(), {"call_id": str(call.id), "token": token})
    return Response(twiml, media_type=TWIML)


@router.post("/status", response_class=Response, status_code=204)
async def call_status(request: Request, call_id: uuid.UUID | None = None) -> Response:
    """Twilio's status callback: a call that ends without reaching our media stream (busy, no
    answer, failed) gets its final status here. Outbound calls carry `?call_id=`."""
    params = await _form(request)
    sid = params.get("CallSid", "")
    async with request.app.state.sessionmaker() as session:
        if call_id is not None:
            call = await session.get(Call, call_id)
        else:
            call = await session.scalar(
                select(Call).where(Call.provider == "twilio", Call.provider_call_id == sid)
            )
        if call is None:
            return Response(status_code=204)
        workspace = await session.get_one(Workspace, call.workspace_id)
        _check_signature(request, params, workspace)
        if call.provider_call_id is None and sid:
            call.provider_call_id = sid
        status = twilio.STATUSES.get(params.get("CallStatus", ""))
        duration = params.get("CallDuration", "")
        if status is not None:
            await progress.report(
                session, call, status, int(duration) if duration.isdigit() else None
            )
        await session.commit()
    return Response(status_code=204)


@router.websocket("/media")
async def media_stream(websocket: WebSocket) -> None:
    """Twilio Media Streams: the call's audio, both ways."""
    await websocket.accept()
    transport = TwilioMediaTransport(websocket)
    try:
        start = await transport.start()
        claims = decode_call_token(start.parameters.get("token", ""))
        if str(claims.call_id) != start.parameters.get("call_id"):
            raise StreamError("the token is for another call")
    except (StreamError, AppError, ValueError) as exc:
        log.warning("media_stream_refused", reason=str(exc))
        await transport.close()
        return
    await live.run_call(
        websocket.app.state, uuid.UUID(str(claims.call_id)), transport, transport.run
    )


def _media(params: dict[str, str]) -> list[dict[str, Any]]:
    """The pictures or files of an MMS, as attachments (Twilio keeps them behind basic auth)."""
    try:
        count = min(int(params.get("NumMedia", "0") or 0), 10)
    except ValueError:
        count = 0
    return [
        {"url": params[f"MediaUrl{i}"][:2048], "type": params.get(f"MediaContentType{i}")}
        for i in range(count)
        if params.get(f"MediaUrl{i}")
    ]


@router.post("/sms", response_class=Response)
async def inbound_text(request: Request) -> Response:
    """Twilio's messaging webhook: a text to a number with an sms channel joins the sender's
    conversation there (the answer is texted by a job, not in this response)."""
    params = await _form(request)
    try:
        to = to_e164(params.get("To", ""))
        sender = to_e164(params.get("From", ""))
    except InvalidPhoneNumber:
        return Response(twilio.empty_twiml(), media_type=TWIML)
    async with request.app.state.sessionmaker() as session:
        channel = await channel_service.for_number(session, "sms", to)
        if channel is None:
            log.info("text_to_number_without_channel", to=to)
            return Response(twilio.empty_twiml(), media_type=TWIML)
        workspace = await session.get_one(Workspace, channel.workspace_id)
        _check_signature(request, params, workspace)
        await sms_channel.receive(
            session,
            channel,
            sender,
            params.get("Body", "")[: texts.MAX_BODY],
            provider="twilio",
            provider_message_id=params.get("MessageSid") or params.get("SmsSid") or None,
            attachments=_media(params),
        )
        await session.commit()
    return Response(twilio.empty_twiml(), media_type=TWIML)


@router.post("/sms/status", response_class=Response, status_code=204)
async def text_status(request: Request, sms_id: uuid.UUID | None = None) -> Response:
    """Twilio's message status callback: sent, delivered, undelivered or failed."""
    params = await _form(request)
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    async with request.app.state.sessionmaker() as session:
        if sms_id is not None:
            sms = await session.get(SMSMessage, sms_id)
        else:
            sms = await session.scalar(
                select(SMSMessage).where(
                    SMSMessage.provider == "twilio", SMSMessage.provider_message_id == sid
                )
            )
        if sms is None:
            return Response(status_code=204)
        workspace = await session.get_one(Workspace, sms.workspace_id)
        _check_signature(request, params, workspace)
        if sms.provider_message_id is None and sid:
            sms.provider_message_id = sid
        status = twilio.TEXT_STATUSES.get(
            params.get("MessageStatus") or params.get("SmsStatus", "")
        )
        if status is not None and status != "received":
            code = params.get("ErrorCode")
            error = f"Twilio error {code} (see https://www.twilio.com/docs/errors/{code})"
            await texts.report_status(session, sms, status, error if code else None)
        await session.commit()
    return Response(status_code=204)
