"""The website widget's routes: no API key; a visitor token reaches one conversation."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import Response
from pydantic import EmailStr, Field
from sqlalchemy.ext.asyncio import AsyncSession
from sse_starlette import EventSourceResponse, ServerSentEvent

from frontdesk.agents import service as agent_service
from frontdesk.auth import security
from frontdesk.auth.dependencies import client_ip
from frontdesk.channels import origins
from frontdesk.channels import service as channel_service
from frontdesk.channels.models import Channel
from frontdesk.conversations import schemas
from frontdesk.conversations import service as conversation_service
from frontdesk.conversations.api import answer
from frontdesk.crm import contacts as contact_service
from frontdesk.db.session import Session
from frontdesk.errors import NotFound, PermissionDenied, Unauthenticated
from frontdesk.events.live import LiveBroker
from frontdesk.jobs.clock import get_clock
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.kit.phone import PhoneNumber as E164
from frontdesk.kit.ratelimit import RateLimiter, remember
from frontdesk.kit.schemas import Input, Schema
from frontdesk.tenancy.scope import WorkspaceScope, system_scope

router = APIRouter(prefix="/v1/public", tags=["public widget"])
PING_SECONDS = 15


async def per_ip_limit(request: Request) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    state = await limiter.hit(
        request.app.state.settings.public_rate_limit, "public-ip", client_ip(request) or "?"
    )
    remember(request.scope, state)


PublicLimit = Depends(per_ip_limit)


async def _agent_limit(request: Request, agent_id: uuid.UUID) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    await limiter.hit(
        request.app.state.settings.public_agent_rate_limit, "public-agent", str(agent_id)
    )


class PublicAgent(Schema):
    id: uuid.UUID
    name: str
    type: str
    greeting_message: str | None
    language: str
    # The agent's theme, with the web_chat channel's over it (color, position, title,
    # launcher_text, placeholder).
    theme: dict[str, Any]
    launcher_text: str | None = None
    channel_id: uuid.UUID | None = None


class Visitor(Input):
    name: Annotated[str, Field(max_length=200)] | None = None
    email: EmailStr | None = None
    phone_number: E164 | None = None


class PublicConversationCreate(Input):
    agent_id: uuid.UUID
    # The widget's web_chat channel, when the page names one (`data-channel`); else the
    # agent's channel that allows the page's origin.
    channel_id: uuid.UUID | None = None
    visitor: Visitor = Field(default_factory=Visitor)


async def _web_chat(
    session: AsyncSession,
    request: Request,
    response: Response | None,
    agent_id: uuid.UUID,
    channel_id: uuid.UUID | None = None,
) -> Channel | None:
    """The agent's web_chat channel for the page's origin. An agent with web_chat channels
    answers only pages of their allowed origins (403 `ORIGIN_NOT_ALLOWED`); one without any
    answers every site. A request without `Origin` is not a page of another site."""
    channels = await channel_service.web_chat_of(session, agent_id)
    if channel_id is not None:
        channels = [c for c in channels if c.id == channel_id]
        if not channels:
            raise NotFound("web chat channel", "CHANNEL_NOT_FOUND")
    if not channels:
        return None
    origin = request.headers.get("origin")
    if origin is None:
        return channels[0]
    for channel in channels:
        if origins.allows(channel.config.get("allowed_origins", []), origin):
            if response is not None:
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Vary"] = "Origin"
            return channel
    raise PermissionDenied(
        f"This chat does not accept conversations from {origin[:200]}: add it to the allowed "
        "origins of one of the agent's web_chat channels (PATCH /v1/channels/{id})",
        "ORIGIN_NOT_ALLOWED",
    )


class PublicConversation(Schema):
    conversation_id: uuid.UUID
    visitor_token: str
    greeting: str | None


class PublicMessage(Input):
    content: Annotated[str, Field(min_length=1, max_length=5000)]
    attachments: Annotated[list[schemas.Attachment], Field(max_length=10)] | None = None


def _visitor(
    request: Request, conversation_id: uuid.UUID, token: str | None = None
) -> security.VisitorClaims:
    header = request.headers.get("authorization", "")
    raw = header[7:].strip() if header.lower().startswith("bearer ") else token
    if not raw:
        raise Unauthenticated("Send 'Authorization: Bearer <visitor_token>'")
    claims = security.decode_visitor_token(raw)
    if claims.conversation_id != conversation_id:
        raise NotFound("conversation")
    return claims


@router.get("/agents/{agent_id}", dependencies=[PublicLimit])
async def get_public_agent(
    agent_id: uuid.UUID,
    session: Session,
    request: Request,
    response: Response,
    channel_id: uuid.UUID | None = None,
) -> PublicAgent:
    """The public face of a widget or chat agent: name, greeting, theme and launcher text
    (those of its web_chat channel for the page's origin)."""
    agent = await agent_service.get_public(session, agent_id)
    channel = await _web_chat(session, request, response, agent.id, channel_id)
    theme = {**(agent.theme or {}), **((channel.config.get("theme") or {}) if channel else {})}
    return PublicAgent(
        id=agent.id,
        name=agent.name,
        type=agent.type,
        greeting_message=agent.greeting_message,
        language=agent.language,
        theme=theme,
        launcher_text=theme.get("launcher_text"),
        channel_id=channel.id if channel else None,
    )


@router.post("/conversations", status_code=status.HTTP_201_CREATED, dependencies=[PublicLimit])
async def start_public_conversation(
    data: PublicConversationCreate, session: Session, request: Request, response: Response
) -> PublicConversation:
    """Start a conversation as a website visitor; keep the visitor token for the next calls.
    A visitor's e-mail or phone number finds their contact (the same as on calls and texts)."""
    agent = await agent_service.get_public(session, data.agent_id)
    channel = await _web_chat(session, request, response, agent.id, data.channel_id)
    await _agent_limit(request, agent.id)
    scope = system_scope(agent.workspace_id)
    contact = await contact_service.unify(
        session,
        agent.workspace_id,
        email=data.visitor.email,
        phone=data.visitor.phone_number,
        name=data.visitor.name,
    )
    conversation, messages = await conversation_service.create(
        session,
        None,
        scope,
        schemas.ConversationCreate(
            agent_id=agent.id,
            channel="web_chat",
            channel_id=channel.id if channel else None,
            contact_id=contact.id if contact else None,
            metadata={
                "source": "widget",
                "visitor_name": data.visitor.name,
                "origin": request.headers.get("origin"),
            },
        ),
    )
    return PublicConversation(
        conversation_id=conversation.id,
        visitor_token=security.issue_visitor_token(conversation.id, agent.workspace_id, agent.id),
        greeting=messages[0].content if messages else None,
    )


def _scope(claims: security.VisitorClaims) -> WorkspaceScope:
    return system_scope(claims.workspace_id)


@router.get("/conversations/{conversation_id}/messages", dependencies=[PublicLimit])
async def list_public_messages(
    conversation_id: uuid.UUID,
    session: Session,
    request: Request,
    response: Response,
    pagination: PaginationParams,
) -> Page[schemas.Message]:
    """The conversation so far, oldest first, without internal notes."""
    claims = _visitor(request, conversation_id)
    await _web_chat(session, request, response, claims.agent_id)
    conversation = await conversation_service.get(session, _scope(claims), conversation_id)
    items, total = await conversation_service.page_of_messages(
        session, conversation.id, pagination, include_notes=False
    )
    return Page.of([conversation_service.message_schema(m) for m in items], total, pagination)


@router.post(
    "/conversations/{conversation_id}/messages",
    dependencies=[PublicLimit],
    response_model=schemas.Exchange,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def post_public_message(
    conversation_id: uuid.UUID, data: PublicMessage, session: Session, request: Request
) -> schemas.Exchange | Response:
    """Send the visitor's message; the reply comes back as JSON or, with
    `Accept: text/event-stream`, streamed token by token."""
    claims = _visitor(request, conversation_id)
    await _web_chat(session, request, None, claims.agent_id)
    await _agent_limit(request, claims.agent_id)
    scope = _scope(claims)
    conversation, linked = await conversation_service.get_with_agent(
        session, scope, conversation_id
    )
    return await answer(
        request,
        session,
        conversation,
        schemas.MessageCreate(content=data.content, attachments=data.attachments),
        linked,
    )


class Rating(Input):
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, Field(max_length=2000)] | None = None


class Rated(Schema):
    conversation_id: uuid.UUID
    rating: int
    comment: str | None


@router.post("/conversations/{conversation_id}/rating", dependencies=[PublicLimit])
async def rate_conversation(
    conversation_id: uuid.UUID, data: Rating, session: Session, request: Request
) -> Rated:
    """The visitor rates the conversation from 1 to 5 (again: the new rating replaces the old);
    it counts in the satisfaction figures of analytics."""
    claims = _visitor(request, conversation_id)
    await _web_chat(session, request, None, claims.agent_id)
    conversation = await conversation_service.get(session, _scope(claims), conversation_id)
    conversation.rating = data.rating
    conversation.rating_comment = data.comment
    conversation.rated_at = get_clock().now()
    await session.flush()
    return Rated(conversation_id=conversation.id, rating=data.rating, comment=data.comment)


@router.get(
    "/conversations/{conversation_id}/events",
    dependencies=[PublicLimit],
    response_class=EventSourceResponse,
)
async def public_events(
    conversation_id: uuid.UUID,
    request: Request,
    token: Annotated[
        str | None, Query(description="The visitor token (EventSource cannot send headers)")
    ] = None,
) -> EventSourceResponse:
    """New messages of the conversation as they happen (human replies arrive here)."""
    claims = _visitor(request, conversation_id, token)
    broker: LiveBroker = request.app.state.broker
    async with request.app.state.read_sessionmaker() as session:
        await _web_chat(session, request, None, claims.agent_id)
        conversation = await conversation_service.get(session, _scope(claims), conversation_id)
        contact_id = str(conversation.contact_id) if conversation.contact_id else None

    async def events() -> AsyncIterator[ServerSentEvent]:
        async with broker.subscribe(claims.workspace_id) as queue:
            yield ServerSentEvent(
                event="ready", data=json.dumps({"conversation_id": str(conversation_id)})
            )
            while True:
                item = await queue.get()
                data = item.get("data") or {}
                kind = item.get("event")
                if kind in ("lead.qualified", "meeting.booked") and contact_id == data.get("id"):
                    yield ServerSentEvent(event=str(kind), data=json.dumps(data))
                    continue
                if data.get("id") != str(conversation_id):
                    continue
                message = data.get("message") or {}
                # The visitor's own stream already carries the AI's replies: here people's, and
                # what workflows send.
                sent_by = message.get("sender_type")
                by_workflow = (message.get("ai_metadata") or {}).get("kind") == "workflow"
                if kind == "message.sent" and (sent_by == "member" or by_workflow):
                    yield ServerSentEvent(event="message", data=json.dumps(message))
                elif kind == "conversation.ended":
                    yield ServerSentEvent(
                        event="ended", data=json.dumps({"reason": data.get("reason")})
                    )

    return EventSourceResponse(events(), ping=PING_SECONDS)
