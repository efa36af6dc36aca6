"""Sliding-window limits kept in memory, per server process."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable


class SlidingWindow:
    """At most ``limit`` events per key in any ``window`` seconds."""

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
        if not events:
            del self._events[key]
            return self._events.setdefault(key, deque())
        return events

    def retry_after(self, key: str) -> int | None:
        """Seconds until ``key`` may act again, or None when it may act now."""
        events = self._trim(key)
        if len(events) < self.limit:
            return None
        return max(1, math.ceil(events[0] + self.window - self._clock()))

    def hit(self, key: str) -> None:
        self._trim(key).append(self._clock())
        if len(self._events) > 10_000:  # drop idle keys so memory stays bounded
            for idle in [k for k, v in self._events.items()
                         if v[-1] <= self._clock() - self.window]:
                del self._events[idle]

    def reset(self, key: str) -> None:
        self._events.pop(key, None)
