"""Sliding-window limits, and the sign-in throttle built from them.

The throttle talks to its windows through ``Limiter`` (async): ``SlidingWindow`` keeps
them in this process's memory (SQLite, the single-host default, where one process
serves), ``server.shared_limits.TableWindow`` in a PostgreSQL table every instance
shares, so the budget is the same with one worker or eight.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from server.problems import RATE_LIMITED, ProblemError


class Limiter(Protocol):
    """At most ``limit`` events per key in any ``window`` seconds."""

    limit: int
    window: float

    async def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may act again, or None when it may act now."""

    async def hit(self, key: str) -> None:
        """Record one event for ``key``."""

    async def acquire(self, key: str) -> int | None:
        """At once: ``retry_after``, and when that is None, ``hit``. Concurrent
        callers (on any instance) cannot both take the last place."""

    async def reset(self, key: str) -> None:
        """Forget ``key``'s events."""


class SlidingWindow:
    """A ``Limiter`` in this process's memory."""

    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._events: dict[str, deque[float]] = {}

    def _trim(self, key: str) -> deque[float]:
        now = self._clock()
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    async def retry_after(self, key: str) -> int | None:
        events = self._trim(key)
        if len(events) < self.limit:
            if not events:
                del self._events[key]
            return None
        return max(1, math.ceil(events[0] + self.window - self._clock()))

    async def hit(self, key: str) -> None:
        self._trim(key).append(self._clock())
        if len(self._events) > 10_000:  # drop idle keys so memory stays bounded
            for idle in [k for k, v in self._events.items()
                         if v[-1] <= self._clock() - self.window]:
                del self._events[idle]

    async def acquire(self, key: str) -> int | None:
        # No await between the two: nothing else runs in this process meanwhile.
        wait = await self.retry_after(key)
        if wait is None:
            await self.hit(key)
        return wait

    async def reset(self, key: str) -> None:
        self._events.pop(key, None)


def _refuse(wait: int, detail: str) -> ProblemError:
    return ProblemError(429, detail, type=RATE_LIMITED, retry_after=wait)


@dataclass
class AuthThrottle:
    """Who may try a password (or a registration, or a code) now.

    Failures are counted per (account, address), so a wrong password typed from one
    address never locks the account for the others. ``account`` is a ceiling across
    all addresses, against guessing spread over many; it is higher than what one
    address can contribute (``Settings`` checks), so one address cannot reach it.
    Keys are the lower-cased email whether or not an account has it: a 429 tells
    nothing about which accounts exist.
    """

    address: Limiter          # every attempt from an address
    account_address: Limiter  # failed sign-ins for an account from one address
    account: Limiter          # failed sign-ins for an account from anywhere

    async def attempt(self, address: str) -> None:
        """Count one attempt from ``address``; raise 429 when its budget is spent."""
        wait = await self.address.acquire(address)
        if wait is not None:
            raise _refuse(wait, "Too many attempts from this address; wait and retry.")

    async def sign_in(self, email: str, address: str) -> None:
        """Before checking a password: raise 429 if this attempt may not be made."""
        wait = await self.account_address.retry_after(_pair(email, address))
        if wait is not None:
            raise _refuse(wait, "Too many failed sign-ins for this account from this "
                                "address; wait and retry.")
        wait = await self.account.retry_after(email)
        if wait is not None:
            raise _refuse(wait, "Too many failed sign-ins for this account; wait and retry.")
        await self.attempt(address)

    async def failed(self, email: str, address: str) -> None:
        await self.account_address.hit(_pair(email, address))
        await self.account.hit(email)

    async def succeeded(self, email: str, address: str) -> None:
        # The ceiling stays: a success must not hand a distributed guesser a new budget.
        await self.account_address.reset(_pair(email, address))


def _pair(email: str, address: str) -> str:
    return f"{email}\n{address}"  # an email never holds a newline
