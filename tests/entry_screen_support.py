"""What the Pilot tests of a guide entry share: the demo seeded once (its second
challenge, ``time-to-care``, develops its guide now), a copy of it served per test by a
live server, the demo people signed in, and an entry opened."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen

from client import ChallengeClient
from client.config import ClientConfig
from server.app import create_app
from server.config import Settings
from server.seed.demo import seed_demo
from tests.support import Clock, LiveServer
from tests.tui_support import settle
from tui.app import ChallengeApp
from tui.screens.entry import EntryScreen

SLUG = "time-to-care"
AMARA = ("amara.okafor@nhs.net", "demo-amara")  # a participant; pledged to entry 1
RACHEL = ("rachel.dunmore@nhs.net", "demo-rachel")  # a moderator: a facilitator
# The seeded entries, by id (the seed is deterministic): 1 "Write observations once"
# (lead Joanne Pickering), 3 the one Amara's unsent edit is of.
OBSERVATIONS, HANDOVER = 1, 3


def settings_for(url: str) -> Settings:
    return Settings(database_url=url, argon2_time_cost=1, argon2_memory_kib=256)


@pytest.fixture(scope="session")
def seeded_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo database, seeded once for the session (real time: its develop phase
    runs for weeks from now)."""
    path = tmp_path_factory.mktemp("entry-demo") / "demo.db"
    asyncio.run(seed_demo(settings_for(f"sqlite+aiosqlite:///{path}"), quiet=True))
    yield path


@dataclass
class Demo:
    url: str
    db: Path

    def rows(self, query: str, *args: Any) -> list[tuple[Any, ...]]:
        """The served database read directly (what the server kept)."""
        with sqlite3.connect(self.db) as connection:
            return list(connection.execute(query, args))

    @contextlib.asynccontextmanager
    async def person(self, who: tuple[str, str]) -> AsyncIterator[ChallengeClient]:
        """A client signed in as ``who``: someone else, elsewhere."""
        async with ChallengeClient(self.url) as client:
            await client.login(*who)
            yield client


@pytest.fixture
async def demo(seeded_demo: Path, tmp_path: Path) -> AsyncIterator[Demo]:
    """A copy of the seeded demo served by uvicorn on loopback."""
    db = tmp_path / "served.db"
    shutil.copyfile(seeded_demo, db)
    server = LiveServer(create_app(settings_for(f"sqlite+aiosqlite:///{db}"), clock=Clock()))
    server.start()
    try:
        yield Demo(server.url, db)
    finally:
        server.stop()


def showing(app: ChallengeApp, screen: Screen[Any]) -> bool:
    """Whether ``screen`` is the one on top (a function: mypy narrows ``app.screen``
    after an ``isinstance`` and would call a later check unreachable)."""
    return app.screen is screen


def demo_app(demo: Demo, who: tuple[str, str] = AMARA) -> ChallengeApp:
    return ChallengeApp(ClientConfig(server=demo.url, token_store="memory"), sign_in_as=who)


async def open_entry(pilot: Pilot[None], entry_id: int = OBSERVATIONS) -> EntryScreen:
    """Signed in (on the list of the demo's two challenges), then the entry opened as the
    guide screen opens it."""
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, ChallengeApp) and app.session is not None
    challenge = await app.session.client.get_challenge(SLUG)
    app.open_entry(entry_id, challenge)
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, EntryScreen), screen
    assert screen.entry is not None and screen.entry.id == entry_id
    return screen
