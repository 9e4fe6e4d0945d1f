"""Password hashing (argon2id) and JWT access/refresh tokens (HS256 only)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

import jwt
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from frontdesk.errors import Unauthenticated
from frontdesk.kit.crypto import constant_time_equals
from frontdesk.settings import Settings, get_settings

ISSUER = "frontdesk"
ALGORITHM = "HS256"
TokenType = Literal["access", "refresh"]


@lru_cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1, type=Type.ID)


def password_hasher(settings: Settings | None = None) -> PasswordHasher:
    s = settings or get_settings()
    return _hasher(s.password_hash_time_cost, s.password_hash_memory_kib)


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return password_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# A hash to verify against when the e-mail is unknown, so both cases take the same time.
@lru_cache
def dummy_hash() -> str:
    return hash_password("not-a-real-password")


@lru_cache
def _signing_key(secret_key: str) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"frontdesk:jwt").derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(derived)


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: uuid.UUID
    workspace_id: uuid.UUID
    version: int
    type: TokenType


def issue_token(
    user_id: uuid.UUID, workspace_id: uuid.UUID, version: int, type: TokenType
) -> tuple[str, int]:
    """A signed token and its lifetime in seconds."""
    settings = get_settings()
    ttl = (
        settings.access_token_ttl_seconds
        if type == "access"
        else settings.refresh_token_ttl_seconds
    )
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": str(user_id),
        "wid": str(workspace_id),
        "ver": version,
        "typ": type,
        "iat": now,
        "exp": now + timedelta(seconds=ttl),
        "jti": uuid.uuid4().hex,
    }
    key = _signing_key(settings.ensure_secret_key())
    return jwt.encode(claims, key, algorithm=ALGORITHM), ttl


def decode_token(token: str, expected: TokenType) -> TokenClaims:
    key = _signing_key(get_settings().ensure_secret_key())
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "wid", "typ", "ver"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated(
            "The token has expired; refresh it or log in again", "AUTH_TOKEN_EXPIRED"
        ) from None
    except jwt.PyJWTError:
        raise Unauthenticated("The token is invalid", "AUTH_TOKEN_INVALID") from None
    if claims.get("typ") != expected:
        raise Unauthenticated(f"Expected an {expected} token", "AUTH_TOKEN_INVALID")
    try:
        return TokenClaims(
            user_id=uuid.UUID(claims["sub"]),
            workspace_id=uuid.UUID(claims["wid"]),
            version=int(claims["ver"]),
            type=expected,
        )
    except (ValueError, TypeError):
        raise Unauthenticated("The token is invalid", "AUTH_TOKEN_INVALID") from None


VISITOR_TTL_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class VisitorClaims:
    conversation_id: uuid.UUID
    workspace_id: uuid.UUID
    agent_id: uuid.UUID


def issue_visitor_token(
    conversation_id: uuid.UUID, workspace_id: uuid.UUID, agent_id: uuid.UUID
) -> str:
    """A token for a website visitor: it reaches this one conversation and nothing else."""
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "typ": "visitor",
        "sub": str(conversation_id),
        "wid": str(workspace_id),
        "aid": str(agent_id),
        "iat": now,
        "exp": now + timedelta(seconds=VISITOR_TTL_SECONDS),
    }
    return jwt.encode(claims, _signing_key(get_settings().ensure_secret_key()), algorithm=ALGORITHM)


def decode_visitor_token(token: str) -> VisitorClaims:
    key = _signing_key(get_settings().ensure_secret_key())
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "wid", "aid", "typ"]},
        )
        if claims["typ"] != "visitor":
            raise jwt.InvalidTokenError("not a visitor token")
        return VisitorClaims(
            uuid.UUID(claims["sub"]), uuid.UUID(claims["wid"]), uuid.UUID(claims["aid"])
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated(
            "The visitor token has expired; start a new conversation", "AUTH_TOKEN_EXPIRED"
        ) from None
    except (jwt.PyJWTError, ValueError, KeyError):
        raise Unauthenticated("The visitor token is invalid", "AUTH_TOKEN_INVALID") from None


@dataclass(frozen=True, slots=True)
class CallClaims:
    call_id: uuid.UUID
    workspace_id: uuid.UUID


def issue_call_token(call_id: uuid.UUID, workspace_id: uuid.UUID, ttl_seconds: int) -> str:
    """A token for one call's audio stream (a browser's WebSocket, a Twilio media stream)."""
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "typ": "call",
        "sub": str(call_id),
        "wid": str(workspace_id),
        "iat": now,
        "exp": now + timedelta(seconds=ttl_seconds),
    }
    return jwt.encode(claims, _signing_key(get_settings().ensure_secret_key()), algorithm=ALGORITHM)


def decode_call_token(token: str) -> CallClaims:
    key = _signing_key(get_settings().ensure_secret_key())
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "wid", "typ"]},
        )
        if claims["typ"] != "call":
            raise jwt.InvalidTokenError("not a call token")
        return CallClaims(uuid.UUID(claims["sub"]), uuid.UUID(claims["wid"]))
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("The call token has expired", "AUTH_TOKEN_EXPIRED") from None
    except (jwt.PyJWTError, ValueError, KeyError):
        raise Unauthenticated("The call token is invalid", "AUTH_TOKEN_INVALID") from None


def _url_key() -> bytes:
    return hmac.new(
        _signing_key(get_settings().ensure_secret_key()), b"frontdesk:signed-url", hashlib.sha256
    ).digest()


def sign_path(path: str, expires: int) -> str:
    """The signature that lets a link to `path` work without credentials until `expires`."""
    return hmac.new(_url_key(), f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()


def verify_path(path: str, expires: int, signature: str) -> bool:
    if expires < int(datetime.now(UTC).timestamp()):
        return False
    return constant_time_equals(sign_path(path, expires), signature)
