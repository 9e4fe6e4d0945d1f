from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator

from frontdesk.kit.phone import PhoneNumber
from frontdesk.kit.schemas import Input, Schema
from frontdesk.tenancy.schemas import TimeZone, VoiceDefaults

AgentType = Literal["inbound", "outbound", "widget", "chat"]
Provider = Literal["local", "openai", "anthropic", "scripted"]
Patience = Literal["low", "medium", "high"]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=50_000)]


class ScriptRule(Input):
    """For the `scripted` provider: reply `reply` when the customer's message matches `match`
    (a case-insensitive regular expression); `call` asks for a tool with arguments."""

    match: Annotated[str, Field(max_length=500)] = ".*"
    reply: Annotated[str, Field(max_length=5000)] = ""
    call: Annotated[str, Field(max_length=100)] | None = None
    arguments: dict[str, Any] = Field(default_factory=dict)


class AgentLLMInput(Input):
    provider: Provider = "local"
    model: Annotated[str, Field(max_length=200)] | None = None
    temperature: Annotated[float, Field(ge=0, le=2)] = 0.3
    max_tokens: Annotated[int, Field(ge=1, le=8192)] = 256
    base_url: Annotated[str, Field(max_length=500)] | None = None
    api_key: Annotated[str, Field(min_length=1, max_length=500)] | None = Field(
        default=None, description="For openai/anthropic; write-only, stored encrypted"
    )
    script: Annotated[list[ScriptRule], Field(max_length=100)] | None = None


class AgentLLM(Schema):
    provider: Provider
    model: str | None = None
    temperature: float
    max_tokens: int
    base_url: str | None = None
    api_key_set: bool = False
    script: list[ScriptRule] | None = None


class MaxDuration(Input):
    is_enabled: bool = False
    duration_seconds: Annotated[int, Field(ge=10, le=4 * 3600)] = 1200


class AgentFields(Input):
    description: Annotated[str, Field(max_length=2000)] | None = None
    enabled: bool | None = None
    prompt: LongText | None = None
    greeting_message: Annotated[str, Field(max_length=2000)] | None = None
    language: Annotated[str, Field(min_length=2, max_length=20)] | None = None
    timezone: TimeZone | None = None
    phone_number: PhoneNumber | None = None
    external_webhook_url: Annotated[str, Field(max_length=2048)] | None = None
    is_recording: bool | None = None
    allowed_idle_time_seconds: Annotated[int, Field(ge=1, le=600)] | None = None
    send_user_idle_reminders: bool | None = None
    reminder_after_idle_time_seconds: Annotated[int, Field(ge=1, le=600)] | None = None
    reminder_after_idle_message: Annotated[str, Field(max_length=1000)] | None = None
    min_words_to_interrupt: Annotated[int, Field(ge=0, le=20)] | None = None
    patience_level: Patience | None = None
    custom_variables: dict[str, Any] | None = None
    theme: dict[str, Any] | None = None
    knowledge_base_ids: Annotated[list[uuid.UUID], Field(max_length=50)] | None = None
    action_ids: Annotated[list[uuid.UUID], Field(max_length=50)] | None = None
    memory_store_ids: Annotated[list[uuid.UUID], Field(max_length=20)] | None = None

    @field_validator("custom_variables")
    @classmethod
    def _flat_variables(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        for key, item in value.items():
            if not key.replace("_", "").isalnum() or len(key) > 100:
                raise ValueError(f"variable name '{key}' must be letters, digits and _")
            if isinstance(item, dict | list):
                raise ValueError(f"variable '{key}' must be a string, number or boolean")
        return value


class AgentCreate(AgentFields):
    name: Name
    type: AgentType
    llm: AgentLLMInput | None = None
    voice: VoiceDefaults | None = None
    max_duration: MaxDuration | None = None


# In an update, a nested settings object is a JSON merge patch (RFC 7396) of the agent's: its keys
# are checked once merged, against the same schema as at creation.
SettingsPatch = dict[str, Any]
_MERGED = (
    "Merged into the agent's current object (JSON merge patch): the keys given change, a key set "
    "to null goes back to its default, the others stay; the result is validated as a whole."
)


class AgentUpdate(AgentFields):
    name: Name | None = None
    type: AgentType | None = None
    llm: SettingsPatch | None = Field(default=None, description=_MERGED)
    voice: SettingsPatch | None = Field(default=None, description=_MERGED)
    max_duration: SettingsPatch | None = Field(default=None, description=_MERGED)


class Agent(Schema):
    id: uuid.UUID
    name: str
    description: str | None
    type: AgentType
    enabled: bool
    prompt: str
    greeting_message: str | None
    language: str
    timezone: str | None
    llm: AgentLLM
    voice: VoiceDefaults
    phone_number: str | None
    external_webhook_url: str | None
    is_recording: bool
    max_duration: MaxDuration
    allowed_idle_time_seconds: int
    send_user_idle_reminders: bool
    reminder_after_idle_time_seconds: int
    reminder_after_idle_message: str | None
    min_words_to_interrupt: int
    patience_level: Patience
    custom_variables: dict[str, Any]
    theme: dict[str, Any]
    knowledge_base_ids: list[uuid.UUID]
    action_ids: list[uuid.UUID]
    memory_store_ids: list[uuid.UUID]
    created_at: datetime
    updated_at: datetime


class ActionIds(Input):
    action_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=50)]
