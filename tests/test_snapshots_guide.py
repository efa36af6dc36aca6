"""Snapshots of the guide screen at 80x24: the demo's challenge in its develop phase as
its admin sees it (the guide, then the suggestions), at a fixed time."""

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
from tests.test_snapshots import NOW, SnapCompare, demo_app, settle
from tests.test_snapshots_setup import ADMIN


@pytest.fixture
def develop_transport(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> httpx.ASGITransport:
    """Both demo challenges served in-process (the second developing its guide), with
    the server's and the app's clocks pinned."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
                        argon2_time_cost=1, argon2_memory_kib=256)
    asyncio.run(seed_demo(settings, quiet=True, now=NOW))
    app = create_app(settings, clock=lambda: NOW)
    app.state.services = Services(settings=settings, db=Database.connect(settings.database_url),
                                  passwords=Passwords(1, 256), clock=lambda: NOW)
    monkeypatch.setattr(tui.clock, "now", lambda: NOW)
    return httpx.ASGITransport(app=app)


@pytest.mark.parametrize("keys", [(), ("s",)], ids=["guide", "suggestions"])
def test_guide_screen(snap_compare: SnapCompare, develop_transport: httpx.ASGITransport,
                      keys: tuple[str, ...]) -> None:
    async def open_guide(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in ("enter", "D", *keys):  # the challenge in its develop phase is first
            await pilot.press(key)
            await settle(pilot)

    assert snap_compare(demo_app(develop_transport, who=ADMIN), terminal_size=(80, 24),
                        run_before=open_guide)
