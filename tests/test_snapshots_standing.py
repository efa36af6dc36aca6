"""Issue 15's rankings at 80x24 on the demo: the list sorted pairwise and by support
across staff groups, and a submission showing its groups' support.

The demo's people are spread over many staff groups, none with 5 voters on an item, so
these put them in two groups first (the seed itself is not changed here)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from textual.pilot import Pilot

from server.db import Database
from server.tables import UserRow
from tests.test_snapshots import SnapCompare, demo_app, demo_transport, settle

__all__ = ["demo_transport"]

GROUPS = ("Nursing and midwifery registered", "Medical and dental")


async def two_groups(database_url: str) -> None:
    """Every other demo person (by id) a nurse, the rest doctors."""
    db = Database.connect(database_url, pool_size=1)
    try:
        async with db.write() as session:
            ids = (await session.scalars(select(UserRow.id).order_by(UserRow.id))).all()
            for index, ident in enumerate(ids):
                await session.execute(update(UserRow).where(UserRow.id == ident)
                                      .values(staff_group=GROUPS[index % 2]))
            await session.commit()
    finally:
        await db.dispose()


@pytest.fixture
def grouped(demo_transport: httpx.ASGITransport, tmp_path: Path) -> httpx.ASGITransport:
    asyncio.run(two_groups(f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}"))
    return demo_transport


def keys(*pressed: str) -> Any:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_pairwise_list(snap_compare: SnapCompare, demo_transport: httpx.ASGITransport) -> None:
    assert snap_compare(demo_app(demo_transport), terminal_size=(80, 24),
                        run_before=keys("5"))


def test_bridging_list(snap_compare: SnapCompare, grouped: httpx.ASGITransport) -> None:
    assert snap_compare(demo_app(grouped), terminal_size=(80, 24), run_before=keys("6"))


def test_detail_with_group_support(snap_compare: SnapCompare,
                                   grouped: httpx.ASGITransport) -> None:
    assert snap_compare(demo_app(grouped), terminal_size=(80, 24),
                        run_before=keys("6", "enter"))
