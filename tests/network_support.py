"""A live server that notes each request and the connection it came on (the client's
port), for the tests that pin how many requests an action makes and that connections
are kept: ``change-challenge serve``'s keep-alive, not the tests' usual one."""

from __future__ import annotations

from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import pytest

from server.app import create_app
from server.cli import uvicorn_options
from server.config import Settings
from tests.support import Clock, LiveServer, reset_database

Request = tuple[int, str, str]  # client port (the connection), method, path


class Counted:
    """An ASGI app noting each HTTP request, then handing it on."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[Request] = []

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any,
                       ) -> None:
        if scope["type"] == "http":
            self.seen.append((scope["client"][1], scope["method"], scope["path"]))
        await self.app(scope, receive, send)

    def since(self, mark: int) -> list[Request]:
        return self.seen[mark:]

    def connections(self, requests: list[Request] | None = None) -> set[int]:
        return {port for port, _, _ in (self.seen if requests is None else requests)}


class CountedServer(LiveServer):
    counted: Counted


@pytest.fixture
async def counted_live(settings: Settings, clock: Clock) -> AsyncIterator[CountedServer]:
    """The app served as ``serve`` serves it (its keep-alive), requests noted."""
    await reset_database(settings.database_url)
    counted = Counted(create_app(settings, clock=clock))
    server = CountedServer(counted, timeout_keep_alive=uvicorn_options(settings)[
        "timeout_keep_alive"])
    server.counted = counted
    server.start()
    try:
        yield server
    finally:
        server.stop()
