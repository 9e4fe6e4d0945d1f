from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, EmailStr, Field, StringConstraints, model_validator

from frontdesk.kit.phone import PhoneNumber
from frontdesk.kit.schemas import Input, Schema
from frontdesk.tenancy.roles import Role

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone '{value}'; use an IANA name such as Europe/Berlin"
        ) from None
    return value


TimeZone = Annotated[str, AfterValidator(_timezone)]
WorkspaceName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
]


class Interval(Input):
    start: Annotated[str, Field(pattern=_HHMM.pattern, examples=["09:00"])]
    end: Annotated[str, Field(pattern=_HHMM.pattern, examples=["17:30"])]

    @model_validator(mode="after")
    def _ordered(self) -> Interval:
        if self.start >= self.end:
            raise ValueError("start must be before end")
        return self


class BusinessHours(Input):
    """Opening hours per weekday in the workspace's time zone; a missing day is closed."""

    monday: list[Interval] = []
    tuesday: list[Interval] = []
    wednesday: list[Interval] = []
    thursday: list[Interval] = []
    friday: list[Interval] = []
    saturday: list[Interval] = []
    sunday: list[Interval] = []


LLMProvider = Literal["local", "openai", "anthropic", "scripted"]


class LLMDefaults(Input):
    provider: LLMProvider = "local"
    model: Annotated[str, Field(max_length=200)] | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.3
    max_tokens: Annotated[int, Field(ge=1, le=32768)] = 512
    base_url: Annotated[str, Field(max_length=500)] | None = None


class VoiceDefaults(Input):
    stt_provider: Literal["local", "deepgram", "openai"] = "local"
    tts_provider: Literal["local", "espeak", "elevenlabs", "cartesia", "openai"] = "local"
    voice_id: Annotated[str, Field(max_length=200)] | None = None
    language: Annotated[str, Field(max_length=20)] = "en-US"
    speed: Annotated[float, Field(ge=0.5, le=2)] = 1.0
    volume: Annotated[float, Field(ge=0, le=2)] = 1.0
    initial_pause_seconds: Annotated[float, Field(ge=0, le=10)] = Field(
        default=0.5, description="Silence before the greeting once a call connects"
    )
    end_of_speech_silence_ms: Annotated[int, Field(ge=100, le=5000)] | None = Field(
        default=None, description="Overrides the silence that patience_level sets"
    )
    voicemail_detection: bool | None = Field(
        default=None, description="Hang up on answering machines (default: on for outbound)"
    )


class VoiceProvidersUpdate(Input):
    """Keys for hosted speech providers; write-only, stored encrypted."""

    deepgram_api_key: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    elevenlabs_api_key: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    cartesia_api_key: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    openai_api_key: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    openai_base_url: Annotated[str, Field(max_length=500)] | None = None


class VoiceProviders(Schema):
    deepgram_api_key_set: bool = False
    elevenlabs_api_key_set: bool = False
    cartesia_api_key_set: bool = False
    openai_api_key_set: bool = False
    openai_base_url: str | None = None


class TelephonyUpdate(Input):
    provider: Literal["simulated", "twilio"] | None = None
    twilio_account_sid: Annotated[str, Field(pattern=r"^AC[0-9a-fA-F]{32}$")] | None = None
    twilio_auth_token: Annotated[str, Field(min_length=8, max_length=200)] | None = None


class Telephony(Schema):
    provider: Literal["simulated", "twilio"]
    twilio_account_sid: str | None
    twilio_auth_token_set: bool


class Workspace(Schema):
    id: uuid.UUID
    name: str
    parent_id: uuid.UUID | None
    timezone: str
    business_hours: BusinessHours | None
    llm: LLMDefaults
    voice: VoiceDefaults
    voice_providers: VoiceProviders
    telephony: Telephony
    concurrency: int | None = Field(
        description="Calls at once (an agency's limit covers its subaccounts too)"
    )
    conversation_idle_minutes: int
    created_at: datetime
    updated_at: datetime


_MERGED = (
    "Merged into the workspace's current object (JSON merge patch): the keys given change, a key "
    "set to null goes back to its default, the others stay; the result is validated as a whole."
)


class WorkspaceUpdate(Input):
    name: WorkspaceName | None = None
    timezone: TimeZone | None = None
    business_hours: BusinessHours | None = None
    llm: dict[str, Any] | None = Field(default=None, description=_MERGED)
    voice: dict[str, Any] | None = Field(default=None, description=_MERGED)
    voice_providers: VoiceProvidersUpdate | None = None
    telephony: TelephonyUpdate | None = None
    concurrency: Annotated[int, Field(ge=1, le=10000)] | None = None
    conversation_idle_minutes: Annotated[int, Field(ge=0, le=7 * 24 * 60)] | None = None


class Member(Schema):
    id: uuid.UUID
    workspace_id: uuid.UUID
    user_id: uuid.UUID | None
    email: str
    first_name: str | None
    last_name: str | None
    role: Role
    status: Literal["invited", "active"]
    created_at: datetime


class MemberInvite(Input):
    email: EmailStr
    role: Role = Role.agent


class MemberInvited(Schema):
    member: Member
    invite_token: str


class MemberUpdate(Input):
    role: Role


class SubaccountCreate(Input):
    subaccount_name: WorkspaceName
    user_email: EmailStr | None = None
    concurrency: Annotated[int, Field(ge=1, le=10000)] | None = None
    timezone: TimeZone | None = None
    twilio_account_sid: Annotated[str, Field(pattern=r"^AC[0-9a-fA-F]{32}$")] | None = None
    twilio_auth_token: Annotated[str, Field(min_length=8, max_length=200)] | None = None


class PhoneNumberProducts(Input):
    phone_numbers: list[PhoneNumber] = Field(default_factory=list, max_length=100)


class SubaccountUpdate(Input):
    subaccount_name: WorkspaceName | None = None
    invite_user_email: EmailStr | None = None
    concurrency: Annotated[int, Field(ge=1, le=10000)] | None = None
    twilio_account_sid: Annotated[str, Field(pattern=r"^AC[0-9a-fA-F]{32}$")] | None = None
    twilio_auth_token: Annotated[str, Field(min_length=8, max_length=200)] | None = None
    operation_type: Literal["import", "return"] | None = None
    products: PhoneNumberProducts | None = None

    @model_validator(mode="after")
    def _operation_needs_products(self) -> SubaccountUpdate:
        if (self.operation_type is None) != (self.products is None):
            raise ValueError("operation_type and products go together")
        return self


class Subaccount(Schema):
    subaccount_id: uuid.UUID
    subaccount_name: str
    parent_id: uuid.UUID
    concurrency: int | None
    timezone: str
    twilio_connected: bool
    phone_numbers: list[str] = []
    created_at: datetime


class SubaccountCreated(Subaccount):
    api_key: str = Field(description="An admin API key of the subaccount; shown only here")
    user_email: str | None = None
    invite_token: str | None = None


class SubaccountUpdated(Subaccount):
    invite_user_email: str | None = None
    invite_token: str | None = None
    moved_phone_numbers: list[str] = []
