from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from frontdesk.kit.schemas import Schema


class Notification(Schema):
    id: uuid.UUID
    type: str
    title: str
    body: str | None
    resource_type: str | None
    resource_id: str | None
    data: dict[str, Any]
    read: bool
    read_at: datetime | None
    created_at: datetime


class UnreadCount(Schema):
    unread_count: int


class ReadAll(Schema):
    updated: int
