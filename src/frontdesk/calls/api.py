from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, WebSocket, status
from fastapi.responses import FileResponse, Response

from frontdesk.auth.dependencies import InboxAuth, ReadAuth, authenticate
from frontdesk.auth.security import decode_call_token, verify_path
from frontdesk.calls import drain, live, outbound, schemas
from frontdesk.calls import service as call_service
from frontdesk.calls.models import Call
from frontdesk.db.session import Session
from frontdesk.errors import AppError, NotFound, PermissionDenied, Unauthenticated
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.kit.phone import PhoneNumber
from frontdesk.storage.base import ObjectNotFound
from frontdesk.storage.http import object_response
from frontdesk.storage.service import get_storage
from frontdesk.telephony import registry
from frontdesk.tenancy import service as tenancy_service
from frontdesk.tenancy.roles import Role
from frontdesk.tenancy.scope import scope_of
from frontdesk.voice import providers
from frontdesk.voice.transports.browser import BrowserTransport

router = APIRouter(prefix="/v1/calls", tags=["calls"])
agent_router = APIRouter(prefix="/v1/agents", tags=["calls"])
web_router = APIRouter(prefix="/v1/web-calls", tags=["calls"])
voices_router = APIRouter(prefix="/v1/voices", tags=["calls"])


@router.get("")
async def list_calls(
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    agent_id: uuid.UUID | None = None,
    campaign_id: uuid.UUID | None = None,
    status: Annotated[schemas.CallStatus | None, Query()] = None,
    phone_number: Annotated[PhoneNumber | None, Query()] = None,
    direction: Annotated[schemas.Direction | None, Query()] = None,
    start_date: datetime | None = None,
    end_date: datetime | None = None,
) -> Page[schemas.Call]:
    """List calls, newest first."""
    items, total = await call_service.list_calls(
        session,
        scope_of(auth),
        pagination,
        agent_id=agent_id,
        campaign_id=campaign_id,
        status=status,
        phone_number=phone_number,
        direction=direction,
        start_date=start_date,
        end_date=end_date,
    )
    return Page.of([call_service.to_schema(c) for c in items], total, pagination)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_call(
    data: schemas.CallCreate, auth: InboxAuth, session: Session
) -> schemas.CallQueued:
    """Call someone: the call is queued and dialed as soon as the workspace has a free line;
    `prompt` and `greeting` replace the agent's for this call only."""
    call, eta = await outbound.queue_outbound(session, auth, scope_of(auth), data)
    return schemas.CallQueued(call_id=call.id, eta=eta)


@router.get("/{call_id}")
async def get_call(call_id: uuid.UUID, auth: ReadAuth, session: Session) -> schemas.Call:
    """Get a call: status, transcript, analysis, cost, latency."""
    return call_service.to_schema(await call_service.get(session, scope_of(auth), call_id))


@router.post("/{call_id}/hangup")
async def hang_up_call(
    call_id: uuid.UUID, request: Request, auth: InboxAuth, session: Session
) -> schemas.Call:
    """End a live call (`end_call_reason` `agent_goodbye`)."""
    call = await call_service.request_hangup(session, auth, scope_of(auth), call_id)
    await live.hang_up(request.app.state.broker, call.id)
    return call_service.to_schema(call)


@router.post("/{call_id}/transfer", status_code=status.HTTP_202_ACCEPTED)
async def transfer_call(
    call_id: uuid.UUID,
    body: schemas.CallTransfer,
    request: Request,
    auth: InboxAuth,
    session: Session,
) -> schemas.Call:
    """Hand a live phone call to another number (a person), after an optional line from the
    agent. Accepted: the call ends with `end_call_reason` `transferred` once the network has it."""
    call = await call_service.request_transfer(
        session, auth, scope_of(auth), call_id, body.phone_number
    )
    await session.commit()
    await live.transfer(request.app.state.broker, call.id, body.phone_number, body.message)
    return call_service.to_schema(call)


