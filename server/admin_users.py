"""``change-challenge admin user list | set-role | block | unblock``.

Blocking sets the same ``users.blocked`` flag a moderator's ``block_user`` decision sets:
the API refuses a blocked account's requests and sign-ins (``server.deps``), and an
unblock lets it back in with its sessions intact. This runs in its own process: on
PostgreSQL it tells every server instance to forget the user's cached sign-ins when its
transaction commits (``server.invalidation.notify_in``), so the change applies at their
next request; on SQLite a server that checked one of the user's tokens in the last
``CHALLENGE_CACHE_SECONDS`` may go on answering with the old role or unblocked state
until its token cache lets go (see ``server.cache.Tokens``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from client.text import clean_text
from server.config import Settings
from server.db import Database
from server.invalidation import notify_in
from server.migrate import upgrade
from server.tables import UserRow

COLUMNS = ("EMAIL", "DISPLAY NAME", "ROLE", "BLOCKED", "CREATED")
_SPACES = re.compile(r"\s+")


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[Database]:
    """The database for one command (an SQLite file is brought up to date first)."""
    if settings.is_sqlite:
        await upgrade(settings.database_url)
    db = Database.connect(settings.database_url, pool_size=1)
    try:
        yield db
    finally:
        await db.dispose()


def for_terminal(value: str) -> str:
    """Stored text made safe to print in one table cell: no control characters (an ESC
    in a display name must not drive the admin's terminal), no line breaks or tabs."""
    return _SPACES.sub(" ", clean_text(value)).strip()


def aligned(rows: Sequence[Sequence[str]]) -> str:
    """Rows of cells as a plain-text table, each column as wide as its widest cell."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))
                     .rstrip() for row in rows)


def table(users: Sequence[UserRow]) -> str:
    return aligned([COLUMNS] + [
        (for_terminal(u.email), for_terminal(u.display_name), u.role,
         "yes" if u.blocked else "no", u.created_at.strftime("%Y-%m-%d %H:%M"))
        for u in users])


async def list_users(settings: Settings, role: str | None = None) -> int:
    query = select(UserRow).order_by(UserRow.created_at, UserRow.id)
    if role is not None:
        query = query.where(UserRow.role == role)
    async with database(settings) as db, db.read() as session:
        users = list((await session.execute(query)).scalars())
    print(table(users))
    return 0


async def _find(session: AsyncSession, email: str) -> UserRow | None:
    # Stored lower-cased (see UserRow.email), as signing in looks them up.
    return (await session.execute(
        select(UserRow).where(UserRow.email == email.strip().lower()).with_for_update()
    )).scalar_one_or_none()


def _no_user(email: str) -> int:
    print(f"change-challenge: no user has the email {for_terminal(email)}", file=sys.stderr)
    return 1


def _who(user: UserRow) -> str:
    return f"{for_terminal(user.display_name)} <{for_terminal(user.email)}>"


async def set_role(settings: Settings, email: str, role: str) -> int:
    async with database(settings) as db, db.write() as session:
        user = await _find(session, email)
        if user is None:
            return _no_user(email)
        before = user.role
        user.role = role
        await notify_in(session, {"users": [user.id]})
        await session.commit()
        print(f"{_who(user)}: role {before} -> {role}." if before != role
              else f"{_who(user)} is already {role}.")
    return 0


async def set_blocked(settings: Settings, email: str, blocked: bool) -> int:
    word = "blocked" if blocked else "unblocked"
    async with database(settings) as db, db.write() as session:
        user = await _find(session, email)
        if user is None:
            return _no_user(email)
        if user.blocked == blocked:
            print(f"{_who(user)} is already {word}.")
            return 0
        user.blocked = blocked
        await notify_in(session, {"users": [user.id]})
        await session.commit()
        print(f"{_who(user)} is now {word}.")
    return 0
