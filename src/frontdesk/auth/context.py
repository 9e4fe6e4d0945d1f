"""Who is calling: the principal, the workspace it acts in and its role there."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from frontdesk.tenancy.roles import Role


@dataclass(frozen=True, slots=True)
class AuthContext:
    principal_type: Literal["user", "api_key"]
    principal_id: uuid.UUID
    workspace_id: uuid.UUID
    home_workspace_id: uuid.UUID
    role: Role
    ip: str | None = None
    user_agent: str | None = None

    @property
    def user_id(self) -> uuid.UUID | None:
        return self.principal_id if self.principal_type == "user" else None

    @property
    def api_key_id(self) -> uuid.UUID | None:
        return self.principal_id if self.principal_type == "api_key" else None

    @property
    def rate_limit_key(self) -> str:
        return f"{self.principal_type}:{self.principal_id}"