@router.get("/{call_id}/recording")
async def get_recording(call_id: uuid.UUID, auth: ReadAuth, session: Session) -> schemas.Recording:
    """The call's recording: a signed download link that expires, and the transcript."""
    call = await call_service.get(session, scope_of(auth), call_id)
    await call_service.recording_of(call)
    url, expires_at = call_service.signed_download_url(call)
    return schemas.Recording(
        call_id=call.id,
        duration_seconds=call.recording_seconds or 0.0,
        format="wav",
        size_bytes=call.recording_bytes or 0,
        download_url=url,
        expires_at=expires_at,
        transcript=call.transcript,
        metadata={"channels": {"left": "caller", "right": "agent"}, "sample_width_bits": 16},
    )


@router.get(
    "/{call_id}/recording/download",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}}},
)
async def download_recording(
    call_id: uuid.UUID,
    request: Request,
    session: Session,
    expires: int | None = None,
    signature: Annotated[str | None, Query(max_length=128)] = None,
) -> Response:
    """The recording as a stereo WAV (caller left, agent right). Either authenticated, or with
    the `expires` and `signature` of a link from `GET /v1/calls/{id}/recording`."""
    if signature is not None or expires is not None:
        if expires is None or signature is None:
            raise Unauthenticated("A signed link needs both expires and signature")
        if not verify_path(call_service.download_path(call_id), expires, signature):
            raise Unauthenticated(
                "This download link is invalid or has expired; ask for a new one",
                "AUTH_TOKEN_EXPIRED",
            )
        call = await session.get(Call, call_id)
        if call is None:
            raise NotFound("call")
    else:
        auth = await authenticate(request, session)
        if not auth.role.at_least(Role.viewer):
            raise PermissionDenied("This needs the viewer role or higher")
        call = await call_service.get(session, scope_of(auth), call_id)
    key = call_service.recording_key(call)
    if key is None:
        raise NotFound("recording")
    try:
        return await object_response(
            request, get_storage(), key, media_type="audio/wav", filename=f"call-{call.id}.wav"
        )
    except ObjectNotFound:
        raise NotFound("recording") from None


@agent_router.post("/{agent_id}/web-call", status_code=status.HTTP_201_CREATED)
async def start_web_call(
    agent_id: uuid.UUID, request: Request, auth: InboxAuth, session: Session
) -> schemas.WebCall:
    """Start a browser voice session with the agent: connect to `websocket_url` with `token`.
    503 `SERVER_DRAINING` while this process shuts down (another one takes the call)."""
    drain.refuse_new_calls()
    call, token, expires_at = await call_service.start_web_call(
        session, auth, scope_of(auth), agent_id
    )
    return schemas.WebCall(
        call_id=call.id,
        websocket_url=f"{registry.websocket_base()}/v1/web-calls/{call.id}?token={token}",
        token=token,
        expires_at=expires_at,
    )


@web_router.websocket("/{call_id}")
async def web_call_socket(websocket: WebSocket, call_id: uuid.UUID, token: str = "") -> None:
    """A browser's audio: 16 kHz PCM16 both ways, JSON events from the server. A refused
    connection is accepted and closed at once with a code saying why (4401 bad token, 4403
    token for another call, 4409 the call has already run), so the page can tell."""
    await websocket.accept()
    try:
        claims = decode_call_token(token)
    except AppError:
        await websocket.close(code=4401, reason="invalid or expired token")
        return
    if claims.call_id != call_id:
        await websocket.close(code=4403, reason="the token is for another call")
        return
    state = websocket.app.state
    async with state.sessionmaker() as session:
        call = await session.get(Call, call_id)
        if call is None or call.status != "initiated":
            await websocket.close(code=4409, reason="this call has already run")
            return
    transport = BrowserTransport(websocket)
    await live.run_call(state, call_id, transport, transport.run)


@voices_router.get("")
async def list_voices(request: Request, auth: ReadAuth, session: Session) -> list[schemas.Voice]:
    """The text-to-speech voices available to this workspace's agents."""
    workspace = await tenancy_service.get_workspace(session, scope_of(auth))
    keys = providers.ProviderKeys(**tenancy_service.voice_keys(workspace))
    voices = await providers.list_voices(keys, request.app.state.http)
    return [schemas.Voice.model_validate(v, from_attributes=True) for v in voices]
