from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints

from frontdesk.kit.schemas import Input, Schema
from frontdesk.kit.times import UTCTime
from frontdesk.tenancy.roles import Role

Password = Annotated[str, Field(min_length=8, max_length=128)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class RegisterRequest(Input):
    email: EmailStr
    password: Password
    first_name: Name
    last_name: Name
    workspace_name: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None


class User(Schema):
    id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    created_at: datetime


class UserInWorkspace(User):
    workspace_id: uuid.UUID
    role: Role


class LoginRequest(Input):
    email: EmailStr
    password: Annotated[str, Field(min_length=1, max_length=128)]


class TokenPair(Schema):
    token: str
    refresh_token: str
    expires_in: int


class LoginResponse(TokenPair):
    user: UserInWorkspace


class RefreshRequest(Input):
    refresh_token: Annotated[str, Field(min_length=1, max_length=4096)]


class RefreshResponse(Schema):
    token: str
    expires_in: int


class PasswordChange(Input):
    current_password: Annotated[str, Field(min_length=1, max_length=128)]
    new_password: Password


class Me(Schema):
    principal_type: Literal["user", "api_key"]
    id: uuid.UUID | None = Field(description="The user's id; null for an API key")
    email: str | None
    first_name: str | None
    last_name: str | None
    api_key_id: uuid.UUID | None
    workspace_id: uuid.UUID
    role: Role


class ApiKeyCreate(Input):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    role: Role = Field(default=Role.admin, description="At most the creator's role")
    expires_at: UTCTime | None = None


class ApiKey(Schema):
    id: uuid.UUID
    name: str
    prefix: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class ApiKeyCreated(ApiKey):
    key: str = Field(description="The secret; shown only in this response")


class AcceptInvite(Input):
    invite_token: Annotated[str, Field(min_length=1, max_length=200)]
    password: Password
    first_name: Name | None = None
    last_name: Name | None = None
