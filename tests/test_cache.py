"""The per-process caches and the SQLite readers that run on the event loop."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from server.cache import TTLCache
from server.db import Database


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_entries_expire_after_ttl() -> None:
    ticks = Ticks()
    cache: TTLCache[str, int] = TTLCache(2.0, clock=ticks)
    cache.put("a", 1)
    ticks.now = 1.9
    assert cache.get("a") == 1
    ticks.now = 2.0
    assert cache.get("a") is None


def test_zero_ttl_caches_nothing() -> None:
    cache: TTLCache[str, int] = TTLCache(0)
    cache.put("a", 1)
    assert cache.get("a") is None


def test_full_cache_drops_the_oldest_entry() -> None:
    cache: TTLCache[int, str] = TTLCache(60, max_entries=3)
    for key in range(4):
        cache.put(key, str(key))
    assert [cache.get(k) for k in range(4)] == [None, "1", "2", "3"]


def test_expired_entries_leave_memory_when_another_is_put() -> None:
    ticks = Ticks()
    cache: TTLCache[str, int] = TTLCache(1.0, max_entries=3, clock=ticks)
    cache.put("a", 1)
    ticks.now = 0.5
    cache.put("b", 2)
    cache.put("a", 3)  # put again: it now expires last, so "b" is the oldest
    cache.put("c", 4)
    cache.put("d", 5)
    assert [cache.get(k) for k in "abcd"] == [3, None, 4, 5]
    ticks.now = 1.6  # every entry has expired
    cache.put("e", 6)
    assert len(cache) == 1


def test_drop_where_and_clear() -> None:
    cache: TTLCache[int, int] = TTLCache(60)
    for key in range(6):
        cache.put(key, key % 2)
    cache.drop_where(lambda value: value == 1)
    assert [k for k in range(6) if cache.get(k) is not None] == [0, 2, 4]
    cache.clear()
    assert cache.get(0) is None


async def _thread_of(db: Database, heavy: bool) -> int:
    """The thread that runs a statement: a SQLite function reports it."""
    opener = db.read_heavy if heavy else db.read
    async with opener() as session:
        connection = await session.connection()
        raw: Any = (await connection.get_raw_connection()).driver_connection
        # aiosqlite's sqlite3 connection; create_function needs no thread of its own here
        raw._conn.create_function("thread_id", 0, threading.get_ident)
        return int((await session.execute(text("SELECT thread_id()"))).scalar_one())


async def test_sqlite_reader_runs_on_the_loop_and_heavy_reader_does_not(tmp_path: Path) -> None:
    db = Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    try:
        assert await _thread_of(db, heavy=False) == threading.get_ident()
        assert await _thread_of(db, heavy=True) != threading.get_ident()
    finally:
        await db.dispose()


@pytest.mark.parametrize("heavy", [False, True])
async def test_reader_sees_committed_writes(tmp_path: Path, heavy: bool) -> None:
    db = Database.connect(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    try:
        async with db.write() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
            await session.execute(text("INSERT INTO t VALUES (7)"))
            await session.commit()
        opener = db.read_heavy if heavy else db.read
        async with opener() as session:
            assert (await session.execute(text("SELECT x FROM t"))).scalar_one() == 7
    finally:
        await db.dispose()


def test_a_value_read_before_a_drop_is_not_kept() -> None:
    """A read that began before news of a change must not put the old value back."""
    cache: TTLCache[str, int] = TTLCache(60)
    began = cache.generation
    cache.drop("other")  # news of a change arrives while the read is under way
    cache.put("a", 1, began)
    assert cache.get("a") is None
    cache.put("a", 2, cache.generation)
    assert cache.get("a") == 2


def test_a_paused_cache_answers_and_keeps_nothing_and_resumes_empty() -> None:
    cache: TTLCache[str, int] = TTLCache(60)
    cache.put("a", 1)
    cache.pause()
    assert cache.get("a") is None
    cache.put("b", 2)
    assert cache.get("b") is None
    cache.resume()
    assert cache.get("a") is None and cache.get("b") is None
    cache.put("c", 3)
    assert cache.get("c") == 3
