"""Dropping cached state on every server instance at once, through the bus.

Whatever a request may answer from a cache (``server.cache``: who a token belongs to,
a challenge and its phases; ``server.pages``: pages of submissions) is dropped by the
change that makes it stale, on every instance: the instance that committed the change
publishes what to drop on the ``cache`` channel after the commit, and before it
answers. On PostgreSQL the others hear it when the ``pg_notify`` commits, before that
answer leaves (``server.pg_bus``); the admin commands, which run in processes of their
own, send theirs inside their own transaction (``notify_in``), heard when it commits.

Signalled is not yet received, though: a client could ask another instance before
that instance's listening connection has read the news. So every request first waits
for ``fresh`` (one round trip on that connection, shared by the requests that arrive
meanwhile), after which every change committed before the request came is applied.

Messages name what to drop: ``{"token": hash}`` (a signed-out token), ``{"users": [id,
...]}`` (blocked, unblocked or given another role: every token of theirs),
``{"challenge": id | null}`` (a challenge or its phases: the challenge cache, and its
pages, every challenge's for null), ``{"pages": id | null}`` (what shows in a
challenge's lists; null for several challenges), with ``"voters": [id, ...]`` when
only those people's votes changed (``server.viewer_votes``: whose votes to drop).
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.bus import Bus
from server.cache import Challenges, Tokens
from server.pages import Pages
from server.pg_bus import PgBus, encode

CHANNEL = "cache"


class Cached(Protocol):
    """Where the caches are (``Services``); read at each message, as tests replace them."""

    tokens: Tokens
    challenges: Challenges
    pages: Pages


class Invalidation:
    def __init__(self, bus: Bus, cached: Cached, *, caching: bool = True) -> None:
        self.bus = bus
        self.cached = cached
        self.caching = caching
        bus.subscribe(CHANNEL, self.receive)

    async def fresh(self) -> None:
        """Before a request reads any cache: until the news of every change already
        answered for (on any instance) has been applied here (``PgBus.fence``)."""
        if self.caching and isinstance(self.bus, PgBus):
            await self.bus.fence()

    async def token(self, token_hash: str) -> None:
        """A token was revoked (signed out)."""
        await self.bus.publish(CHANNEL, {"token": token_hash})

    async def users(self, user_ids: list[int]) -> None:
        """Users were blocked, unblocked, or given another role."""
        if user_ids:
            await self.bus.publish(CHANNEL, {"users": user_ids})

    async def challenge(self, challenge_id: int | None) -> None:
        """A challenge or its phases changed (``None``: made, or not known which)."""
        await self.bus.publish(CHANNEL, {"challenge": challenge_id})

    async def pages(self, challenge_id: int | None, *, voter: int | None = None) -> None:
        """What a challenge's lists show changed (``None``: maybe several challenges');
        ``voter``: only that person's votes changed, nobody else's."""
        message: dict[str, Any] = {"pages": challenge_id}
        if voter is not None:
            message["voters"] = [voter]
        await self.bus.publish(CHANNEL, message)

    def receive(self, message: dict[str, Any]) -> None:
        cached = self.cached
        if "token" in message:
            cached.tokens.drop(str(message["token"]))
        for user_id in message.get("users", ()):
            cached.tokens.drop_user(int(user_id))
        if "challenge" in message:
            cached.challenges.forget()
        for key in ("challenge", "pages"):
            if key in message:
                if message[key] is None:
                    cached.pages.clear()
                else:
                    voters = message.get("voters") if key == "pages" else None
                    cached.pages.changed(int(message[key]),
                                         None if voters is None else [int(v) for v in voters])

    def live(self, connected: bool) -> None:
        """The bus's state (``PgBus.on_state``): while news may be missed, no cache
        answers; when it flows again they start empty."""
        for cache in (self.cached.tokens, self.cached.challenges, self.cached.pages):
            if connected:
                cache.resume()
            else:
                cache.pause()


async def notify_in(session: AsyncSession, message: dict[str, Any]) -> None:
    """From a process without a bus (the admin commands): tell the servers what to drop
    when ``session``'s transaction commits. PostgreSQL only; on SQLite, the single-host
    default, a server sees such a change within ``CHALLENGE_CACHE_SECONDS``."""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(select(func.pg_notify(CHANNEL, encode(CHANNEL, message, "admin"))))
