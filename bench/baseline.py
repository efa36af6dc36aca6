"""The vote baseline: a bare Starlette endpoint that sends the app's SQL, and nothing else.

Per vote it sends the database exactly the statements ``PUT /api/v1/submissions/{id}/vote``
sends (server/deps.py, server/routes/votes.py, server/cache.py), in the same order:
the token lookup on the reader unless the token is cached; in one write transaction
the voter's lock (PostgreSQL only: on SQLite ``BEGIN IMMEDIATE`` already serialises
writers), the submission's lock, the challenge and its phases unless they are cached,
the existing vote, the participant row on a first vote only, the counters, the vote,
then the live event (server/live_record.py): the events lock (PostgreSQL only: its
``pg_advisory_xact_lock`` keeps event ids in commit order; SQLite's write lock does
already) and the ``submission.counts`` row, with the counters just set and the slug
from the challenge cache, as the app takes them. After the commit the app's hub reads
nothing while no one subscribes to ``/events`` (server/live_hub.py), so neither does
this. The caches are the app's own ``TTLCache`` with the app's ``cache_seconds``, so
``CHALLENGE_CACHE_SECONDS=0`` turns them off in both. tests/test_bench_baseline.py
checks the statements are the same, caches on and off, on both databases.

What it leaves out is the framework: FastAPI's dependency injection and validation,
the ORM's identity map and unit of work, pydantic models, the problem handlers and the
request guard middleware. Served by ``bench.serve`` with the app's uvicorn options.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.cache import TTLCache
from server.config import Settings
from server.db import Database
from server.live_record import EVENTS_LOCK
from server.live_tables import EventRow
from server.ranking import wilson_lower_bound
from server.security import hash_token
from server.tables import (
    Base,
    ChallengeRow,
    ParticipantRow,
    PhaseRow,
    SessionRow,
    SubmissionRow,
    UserRow,
    VoteRow,
)

sessions = Base.metadata.tables[SessionRow.__tablename__]
users = Base.metadata.tables[UserRow.__tablename__]
submissions = Base.metadata.tables[SubmissionRow.__tablename__]
challenges = Base.metadata.tables[ChallengeRow.__tablename__]
phases = Base.metadata.tables[PhaseRow.__tablename__]
votes = Base.metadata.tables[VoteRow.__tablename__]
participants = Base.metadata.tables[ParticipantRow.__tablename__]
events = Base.metadata.tables[EventRow.__tablename__]

TOKEN = select(sessions, users).join(users, users.c.id == sessions.c.user_id)
LOCK_VOTER = select(users.c.id).with_for_update()
LOCK_SUBMISSION = select(submissions).with_for_update()
PHASES = select(phases).order_by(phases.c.position)
EXISTING = select(votes)
EVENTS_LOCKED = text("SELECT pg_advisory_xact_lock(:key)")


@dataclass(frozen=True)
class Voter:
    id: int
    role: str
    blocked: bool
    expires_at: datetime


@dataclass
class State:
    db: Database
    tokens: TTLCache[str, Voter]
    # challenge id -> its slug and phases
    challenges: TTLCache[int, tuple[str, tuple[Row[Any], ...]]]


def _problem(status: int, detail: str) -> Response:
    return JSONResponse({"title": detail, "status": status, "detail": detail},
                        status_code=status, media_type="application/problem+json")


async def _voter(state: State, request: Request) -> Voter | Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _problem(401, "Sign in to do this.")
    token_hash = hash_token(token)
    voter = state.tokens.get(token_hash)
    if voter is None:
        async with state.db.reader.connect() as conn:
            row = (await conn.execute(TOKEN.where(sessions.c.token_hash == token_hash))
                   ).one_or_none()
        if row is None or row.revoked_at is not None:
            return _problem(401, "The token is not valid; sign in again.")
        voter = Voter(row.id, row.role, row.blocked, row.expires_at)
        state.tokens.put(token_hash, voter)
    if voter.expires_at <= datetime.now(UTC):
        return _problem(401, "The session has expired; sign in again.")
    if voter.blocked:
        return _problem(403, "This account is blocked.")
    return voter


async def _challenge(conn: AsyncConnection, state: State,
                     challenge_id: int) -> tuple[str, tuple[Row[Any], ...]]:
    found = state.challenges.get(challenge_id)
    if found is None:
        # The app's cache loads the challenge row and its phases (it caches both).
        slug = (await conn.execute(select(challenges).where(challenges.c.id == challenge_id))
                ).one().slug
        found = slug, tuple((await conn.execute(PHASES.where(
            phases.c.challenge_id == challenge_id))).all())
        state.challenges.put(challenge_id, found)
    return found


async def _vote(conn: AsyncConnection, state: State, voter: Voter, submission_id: int,
                value: int) -> Response:
    now = datetime.now(UTC)
    dialect = state.db.dialect
    if dialect == "postgresql":
        await conn.execute(LOCK_VOTER.where(users.c.id == voter.id))
    row = (await conn.execute(LOCK_SUBMISSION.where(submissions.c.id == submission_id))
           ).one_or_none()
    if row is None or row.status != "published":
        return _problem(404, "No such submission.")
    slug, found = await _challenge(conn, state, row.challenge_id)
    current = [p for p in found if p.starts_at <= now < p.ends_at]
    if not current or not current[0].votes:
        return _problem(403, "Voting is closed.")
    existing = (await conn.execute(EXISTING.where(
        votes.c.user_id == voter.id, votes.c.submission_id == submission_id))).one_or_none()
    old = existing.value if existing is not None else None
    up, down = row.up, row.down
    if old != value:
        budget = current[0].vote_budget
        if value == 1 and budget is not None:
            used = (await conn.execute(
                select(func.count()).select_from(votes)
                .join(submissions, submissions.c.id == votes.c.submission_id)
                .where(votes.c.user_id == voter.id, votes.c.value == 1,
                       submissions.c.challenge_id == row.challenge_id))).scalar_one()
            if used >= budget:
                return _problem(409, "Vote budget spent.")
        if existing is None:
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            await conn.execute(insert(participants).values(
                challenge_id=row.challenge_id, user_id=voter.id, first_at=now)
                .on_conflict_do_nothing())
        up += (value == 1) - (old == 1)
        down += (value == -1) - (old == -1)
        # The ORM's flush: only the columns whose value changed, then the vote.
        changed: dict[str, Any] = {}
        if up != row.up:
            changed["up"] = up
        if down != row.down:
            changed["down"] = down
        if (score := wilson_lower_bound(up, down)) != row.score:
            changed["score"] = score
        await conn.execute(update(submissions).where(submissions.c.id == submission_id)
                           .values(**changed))
        if existing is None:
            statement = votes.insert().values(user_id=voter.id, submission_id=submission_id,
                                              value=value, created_at=now, updated_at=now)
            if dialect == "postgresql":  # the ORM fetches the new id this way there
                statement = statement.returning(votes.c.id)
            await conn.execute(statement)
        else:
            await conn.execute(update(votes).where(votes.c.id == existing.id)
                               .values(value=value, updated_at=now))
        await _event(conn, dialect, row, slug, up, down, now)
        await conn.commit()
    return JSONResponse({"submission_id": submission_id, "my_vote": value, "up": up,
                         "down": down, "score": wilson_lower_bound(up, down)})


async def _event(conn: AsyncConnection, dialect: str, row: Row[Any], slug: str, up: int,
                 down: int, now: datetime) -> None:
    """The vote's ``submission.counts`` row, as server/live_record.py writes it."""
    if dialect == "postgresql":
        await conn.execute(EVENTS_LOCKED, {"key": EVENTS_LOCK})
    data = {"id": row.id, "up": up, "down": down, "score": wilson_lower_bound(up, down),
            "wins": row.wins, "losses": row.losses, "pairwise_score": row.pairwise_score,
            "comments": row.comments, "cause": "vote", "challenge": slug}
    statement = events.insert().values(
        name="submission.counts", challenge_id=row.challenge_id, audience="public",
        user_id=row.author_id, data=json.dumps(data, separators=(",", ":")), created_at=now)
    if dialect == "postgresql":  # the ORM fetches the new id this way there
        statement = statement.returning(events.c.id)
    await conn.execute(statement)


