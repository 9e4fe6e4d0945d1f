"""Settings from `FRONTDESK_*` environment variables and an optional `.env` file.

The embedded shape needs none of them: SQLite under `FRONTDESK_DATA_DIR`, in-process rate limits and
live events, and a secret key generated into the data directory on first start.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from limits import parse_many
from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from frontdesk.storage.location import parse_storage_url

SECRET_KEY_FILE = "secret_key"


class SettingsError(Exception):
    """A setting has a wrong value; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="FRONTDESK_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("frontdesk-data")
    database_url: str | None = None
    # Database connections per process: the pool (opened as load needs them, then kept), what it
    # may open beyond it (closed again as each is returned), and how long a request waits for one
    # before it is answered 503 `DATABASE_BUSY`. Keep processes x (pool + overflow) under the
    # server's max_connections. No overflow by default: under a steady load beyond the pool,
    # overflow connections are opened and closed for every few requests, which cost PostgreSQL
    # a third of its throughput (docs/benchmarks.md, "Foundation: authenticated read").
    database_pool_size: int = Field(default=30, ge=1, le=500)
    database_max_overflow: int = Field(default=0, ge=0, le=1000)
    database_pool_timeout: float = Field(default=30, gt=0, le=600)
    redis_url: str | None = None
    secret_key: str | None = Field(default=None, min_length=32)
    public_url: str = "http://127.0.0.1:8000"
    allow_private_urls: bool = False

    rate_limit: str = "1000/hour"
    auth_rate_limit: str = "10/minute"
    public_rate_limit: str = "120/minute"  # per client IP on the widget's public routes
    public_agent_rate_limit: str = "600/minute"  # per agent, all visitors together

    log_level: Literal["debug", "info", "warning", "error"] = "info"
    telemetry: bool = False  # FastAPI's OpenTelemetry spans and metrics (needs an OTel SDK)
    log_format: Literal["auto", "json", "console"] = "auto"

    access_token_ttl_seconds: int = Field(default=3600, ge=60, le=7 * 86400)
    refresh_token_ttl_seconds: int = Field(default=30 * 86400, ge=3600, le=365 * 86400)
    invite_ttl_seconds: int = Field(default=7 * 86400, ge=3600)

    # argon2id cost; the defaults follow RFC 9106's second recommended option.
    password_hash_time_cost: int = Field(default=3, ge=1)
    password_hash_memory_kib: int = Field(default=65536, ge=8)

    # Jobs: `serve` runs a worker and the scheduler in-process; `worker` runs them alone.
    embedded_worker: bool = False
    worker_concurrency: int = Field(default=32, ge=1, le=1000)
    worker_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    worker_shutdown_grace_seconds: float = Field(default=10, ge=0, le=600)
    # On SIGTERM, how long live calls may go on before the API process stops anyway.
    drain_seconds: float = Field(default=120, ge=0, le=3600)
    job_lease_seconds: float = Field(default=60, ge=1, le=3600)
    scheduler_interval_seconds: float = Field(default=15, gt=0, le=3600)

    webhook_timeout_seconds: float = Field(default=30, gt=0, le=300)
    webhook_endpoint_concurrency: int = Field(default=4, ge=1, le=100)

    # Voice: how many local transcriptions / syntheses run at once (threads), hosted providers'
    # addresses, and per-minute prices (USD) for a call's cost.
    voice_threads: int = Field(default=2, ge=1, le=64)
    # Calls a workspace has at once when it sets no limit of its own (queued calls wait).
    call_concurrency: int = Field(default=10, ge=1, le=10000)
    twilio_api_url: str = "https://api.twilio.com"
    # The simulated phone network: scenarios per number (a JSON file), see docs/telephony.md.
    simulated_scenarios: Path | None = None
    deepgram_url: str = "wss://api.deepgram.com"
    elevenlabs_url: str = "https://api.elevenlabs.io"
    cartesia_url: str = "https://api.cartesia.ai"
    openai_url: str = "https://api.openai.com/v1"
    voice_prices: dict[str, float] = Field(default_factory=dict)

    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_upload_bytes: int = Field(default=50 * 1024 * 1024, ge=1024)
    # Knowledge documents that are small on the wire but huge to read: a PDF's pages, and a
    # Word file's size once unzipped (a zip bomb), are capped; over either, the source fails.
    max_document_pages: int = Field(default=2000, ge=1)
    max_unpacked_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)

    # Files (call recordings, uploaded documents): the data directory when unset, another
    # directory (file:///path), or an S3-compatible bucket (s3://bucket/optional/prefix) that
    # every API and worker process shares. Credentials fall back to the usual AWS environment
    # variables, profile or instance role when unset.
    storage_url: str | None = None
    s3_endpoint_url: str | None = None  # MinIO, Ceph, R2, ...; unset for AWS itself
    s3_region: str | None = None
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = Field(default=None, validate_default=True)

    @field_validator(
        "rate_limit", "auth_rate_limit", "public_rate_limit", "public_agent_rate_limit"
    )
    @classmethod
    def _valid_limit(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError as exc:
            raise ValueError(f"expected a limit such as '1000/hour' or '10/minute': {exc}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _valid_database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite://"):
            value = "sqlite+aiosqlite://" + value.split("://", 1)[1]
        if not (
            value.startswith("postgresql+asyncpg://") or value.startswith("sqlite+aiosqlite://")
        ):
            raise ValueError("expected a postgresql:// or sqlite:// URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _valid_redis_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("expected a redis:// or rediss:// URL")
        return value

    @field_validator("storage_url")
    @classmethod
    def _valid_storage_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        parse_storage_url(value)  # raises ValueError with what is wrong
        return value

    @field_validator("s3_endpoint_url")
    @classmethod
    def _valid_s3_endpoint(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("http://", "https://")) or not urlsplit(value).hostname:
            raise ValueError("expected an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("s3_secret_access_key")
    @classmethod
    def _s3_keys_in_pairs(cls, value: str | None, info: ValidationInfo) -> str | None:
        value = value or None
        if bool(info.data.get("s3_access_key_id")) != bool(value):
            raise ValueError(
                "set both FRONTDESK_S3_ACCESS_KEY_ID and FRONTDESK_S3_SECRET_ACCESS_KEY, or neither"
            )
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'frontdesk.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def ensure_secret_key(self) -> str:
        """The configured secret key, or one generated once and kept in the data directory."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / SECRET_KEY_FILE
        if path.exists():
            key = path.read_text().strip()
        else:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            key = secrets.token_urlsafe(48)
            path.touch(mode=0o600)
            path.write_text(key)
        self.secret_key = key
        return key


def load_settings() -> Settings:
    """Read settings, turning a wrong value into one line that names the variable."""
    try:
        settings = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        hidden = field in ("secret_key", "s3_secret_access_key")
        shown = "" if hidden else f" (got {first.get('input')!r})"
        raise SettingsError(f"FRONTDESK_{field.upper()}: {first['msg']}{shown}") from None
    settings.ensure_secret_key()
    return settings


@lru_cache
def get_settings() -> Settings:
    return load_settings()
