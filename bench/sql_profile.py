"""One request in-process, its SQL timed, and the database's plan for its page query:
what ``bench national`` prints under its load figures."""

from __future__ import annotations

import time
from collections.abc import Sequence
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


async def profile(url: str, path: str, params: dict[str, str], token: str,
                  page_cache_seconds: float | None, repeat: int = 15,
                  ) -> tuple[float, list[Statement]]:
    """One request in-process (ASGI, no socket): its time and its SQL, each timed (the
    best of ``repeat``: with the page cache on, a page served from it)."""
    from server.app import create_app

    settings = Settings(database_url=url)
    if page_cache_seconds is not None:
        settings = settings.model_copy(update={"page_cache_seconds": page_cache_seconds})
    app = create_app(settings)
    captured: list[Statement] = []
    began_at: dict[int, float] = {}
    best = float("inf")
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
            last: list[Statement] = []
            deadline = time.perf_counter() + 60
            for _ in range(repeat):
                if time.perf_counter() > deadline and last:
                    break
                captured.clear()
                began = time.perf_counter()
                response = await http.get(path, params=params,
                                          headers={"Authorization": f"Bearer {token}"})
                elapsed = 1000 * (time.perf_counter() - began)
                response.raise_for_status()
                if elapsed < best:
                    best, last = elapsed, list(captured)
    return best, last


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
    return "FROM submissions WHERE submissions.challenge_id" in flat and " LIMIT " in flat


def short(sql: str) -> str:
    one_line = " ".join(sql.split())
    if one_line.startswith("SELECT ") and " FROM " in one_line:
        _, tail = one_line.split(" FROM ", 1)
        one_line = "SELECT … FROM " + tail
    return one_line if len(one_line) <= 160 else one_line[:157] + "…"
