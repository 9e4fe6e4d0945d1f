from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import EmailStr, Field, StringConstraints, field_validator

from frontdesk.kit.phone import PhoneNumber
from frontdesk.kit.schemas import Input, Schema
from frontdesk.tenancy.schemas import TimeZone

CallStatus = Literal[
    "queued",
    "initiated",
    "in_progress",
    "completed",
    "failed",
    "no_answer",
    "busy",
    "hangup_on_voicemail",
    "paused",
]
EndCallReason = Literal[
    "voicemail",
    "human_goodbye",
    "agent_goodbye",
    "human_pick_up_cut_off",
    "max_duration",
    "transferred",
    "error",
    "undefined",
]
Direction = Literal["inbound", "outbound", "web"]
FINAL_STATUSES = ("completed", "failed", "no_answer", "busy", "hangup_on_voicemail")


class Latency(Schema):
    p50_ms: float | None = None
    p95_ms: float | None = None


class Call(Schema):
    id: uuid.UUID
    agent_id: uuid.UUID | None
    campaign_id: uuid.UUID | None
    conversation_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    direction: Direction
    provider: str
    status: CallStatus
    end_call_reason: EndCallReason | None
    end_detail: str | None
    phone_number_from: str | None
    phone_number_to: str | None
    start_time: datetime | None
    end_time: datetime | None
    duration: int | None
    transcript: str | None
    summary: str | None
    sentiment: Literal["positive", "neutral", "negative"] | None
    emotions: list[str]
    key_phrases: list[str]
    executed_actions: list[dict[str, Any]]
    prompt_variables: dict[str, Any]
    recording_url: str | None
    cost: Decimal | None
    cost_breakdown: dict[str, Any]
    latency: Latency
    turns: list[dict[str, Any]]
    metadata: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class Recording(Schema):
    call_id: uuid.UUID
    duration_seconds: float
    format: Literal["wav"]
    size_bytes: int
    download_url: str
    expires_at: datetime
    transcript: str | None
    metadata: dict[str, Any]


class WebCall(Schema):
    call_id: uuid.UUID
    websocket_url: str
    token: str
    expires_at: datetime
    sample_rate: int = 16000


class Voice(Schema):
    voice_id: str
    name: str
    language: str
    gender: str | None
    provider: str


Variable = str | int | float | bool


class CallCreate(Input):
    """An outbound call: dialed as soon as the workspace has a free line."""

    agent_id: uuid.UUID
    phone: PhoneNumber
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    custom_variables: dict[str, Variable] | None = Field(
        default=None,
        description="Values for the prompt's {{variables}}: an object, or a list of {key, value}",
    )
    prompt: Annotated[str, Field(max_length=50_000)] | None = None
    greeting: Annotated[str, Field(max_length=2000)] | None = None
    lead_email: EmailStr | None = None
    lead_timezone: TimeZone | None = None
    from_number: PhoneNumber | None = None

    @field_validator("custom_variables", mode="before")
    @classmethod
    def _pairs(cls, value: Any) -> Any:
        if isinstance(value, list):
            out = {}
            for item in value:
                if not isinstance(item, dict) or "key" not in item or "value" not in item:
                    raise ValueError("each custom variable is an object with key and value")
                out[str(item["key"])] = item["value"]
            return out
        return value


class CallTransfer(Input):
    """Hand a live phone call to another number."""

    phone_number: PhoneNumber = Field(description="Where the call goes, in E.164")
    message: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = (
        Field(default=None, description="A line the agent says to the caller first")
    )


class CallQueued(Schema):
    call_id: uuid.UUID
    status: Literal["queued"] = "queued"
    eta: int = Field(description="Seconds until the call is expected to be dialed")
