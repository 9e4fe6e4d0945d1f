from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from frontdesk.kit.phone import PhoneNumber
from frontdesk.kit.schemas import Input, Schema

ActionType = Literal[
    "extract_info", "live_transfer", "send_sms", "real_time_booking", "custom_http", "end_call"
]
ToolName = Annotated[str, Field(pattern=r"^[a-zA-Z][a-zA-Z0-9_]{0,63}$")]
Template = Annotated[str, Field(max_length=10_000)]
_HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


class ExtractInfo(Input):
    """Pull one value out of the conversation into `identifier`."""

    identifier: ToolName
    condition: Annotated[str, Field(max_length=1000)] = ""
    kind: Literal["text", "number", "boolean", "choice"] = "text"
    choices: Annotated[list[str], Field(max_length=50)] | None = None
    examples: Annotated[list[str], Field(max_length=20)] | None = None

    @model_validator(mode="after")
    def _choices(self) -> ExtractInfo:
        if self.kind == "choice" and not self.choices:
            raise ValueError("a choice needs choices")
        return self


class LiveTransfer(Input):
    phone_number: PhoneNumber | None = None
    phonebook_id: uuid.UUID | None = None
    transfer_condition: Annotated[str, Field(max_length=1000)] = ""
    message: Annotated[str, Field(max_length=1000)] = "Let me transfer you now."
    timeout_seconds: Annotated[int, Field(ge=5, le=120)] = 30

    @model_validator(mode="after")
    def _target(self) -> LiveTransfer:
        if (self.phone_number is None) == (self.phonebook_id is None):
            raise ValueError("give exactly one of phone_number or phonebook_id")
        return self


class SendSMS(Input):
    phone_number: PhoneNumber | None = Field(
        default=None, description="Recipient; the caller's number when empty"
    )
    message: Template


class Availability(Input):
    days: Annotated[list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1)] = [1, 2, 3, 4, 5]
    start: Annotated[str, Field(pattern=_HHMM)] = "09:00"
    end: Annotated[str, Field(pattern=_HHMM)] = "17:00"


class RealTimeBooking(Input):
    duration_minutes: Annotated[int, Field(ge=5, le=480)] = 30
    timezone: Annotated[str, Field(max_length=64)] = "UTC"
    availability: Availability = Field(default_factory=Availability)
    days_ahead: Annotated[int, Field(ge=1, le=90)] = 14
    condition: Annotated[str, Field(max_length=1000)] = ""


class Variable(Input):
    key: ToolName
    description: Annotated[str, Field(max_length=500)] = ""
    required: bool = True


class CustomHTTP(Input):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    url: Annotated[str, Field(min_length=1, max_length=2048)]
    headers: dict[str, Annotated[str, Field(max_length=2000)]] = Field(default_factory=dict)
    body: Template | None = None
    variables: Annotated[list[Variable], Field(max_length=30)] = Field(default_factory=list)
    failure_timeout: Annotated[float, Field(gt=0, le=60)] = 10
    speech_while_waiting: Annotated[str, Field(max_length=500)] | None = None
    condition: Annotated[str, Field(max_length=1000)] = ""


class EndCall(Input):
    message: Annotated[str, Field(max_length=1000)] = "Thank you, goodbye."
    condition: Annotated[str, Field(max_length=1000)] = ""


CONFIGS: dict[str, type[BaseModel]] = {
    "extract_info": ExtractInfo,
    "live_transfer": LiveTransfer,
    "send_sms": SendSMS,
    "real_time_booking": RealTimeBooking,
    "custom_http": CustomHTTP,
    "end_call": EndCall,
}


def parse_config(type_: str, config: dict[str, Any]) -> BaseModel:
    return CONFIGS[type_].model_validate(config)


class ActionCreate(Input):
    name: ToolName = Field(description="How the agent calls this tool: letters, digits, _")
    type: ActionType
    description: Annotated[str, Field(max_length=2000)] | None = None
    config: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _config(self) -> ActionCreate:
        try:
            self.config = parse_config(self.type, self.config).model_dump(mode="json")
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "config"
            raise ValueError(f"config.{where}: {first['msg']}") from None
        return self


class ActionUpdate(ActionCreate):
    """PUT replaces the action."""


class Action(Schema):
    id: uuid.UUID
    name: str
    type: ActionType
    description: str | None
    config: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class RunVariable(Input):
    key: Annotated[str, Field(max_length=100)]
    value: Annotated[str, Field(max_length=10_000)]


class RunRequest(Input):
    variables: Annotated[list[RunVariable], Field(max_length=100)] = Field(default_factory=list)
    text: Annotated[str, Field(max_length=20_000)] | None = Field(
        default=None, description="For extract_info: the text to extract from"
    )


class RunResult(Schema):
    action_id: uuid.UUID
    name: str
    type: ActionType
    ok: bool
    result: dict[str, Any]
    error: str | None
    duration_ms: float