async def vote(request: Request) -> Response:
    state: State = request.app.state.bench
    voter = await _voter(state, request)
    if isinstance(voter, Response):
        return voter
    try:
        body = json.loads(await request.body())
        value = body["value"]
    except (ValueError, KeyError, TypeError):
        return _problem(422, "Send {\"value\": 1} or {\"value\": -1}.")
    if value not in (1, -1) or isinstance(value, bool) or set(body) != {"value"}:
        return _problem(422, "Send {\"value\": 1} or {\"value\": -1}.")
    submission_id = int(request.path_params["submission_id"])
    async with state.db.writer.connect() as conn:
        return await _vote(conn, state, voter, submission_id, value)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "database": request.app.state.db.dialect})


def create(settings: Settings) -> Starlette:
    """The baseline on ``settings``' database, with its pool size and cache lifetime."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.db = Database.connect(settings.database_url, pool_size=settings.pool_size)
        app.state.bench = State(app.state.db, TTLCache(settings.cache_seconds),
                                TTLCache(settings.cache_seconds, max_entries=1_000))
        try:
            yield
        finally:
            await app.state.db.dispose()

    return Starlette(routes=[
        Route("/api/v1/submissions/{submission_id:int}/vote", vote, methods=["PUT"]),
        Route("/api/v1/health", health, methods=["GET"]),
    ], lifespan=lifespan)


def factory() -> Starlette:
    """For uvicorn's ``--factory``: settings (and so the database) from the environment."""
    return create(Settings())
