"""Each signed-in viewer's votes in a challenge, kept a moment beside the shared pages.

A cached page is the same bytes for every participant but for ``my_vote``, and reading
the viewer's votes on it was most of a signed-in cached page's CPU (250 µs of 400 on
the bench, PostgreSQL's the same: a pool checkout, a statement and its result). So each
viewer's votes in a challenge (all of them, up to ``MOST``) are kept for ``ttl``
seconds and every page of that challenge is answered from them.

A change to someone's votes is a change to what the challenge's lists show, so it
already drops that challenge's pages on every instance (``server.invalidation``, the
``pages`` message); the vote routes name the voter in that message, and the voter's
votes are dropped with the pages. A ``pages`` message that names no voter (a merge, a
moderation decision, anything else that may move votes) drops every viewer's votes in
that challenge, and ``None`` everyone's: these are never fresher or staler than the
pages themselves, on any instance.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.cache import TTLCache
from server.db import Database

#: More votes than this in one challenge are not kept (read per page instead): a
#: viewer's votes are read whole, and a heavy voter's would cost more than a page's.
MOST = 2_000

Votes = dict[int, int]  # submission id -> the viewer's vote

# In each driver's own parameter style, fixed texts: no SQL compiled per request.
_ALL_PG = ("SELECT votes.submission_id, votes.value FROM votes JOIN submissions ON "
           "submissions.id = votes.submission_id WHERE votes.user_id = $1 AND "
           "submissions.challenge_id = $2 LIMIT $3")
_ALL_SQLITE = ("SELECT votes.submission_id, votes.value FROM votes JOIN submissions ON "
               "submissions.id = votes.submission_id WHERE votes.user_id = ? AND "
               "submissions.challenge_id = ? LIMIT ?")
_ON_PAGE_PG = ("SELECT votes.submission_id, votes.value FROM votes WHERE votes.user_id = $1 "
               "AND votes.submission_id = ANY($2::integer[])")
_ON_PAGE_SQLITE = ("SELECT votes.submission_id, votes.value FROM votes WHERE "
                   "votes.user_id = ? AND votes.submission_id IN "
                   "(SELECT value FROM json_each(?))")


async def _read(source: Database | AsyncSession, pg: str, sqlite: str,
                pg_args: tuple[Any, ...], sqlite_args: tuple[Any, ...]) -> Votes:
    """One read: in the request's session if it has one (a second connection per
    request could wait on a pool its own session holds), else on a bare connection
    (through a session it cost three statements on PostgreSQL: BEGIN, the read,
    ROLLBACK; one read needs no transaction)."""
    if isinstance(source, AsyncSession):
        conn = await source.connection()
        postgres = conn.dialect.name == "postgresql"
        found = await conn.exec_driver_sql(pg if postgres else sqlite,
                                           pg_args if postgres else sqlite_args)
        return _votes(list(found.all()))
    async with source.reader.connect() as bare:
        if source.dialect == "postgresql":
            bare = await bare.execution_options(isolation_level="AUTOCOMMIT")
            found = await bare.exec_driver_sql(pg, pg_args)
        else:
            found = await bare.exec_driver_sql(sqlite, sqlite_args)
        rows = list(found.all())
    return _votes(rows)


def _votes(rows: list[Any]) -> Votes:
    return {int(sid): int(value) for sid, value in rows}


class ViewerVotes:
    """The cache: per process, bounded, dropped as the pages are (see the module)."""

    def __init__(self, ttl: float, *, max_entries: int = 5_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._cache: TTLCache[tuple[int, int], Votes] = TTLCache(
            ttl, max_entries=max_entries, clock=clock)

    async def on_page(self, db: Database | AsyncSession, challenge_id: int, viewer_id: int,
                      ids: list[int]) -> Votes:
        """The viewer's votes among ``ids`` (submissions of the challenge)."""
        if not ids:
            return {}
        key = (challenge_id, viewer_id)
        every = self._cache.get(key)
        if every is None and self._cache.ttl > 0 and not self._cache.paused:
            generation = self._cache.generation  # before the read: see TTLCache.put
            every = await _read(db, _ALL_PG, _ALL_SQLITE, (viewer_id, challenge_id, MOST + 1),
                                (viewer_id, challenge_id, MOST + 1))
            if len(every) > MOST:
                every = None
            else:
                self._cache.put(key, every, generation)
        if every is None:
            return await _read(db, _ON_PAGE_PG, _ON_PAGE_SQLITE, (viewer_id, ids),
                               (viewer_id, json.dumps(ids)))
        return {sid: every[sid] for sid in ids if sid in every}

    def changed(self, challenge_id: int, voters: Iterable[int] | None = None) -> None:
        """After a change to the challenge's lists: ``voters``' votes in it, or (None)
        anyone's, may have changed."""
        if voters is None:
            self._cache.drop_keys(lambda key: key[0] == challenge_id)
        else:
            for voter in voters:
                self._cache.drop((challenge_id, int(voter)))

    def clear(self) -> None:
        self._cache.clear()

    def pause(self) -> None:
        self._cache.pause()

    def resume(self) -> None:
        self._cache.resume()

    def __len__(self) -> int:
        return len(self._cache)
