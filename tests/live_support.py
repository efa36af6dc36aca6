"""Test support for the live stream: a subscriber reading ``GET /events`` over a real
socket in the background, whose events a test waits for (with a timeout, never a sleep)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

WAIT = 15.0  # seconds an expected event may take on a loaded machine


@dataclass
class Event:
    id: int | None
    name: str
    data: dict[str, Any]


class Subscriber:
    """``async with Subscriber(url, token) as sub: await sub.next("notification")``."""

    def __init__(self, url: str, token: str, *, challenge: str | None = None,
                 last_id: int | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        if last_id is not None:
            headers["Last-Event-ID"] = str(last_id)
        self._client = httpx.AsyncClient(base_url=f"{url}/api/v1", headers=headers,
                                         timeout=httpx.Timeout(30.0))
        self._params = {"challenge": challenge} if challenge else {}
        self.events: asyncio.Queue[Event | None] = asyncio.Queue()
        self.status = 0
        self.last_id: int | None = last_id
        self._opened = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.ended = asyncio.Event()

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._read())
        await asyncio.wait_for(self._opened.wait(), WAIT)
        assert self.status == 200, self.status
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        await self._client.aclose()

    async def _read(self) -> None:
        try:
            async with self._client.stream("GET", "/events", params=self._params) as r:
                self.status = r.status_code
                self._opened.set()
                if r.status_code != 200:
                    await r.aread()
                    return
                ident: int | None = None
                name, data = "", list[str]()
                async for line in r.aiter_lines():
                    if line == "":
                        if ident is not None:
                            self.last_id = ident
                        if data:
                            await self.events.put(Event(ident, name, json.loads("".join(data))))
                        ident, name, data = None, "", []
                    elif line.startswith("id: "):
                        ident = int(line[4:])
                    elif line.startswith("event: "):
                        name = line[7:]
                    elif line.startswith("data: "):
                        data.append(line[6:])
        finally:
            self._opened.set()
            self.ended.set()
            await self.events.put(None)

    async def next(self, name: str | None = None) -> Event:
        """The next event (of ``name``: others before it are skipped)."""
        while True:
            event = await asyncio.wait_for(self.events.get(), WAIT)
            assert event is not None, "the stream ended"
            if name is None or event.name == name:
                return event

    async def until(self, name: str, test: Any) -> tuple[Event, list[Event]]:
        """The first ``name`` event for which ``test(data)`` holds, and every event
        before it (of any name)."""
        seen: list[Event] = []
        while True:
            event = await self.next()
            if event.name == name and test(event.data):
                return event, seen
            seen.append(event)

    async def wait_ended(self) -> None:
        await asyncio.wait_for(self.ended.wait(), WAIT)
