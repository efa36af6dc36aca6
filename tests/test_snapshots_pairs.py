"""The pairwise screen at 80x24, on the demo challenge (whose phase allows comparing)."""

from __future__ import annotations

import random
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot

import server.pairs
from tests.test_snapshots import SnapCompare, demo_app, demo_transport, settle

__all__ = ["demo_transport"]


def test_pairs_screen(snap_compare: SnapCompare, demo_transport: httpx.ASGITransport,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The server draws pairs at random: a seeded draw makes the picture the same each run.
    monkeypatch.setattr(server.pairs.choose, "__kwdefaults__", {"also_answered": None,
                                                                "rng": random.Random(7)})

    async def compare(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)

    assert snap_compare(demo_app(demo_transport), terminal_size=(80, 24), run_before=compare)
