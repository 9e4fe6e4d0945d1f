"""The phone network of a workspace, and what an outbound call asks of it."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from frontdesk.auth.security import issue_call_token
from frontdesk.calls.models import Call
from frontdesk.settings import get_settings
from frontdesk.telephony.provider import OutboundCall, TelephonyError, TelephonyProvider
from frontdesk.tenancy import service as tenancy_service
from frontdesk.tenancy.models import Workspace

STREAM_TOKEN_SECONDS = 3600


def websocket_base() -> str:
    """FRONTDESK_PUBLIC_URL as a WebSocket address (wss for https)."""
    base = get_settings().public_url.rstrip("/")
    return "wss" + base[5:] if base.startswith("https") else "ws" + base[4:]


def outbound_request(call: Call) -> OutboundCall:
    base = get_settings().public_url.rstrip("/")
    if not call.phone_number_to or not call.phone_number_from:
        raise TelephonyError("The call has no number to dial from or to", "CALL_NUMBER_MISSING")
    token = issue_call_token(call.id, call.workspace_id, STREAM_TOKEN_SECONDS)
    return OutboundCall(
        to=call.phone_number_to,
        from_=call.phone_number_from,
        stream_url=f"{websocket_base()}/telephony/twilio/media",
        parameters={"call_id": str(call.id), "token": token},
        status_url=f"{base}/telephony/twilio/status?call_id={call.id}",
    )


def provider_for(
    workspace: Workspace,
    sessionmaker: async_sessionmaker[AsyncSession] | None,
    http: httpx.AsyncClient,
) -> TelephonyProvider:
    """The workspace's phone network; `sessionmaker` lets the simulated network report the
    progress of calls it places (not needed to text, hang up or transfer)."""
    settings = get_settings()
    if workspace.telephony_provider == "twilio":
        from frontdesk.telephony.twilio_rest import TwilioProvider

        token = tenancy_service.twilio_auth_token(workspace)
        if not workspace.twilio_account_sid or not token:
            raise TelephonyError(
                "The workspace uses Twilio but has no account SID and auth token",
                "TWILIO_NOT_CONFIGURED",
            )
        return TwilioProvider(
            workspace.twilio_account_sid,
            token,
            http,
            base_url=settings.twilio_api_url,
            allow_private=settings.allow_private_urls,
        )
    from frontdesk.telephony.simulated import SimulatedProvider

    return SimulatedProvider(sessionmaker)
