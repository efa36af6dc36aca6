"""Your profile, and the answer to "is my ballot counted?", at 80x24 on the demo."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot

import server.challenge_keys
from tests.support import DAY
from tests.test_snapshots import NOW, SnapCompare, demo_app, demo_transport, serve_demo, settle

__all__ = ["demo_transport"]


def test_profile_screen(snap_compare: SnapCompare, demo_transport: httpx.ASGITransport) -> None:
    async def profile(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.open_profile()  # type: ignore[attr-defined]
        await settle(pilot)

    assert snap_compare(demo_app(demo_transport), terminal_size=(80, 24), run_before=profile)


def test_receipt_checked(snap_compare: SnapCompare, tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The demo's voting ended a day ago; the pseudonyms' key is fixed, so the
    # pseudonym and the chain's head are the same each run.
    transport = serve_demo(tmp_path, monkeypatch, at=NOW + 4 * DAY)
    monkeypatch.setattr(server.challenge_keys, "secrets",
                        types.SimpleNamespace(token_hex=lambda n: "5e" * n))

    async def check(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("V")
        await settle(pilot)

    assert snap_compare(demo_app(transport), terminal_size=(80, 24), run_before=check)
