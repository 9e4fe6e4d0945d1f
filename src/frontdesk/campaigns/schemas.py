from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from frontdesk.kit.phone import PhoneNumber
from frontdesk.kit.schemas import Input, Schema
from frontdesk.tenancy.schemas import TimeZone

Status = Literal["draft", "active", "paused", "completed", "cancelled"]
RecipientStatus = Literal[
    "pending",
    "calling",
    "completed",
    "no_answer",
    "busy",
    "voicemail",
    "failed",
    "cancelled",
    "skipped",
]
Retryable = Literal["no_answer", "busy", "voicemail"]
HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["09:00"])]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
MAX_RECIPIENTS_PER_REQUEST = 10_000


class CallingHours(Input):
    """When recipients may be called, in their own time zone (or the campaign's)."""

    start: HHMM = "09:00"
    end: HHMM = "18:00"
    days: Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1, max_length=7)] = [
        1,
        2,
        3,
        4,
        5,
    ]

    @model_validator(mode="after")
    def _ordered(self) -> CallingHours:
        if self.start >= self.end:
            raise ValueError("calling_hours.start must be before calling_hours.end")
        return self


class Retry(Input):
    max_attempts: Annotated[int, Field(ge=1, le=10)] = 1
    retry_after_minutes: Annotated[float, Field(ge=0, le=7 * 24 * 60)] = 60
    on: list[Retryable] = ["no_answer", "busy"]


class Recipients(Input):
    """Who to call: numbers, a phone book's entries, contacts (together, duplicates removed)."""

    phone_numbers: (
        Annotated[list[PhoneNumber], Field(max_length=MAX_RECIPIENTS_PER_REQUEST)] | None
    ) = None
    phonebook_id: uuid.UUID | None = None
    contact_ids: Annotated[list[uuid.UUID], Field(max_length=MAX_RECIPIENTS_PER_REQUEST)] | None = (
        None
    )


class CampaignFields(Input):
    start_time: datetime | None = None
    end_time: datetime | None = None
    calling_hours: CallingHours | None = None
    timezone: TimeZone | None = None
    max_concurrent_calls: Annotated[int, Field(ge=1, le=1000)] | None = None
    retry: Retry | None = None
    from_number: PhoneNumber | None = None
    custom_variables: dict[str, str | int | float | bool] | None = None

    @field_validator("start_time", "end_time")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2026-01-31T09:00:00Z")
        return value

    @model_validator(mode="after")
    def _window(self) -> CampaignFields:
        if self.start_time and self.end_time and self.start_time >= self.end_time:
            raise ValueError("start_time must be before end_time")
        return self


class CampaignCreate(CampaignFields, Recipients):
    name: Name
    agent_id: uuid.UUID


class CampaignUpdate(CampaignFields):
    name: Name | None = None
    agent_id: uuid.UUID | None = None


class Campaign(Schema):
    id: uuid.UUID
    name: str
    agent_id: uuid.UUID | None
    status: Status
    from_number: str | None
    start_time: datetime | None
    end_time: datetime | None
    calling_hours: CallingHours | None
    timezone: str
    max_concurrent_calls: int
    retry: Retry
    custom_variables: dict[str, Any]
    recipient_count: int
    launched_at: datetime | None
    paused_at: datetime | None
    completed_at: datetime | None
    cancelled_at: datetime | None
    created_at: datetime
    updated_at: datetime


class Recipient(Schema):
    id: uuid.UUID
    phone_number: str
    name: str | None
    contact_id: uuid.UUID | None
    timezone: str
    status: RecipientStatus
    attempts: int
    next_attempt_at: datetime | None
    last_call_id: uuid.UUID | None
    last_outcome: str | None


class RecipientsAdded(Schema):
    added: int
    duplicates: int
    recipient_count: int


class Stats(Schema):
    campaign_id: uuid.UUID
    status: Status
    recipients: int
    by_status: dict[str, int]
    attempts: int
    calls: int
    calls_by_status: dict[str, int]
    in_flight: int
    completion_rate: float = Field(description="Recipients with a final outcome, of all")
    answer_rate: float = Field(description="Recipients reached (call completed), of all")
