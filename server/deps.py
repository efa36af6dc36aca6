"""FastAPI dependencies: services, sessions, the signed-in user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.cache import SignedIn
from server.problems import ProblemError
from server.security import hash_token
from server.services import Services
from server.tables import SessionRow, UserRow


async def get_services(request: Request) -> Services:
    # async: FastAPI runs a plain def dependency in a thread, a hand-off per request
    services: Services = request.app.state.services
    # Once per request (FastAPI keeps a dependency's value for the request), before
    # any cache is read: what other instances changed is dropped by then.
    await services.invalidate.fresh()
    return services


Svc = Annotated[Services, Depends(get_services)]


async def read_session(services: Svc) -> AsyncIterator[AsyncSession]:
    async with services.db.read() as session:
        yield session


# "function": the connection goes back to the pool when the route returns, not after
# the response is sent; held longer, twenty requests queued for ten connections, and
# the pool's queue let newcomers overtake the waiting (long latency tails).
ReadDB = Annotated[AsyncSession, Depends(read_session, scope="function")]


async def heavy_read_session(services: Svc) -> AsyncIterator[AsyncSession]:
    async with services.db.read_heavy() as session:
        yield session


# For aggregates over a whole challenge: off the event loop's thread on SQLite.
HeavyReadDB = Annotated[AsyncSession, Depends(heavy_read_session, scope="function")]

bearer = HTTPBearer(auto_error=False, description="A token from /api/v1/auth/login")


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, detail, headers={"WWW-Authenticate": "Bearer"})


async def optional_user(
    services: Svc,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> UserRow | None:
    if credentials is None:
        return None
    token_hash = hash_token(credentials.credentials)
    signed_in = services.tokens.get(token_hash)
    if signed_in is None:
        generation = services.tokens.generation
        async with services.db.read() as session:
            row = (await session.execute(
                select(SessionRow, UserRow)
                .join(UserRow, UserRow.id == SessionRow.user_id)
                .where(SessionRow.token_hash == token_hash)
            )).one_or_none()
        if row is None:
            raise _unauthorized("The token is not valid; sign in again.")
        token, user = row
        if token.revoked_at is not None:
            raise _unauthorized("The token was revoked (signed out); sign in again.")
        signed_in = SignedIn(user, token.expires_at)
        services.tokens.put(token_hash, signed_in, generation)
    if signed_in.expires_at <= services.now():
        raise _unauthorized("The session has expired; sign in again.")
    if signed_in.user.blocked:
        raise ProblemError(403, "This account is blocked.")
    return signed_in.user


async def current_user(
    user: Annotated[UserRow | None, Depends(optional_user)],
) -> UserRow:
    if user is None:
        raise _unauthorized("Sign in to do this.")
    return user


async def current_admin(user: Annotated[UserRow, Depends(current_user)]) -> UserRow:
    if user.role != "admin":
        raise ProblemError(403, "Only an admin may do this.")
    return user


MaybeUser = Annotated[UserRow | None, Depends(optional_user)]
CurrentUser = Annotated[UserRow, Depends(current_user)]
Admin = Annotated[UserRow, Depends(current_admin)]


def is_moderator(user: UserRow | None) -> bool:
    return user is not None and user.role in ("moderator", "admin")

MAX_ID = 2**31 - 1  # ids are 32-bit on every database; larger would be a database error
SubmissionId = Annotated[int, Path(ge=1, le=MAX_ID)]
CommentId = Annotated[int, Path(ge=1, le=MAX_ID)]
