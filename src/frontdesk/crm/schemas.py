from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, EmailStr, Field, StringConstraints, field_validator

from frontdesk.kit.phone import PhoneNumber
from frontdesk.kit.schemas import Input, Schema

LeadStatus = Literal["new", "qualifying", "qualified", "booked", "disqualified", "nurturing"]
DealStage = Literal["lead", "qualified", "proposal", "negotiation", "won", "lost"]
Text300 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)]
Text150 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=150)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]
Score = Annotated[int, Field(ge=0, le=100)]
MAX_METADATA_BYTES = 16 * 1024


def _bounded_metadata(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is not None and len(json.dumps(value, default=str)) > MAX_METADATA_BYTES:
        raise ValueError(f"metadata is larger than {MAX_METADATA_BYTES} bytes as JSON")
    return value


def _tags(value: list[str] | None) -> list[str] | None:
    return None if value is None else list(dict.fromkeys(value))


class ContactFields(Input):
    name: Text300 | None = None
    first_name: Text150 | None = None
    last_name: Text150 | None = None
    email: EmailStr | None = None
    phone_number: PhoneNumber | None = None
    company_name: Text300 | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] | None = None
    metadata: dict[str, Any] | None = None
    lead_status: LeadStatus | None = None
    qualification_score: Score | None = None

    _metadata = field_validator("metadata")(_bounded_metadata)
    _tag_list = field_validator("tags")(_tags)


class ContactCreate(ContactFields):
    pass


class ContactUpdate(ContactFields):
    pass


class Contact(Schema):
    id: uuid.UUID
    name: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    phone_number: str | None
    company_name: str | None
    tags: list[str]
    metadata: dict[str, Any] = Field(validation_alias=AliasChoices("extra", "metadata"))
    lead_status: LeadStatus | None
    qualification_score: int | None
    sms_opted_out_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class ContactImport(Schema):
    id: uuid.UUID
    status: Literal["pending", "processing", "completed", "failed"]
    filename: str | None
    on_duplicate: Literal["update", "skip"]
    total_rows: int
    created_count: int
    updated_count: int
    skipped_count: int
    failed_count: int
    errors: list[dict[str, Any]]
    error: str | None
    created_at: datetime
    updated_at: datetime


class DealFields(Input):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    value: Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)] = (
        Decimal("0")
    )
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")] = "USD"
    stage: DealStage = "lead"
    probability: Score | None = None
    contact_id: uuid.UUID | None = None
    expected_close_date: date | None = None
    notes: Annotated[str, Field(max_length=10_000)] | None = None

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class DealCreate(DealFields):
    pass


class DealUpdate(Input):
    title: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
        | None
    ) = None
    value: (
        Annotated[Decimal, Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)] | None
    ) = None
    currency: Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")] | None = None
    stage: DealStage | None = None
    probability: Score | None = None
    contact_id: uuid.UUID | None = None
    expected_close_date: date | None = None
    notes: Annotated[str, Field(max_length=10_000)] | None = None


class Deal(Schema):
    id: uuid.UUID
    title: str
    value: Decimal
    currency: str
    stage: DealStage
    probability: int | None
    contact_id: uuid.UUID | None
    expected_close_date: date | None
    notes: str | None
    created_at: datetime
    updated_at: datetime


class StageTotal(Schema):
    stage: DealStage
    count: int
    value_by_currency: dict[str, Decimal]


class DealSummary(Schema):
    stages: list[StageTotal]


class PhonebookCreate(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=2000)] | None = None


class PhonebookEntryCreate(Input):
    phone_number: PhoneNumber
    name: Annotated[str, Field(max_length=200)] | None = None
    transfer_condition: Annotated[str, Field(max_length=2000)] | None = None


class PhonebookEntry(Schema):
    id: uuid.UUID
    phone_number: str
    name: str | None
    transfer_condition: str | None
    created_at: datetime


class Phonebook(Schema):
    id: uuid.UUID
    name: str
    description: str | None
    entries: list[PhonebookEntry] = []
    created_at: datetime
    updated_at: datetime


class MemoryStoreCreate(Input):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=2000)] | None = None


class MemoryStoreUpdate(Input):
    name: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
        | None
    ) = None
    description: Annotated[str, Field(max_length=2000)] | None = None


class MemoryStore(Schema):
    id: uuid.UUID
    name: str
    description: str | None
    contact_ids: list[uuid.UUID] = []
    agent_ids: list[uuid.UUID] = []
    created_at: datetime
    updated_at: datetime


class ContactMemory(Schema):
    memory_store_id: uuid.UUID
    contact_id: uuid.UUID
    memory: str
    updated_at: datetime
