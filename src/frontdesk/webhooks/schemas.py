from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, field_validator

from frontdesk.events.service import EVENT_TYPES
from frontdesk.kit.schemas import Input, Schema

DeliveryStatus = Literal["pending", "delivered", "retrying", "failed"]


def _valid_events(events: list[str]) -> list[str]:
    unknown = sorted({e for e in events if e != "*" and e not in EVENT_TYPES})
    if unknown:
        raise ValueError(f"unknown events {unknown}; allowed: '*' or {', '.join(EVENT_TYPES)}")
    return sorted(set(events))


class WebhookCreate(Input):
    url: Annotated[str, Field(min_length=1, max_length=2048)]
    events: Annotated[list[str], Field(min_length=1, max_length=100)]
    enabled: bool = True
    description: Annotated[str, Field(max_length=500)] | None = None

    _events = field_validator("events")(_valid_events)


class WebhookUpdate(Input):
    url: Annotated[str, Field(min_length=1, max_length=2048)] | None = None
    events: Annotated[list[str], Field(min_length=1, max_length=100)] | None = None
    enabled: bool | None = None
    description: Annotated[str, Field(max_length=500)] | None = None

    @field_validator("events")
    @classmethod
    def _events(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _valid_events(value)


class Webhook(Schema):
    id: uuid.UUID
    url: str
    events: list[str]
    enabled: bool
    description: str | None
    created_at: datetime
    updated_at: datetime


class WebhookCreated(Webhook):
    secret: str = Field(description="Signs every delivery; shown only in this response")


class Delivery(Schema):
    id: uuid.UUID
    webhook_id: uuid.UUID = Field(validation_alias=AliasChoices("endpoint_id", "webhook_id"))
    event: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    created_at: datetime


class Attempt(Schema):
    number: int
    url: str
    request_headers: dict[str, str]
    status_code: int | None
    response_excerpt: str | None
    duration_ms: float
    error: str | None
    created_at: datetime


class DeliveryDetail(Delivery):
    payload: dict[str, Any]
    attempt_log: list[Attempt]


class TestResult(Schema):
    delivery_id: uuid.UUID
    delivered: bool
    status_code: int | None
    duration_ms: float
    error: str | None
