"""The server in trouble at start-up (a database down: 503 on everything but /health):
a kept sign-in stays signed in, the person is told with the request id, and the app
carries on by itself when the server answers again."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from starlette.types import ASGIApp, Receive, Scope, Send

from client import ChallengeClient
from client.config import ClientConfig
from server.app import create_app
from server.config import Settings
from tests import tui_support
from tests.support import Clock, LiveServer, reset_database
from tests.test_tui import PASSWORD, World, challenge_screen, titles, world
from tests.tui_support import text_of
from tui.app import ChallengeApp
from tui.screens.connect import ConnectScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["world"]


class Flaky:
    """The real server behind a switch: while ``down``, every request but /health is
    answered 503 problem+json with a request id, as a server whose database is gone."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.down = False
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.down or scope["path"].endswith("/health"):
            await self.app(scope, receive, send)
            return
        self.refused += 1
        request_id = f"req-{self.refused}"
        body = json.dumps({"type": "about:blank", "title": "Service unavailable",
                           "status": 503, "detail": "The database is unreachable.",
                           "request_id": request_id}).encode()
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"application/problem+json"),
            (b"x-request-id", request_id.encode())]})
        await send({"type": "http.response.body", "body": body})


@pytest.fixture
def flaky(settings: Settings, clock: Clock) -> Flaky:
    return Flaky(create_app(settings, clock=clock))


@pytest.fixture
async def live(settings: Settings, flaky: Flaky) -> AsyncIterator[LiveServer]:
    """The live server of the other fixtures (``world``), behind ``flaky``."""
    await reset_database(settings.database_url)
    server = LiveServer(flaky)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def told(app: ChallengeApp, title: str) -> str:
    """The first notification titled ``title`` (polled: the app is waiting, not idle)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while True:
        found = [n.message for n in app._notifications if n.title == title]
        if found:
            return found[0]
        assert loop.time() < deadline, [n.message for n in app._notifications]
        await asyncio.sleep(0.01)


async def test_a_server_in_trouble_keeps_me_signed_in_and_recovers(
        world: World, flaky: Flaky) -> None:
    async with ChallengeClient(world.url) as ada:
        token = (await ada.login("ada@example.org", PASSWORD)).token
    flaky.down = True
    app = ChallengeApp(ClientConfig(server=world.url, token=token, retries=0))
    app.RETRY_DELAYS = (0.05,)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        said = await told(app, "Server trouble")
        assert said.startswith("The server is having trouble (503: The database is "
                               "unreachable). Request id: req-")
        assert "You are still signed in" in said
        assert not isinstance(app.screen, ConnectScreen)
        assert app.session is not None and app.session.client.token == token  # kept
        base = app.screen_stack[0].query_one("#connecting")
        assert "Request id: req-" in text_of(base)  # type: ignore[arg-type]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while flaky.refused < 4:  # asked again by itself (two requests an attempt)
            assert loop.time() < deadline
            await asyncio.sleep(0.01)
        flaky.down = False  # the database is back
        screen = await challenge_screen(pilot)
        assert len(titles(screen)) == 3
        assert app.session.user is not None
