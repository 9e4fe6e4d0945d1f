from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, StringConstraints

from frontdesk.kit.schemas import Input, Schema

Channel = Literal["web_chat", "voice", "sms", "api"]
Status = Literal["active", "pending", "ended", "archived"]
SenderType = Literal["user", "agent", "member", "system", "note"]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class ConversationCreate(Input):
    agent_id: uuid.UUID
    channel: Channel = "api"
    # An `api` or `web_chat` channel of the workspace: the conversation is counted in it.
    channel_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    custom_variables: dict[str, str | int | float | bool] | None = None
    metadata: dict[str, Any] | None = None


class Attachment(Input):
    url: Annotated[str, Field(max_length=2048)]
    type: Annotated[str, Field(max_length=100)] | None = None
    name: Annotated[str, Field(max_length=300)] | None = None
    size: Annotated[int, Field(ge=0)] | None = None


class MessageCreate(Input):
    content: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
    ]
    attachments: Annotated[list[Attachment], Field(max_length=10)] | None = None
    sender_type: Literal["user", "member", "note"] = "user"


class Message(Schema):
    id: uuid.UUID
    conversation_id: uuid.UUID
    sender_type: SenderType
    sender_id: uuid.UUID | None
    content: str
    attachments: list[dict[str, Any]]
    ai_metadata: dict[str, Any] | None
    delivery_status: str | None = None
    created_at: datetime


class Conversation(Schema):
    id: uuid.UUID
    agent_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    channel: Channel
    channel_id: uuid.UUID | None
    status: Status
    assignee_id: uuid.UUID | None
    tags: list[str]
    custom_variables: dict[str, Any]
    metadata: dict[str, Any] = Field(validation_alias=AliasChoices("extra", "metadata"))
    executed_actions: list[dict[str, Any]]
    summary: str | None
    sentiment: Literal["positive", "neutral", "negative"] | None = None
    key_phrases: list[str] = []
    analysis: dict[str, Any] | None = None
    rating: int | None = None
    rating_comment: str | None = None
    unread_count: int
    message_count: int
    last_message_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None
    created_at: datetime
    updated_at: datetime


class MessagePreview(Schema):
    id: uuid.UUID
    sender_type: str
    content: str = Field(description="The first 200 characters")
    created_at: datetime


class ContactSummary(Schema):
    id: uuid.UUID
    name: str | None
    email: str | None
    phone_number: str | None


class ConversationListItem(Conversation):
    """A conversation in a list: with its latest message and its contact, so an inbox shows
    rows without a request per row."""

    last_message: MessagePreview | None = None
    contact: ContactSummary | None = None


class ConversationDetail(Conversation):
    messages: list[Message]


class ConversationCreated(ConversationDetail):
    pass


class Exchange(Schema):
    message: Message
    reply: Message | None


class StatusChange(Input):
    status: Status


class TagAdd(Input):
    tag: Tag


class Assign(Input):
    member_id: uuid.UUID | None


class Suggestion(Schema):
    suggestion: str
