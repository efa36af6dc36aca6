"""The vote baseline: a bare Starlette endpoint that runs the app's SQL, and nothing else.

Same database setup as the app (``server.db.Database`` with the pool size from the
settings: on SQLite a reader pool and the single-connection ``BEGIN IMMEDIATE``
writer), same token check query on the reader, then the statements
``PUT /api/v1/submissions/{id}/vote`` issues, in the same order, in one write
transaction: lock the voter, lock and read the submission, read the phases, read the
existing vote, mark the participant, update the counters and score, insert or
update the vote, commit. What it leaves out is the framework: FastAPI's dependency
injection and validation, the ORM's unit of work, pydantic models, the problem
handlers and the request guard middleware.

Served by ``bench.serve`` with exactly the uvicorn options the app gets.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.config import Settings
from server.db import Database
from server.ranking import wilson_lower_bound
from server.security import hash_token
from server.tables import (
    Base,
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
phases = Base.metadata.tables[PhaseRow.__tablename__]
votes = Base.metadata.tables[VoteRow.__tablename__]
participants = Base.metadata.tables[ParticipantRow.__tablename__]

# The statements the app issues (see server/deps.py and server/routes/votes.py).
TOKEN = (select(sessions, users).join_from(sessions, users, users.c.id == sessions.c.user_id))
LOCK_VOTER = select(users.c.id).with_for_update()
LOCK_SUBMISSION = select(submissions).with_for_update()
PHASES = select(phases).order_by(phases.c.position)
EXISTING = select(votes)


def _problem(status: int, detail: str) -> Response:
    return JSONResponse({"title": detail, "status": status, "detail": detail},
                        status_code=status, media_type="application/problem+json")


async def _user(db: Database, request: Request) -> Row[Any] | Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _problem(401, "Sign in to do this.")
    async with db.reader.connect() as conn:
        row = (await conn.execute(TOKEN.where(sessions.c.token_hash == hash_token(token)))
               ).one_or_none()
    now = datetime.now(UTC)
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return _problem(401, "The token is not valid; sign in again.")
    if row.blocked:
        return _problem(403, "This account is blocked.")
    return row


async def _vote(conn: AsyncConnection, db: Database, user: Row[Any], submission_id: int,
                value: int) -> Response:
    now = datetime.now(UTC)
    await conn.execute(LOCK_VOTER.where(users.c.id == user.id))
    row = (await conn.execute(LOCK_SUBMISSION.where(submissions.c.id == submission_id))
           ).one_or_none()
    if row is None or row.status != "published":
        return _problem(404, "No such submission.")
    current = [p for p in (await conn.execute(PHASES.where(
        phases.c.challenge_id == row.challenge_id))).all() if p.starts_at <= now < p.ends_at]
    if not current or not current[0].votes:
        return _problem(403, "Voting is closed.")
    existing = (await conn.execute(EXISTING.where(
        votes.c.user_id == user.id, votes.c.submission_id == submission_id))).one_or_none()
    old = existing.value if existing is not None else None
    up, down = row.up, row.down
    if old != value:
        # (A vote budget would be counted here; the benchmark's phase has none.)
        insert = postgresql.insert if db.dialect == "postgresql" else sqlite.insert
        await conn.execute(insert(participants).values(
            challenge_id=row.challenge_id, user_id=user.id, first_at=now).on_conflict_do_nothing())
        up += (value == 1) - (old == 1)
        down += (value == -1) - (old == -1)
        changed: dict[str, Any] = {}
        if up != row.up:
            changed["up"] = up
        if down != row.down:
            changed["down"] = down
        changed["score"] = wilson_lower_bound(up, down)
        await conn.execute(update(submissions).where(submissions.c.id == submission_id)
                           .values(**changed))
        if existing is None:
            statement = votes.insert().values(user_id=user.id, submission_id=submission_id,
                                              value=value, created_at=now, updated_at=now)
            if db.dialect == "postgresql":  # the ORM fetches the new id this way there
                statement = statement.returning(votes.c.id)
            await conn.execute(statement)
        else:
            await conn.execute(update(votes).where(votes.c.id == existing.id)
                               .values(value=value, updated_at=now))
        await conn.commit()
    return JSONResponse({"submission_id": submission_id, "my_vote": value, "up": up,
                         "down": down, "score": wilson_lower_bound(up, down)})


async def vote(request: Request) -> Response:
    db: Database = request.app.state.db
    user = await _user(db, request)
    if isinstance(user, Response):
        return user
    try:
        body = json.loads(await request.body())
        value = body["value"]
    except (ValueError, KeyError, TypeError):
        return _problem(422, "Send {\"value\": 1} or {\"value\": -1}.")
    if value not in (1, -1) or isinstance(value, bool) or set(body) != {"value"}:
        return _problem(422, "Send {\"value\": 1} or {\"value\": -1}.")
    submission_id = int(request.path_params["submission_id"])
    async with db.writer.connect() as conn:
        return await _vote(conn, db, user, submission_id, value)


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "database": request.app.state.db.dialect})


def factory() -> Starlette:
    """For uvicorn's ``--factory``: settings (and so the database) from the environment."""
    settings = Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.db = Database.connect(settings.database_url, pool_size=settings.pool_size)
        try:
            yield
        finally:
            await app.state.db.dispose()

    return Starlette(routes=[
        Route("/api/v1/submissions/{submission_id:int}/vote", vote, methods=["PUT"]),
        Route("/api/v1/health", health, methods=["GET"]),
    ], lifespan=lifespan)
