"""Sliding-window limits kept in PostgreSQL, shared by every server instance.

A key's row holds the newest ``limit`` event times within the window (an array, so a
row never grows past ``limit + 1``). ``acquire`` is one ``INSERT ... ON CONFLICT DO
UPDATE``: PostgreSQL locks the row, so of two instances racing for a key's last place
exactly one gets it. Rows of keys idle past their window are deleted by whichever
instance next counts something, at most once a window (the ``expires_at`` index).

Times come from ``Services.clock``: instances' clocks must agree (NTP), as they must
for phases anyway. Keys are stored as digests: the table holds no address or email.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import delete, select, text

from server.db import Database
from server.tables import RateLimitRow

# The key's newest ``limit`` times within the window, oldest first.
_KEPT = ("ARRAY(SELECT t FROM (SELECT t FROM unnest(r.events) AS t WHERE t > :since "
         "ORDER BY t DESC LIMIT :limit) AS newest ORDER BY t)")
_ADMIT = f"(NOT :check OR cardinality({_KEPT}) < :limit)"
_HIT_SQL = f"""
INSERT INTO rate_limits AS r (scope, key, events, admitted, expires_at)
VALUES (:scope, :key, ARRAY[CAST(:now AS double precision)], true, :expires)
ON CONFLICT (scope, key) DO UPDATE SET
    events = CASE WHEN {_ADMIT} THEN {_KEPT} || CAST(:now AS double precision)
                  ELSE {_KEPT} END,
    admitted = {_ADMIT},
    expires_at = :expires
RETURNING admitted, events"""  # noqa: S608 (made of the constants above only)
_HIT = text(_HIT_SQL)


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class TableWindow:
    """A ``server.ratelimit.Limiter`` in the ``rate_limits`` table (PostgreSQL)."""

    def __init__(self, db: Database, scope: str, limit: int, window: float,
                 clock: Callable[[], datetime]) -> None:
        self.db = db
        self.scope = scope
        self.limit = limit
        self.window = window
        self._clock = clock
        self._purged = -math.inf

    def _now(self) -> float:
        return self._clock().timestamp()

    def _wait(self, events: Sequence[float], now: float) -> int | None:
        recent = sorted(t for t in events if t > now - self.window)
        if len(recent) < self.limit:
            return None
        # Epoch seconds are ~1.7e9: (t + window) - now carries ~1e-7 of rounding, which
        # must not turn a 60 s wait into 61.
        return max(1, math.ceil(recent[-self.limit] + self.window - now - 1e-3))

    async def retry_after(self, key: str) -> int | None:
        async with self.db.read() as session:
            events = (await session.execute(
                select(RateLimitRow.events).where(RateLimitRow.scope == self.scope,
                                                  RateLimitRow.key == digest(key))
            )).scalar_one_or_none()
        return None if events is None else self._wait(events, self._now())

    async def _hit(self, key: str, check: bool) -> int | None:
        now = self._now()
        async with self.db.write() as session:
            admitted, events = (await session.execute(_HIT, {
                "scope": self.scope, "key": digest(key), "now": now,
                "since": now - self.window, "limit": self.limit, "check": check,
                "expires": now + self.window})).one()
            if now - self._purged >= self.window:
                self._purged = now
                await session.execute(delete(RateLimitRow).where(
                    RateLimitRow.scope == self.scope, RateLimitRow.expires_at < now))
            await session.commit()
        # A request that waited for the row's lock decides after the events it waited
        # for: its wait counts from the newest of them, not from when it began.
        return None if admitted else self._wait(events, max(now, *events))

    async def hit(self, key: str) -> None:
        await self._hit(key, check=False)

    async def acquire(self, key: str) -> int | None:
        return await self._hit(key, check=True)

    async def reset(self, key: str) -> None:
        async with self.db.write() as session:
            await session.execute(delete(RateLimitRow).where(
                RateLimitRow.scope == self.scope, RateLimitRow.key == digest(key)))
            await session.commit()
