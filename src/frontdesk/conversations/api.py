from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import httpx
import structlog
from fastapi import APIRouter, Query, Request, status
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sse_starlette import EventSourceResponse, ServerSentEvent

from frontdesk.agents import service as agent_service
from frontdesk.auth.context import AuthContext
from frontdesk.auth.dependencies import InboxAuth, ReadAuth
from frontdesk.channels import service as channel_service
from frontdesk.conversations import inbox, schemas
from frontdesk.conversations import service as conversation_service
from frontdesk.conversations.models import Conversation, Message
from frontdesk.crm import contacts as contact_service
from frontdesk.db.session import Session, WriteSession
from frontdesk.engine import turn
from frontdesk.errors import AppError
from frontdesk.kit.pagination import Page, PaginationParams
from frontdesk.kit.times import UTCTime
from frontdesk.tenancy.scope import scope_of

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/v1/conversations", tags=["conversations"])
contact_router = APIRouter(prefix="/v1/contacts", tags=["conversations"])


def _detail(conversation: Conversation, messages: list[Message]) -> schemas.ConversationDetail:
    return schemas.ConversationDetail(
        **conversation_service.to_schema(conversation).model_dump(),
        messages=[conversation_service.message_schema(m) for m in messages],
    )


@router.get("")
async def list_conversations(
    auth: ReadAuth,
    session: Session,
    pagination: PaginationParams,
    status_: Annotated[schemas.Status | None, Query(alias="status")] = None,
    channel: Annotated[schemas.Channel | None, Query()] = None,
    channel_id: uuid.UUID | None = None,
    agent_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
    assignee_id: uuid.UUID | None = None,
    tag: Annotated[str | None, Query(max_length=50)] = None,
    search: Annotated[str | None, Query(max_length=200)] = None,
    start_date: UTCTime | None = None,
    end_date: UTCTime | None = None,
) -> Page[schemas.ConversationListItem]:
    """List conversations, newest first; `search` looks inside messages. Each carries its
    latest message (`last_message`, the first 200 characters) and its `contact`."""
    items, total = await inbox.list_conversations(
        session,
        scope_of(auth),
        pagination,
        status=status_,
        channel=channel,
        channel_id=channel_id,
        agent_id=agent_id,
        contact_id=contact_id,
        assignee_id=assignee_id,
        tag=tag,
        start_date=start_date,
        end_date=end_date,
        search=search,
    )
    return Page.of(await inbox.list_items(session, items), total, pagination)


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_conversation(
    data: schemas.ConversationCreate, auth: InboxAuth, session: Session
) -> schemas.ConversationDetail:
    """Start a conversation with an agent; its greeting is the first message. With
    `channel_id` (an `api` or `web_chat` channel) it is counted in that channel."""
    if data.channel in NETWORK_CHANNELS or data.channel_id is not None:
        await _check_startable(session, auth, data)
    conversation, messages = await conversation_service.create(session, auth, scope_of(auth), data)
    return _detail(conversation, messages)


# Conversations that phone networks start: a text or a call comes in (or a call goes out).
NETWORK_CHANNELS = ("sms", "voice")


async def _check_startable(
    session: AsyncSession, auth: AuthContext, data: schemas.ConversationCreate
) -> None:
    if data.channel in NETWORK_CHANNELS:
        raise AppError(
            f"A {data.channel} conversation starts when a text or call comes in (or with "
            "POST /v1/calls); the API starts api and web_chat conversations",
            "CHANNEL_NOT_STARTABLE",
            409,
        )
    assert data.channel_id is not None
    channel = await channel_service.get(session, scope_of(auth), data.channel_id)
    if channel.type in NETWORK_CHANNELS:
        raise AppError(
            f"Channel {channel.id} is a {channel.type} channel; its conversations start when a "
            "text or call comes in",
            "CHANNEL_NOT_STARTABLE",
            409,
        )
    if channel.agent_id != data.agent_id:
        raise AppError(
            f"Channel {channel.id} is answered by agent {channel.agent_id}, not {data.agent_id}",
            "CHANNEL_AGENT_MISMATCH",
            409,
        )


@router.get("/{conversation_id}")
async def get_conversation(
    conversation_id: uuid.UUID, auth: ReadAuth, session: WriteSession
) -> schemas.ConversationDetail:
    """A conversation with its messages; reading it as a member clears `unread_count`."""
    conversation, messages = await conversation_service.read(
        session, auth, scope_of(auth), conversation_id
    )
    return _detail(conversation, messages)


