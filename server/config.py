"""Server settings, read from ``CHALLENGE_*`` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("change-challenge", appauthor=False))


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{default_data_dir() / 'challenge.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHALLENGE_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    token_lifetime_hours: float = Field(default=24 * 30, gt=0)
    # Empty means anyone may register; otherwise e.g. "nhs.net,nhs.uk".
    allowed_email_domains: Annotated[list[str], NoDecode] = Field(default_factory=list)
    flag_threshold: int = Field(default=3, ge=1)
    # Failed sign-ins allowed per email address in the window, then 429.
    login_failures_per_email: int = Field(default=5, ge=1)
    # Sign-in and registration attempts allowed per client address in the window.
    auth_attempts_per_ip: int = Field(default=30, ge=1)
    auth_window_seconds: int = Field(default=300, ge=1)
    # Argon2id cost; the defaults follow argon2-cffi (RFC 9106 low-memory profile).
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=64)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024)
    idempotency_hours: float = Field(default=24, gt=0)
    # Database connections per worker: requests beyond it wait for one. On PostgreSQL
    # workers x pool_size must stay under the server's max_connections (default 100).
    pool_size: int = Field(default=20, ge=1)
    # How long a worker may reuse a challenge's phases or a checked token before
    # reading them again; a change made through another worker shows within this.
    cache_seconds: float = Field(default=2.0, ge=0, le=60)
    # How long a worker may serve a page of a challenge's submissions from memory
    # (server/pages.py); the worker that handles a change drops that challenge's pages
    # at once, other workers show it within this. 0 turns it off.
    page_cache_seconds: float = Field(default=1.0, ge=0, le=60)

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        # Accept the plain URLs people copy from elsewhere; we only run async drivers.
        for plain, driver in (("postgresql://", "postgresql+asyncpg://"),
                              ("postgres://", "postgresql+asyncpg://"),
                              ("sqlite://", "sqlite+aiosqlite://")):
            if value.startswith(plain):
                return driver + value[len(plain):]
        if not value.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
            raise ValueError("use a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("allowed_email_domains", mode="before")
    @classmethod
    def _split_domains(cls, value: object) -> object:
        if isinstance(value, str):
            return [d.strip().lower().lstrip("@") for d in value.split(",") if d.strip()]
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def database_label(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"
