"""Your profile, and the answer to "is my ballot counted?", at 80x24 on the demo."""

from __future__ import annotations

from typing import Any

import httpx
from textual.pilot import Pilot

from tests.test_snapshots import SnapCompare, demo_app, demo_transport, settle

__all__ = ["demo_transport"]


def test_profile_screen(snap_compare: SnapCompare, demo_transport: httpx.ASGITransport) -> None:
    async def profile(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.open_profile()  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(demo_app(demo_transport), terminal_size=(80, 24), run_before=profile)
