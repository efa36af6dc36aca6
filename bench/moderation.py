"""A bulk approve of 500 queued items through the real server, on each database.

The server runs as its own process (``bench.serve app``, the options of
``change-challenge serve``) on a fresh database holding one pre-moderated challenge
with ``items`` pending submissions. Each round times, over HTTP on loopback:

* ``approve``: ``POST /api/v1/moderation/decisions`` approving all of them (one
  transaction: locks, state checks, the status update, the audit log rows, the answer
  listing every target);
* ``undo``: ``POST /api/v1/moderation/actions/{id}/undo`` of that decision, which puts
  them all back to pending for the next round;

and, as the baseline in the same run, the same status change done as one bare SQL
``UPDATE ... WHERE id IN (...)`` in its own transaction from this process (then
reverted, untimed). Rounds alternate which goes first. No goal: the figures are
reported (issue 5 asks for the time on both databases), with the ratio to the baseline.
"""

from __future__ import annotations

import secrets
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.common import (
    HOST,
    Kind,
    calibrate,
    describe_url,
    prepare_database,
    record_run,
    say,
    table,
)
from bench.servers import Server, free_port, server_env
from server.db import Database
from server.security import hash_token
from server.tables import (
    ChallengeRow,
    ModerationActionRow,
    PhaseRow,
    PromptRow,
    SessionRow,
    SubmissionRow,
    UserRow,
)


@dataclass(frozen=True)
class ModerationOptions:
    items: int = 500
    rounds: int = 7


QUICK = ModerationOptions(rounds=2)


@dataclass
class Timings:
    approve: list[float] = field(default_factory=list)
    undo: list[float] = field(default_factory=list)
    baseline: list[float] = field(default_factory=list)
    approve_cpu: list[float] = field(default_factory=list)


async def seed_queue(url: str, items: int) -> tuple[str, list[int]]:
    """A pre-moderated challenge with ``items`` pending submissions; a moderator's token."""
    db = Database.connect(url, pool_size=1)
    now = datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    try:
        async with db.write() as session:
            challenge = ChallengeRow(slug="moderation-bench", title="Moderation bench",
                                     summary="", themes=["Time and capacity"],
                                     moderation="pre", anonymous_default=False,
                                     created_at=now, updated_at=now)
            author = UserRow(email="author@bench.example.org", display_name="Author",
                             password_hash="!", role="participant", created_at=now)
            moderator = UserRow(email="moderator@bench.example.org",
                                display_name="Moderator", password_hash="!",
                                role="moderator", created_at=now)
            session.add_all([challenge, author, moderator])
            await session.flush()
            session.add(PhaseRow(challenge_id=challenge.id, position=0, name="Open",
                                 starts_at=now - timedelta(days=1),
                                 ends_at=now + timedelta(days=30), submissions=True,
                                 comments=True, votes=True, show_counts=True))
            session.add(PromptRow(challenge_id=challenge.id, position=0, kind="story",
                                  question="What works?", description=""))
            session.add(SessionRow(token_hash=hash_token(token), user_id=moderator.id,
                                   created_at=now, expires_at=now + timedelta(days=1)))
            rows = [SubmissionRow(
                challenge_id=challenge.id, kind="story", title=f"Queued story {i}",
                body=f"Something that worked on ward {i}.", author_id=author.id,
                anonymous=False, status="pending",
                status_reason="Waiting for a moderator to approve it.", up=0, down=0,
                comments=0, score=0.0, created_at=now + timedelta(microseconds=i),
                updated_at=now) for i in range(items)]
            session.add_all(rows)
            await session.flush()
            ids = [r.id for r in rows]
            await session.commit()
    finally:
        await db.dispose()
    return token, ids


_BASELINE = text("UPDATE submissions SET status = :status, status_reason = :reason, "
                 "updated_at = :now WHERE id IN :ids").bindparams(
    bindparam("ids", expanding=True))


async def _bare_update(engine: object, ids: list[int], status: str,
                       reason: str | None) -> float:
    """One UPDATE in its own transaction; the seconds it took, commit included."""
    from sqlalchemy.ext.asyncio import AsyncEngine

    assert isinstance(engine, AsyncEngine)
    began = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(_BASELINE, {"status": status, "reason": reason,
                                       "now": datetime.now(UTC).replace(tzinfo=None)
                                       if engine.dialect.name == "sqlite"
                                       else datetime.now(UTC), "ids": ids})
    return time.perf_counter() - began


async def _check(url: str, ids: list[int]) -> tuple[bool, int]:
    """Whether every item is pending again, and how many actions were logged (all undone)."""
    db = Database.connect(url, pool_size=1)
    try:
        async with db.read() as session:
            pending = (await session.execute(select(func.count()).select_from(SubmissionRow)
                                             .where(SubmissionRow.id.in_(ids),
                                                    SubmissionRow.status == "pending"))
                       ).scalar_one()
            actions = (await session.execute(
                select(func.count()).select_from(ModerationActionRow)
                .where(ModerationActionRow.undone_at.is_not(None)))).scalar_one()
    finally:
        await db.dispose()
    return pending == len(ids), int(actions)


