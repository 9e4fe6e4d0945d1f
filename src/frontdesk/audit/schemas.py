from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from frontdesk.kit.schemas import Schema


class AuditLog(Schema):
    id: uuid.UUID
    workspace_id: uuid.UUID
    actor_type: str
    actor_id: uuid.UUID | None
    action: str
    resource_type: str
    resource_id: str | None
    ip: str | None
    user_agent: str | None
    details: dict[str, Any]
    created_at: datetime
