"""Snapshots of the main screens at 80x24 and 120x40, on the seeded demo at a fixed time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.worker import WorkerCancelled

import tui.clock
from client.config import ClientConfig
from server.app import create_app
from server.config import Settings
from server.db import Database
from server.security import Passwords
from server.seed.demo import seed_demo
from server.services import Services
from tui.app import ChallengeApp

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
SnapCompare = Callable[..., bool]


@pytest.fixture
def demo_transport(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> httpx.ASGITransport:
    """The demo challenge served in-process, with the server's and the app's clocks pinned."""
    return serve_demo(tmp_path, monkeypatch)


def serve_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
               at: datetime = NOW) -> httpx.ASGITransport:
    """The demo, seeded as of ``NOW``, served in-process with the server's and the app's
    clocks pinned at ``at``."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
                        argon2_time_cost=1, argon2_memory_kib=256)
    # The first challenge only: with one challenge the app goes straight into it.
    asyncio.run(seed_demo(settings, quiet=True, now=NOW, develop=False))
    app = create_app(settings, clock=lambda: at)
    # No lifespan under ASGITransport: the services are set up by hand, connecting lazily.
    app.state.services = Services(settings=settings, db=Database.connect(settings.database_url),
                                  passwords=Passwords(1, 256), clock=lambda: at)
    monkeypatch.setattr(tui.clock, "now", lambda: at)
    return httpx.ASGITransport(app=app)


def demo_app(transport: httpx.ASGITransport, sign_in: bool = True,
             who: tuple[str, str] = ("amara.okafor@nhs.net", "demo-amara")) -> ChallengeApp:
    return ChallengeApp(ClientConfig(server="http://demo.test", token_store="memory"),
                        sign_in_as=who if sign_in else None, transport=transport)


MODERATOR = ("rachel.dunmore@nhs.net", "demo-rachel")


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(5):
        # A newer exclusive worker cancelling an older one is normal, not a failure.
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def test_connect_screen(snap_compare: SnapCompare) -> None:
    app = ChallengeApp(ClientConfig(token_store="memory"))
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_challenge_screen(snap_compare: SnapCompare, demo_transport: httpx.ASGITransport,
                          size: tuple[int, int]) -> None:
    assert snap_compare(demo_app(demo_transport), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_submission_screen(snap_compare: SnapCompare, demo_transport: httpx.ASGITransport,
                           size: tuple[int, int]) -> None:
    async def open_first(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("1", "enter")
        await settle(pilot)

    assert snap_compare(demo_app(demo_transport), terminal_size=size, run_before=open_first)


def test_stats_screen(snap_compare: SnapCompare, demo_transport: httpx.ASGITransport) -> None:
    async def stats(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)

    assert snap_compare(demo_app(demo_transport), terminal_size=(80, 24), run_before=stats)


@pytest.mark.parametrize("size, keys", [
    ((80, 24), ()),  # the list
    ((80, 24), ("j", "enter")),  # the post held for an NHS number, highlighted
    ((120, 40), ("j",)),  # list and item side by side
    ((120, 40), ("j", "j")),  # a post hidden by reports, and its likely duplicate
], ids=["80x24-list", "80x24-item", "120x40-personal-data", "120x40-duplicate"])
def test_moderation_screen(snap_compare: SnapCompare, demo_transport: httpx.ASGITransport,
                           size: tuple[int, int], keys: tuple[str, ...]) -> None:
    """The demo's queue as its moderator sees it."""
    async def moderate(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in ("M", *keys):
            await pilot.press(key)
            await settle(pilot)

    assert snap_compare(demo_app(demo_transport, who=MODERATOR), terminal_size=size,
                        run_before=moderate)


async def test_demo_moderator_finds_things_to_triage(
        demo_transport: httpx.ASGITransport) -> None:
    """``demo --as moderator``: held posts (an NHS number caught), reports, a duplicate."""
    from tui.screens.moderation import ModerationScreen

    app = demo_app(demo_transport, who=MODERATOR)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ModerationScreen)
        items = screen.triage.items
        assert {i.type for i in items} == {"submission", "comment"}
        assert {q for i in items for q in i.queued_for} == {"pending", "flagged"}
        assert any(f.kind == "nhs_number" for i in items for f in i.personal_data)
        assert any(d.score >= 0.3 for i in items for d in i.duplicates)
        assert any(i.anonymous for i in items) and any(i.author_record.rejections
                                                      for i in items)


def test_help_overlay(snap_compare: SnapCompare, demo_transport: httpx.ASGITransport) -> None:
    """``?`` at 80x24, a moderator's (the longest): no line wraps."""
    async def help_(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(demo_app(demo_transport, who=MODERATOR), terminal_size=(80, 24),
                        run_before=help_)
