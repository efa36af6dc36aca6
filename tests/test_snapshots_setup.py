"""Snapshots of the challenge set-up screen at 80x24: the demo challenge as its admin
sees it, at a fixed time in a fixed time zone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.test_snapshots import SnapCompare, demo_app, demo_transport, settle

__all__ = ["demo_transport"]  # the fixture, for pytest
ADMIN = ("sam.ashworth@nhs.net", "demo-sam")


@pytest.fixture
def london(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("keys", [
    ("E",),  # the top of the form: the timeline, title, summary, themes
    ("E", "ctrl+down", "ctrl+down", "tab", "tab", *"2026-12-01 18:30"),  # a phase's end
], ids=["top", "phase"])
def test_setup_screen(snap_compare: SnapCompare, demo_transport: httpx.ASGITransport,
                      london: None, keys: tuple[str, ...]) -> None:
    async def set_up(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        await pilot.wait_for_animation()
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False  # the cursor shown steadily: the same picture each run
        await pilot.pause()

    assert snap_compare(demo_app(demo_transport, who=ADMIN), terminal_size=(80, 24),
                        run_before=set_up)
