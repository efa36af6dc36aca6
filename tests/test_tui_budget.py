"""The vote budget in the terminal app: "n of N supports left" while votes are open,
changed at once with a vote and corrected by the server's answer (80x24, SQLite)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from textual.widgets import Static

from client import ChallengeClient
from client.config import ClientConfig
from client.models import ChallengeCreate, SubmissionCreate
from tests import tui_support
from tests.support import LiveServer, add_users, challenge_spec, open_phase
from tests.test_tui import challenge_screen
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.screens.submission import SubmissionScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs


@dataclass
class Budgeted:
    url: str
    token: str  # a participant's
    ids: list[int]  # oldest first


@pytest.fixture
async def budgeted(live: LiveServer, database_url: str) -> AsyncIterator[Budgeted]:
    ((_, admin_token),) = await add_users(database_url, 1, role="admin", prefix="admin")
    ((_, token),) = await add_users(database_url, 1, prefix="ada")
    spec = challenge_spec(phases=[open_phase(vote_budget=2)])
    async with ChallengeClient(live.url, token=admin_token) as admin:
        await admin.create_challenge(ChallengeCreate.model_validate(spec))
        ids = [(await admin.create_submission("change", SubmissionCreate(
            kind="story", title=f"Story {i}", body="b"))).id for i in range(3)]
    yield Budgeted(live.url, token, ids)


class Gate(httpx.AsyncBaseTransport):
    """Holds the answers to votes while ``hold`` is set: what shows before they come."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.hold = False
        self.reached = asyncio.Event()
        self.release = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.hold and request.url.path.endswith("/vote"):
            self.reached.set()
            await self.release.wait()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_supports_left_shown_at_once_and_corrected(budgeted: Budgeted) -> None:
    gate = Gate()
    app = ChallengeApp(ClientConfig(server=budgeted.url, token=budgeted.token,
                                    token_store="memory"), transport=gate)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)

        def heading() -> str:
            return text_of(screen.query_one("#heading", Static))

        assert "2 of 2 supports left" in heading()
        # The same person supports the oldest from elsewhere: the app's figure is stale.
        async with ChallengeClient(budgeted.url, token=budgeted.token) as elsewhere:
            await elsewhere.vote(budgeted.ids[0], 1)
        gate.hold = True
        await pilot.press("plus")  # on the newest
        await gate.reached.wait()
        await pilot.pause()
        assert "1 of 2 supports left" in heading()  # at once, before the answer
        gate.hold = False
        gate.release.set()
        await settle(pilot)
        assert "0 of 2 supports left" in heading()  # the server's count
        await pilot.press("0")  # withdrawn: one back
        await settle(pilot)
        assert "1 of 2 supports left" in heading()
        await pilot.press("j", "enter")  # open the middle one
        await settle(pilot)
        opened = app.screen
        assert isinstance(opened, SubmissionScreen)

        def header() -> str:
            return text_of(opened.query_one("#header", Static))

        assert "1 of 2 supports left" in header()
        await pilot.press("plus")
        await settle(pilot)
        assert "0 of 2 supports left" in header()
        assert opened.item.my_vote == 1
        await pilot.press("escape")
        await settle(pilot)
        assert "0 of 2 supports left" in heading()
        assert not [n for n in app._notifications if n.severity == "error"]


async def test_no_budget_says_nothing(live: LiveServer, database_url: str) -> None:
    ((_, admin_token),) = await add_users(database_url, 1, role="admin", prefix="admin")
    ((_, token),) = await add_users(database_url, 1, prefix="ada")
    async with ChallengeClient(live.url, token=admin_token) as admin:
        await admin.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
    app = ChallengeApp(ClientConfig(server=live.url, token=token, token_store="memory"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert "supports left" not in text_of(screen.query_one("#heading", Static))