@router.get("/{conversation_id}/messages")
async def list_messages(
    conversation_id: uuid.UUID, auth: ReadAuth, session: Session, pagination: PaginationParams
) -> Page[schemas.Message]:
    """The conversation's messages, oldest first."""
    conversation = await conversation_service.get(session, scope_of(auth), conversation_id)
    items, total = await conversation_service.page_of_messages(session, conversation.id, pagination)
    return Page.of([conversation_service.message_schema(m) for m in items], total, pagination)


def wants_stream(request: Request) -> bool:
    return "text/event-stream" in request.headers.get("accept", "")


async def reply_events(
    maker: async_sessionmaker[AsyncSession],
    http: httpx.AsyncClient,
    storing: asyncio.Future[tuple[Conversation, schemas.Message]],
    prepared: turn.Prepared | AppError | None,
) -> AsyncIterator[ServerSentEvent]:
    """SSE: the customer's message once stored, the reply's tokens, then `done` with the stored
    reply (or `error`). The model was asked before the stream started: the message is stored
    while it reads the prompt."""
    try:
        try:
            # Shielded: a client that goes away does not take the customer's message with it.
            conversation, customer = await asyncio.shield(storing)
        except Exception:
            yield _error_event(
                AppError(
                    "The message could not be stored; send it again", "MESSAGE_NOT_STORED", 503
                )
            )
            return
        yield ServerSentEvent(event="message", data=customer.model_dump_json())
        if prepared is None:
            yield ServerSentEvent(event="done", data=json.dumps({"reply": None}))
            return
        if isinstance(prepared, AppError):
            yield _error_event(prepared)
            return
        async with maker() as session:
            conversation = await turn.adopt(session, conversation, prepared)
            try:
                async for item in turn.generate(session, http, conversation, prepared):
                    if isinstance(item, turn.Token):
                        yield ServerSentEvent(event="token", data=json.dumps({"text": item.text}))
                    else:
                        await conversation_service.finish_reply(
                            session, conversation, item.message, item.ended
                        )
                        await session.commit()
                        reply = conversation_service.message_schema(item.message)
                        yield ServerSentEvent(
                            event="done",
                            data=json.dumps({"reply": reply.model_dump(mode="json")}),
                        )
            except AppError as exc:
                await session.rollback()
                yield _error_event(exc)
    finally:
        if isinstance(prepared, turn.Prepared):
            await turn.close_ahead(prepared)


# Messages being stored: held here so that each finishes even if its stream never runs.
_storing: set[asyncio.Future[tuple[Conversation, schemas.Message]]] = set()


def _store_customer_message(
    maker: async_sessionmaker[AsyncSession], conversation: Conversation, message: Message
) -> asyncio.Future[tuple[Conversation, schemas.Message]]:
    """Store the message in a transaction of its own, starting now: the conversation as it
    then stands, and the message as stored."""

    async def store() -> tuple[Conversation, schemas.Message]:
        async with maker() as session:
            # Read again in the writing transaction (locked on PostgreSQL): the counters are
            # those of the conversation as it is, whatever was added since the request read it.
            current = await session.get_one(
                Conversation, conversation.id, with_for_update=True, populate_existing=True
            )
            await conversation_service.store_customer_message(session, current, message)
            await session.commit()
            return current, conversation_service.message_schema(message)

    task = asyncio.ensure_future(store())
    _storing.add(task)
    task.add_done_callback(_stored)
    return task


def _stored(task: asyncio.Future[tuple[Conversation, schemas.Message]]) -> None:
    _storing.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("customer_message_not_stored", exc_info=task.exception())


def _error_event(exc: AppError) -> ServerSentEvent:
    return ServerSentEvent(
        event="error",
        data=json.dumps({"error": exc.message, "code": exc.code, "details": exc.details}),
    )


