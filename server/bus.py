"""What one server instance tells the others: a change was committed.

Instances share nothing but the database, so news of a change travels through it: on
PostgreSQL with ``NOTIFY`` (sent when the writing transaction commits, delivered to
every instance that ``LISTEN``\\ s); on SQLite, the single-host default, there is only
this process to tell. Messages are small JSON objects on a named channel; what they
mean belongs to the modules that send and receive them (cache invalidation, live
events).

``Bus`` is the interface; ``LocalBus`` the in-process implementation. A PostgreSQL
implementation plugs in behind the same methods.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

Handler = Callable[[dict[str, Any]], Awaitable[None] | None]

log = logging.getLogger(__name__)


class Bus(Protocol):
    async def start(self) -> None:
        """Begin receiving (idempotent)."""

    async def stop(self) -> None:
        """Stop receiving and release what ``start`` took."""

    def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        """Call ``handler`` with each message on ``channel``, from this instance and
        every other; returns the function that unsubscribes."""

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        """Send ``message`` to every instance's subscribers of ``channel``, after the
        change it announces is committed."""


class LocalBus:
    """This process only: SQLite, tests, and one-instance servers."""

    def __init__(self) -> None:
        self.handlers: dict[str, list[Handler]] = defaultdict(list)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self.handlers.clear()

    def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        self.handlers[channel].append(handler)

        def unsubscribe() -> None:
            if handler in self.handlers[channel]:
                self.handlers[channel].remove(handler)

        return unsubscribe

    async def publish(self, channel: str, message: dict[str, Any]) -> None:
        await deliver(self.handlers.get(channel, ()), message)


async def deliver(handlers: Any, message: dict[str, Any]) -> None:
    """Each handler in turn; one that fails is logged and does not stop the others."""
    for handler in list(handlers):
        try:
            result = handler(message)
            if asyncio.iscoroutine(result):
                await result
        except Exception:  # a subscriber's bug must not stop the others' news
            log.exception("bus handler failed")
