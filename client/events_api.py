"""Live updates and notifications, as a mixin ``ChallengeClient`` inherits.

``live_events()`` is an async iterator over ``GET /events``: each event parsed into its
model (client/event_models.py). A dropped stream (network, server restart, a proxy's
idle timeout) is opened again by itself after a capped, jittered backoff, with
``Last-Event-ID``, so the server sends what was missed, or a ``reset`` event when that
is too old: reload what you show then. ``live`` says whether it is connected now. It
stops (raising) only on what retrying cannot mend: the token refused (401), forbidden.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

from pydantic import ValidationError

from client.errors import ConnectionFailed, RateLimited, ResponseInvalid, ServerError
from client.event_models import (
    LiveEvent,
    NotificationPage,
    NotificationsRead,
    ReadResult,
    known_name,
    parse_event,
)

if TYPE_CHECKING:
    from client.transport import Transport

BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
# The server sends a comment at least every 15 s: three missed, the stream is dead.
READ_TIMEOUT = 45.0
# Errors worth another try: the network, the server restarting or overloaded, too many
# streams of ours still open (a dropped one the server has not noticed yet).
RETRIED = (ConnectionFailed, ServerError, RateLimited)


class EventStream:
    """``async for event in stream``; ``live`` while connected; ``last_event_id`` where
    a reconnect resumes. ``aclose()`` (or leaving the loop) stops it."""

    def __init__(self, transport: Transport, *, challenge: str | None = None,
                 last_event_id: int | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 jitter: Callable[[], float] = random.random,
                 backoff_cap: float = BACKOFF_CAP, read_timeout: float = READ_TIMEOUT) -> None:
        self._t = transport
        self.challenge = challenge
        self.last_event_id = last_event_id
        self.live = False
        self.reconnects = 0  # connections opened after the first
        self._sleep, self._jitter = sleep, jitter
        self.backoff_cap, self.read_timeout = backoff_cap, read_timeout
        self._iterator: AsyncGenerator[LiveEvent, None] | None = None

    def backoff(self, attempt: int) -> float:
        ceiling = min(self.backoff_cap, BACKOFF_BASE * 2.0 ** attempt)
        return ceiling * (0.5 + self._jitter() / 2)

    def __aiter__(self) -> AsyncIterator[LiveEvent]:
        if self._iterator is None:
            self._iterator = self._run()
        return self._iterator

    async def aclose(self) -> None:
        self.live = False
        if self._iterator is not None:
            await self._iterator.aclose()

    async def _run(self) -> AsyncGenerator[LiveEvent, None]:
        attempt = 0
        first = True
        while True:
            if not first:
                self.reconnects += 1
            first = False
            wait: float | None = None
            try:
                async for event in self._connection():
                    attempt = 0
                    yield event
            except RETRIED as exc:
                wait = exc.retry_after if isinstance(exc, RateLimited) else None
            finally:
                self.live = False
            await self._sleep(wait if wait is not None else self.backoff(attempt))
            attempt += 1

    async def _connection(self) -> AsyncIterator[LiveEvent]:
        """One connection's events, until it ends (cleanly or not)."""
        headers = ({"Last-Event-ID": str(self.last_event_id)}
                   if self.last_event_id is not None else {})
        async with self._t.stream("/events", params={"challenge": self.challenge},
                                  headers=headers, read_timeout=self.read_timeout) as response:
            self.live = True
            ident: int | None = None
            name = ""
            data: list[str] = []
            async for line in response.aiter_lines():
                if line == "":  # the end of one event
                    if ident is not None:
                        self.last_event_id = ident
                    event = self._event(ident, name, data)
                    ident, name, data = None, "", []
                    if event is not None:
                        yield event
                    continue
                if line.startswith(":"):
                    continue  # a comment: the server's keep-alive
                field, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if field == "id" and value.isdigit():
                    ident = int(value)
                elif field == "event":
                    name = value
                elif field == "data":
                    data.append(value)

    def _event(self, ident: int | None, name: str, data: list[str]) -> LiveEvent | None:
        known = known_name(name or "message")
        if not data or known is None:  # only an id (where to resume), or a newer event
            return None
        try:
            return parse_event(ident if ident is not None else self.last_event_id or 0, known,
                               "\n".join(data))
        except ValidationError as exc:
            raise ResponseInvalid(f"GET /events: a {name} event does not match its model "
                                  f"({exc.errors()[0]['msg']}).") from exc


class EventsMixin:
    """The live stream and your notifications."""

    _t: Transport

    def live_events(self, *, challenge: str | None = None, last_event_id: int | None = None,
                    backoff_cap: float = BACKOFF_CAP,
                    read_timeout: float = READ_TIMEOUT) -> EventStream:
        """The live stream (``async for event in api.live_events(): ...``); ``challenge``
        narrows it to one challenge (your notifications still come)."""
        return EventStream(self._t, challenge=challenge, last_event_id=last_event_id,
                           backoff_cap=backoff_cap, read_timeout=read_timeout)

    async def notifications(self, *, cursor: str | None = None, limit: int = 20,
                            unread: bool = False) -> NotificationPage:
        """Yours, newest first, with how many are unread (``unread``: only those)."""
        return await self._t.call("GET", "/me/notifications", NotificationPage,
                                  params={"cursor": cursor, "limit": limit,
                                          "unread": "true" if unread else None})

    async def mark_notifications_read(self, up_to: int) -> ReadResult:
        """Mark yours up to and including ``up_to`` read; how many stay unread."""
        return await self._t.call("POST", "/me/notifications/read", ReadResult,
                                  body=NotificationsRead(up_to=up_to))