async def answer(
    request: Request,
    session: AsyncSession,
    conversation: Conversation,
    data: schemas.MessageCreate,
    linked: agent_service.Linked | None = None,
) -> schemas.Exchange | Response:
    """Take the customer's message and answer it: streamed when the client asks for
    `text/event-stream`, else in the response (the reply is null while a member has the
    conversation)."""
    if wants_stream(request):
        message = conversation_service.customer_message(conversation, data)
        # The turn is read in this transaction and the model asked at once; the stream stores
        # the message meanwhile. A failure to prepare is told in the stream, after the message
        # is stored.
        prepared: turn.Prepared | AppError | None = None
        if conversation_service.can_reply(conversation):
            try:
                prepared = await turn.prepare(
                    session, conversation, incoming=message, linked=linked
                )
            except AppError as exc:
                prepared = exc
        if isinstance(prepared, turn.Prepared):
            turn.ask_ahead(prepared)
        try:
            await session.commit()  # the reads' transaction: the stream writes in its own
        except BaseException:
            if isinstance(prepared, turn.Prepared):
                await turn.close_ahead(prepared)
            raise
        maker = request.app.state.sessionmaker
        storing = _store_customer_message(maker, conversation, message)
        return EventSourceResponse(reply_events(maker, request.app.state.http, storing, prepared))
    stored = await conversation_service.add_customer_message(session, conversation, data)
    reply = None
    if conversation_service.can_reply(conversation):
        async for item in turn.respond(session, request.app.state.http, conversation):
            if isinstance(item, turn.Done):
                await conversation_service.finish_reply(
                    session, conversation, item.message, item.ended
                )
                reply = conversation_service.message_schema(item.message)
    return schemas.Exchange(message=conversation_service.message_schema(stored), reply=reply)


@router.post(
    "/{conversation_id}/messages",
    response_model=schemas.Exchange | schemas.Message,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def post_message(
    conversation_id: uuid.UUID,
    data: schemas.MessageCreate,
    auth: InboxAuth,
    session: Session,
    request: Request,
) -> schemas.Exchange | schemas.Message | Response:
    """As the customer (default): the message and the AI's reply, streamed as SSE with
    `Accept: text/event-stream`. As `member`: a human reply. As `note`: an internal note."""
    scope = scope_of(auth)
    conversation, linked = await conversation_service.get_with_agent(
        session, scope, conversation_id
    )
    if data.sender_type in ("member", "note"):
        note = await conversation_service.add_member_message(session, auth, conversation, data)
        return conversation_service.message_schema(note)
    if conversation.channel in NETWORK_CHANNELS:
        raise AppError(
            f"The customer of a {conversation.channel} conversation speaks through the phone "
            "network; post as `member` to reply or `note` to annotate",
            "CUSTOMER_ON_PHONE_NETWORK",
            409,
        )
    return await answer(request, session, conversation, data, linked)


@router.post("/{conversation_id}/status")
async def set_status(
    conversation_id: uuid.UUID, data: schemas.StatusChange, auth: InboxAuth, session: Session
) -> schemas.Conversation:
    """Change the status: active, pending (waiting for a human), ended, archived."""
    conversation = await conversation_service.set_status(
        session, auth, scope_of(auth), conversation_id, data.status
    )
    return conversation_service.to_schema(conversation)


@router.post("/{conversation_id}/tags")
async def add_tag(
    conversation_id: uuid.UUID, data: schemas.TagAdd, auth: InboxAuth, session: Session
) -> schemas.Conversation:
    """Tag the conversation."""
    conversation = await conversation_service.add_tag(
        session, auth, scope_of(auth), conversation_id, data.tag
    )
    return conversation_service.to_schema(conversation)


@router.delete("/{conversation_id}/tags/{tag}")
async def remove_tag(
    conversation_id: uuid.UUID, tag: str, auth: InboxAuth, session: Session
) -> schemas.Conversation:
    """Remove a tag."""
    conversation = await conversation_service.remove_tag(
        session, auth, scope_of(auth), conversation_id, tag
    )
    return conversation_service.to_schema(conversation)


@router.post("/{conversation_id}/assign")
async def assign(
    conversation_id: uuid.UUID, data: schemas.Assign, auth: InboxAuth, session: Session
) -> schemas.Conversation:
    """Give the conversation to a member (the AI goes quiet), or back to the AI with null."""
    conversation = await conversation_service.assign(
        session, auth, scope_of(auth), conversation_id, data.member_id
    )
    return conversation_service.to_schema(conversation)


@router.get("/{conversation_id}/suggest")
async def suggest(
    conversation_id: uuid.UUID, auth: InboxAuth, session: Session
) -> schemas.Suggestion:
    """An AI-drafted reply for a member to edit and send; nothing is stored."""
    conversation = await conversation_service.get(session, scope_of(auth), conversation_id)
    return schemas.Suggestion(suggestion=await turn.suggest(session, conversation))


@contact_router.get("/{contact_id}/conversations")
async def contact_conversations(
    contact_id: uuid.UUID, auth: ReadAuth, session: Session, pagination: PaginationParams
) -> Page[schemas.Conversation]:
    """A contact's conversations, newest first."""
    scope = scope_of(auth)
    await contact_service.get(session, scope, contact_id)
    items, total = await inbox.list_conversations(session, scope, pagination, contact_id=contact_id)
    return Page.of([conversation_service.to_schema(c) for c in items], total, pagination)
