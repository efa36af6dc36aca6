"""The app's idea of now, in one place (snapshot tests pin it)."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
