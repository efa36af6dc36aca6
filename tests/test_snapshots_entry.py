"""Snapshots at 80x24 of the merge screen (Amara's unsent demo edit, refused as stale)
and of an entry's history with a diff, on the seeded demo at a fixed time."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

import tui.clock
from client.guide_models import GuideEntry
from server.app import create_app
from server.config import Settings
from server.db import Database
from server.security import Passwords
from server.seed.demo import seed_demo
from server.services import Services
from tests.entry_support import AMARA, BEDSIDE, SLUG
from tests.test_snapshots import NOW, SnapCompare, demo_app, settle
from tui.app import ChallengeApp
from tui.demo import leave_demo_draft
from tui.entry_drafts import EntryDraftStore

SERVER = "http://demo.test"


@pytest.fixture
def develop_transport(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> httpx.ASGITransport:
    """Both demo challenges served in-process, clocks pinned; Amara's unsent edit left
    where the app keeps entry drafts, as ``change-challenge demo`` leaves it."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
                        argon2_time_cost=1, argon2_memory_kib=256)
    asyncio.run(seed_demo(settings, quiet=True, now=NOW))
    assert leave_demo_draft(settings.database_url, SERVER, AMARA[0], EntryDraftStore())
    app = create_app(settings, clock=lambda: NOW)
    app.state.services = Services(settings=settings, db=Database.connect(settings.database_url),
                                  passwords=Passwords(1, 256), clock=lambda: NOW)
    monkeypatch.setattr(tui.clock, "now", lambda: NOW)
    return httpx.ASGITransport(app=app)


async def bedside(app: ChallengeApp) -> GuideEntry:
    assert app.session is not None
    (entry,) = [e async for e in app.session.client.iter_guide_entries(SLUG)
                if e.title == BEDSIDE]
    return entry


async def steady(pilot: Pilot[Any]) -> None:
    """The same picture each run: text cursors shown steadily."""
    await settle(pilot)
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
    await pilot.pause()


def test_merge_screen(snap_compare: SnapCompare,
                      develop_transport: httpx.ASGITransport) -> None:
    async def merge(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app: ChallengeApp = pilot.app  # type: ignore[assignment]
        app.open_entry_editor(await bedside(app), lambda _: None)
        await settle(pilot)
        await pilot.press("ctrl+s")
        await steady(pilot)

    assert snap_compare(demo_app(develop_transport), terminal_size=(80, 24), run_before=merge)


def test_history_with_a_diff(snap_compare: SnapCompare,
                             develop_transport: httpx.ASGITransport) -> None:
    async def history(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app: ChallengeApp = pilot.app  # type: ignore[assignment]
        app.open_entry_history(await bedside(app), lambda _: None)
        await settle(pilot)
        await pilot.press("j", "j", "enter")  # Amara's version 4
        await steady(pilot)

    assert snap_compare(demo_app(develop_transport), terminal_size=(80, 24),
                        run_before=history)