async def _round(http: httpx.AsyncClient, server: Server, ids: list[int],
                 timings: Timings) -> None:
    body = {"action": "approve", "targets": [{"type": "submission", "id": i} for i in ids]}
    cpu = server.cpu_seconds()
    began = time.perf_counter()
    answer = await http.post("/api/v1/moderation/decisions", json=body)
    timings.approve.append(time.perf_counter() - began)
    timings.approve_cpu.append(server.cpu_seconds() - cpu)
    if answer.status_code != 201:
        raise RuntimeError(f"approve: {answer.status_code} {answer.text[:300]}")
    result = answer.json()
    if [i["status"] for i in result["items"]] != ["published"] * len(ids):
        raise RuntimeError("approve: not every item was published")
    began = time.perf_counter()
    answer = await http.post(f"/api/v1/moderation/actions/{result['action']['id']}/undo")
    timings.undo.append(time.perf_counter() - began)
    if answer.status_code != 200:
        raise RuntimeError(f"undo: {answer.status_code} {answer.text[:300]}")


def _ms(values: Sequence[float]) -> str:
    return f"{1000 * statistics.median(values):.1f}"


async def run_moderation(kind: Kind, options: ModerationOptions, *, quick: bool,
                         argv: Sequence[str], info: dict[str, str], write: bool) -> bool:
    say(f"\n== moderation on {kind}: bulk approve of {options.items} items, "
        f"{options.rounds} rounds ==")
    name = "cc_bench_moderation" if kind == "postgresql" else "moderation"
    url = await prepare_database(kind, name, fresh=True)
    token, ids = await seed_queue(url, options.items)
    port = free_port()
    server = Server(f"moderation-{kind}",
                    [sys.executable, "-m", "bench.serve", "app", "--port", str(port)],
                    server_env(url), port)
    engine = create_async_engine(url)
    timings = Timings()
    try:
        await server.start()
        calibration = await calibrate(server.url)
        async with httpx.AsyncClient(base_url=server.url, trust_env=False, timeout=120,
                                     headers={"Authorization": f"Bearer {token}"}) as http:
            # A warm-up round each: connections, statement caches, imports on first use.
            await _round(http, server, ids, Timings())
            await _bare_update(engine, ids, "published", None)
            await _bare_update(engine, ids, "pending", "Waiting for a moderator.")
            for r in range(options.rounds):
                steps = ("app", "baseline") if r % 2 == 0 else ("baseline", "app")
                for step in steps:
                    if step == "app":
                        await _round(http, server, ids, timings)
                    else:
                        timings.baseline.append(
                            await _bare_update(engine, ids, "published", None))
                        await _bare_update(engine, ids, "pending", "Waiting for a moderator.")
                say(f"  round {r + 1}: approve {1000 * timings.approve[-1]:7.1f} ms, undo "
                    f"{1000 * timings.undo[-1]:7.1f} ms, bare UPDATE "
                    f"{1000 * timings.baseline[-1]:6.1f} ms")
    finally:
        server.stop()
        await engine.dispose()
    consistent, undone = await _check(url, ids)
    approve, base = statistics.median(timings.approve), statistics.median(timings.baseline)
    ratio = approve / base if base else 0.0
    rows = [
        ["approve (HTTP, `POST /moderation/decisions`)", _ms(timings.approve),
         f"{1000 * min(timings.approve):.1f}", f"{1000 * max(timings.approve):.1f}",
         f"{1000 * approve / options.items:.2f}"],
        ["undo of that approve (HTTP)", _ms(timings.undo), f"{1000 * min(timings.undo):.1f}",
         f"{1000 * max(timings.undo):.1f}",
         f"{1000 * statistics.median(timings.undo) / options.items:.2f}"],
        ["baseline: one bare `UPDATE ... WHERE id IN (...)`", _ms(timings.baseline),
         f"{1000 * min(timings.baseline):.1f}", f"{1000 * max(timings.baseline):.1f}",
         f"{1000 * base / options.items:.3f}"],
    ]
    figures = table(["what", "median ms", "min ms", "max ms", "ms per item"], rows)
    summary = (f"approve / bare UPDATE **{ratio:.1f}x** (medians); server CPU per approve "
               f"{1000 * statistics.median(timings.approve_cpu):.0f} ms; every item pending "
               f"again after the run: {'yes' if consistent else 'NO'}; actions logged and "
               f"undone: {undone}")
    say(figures)
    say(summary)
    record_run(f"moderation-{kind}", f"{kind}{' (quick)' if quick else ''}", quick=quick,
               argv=argv, info=info, calibration=calibration, write=write, lines=[
                   f"database: `{describe_url(url)}`, {options.items} pending "
                   f"submissions, one client on {HOST}, {options.rounds} rounds (after "
                   "one warm-up), app and baseline alternating first",
                   "", figures, "", summary],
               heading=f"Moderation: bulk approve of {options.items}, {kind}",
               goal=("(report)", f"approve {1000 * approve:.0f} ms, {ratio:.1f}x one bare "
                     f"UPDATE ({1000 * base:.0f} ms)", consistent))
    return consistent
