"""Short-lived, per-process caches of what nearly every request reads and rarely changes.

A page of submissions used to spend three of its statements on who is asking and on
the challenge and its phases, which change when an admin edits them and otherwise
never. Entries live ``ttl`` seconds, and every change drops them on every instance at
once: the process that commits it tells the others through the bus
(``server.invalidation``). A ``ttl`` of 0 turns caching off.

Two rules keep a cache from holding what a change made stale:

- A value read from the database is kept only if nothing was dropped since the read
  began (``generation``): a read that saw the old row and finished after the news of
  the change would otherwise put the old row back.
- While news may be missed (the bus's connection to PostgreSQL is down) the cache is
  ``paused``: it answers nothing and keeps nothing, and is emptied when news flows again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, NamedTuple, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.problems import not_found
from server.queries import phases_of
from server.tables import ChallengeRow, PhaseRow, UserRow

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    """A dict whose entries expire; bounded, dropping the oldest when full."""

    def __init__(self, ttl: float, *, max_entries: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}
        self.generation = 0  # how many drops so far; see ``put``
        self.paused = False

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        if self.paused:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: K, value: V, generation: int | None = None) -> None:
        """Keep ``value``; with ``generation`` (taken before reading it), only if
        nothing was dropped since."""
        if self.ttl <= 0 or self.paused or generation not in (None, self.generation):
            return
        now = self._clock()
        # Re-inserted at the end, so entries stay in the order they expire (dicts keep
        # insertion order): expired entries are dropped from the front, and when full,
        # the oldest goes. Memory then holds what was asked for within ``ttl``.
        self._entries.pop(key, None)
        while self._entries:
            oldest = next(iter(self._entries))
            if self._entries[oldest][0] > now and len(self._entries) < self.max_entries:
                break
            del self._entries[oldest]
        self._entries[key] = (now + self.ttl, value)

    def drop(self, key: K) -> None:
        self.generation += 1
        self._entries.pop(key, None)

    def drop_keys(self, test: Callable[[K], bool]) -> None:
        self.generation += 1
        for key in [k for k in self._entries if test(k)]:
            del self._entries[key]

    def drop_where(self, test: Callable[[V], bool]) -> None:
        self.generation += 1
        for key in [k for k, (_, v) in self._entries.items() if test(v)]:
            del self._entries[key]

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()

    def pause(self) -> None:
        """Answer and keep nothing until ``resume``: news of changes may be missed."""
        self.paused = True
        self.clear()

    def resume(self) -> None:
        self.clear()
        self.paused = False


class ChallengeInfo(NamedTuple):
    """A challenge and its phases in order: detached rows, read-only once cached."""

    challenge: ChallengeRow
    phases: tuple[PhaseRow, ...]


class Challenges:
    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._by_slug: TTLCache[str, ChallengeInfo] = TTLCache(ttl, max_entries=1_000,
                                                                clock=clock)
        self._by_id: TTLCache[int, ChallengeInfo] = TTLCache(ttl, max_entries=1_000,
                                                              clock=clock)

    async def by_slug(self, session: AsyncSession, slug: str) -> ChallengeInfo:
        info = self._by_slug.get(slug)
        if info is None:
            info = await self._load(session, ChallengeRow.slug == slug)
        return info

    def cached(self, slug: str) -> ChallengeInfo | None:
        """The challenge if it is cached now; never reads the database."""
        return self._by_slug.get(slug)

    async def by_id(self, session: AsyncSession, challenge_id: int) -> ChallengeInfo:
        info = self._by_id.get(challenge_id)
        if info is None:
            info = await self._load(session, ChallengeRow.id == challenge_id)
        return info

    async def _load(self, session: AsyncSession, where: ColumnElement[bool]) -> ChallengeInfo:
        generations = self._by_slug.generation, self._by_id.generation
        challenge = (await session.execute(
            select(ChallengeRow).where(where))).scalar_one_or_none()
        if challenge is None:
            raise not_found("challenge")
        info = ChallengeInfo(challenge, tuple(await phases_of(session, challenge.id)))
        self._by_slug.put(challenge.slug, info, generations[0])
        self._by_id.put(challenge.id, info, generations[1])
        return info

    def forget(self) -> None:
        """After an admin changed a challenge (its slug may have changed too)."""
        self._by_slug.clear()
        self._by_id.clear()

    def pause(self) -> None:
        self._by_slug.pause()
        self._by_id.pause()

    def resume(self) -> None:
        self._by_slug.resume()
        self._by_id.resume()


@dataclass(frozen=True)
class SignedIn:
    user: UserRow
    expires_at: datetime


class Tokens:
    """Token hash -> the signed-in user, for tokens found valid a moment ago."""

    def __init__(self, ttl: float) -> None:
        self._cache: TTLCache[str, SignedIn] = TTLCache(ttl)

    @property
    def generation(self) -> int:
        """Take it before reading a token, and give it to ``put``."""
        return self._cache.generation

    def get(self, token_hash: str) -> SignedIn | None:
        return self._cache.get(token_hash)

    def put(self, token_hash: str, signed_in: SignedIn, generation: int | None = None) -> None:
        self._cache.put(token_hash, signed_in, generation)

    def drop(self, token_hash: str) -> None:
        self._cache.drop(token_hash)

    def drop_user(self, user_id: int) -> None:
        """After a user was blocked or their role changed: every token of theirs."""
        self._cache.drop_where(lambda signed_in: signed_in.user.id == user_id)

    def pause(self) -> None:
        self._cache.pause()

    def resume(self) -> None:
        self._cache.resume()
