from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from frontdesk.kit.phone import PhoneNumber as E164
from frontdesk.kit.schemas import Input, Schema

Provider = Literal["simulated", "twilio"]


class PhoneNumber(Schema):
    id: uuid.UUID
    phone_number: str
    name: str | None
    provider: Provider
    agent_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class PhoneNumberCreate(Input):
    phone_number: E164
    name: Annotated[str, Field(max_length=200)] | None = None
    provider: Provider = "simulated"
    agent_id: uuid.UUID | None = None


class PhoneNumberUpdate(Input):
    name: Annotated[str, Field(max_length=200)] | None = None
    agent_id: uuid.UUID | None = None


class InventoryNumber(Schema):
    phone_number: str
    added: bool
