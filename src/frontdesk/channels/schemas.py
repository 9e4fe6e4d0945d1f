from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints

from frontdesk.channels import origins
from frontdesk.kit.phone import PhoneNumber as E164
from frontdesk.kit.schemas import Input, Schema

ChannelType = Literal["web_chat", "sms", "voice", "api"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _origin(value: str) -> str:
    return origins.normalize(value)


Origin = Annotated[str, StringConstraints(max_length=300), AfterValidator(_origin)]
Color = Annotated[str, StringConstraints(pattern=r"^#(?:[0-9a-fA-F]{3}){1,2}$")]


class Theme(Input):
    """How the widget looks on the channel's sites."""

    color: Color | None = None
    text_color: Color | None = None
    position: Literal["right", "left"] | None = None
    title: Annotated[str, StringConstraints(max_length=80)] | None = None
    launcher_text: Annotated[str, StringConstraints(max_length=40)] | None = None
    placeholder: Annotated[str, StringConstraints(max_length=80)] | None = None


class WebChatConfig(Input):
    allowed_origins: Annotated[list[Origin], Field(min_length=1, max_length=50)]
    theme: Theme = Field(default_factory=Theme)


class PhoneConfig(Input):
    phone_number: E164


class ApiConfig(Input):
    pass


CONFIGS: dict[str, type[Input]] = {
    "web_chat": WebChatConfig,
    "sms": PhoneConfig,
    "voice": PhoneConfig,
    "api": ApiConfig,
}


class ChannelCreate(Input):
    type: ChannelType
    name: Name
    agent_id: uuid.UUID
    config: dict[str, Any] = Field(default_factory=dict)


class ChannelUpdate(Input):
    name: Name | None = None
    agent_id: uuid.UUID | None = None
    config: dict[str, Any] | None = None


class Channel(Schema):
    id: uuid.UUID
    type: ChannelType
    name: str
    agent_id: uuid.UUID
    config: dict[str, Any]
    created_at: datetime
    updated_at: datetime
