"""Limits in the PostgreSQL table every instance shares (``server.shared_limits``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.db import Database
from server.ratelimit import SlidingWindow
from server.shared_limits import TableWindow, digest
from server.tables import RateLimitRow
from tests.support import Clock, reset_database


@pytest.fixture
async def instances(postgresql_url: str) -> AsyncIterator[list[Database]]:
    """Three databases' worth of connections: three instances' pools."""
    await reset_database(postgresql_url)
    made = [Database.connect(postgresql_url, pool_size=5) for _ in range(3)]
    try:
        yield made
    finally:
        for db in made:
            await db.dispose()


async def rows(db: Database) -> int:
    async with db.read() as session:
        return int((await session.execute(select(func.count()).select_from(RateLimitRow)))
                   .scalar_one())


async def test_instances_racing_for_the_last_places_share_one_budget(
        instances: list[Database]) -> None:
    clock = Clock()
    windows = [TableWindow(db, "address", 7, 60, clock) for db in instances]
    answers = await asyncio.gather(*(windows[i % 3].acquire("203.0.113.9")
                                     for i in range(30)))
    assert sum(wait is None for wait in answers) == 7
    assert all(wait is None or 1 <= wait <= 60 for wait in answers), answers
    # Another key has a budget of its own.
    assert await windows[0].acquire("198.51.100.7") is None


async def test_the_window_slides(instances: list[Database]) -> None:
    clock = Clock()
    a, b = (TableWindow(db, "account", 2, 60, clock) for db in instances[:2])
    assert await a.acquire("ada") is None
    clock.advance(timedelta(seconds=20))
    assert await b.acquire("ada") is None
    assert await a.retry_after("ada") == 40  # until the first of the two is 60 s old
    assert await b.acquire("ada") == 40  # refused, and not counted
    clock.advance(timedelta(seconds=40))
    assert await a.retry_after("ada") is None
    assert await b.acquire("ada") is None
    assert await a.retry_after("ada") == 20


async def test_hits_count_past_the_limit_and_reset_forgets(
        instances: list[Database]) -> None:
    clock = Clock()
    a, b = (TableWindow(db, "account_address", 3, 60, clock) for db in instances[:2])
    for _ in range(5):
        await a.hit("ada\n203.0.113.9")
    assert await b.retry_after("ada\n203.0.113.9") is not None
    async with instances[0].read() as session:
        kept = (await session.execute(select(RateLimitRow.events))).scalar_one()
    assert len(kept) <= 4  # the newest few only: a row never grows with the hits
    await b.reset("ada\n203.0.113.9")
    assert await a.retry_after("ada\n203.0.113.9") is None


async def test_idle_keys_are_purged_and_keys_are_not_stored(
        instances: list[Database]) -> None:
    clock = Clock()
    window = TableWindow(instances[0], "address", 5, 60, clock)
    for n in range(20):
        await window.hit(f"192.0.2.{n}")
    assert await rows(instances[0]) == 20
    async with instances[0].read() as session:
        keys = set((await session.execute(select(RateLimitRow.key))).scalars())
    assert keys == {digest(f"192.0.2.{n}") for n in range(20)}
    assert not any("192.0.2" in key for key in keys)

    clock.advance(timedelta(seconds=61))
    await window.hit("192.0.2.200")
    assert await rows(instances[0]) == 1  # the others' windows had passed


async def test_the_in_memory_window_acquires_the_same_way() -> None:
    now = [0.0]
    window = SlidingWindow(2, 60, clock=lambda: now[0])
    assert await window.acquire("k") is None
    now[0] = 20.0
    assert await window.acquire("k") is None
    assert await window.acquire("k") == 40
    now[0] = 60.0
    assert await window.acquire("k") is None
