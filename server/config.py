"""Server settings, read from ``CHALLENGE_*`` environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import Field, field_validator, model_validator
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
    # How people get accounts: "email" (a code mailed to the address completes it, and
    # the answer is the same whether or not the address has an account), "open"
    # (signed in at once; tells anyone which addresses have accounts), "closed" (only
    # `admin create-user`). "auto": email when mail is configured, else open.
    registration: Literal["auto", "email", "open", "closed"] = "auto"
    # Mail: smtp://[user:password@]host[:port] (STARTTLS when offered, required with a
    # password) or smtps://... (TLS from the start); or an outbox directory that gets
    # one .eml file per mail (development, tests).
    smtp_url: str | None = None
    mail_outbox: Path | None = None
    mail_from: str = "Change Challenge <no-reply@localhost>"
    registration_code_minutes: int = Field(default=30, ge=1, le=24 * 60)
    flag_threshold: int = Field(default=3, ge=1)
    # Failed sign-ins for one account from one client address in the window, then 429
    # for that pair only: the account still opens from other addresses.
    login_failures_per_account_and_ip: int = Field(default=5, ge=1)
    # Failed sign-ins for one account from all addresses together: a ceiling against
    # guessing spread over many addresses. Above the per-address figure (checked), so
    # one address cannot reach it and lock the account for everyone.
    login_failures_per_account: int = Field(default=100, ge=2)
    # Sign-in, registration and code attempts allowed per client address in the window.
    auth_attempts_per_ip: int = Field(default=30, ge=1)
    auth_window_seconds: int = Field(default=300, ge=1)
    # Proxies whose X-Forwarded-For names the client (uvicorn's forwarded-allow-ips:
    # addresses or networks, comma-separated, "*" for any). Empty: the header is
    # ignored and the client is the peer of the connection.
    forwarded_allow_ips: str = ""
    # Password hashes computed at once per worker; each holds argon2_memory_kib of
    # memory. 0: the number of CPUs this process may use.
    hash_concurrency: int = Field(default=0, ge=0)
    # Argon2id cost; the defaults follow argon2-cffi (RFC 9106 low-memory profile).
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=64)
    # Room for the largest valid request: a guide entry's 20,000 characters, each sent as
    # a JSON escape of a surrogate pair (12 bytes), with the other fields.
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    idempotency_hours: float = Field(default=24, gt=0)
    # A person's drafts on the server (/me/drafts): the bytes of one draft's value as
    # compact JSON, and how many one person keeps. The largest the app writes: an edit
    # of a guide entry with the text it started from, 2 x 20,000 characters of up to 4
    # bytes in UTF-8 (under the body cap above, which bounds it too).
    draft_max_bytes: int = Field(default=200 * 1024, ge=1024)
    drafts_per_user: int = Field(default=200, ge=1)
    # Database connections per worker: requests beyond it wait for one. On PostgreSQL
    # workers x pool_size must stay under the server's max_connections (default 100).
    pool_size: int = Field(default=20, ge=1)
    # How long a worker may reuse a challenge's phases or a checked token before
    # reading them again. On PostgreSQL every change drops them on every worker at
    # once (server/invalidation.py); on SQLite with several workers, a change made
    # through another worker shows within this.
    cache_seconds: float = Field(default=2.0, ge=0, le=60)
    # How long a worker may serve a page of a challenge's submissions from memory
    # (server/pages.py); a change drops that challenge's pages at once on every worker
    # on PostgreSQL, on SQLite only in the worker that handled it (the others show it
    # within this). 0 turns it off.
    page_cache_seconds: float = Field(default=1.0, ge=0, le=60)
    # Live updates (GET /events). How often each instance looks for events without
    # being told (changes made by the admin CLI, a lost notification), checks its
    # streams' tokens, and a comment keeps an idle stream open through proxies.
    events_poll_seconds: float = Field(default=2.0, gt=0, le=60)
    events_check_seconds: float = Field(default=5.0, gt=0, le=300)
    events_heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    # How often each instance looks whether a ballot log segment is due, besides when
    # the next run of voting ends (server/ballot_publisher.py).
    ballot_publish_seconds: float = Field(default=30.0, gt=0, le=3600)
    # At most one submission.counts event per challenge in this time.
    events_counts_seconds: float = Field(default=1.0, ge=0, le=60)
    # Events waiting for one slow subscriber; past it, it gets a reset and is dropped.
    events_queue_size: int = Field(default=256, ge=2)
    events_streams_per_user: int = Field(default=4, ge=1)
    # Events are kept this long (and at most this many) for resumes with Last-Event-ID;
    # a resume from before them, or with more than events_replay_max to replay, is a reset.
    events_retention_hours: float = Field(default=24, gt=0)
    events_retention_rows: int = Field(default=200_000, ge=1)
    events_replay_max: int = Field(default=5_000, ge=1)

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

    @model_validator(mode="after")
    def _ceiling_above_one_address(self) -> Settings:
        if self.login_failures_per_account <= self.login_failures_per_account_and_ip:
            raise ValueError("login_failures_per_account must be more than "
                             "login_failures_per_account_and_ip, or one address could "
                             "lock an account for everyone")
        return self

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: str | None) -> str | None:
        if value and not value.startswith(("smtp://", "smtps://")):
            raise ValueError("use an smtp:// or smtps:// URL")
        return value or None

    @property
    def registration_mode(self) -> Literal["email", "open", "closed"]:
        if self.registration == "auto":
            return "email" if self.smtp_url or self.mail_outbox else "open"
        return self.registration

    @model_validator(mode="after")
    def _mail_for_email_registration(self) -> Settings:
        if self.registration == "email" and not (self.smtp_url or self.mail_outbox):
            raise ValueError("registration=email needs CHALLENGE_SMTP_URL or "
                             "CHALLENGE_MAIL_OUTBOX")
        return self

    @property
    def hashing_threads(self) -> int:
        if self.hash_concurrency:
            return self.hash_concurrency
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count() or 1

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def database_label(self) -> str:
        return "sqlite" if self.is_sqlite else "postgresql"
