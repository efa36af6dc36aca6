"""The benchmarks' own checks: the vote baseline (bench/baseline.py) sends exactly the app's
SQL per vote, and RESULTS.md keeps one summary row and one block per bench.

Its ratio is only like for like if the bare Starlette endpoint sends the database what
``PUT /submissions/{id}/vote`` sends, statement for statement, with the app's caches
on (the default) and off: the same token lookup (or none when cached), the same locks,
the same challenge and phase reads (or none when cached), the participant row only on
a first vote, the same live event (lock and row).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, select
from starlette.types import ASGIApp

from bench import common
from bench.baseline import create as create_baseline
from server.config import Settings
from server.db import Database
from server.live_tables import EventRow
from tests.support import TestApi


@pytest.fixture(params=[0.0, 2.0], ids=["caches-off", "caches-on"])
def settings(database_url: str, request: pytest.FixtureRequest) -> Settings:
    return Settings(database_url=database_url, argon2_time_cost=1, argon2_memory_kib=256,
                    allowed_email_domains=[], cache_seconds=request.param)


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Every statement sent to ``db``'s engines meanwhile, whitespace collapsed."""
    sent: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(" ".join(statement.split()))

    engines = {id(e): e for e in (db.reader, db.writer, db.heavy) if e}.values()
    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", before)


@asynccontextmanager
async def client(app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test/api/v1") as http:
        yield http


async def votes_sql(http: httpx.AsyncClient, db: Database, token: str,
                    ids: list[int]) -> list[list[str]]:
    """The statements of: a first vote (caches cold), a changed vote, another first vote."""
    sent: list[list[str]] = []
    for sid, value in ((ids[0], 1), (ids[0], -1), (ids[1], 1)):
        with statements(db) as one:
            r = await http.put(f"/submissions/{sid}/vote", json={"value": value},
                               headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        assert r.json()["my_vote"] == value
        sent.append(one)
    return sent


async def counts_events(db: Database, ids: list[int]) -> list[tuple[Any, ...]]:
    """The ``submission.counts`` rows of these submissions, in order, their ids numbered."""
    async with db.read() as session:
        rows = (await session.execute(select(
            EventRow.name, EventRow.challenge_id, EventRow.audience, EventRow.user_id,
            EventRow.data).where(EventRow.name == "submission.counts")
            .order_by(EventRow.id))).all()
    found = []
    for name, challenge_id, audience, user_id, data in rows:
        item = json.loads(data)
        if item["id"] in ids:
            item["id"] = ids.index(item["id"])
            found.append((name, challenge_id, audience, user_id, item))
    return found


async def test_the_vote_baseline_sends_the_apps_statements(
        api: TestApi, app: FastAPI, settings: Settings) -> None:
    await api.challenge()
    author, app_voter, base_voter = [await api.person() for _ in range(3)]
    ids = [(await api.submit(author, title=f"Idea {i}"))["id"] for i in range(4)]
    app.state.services.challenges.forget()  # both start cold, as a new server does
    app_sql = await votes_sql(api.http, api.db, app_voter.token, ids[:2])

    baseline = create_baseline(settings)
    async with baseline.router.lifespan_context(baseline), client(baseline) as http:
        base_sql = await votes_sql(http, baseline.state.db, base_voter.token, ids[2:])

    assert base_sql == app_sql
    # ... and writes the same live events (but for the submission's id).
    app_events = await counts_events(api.db, ids[:2])
    assert len(app_events) == 3 and await counts_events(api.db, ids[2:]) == app_events
    # What the comparison rests on: a first vote marks the participant, a change does not;
    # with the caches on, the second vote reads neither the token nor the phases.
    inserts = [[s for s in one if s.startswith("INSERT INTO participants")] for one in app_sql]
    assert [len(i) for i in inserts] == [1, 0, 1]
    phases_read = [any("FROM phases" in s for s in one) for one in app_sql]
    assert phases_read == ([True, True, True] if settings.cache_seconds == 0
                           else [True, False, False])


def test_results_keep_one_summary_row_and_one_block_per_bench(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """RESULTS.md is a current summary: a run replaces its bench's row and block."""
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\nBy hand.\n", encoding="utf-8")
    monkeypatch.setattr(common, "RESULTS", results)
    for figure in ("0.70", "0.91"):
        common.record("votes-sqlite", f"ratio {figure}", heading="Vote throughput, sqlite",
                      summary=[">= 0.6", figure, "met", "CPU loop 15.0 ms", "now"])
    common.record("client", "ratio 1.01", heading="Typed client overhead",
                  summary=["<= 1.15", "1.01", "met", "CPU loop 15.0 ms", "now"])
    text = results.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results\n\nBy hand.\n")
    assert "0.70" not in text
    assert text.count("ratio 0.91") == 1 and text.count("## Vote throughput, sqlite") == 1
    rows = common._summary_rows(text)
    assert list(rows) == ["Vote throughput, sqlite", "Typed client overhead"]
    assert rows["Vote throughput, sqlite"][2] == "0.91"
