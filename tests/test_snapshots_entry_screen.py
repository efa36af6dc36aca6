"""Snapshots of a guide entry at 80x24: the demo's second challenge developing its
guide, at a fixed time, as the participant who pledged to it sees it, and its settings
as a facilitator sees them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot

import tui.clock
from server.app import create_app
from server.config import Settings
from server.db import Database
from server.security import Passwords
from server.seed.demo import seed_demo
from server.services import Services
from tests.test_snapshots import MODERATOR, NOW, SnapCompare, demo_app, settle
from tui.app import ChallengeApp

SLUG = "time-to-care"


@pytest.fixture
def developing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> httpx.ASGITransport:
    """Both demo challenges served in-process, the server's and the app's clocks pinned
    (as ``tests.test_snapshots.demo_transport``, with the guide)."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
                        argon2_time_cost=1, argon2_memory_kib=256)
    asyncio.run(seed_demo(settings, quiet=True, now=NOW))
    app = create_app(settings, clock=lambda: NOW)
    app.state.services = Services(settings=settings, db=Database.connect(settings.database_url),
                                  passwords=Passwords(1, 256), clock=lambda: NOW)
    monkeypatch.setattr(tui.clock, "now", lambda: NOW)
    return httpx.ASGITransport(app=app)


async def open_entry(pilot: Pilot[Any], *keys: str) -> None:
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, ChallengeApp) and app.session is not None
    app.open_entry(1, await app.session.client.get_challenge(SLUG))
    await settle(pilot)
    for key in keys:
        await pilot.press(key)
        await settle(pilot)


def test_entry_screen(snap_compare: SnapCompare, developing: httpx.ASGITransport) -> None:
    assert snap_compare(demo_app(developing), terminal_size=(80, 24), run_before=open_entry)


def test_entry_settings(snap_compare: SnapCompare, developing: httpx.ASGITransport) -> None:
    async def settings(pilot: Pilot[Any]) -> None:
        await open_entry(pilot, "s")

    assert snap_compare(demo_app(developing, who=MODERATOR), terminal_size=(80, 24),
                        run_before=settings)
