"""One request in-process, uncached, its SQL timed, and the database's plan for its page
query: what ``bench national`` prints under its load figures."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import event

from server.config import Settings
from server.db import Database


@dataclass
class Statement:
    sql: str
    params: Any
    ms: float


PROFILE_REPEATS = 15


async def profile(url: str, path: str, params_for: Callable[[int, int], dict[str, str]],
                  token: str, repeat: int = PROFILE_REPEATS) -> tuple[float, list[Statement]]:
    """One request in-process (ASGI, no socket), page cache off: the median time of
    ``repeat`` (the ``n``-th with ``params_for(0, n)``, so a row of different searches
    profiles different searches) and the SQL of that median request, each timed."""
    from server.app import create_app

    settings = Settings(database_url=url, page_cache_seconds=0)
    app = create_app(settings)
    captured: list[Statement] = []
    began_at: dict[int, float] = {}
    runs: list[tuple[float, list[Statement]]] = []
    async with app.router.lifespan_context(app):
        db: Database = app.state.services.db
        engines = {id(db.reader): db.reader, id(db.writer): db.writer}.values()

        def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                   executemany: bool) -> None:
            began_at[id(cursor)] = time.perf_counter()

        def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                  executemany: bool) -> None:
            ms = 1000 * (time.perf_counter() - began_at.pop(id(cursor), time.perf_counter()))
            captured.append(Statement(statement, parameters, ms))

        for engine in engines:
            event.listen(engine.sync_engine, "before_cursor_execute", before)
            event.listen(engine.sync_engine, "after_cursor_execute", after)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            deadline = time.perf_counter() + 60
            for n in range(repeat + 1):  # the first warms up, not counted
                if time.perf_counter() > deadline and runs:
                    break
                captured.clear()
                began = time.perf_counter()
                response = await http.get(path, params=params_for(0, n),
                                          headers={"Authorization": f"Bearer {token}"})
                elapsed = 1000 * (time.perf_counter() - began)
                response.raise_for_status()
                if n:
                    runs.append((elapsed, list(captured)))
    runs.sort(key=lambda run: run[0])
    return runs[(len(runs) - 1) // 2]


async def explain(url: str, statement: Statement) -> str:
    """The database's plan for ``statement`` (PostgreSQL: with ANALYZE and BUFFERS)."""
    db = Database.connect(url, pool_size=1)
    try:
        async with db.reader.connect() as conn:
            if db.dialect == "postgresql":
                rows = (await conn.exec_driver_sql(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.params)).all()
                return "\n".join(str(r[0]) for r in rows)
            plan = [tuple(r) for r in (await conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement.sql, statement.params)).all()]
            return "\n".join(f"{'  ' * _depth(plan, r)}{r[3]}" for r in plan)
    finally:
        await db.dispose()


def _depth(rows: Sequence[tuple[Any, ...]], row: tuple[Any, ...]) -> int:
    parents = {r[0]: r[1] for r in rows}
    depth, parent = 0, row[1]
    for _ in range(len(rows)):  # bounded walk up the tree
        if parent == 0 or parent not in parents:
            break
        depth, parent = depth + 1, parents[parent]
    return depth


def is_listing(sql: str) -> bool:
    """The statement that selects the page of submissions (the one the indexes are for)."""
    flat = " ".join(sql.split())
    # The page for one viewer joins the author (and a search its text index) first.
    return re.search(r"FROM submissions (JOIN .*)?WHERE submissions\.challenge_id = .* LIMIT ",
                     flat) is not None


def short(sql: str) -> str:
    one_line = " ".join(sql.split())
    if one_line.startswith("SELECT ") and " FROM " in one_line:
        _, tail = one_line.split(" FROM ", 1)
        one_line = "SELECT … FROM " + tail
    return one_line if len(one_line) <= 160 else one_line[:157] + "…"
