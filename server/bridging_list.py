"""``sort=bridging``: a challenge's published submissions in order of support across
staff groups, kept per challenge, and the pages walked from it.

The order is ``client.ranking.bridging_score`` of every published submission over
``server.bridging.tallies`` (best first, newer first on a tie), so it cannot be an
index: it is computed from the votes when asked for and kept (``Standings``) until a
change to the challenge's lists drops it, on every instance, with its pages
(``server.pages.Pages.changed``, through ``server.invalidation``): a vote, a
moderation decision, a person changing their staff group. Computing it reads every
vote of the counting groups (3.8 s for 2,000,000 votes on SQLite; see the report in
bench/RESULTS.md), so requests that want it while it is being computed wait for that
one computation rather than each starting their own.

A page walks the order from the cursor's (score, id) and asks the page query for the
submissions of the next stretch of ids (``listing``'s ``bridging_ids``), which also
applies the theme and search filters; a stretch that filters out too much is
followed by a longer one.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_right
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import bridging
from server.cache import TTLCache
from server.tables import SubmissionRow

#: How long an order is kept when nothing drops it (a drop on any change is the rule;
#: this only bounds what a missed message could cost).
KEEP_SECONDS = 300.0
#: The longest stretch of ids one page query is asked about.
MAX_STRETCH = 4000


@dataclass(frozen=True)
class Standing:
    """A challenge's tallies and its published submissions, best first."""

    tallies: bridging.Tallies
    ids: tuple[int, ...]
    kinds: tuple[str, ...]
    scores: tuple[float, ...]
    keys: tuple[tuple[float, int], ...]  # (-score, -id): ascending, for bisect

    def start(self, after: Sequence[Any]) -> int:
        """The index of the first submission after the cursor's (score, id)."""
        if not after:
            return 0
        return bisect_right(self.keys, (-float(after[0]), -int(after[1])))


async def compute(session: AsyncSession, challenge_id: int) -> Standing:
    tallies = await bridging.tallies(session, challenge_id)
    rows = (await session.execute(
        select(SubmissionRow.id, SubmissionRow.kind)
        .where(SubmissionRow.challenge_id == challenge_id,
               SubmissionRow.status == "published"))).all()
    ranked = sorted(((tallies.score(int(i)), int(i), str(k)) for i, k in rows),
                    key=lambda e: (-e[0], -e[1]))
    return Standing(tallies, tuple(e[1] for e in ranked), tuple(e[2] for e in ranked),
                    tuple(e[0] for e in ranked), tuple((-e[0], -e[1]) for e in ranked))


class _Abandoned(Exception):
    """The request computing an order went away before it finished."""


class Standings:
    """Orders per challenge, per process; dropped with the challenge's pages."""

    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._cache: TTLCache[int, Standing] = TTLCache(ttl, max_entries=100, clock=clock)
        self._flights: dict[int, tuple[int, asyncio.Future[Standing]]] = {}

    async def get(self, session: AsyncSession, challenge_id: int) -> Standing:
        kept = self._cache.get(challenge_id)
        if kept is not None:
            return kept
        # Taken before reading: an order read across a change is used, not kept.
        generation = self._cache.generation
        flight = self._flights.get(challenge_id)
        if flight is not None and flight[0] == generation:
            try:
                return await asyncio.shield(flight[1])
            except _Abandoned:
                pass  # compute it here instead
        future: asyncio.Future[Standing] = asyncio.get_running_loop().create_future()
        self._flights[challenge_id] = (generation, future)
        try:
            standing = await compute(session, challenge_id)
        except BaseException:
            future.set_exception(_Abandoned())
            future.exception()  # retrieved: no warning when nobody was waiting
            raise
        finally:
            if self._flights.get(challenge_id, (0, None))[1] is future:
                del self._flights[challenge_id]
        future.set_result(standing)
        self._cache.put(challenge_id, standing, generation)
        return standing

    def changed(self, challenge_id: int) -> None:
        self._cache.drop(challenge_id)

    def clear(self) -> None:
        self._cache.clear()

    def pause(self) -> None:
        self._cache.pause()

    def resume(self) -> None:
        self._cache.resume()


Fetch = Callable[[list[int]], Awaitable[list[Any]]]


async def page(standing: Standing, fetch: Fetch, *, kind: str | None, after: Sequence[Any],
               limit: int) -> tuple[list[Any], list[Any] | None]:
    """The page's rows (``fetch`` of ids gives the page query's rows of those that pass
    the filters) and the next page's (score, id), or None at the end."""
    found: list[Any] = []
    at, end = standing.start(after), len(standing.ids)
    stretch = limit + 1
    while at < end and len(found) <= limit:
        ids: list[int] = []
        while at < end and len(ids) < stretch:
            if kind is None or standing.kinds[at] == kind:
                ids.append(standing.ids[at])
            at += 1
        if not ids:
            break
        rows = {row.id: row for row in await fetch(ids)}
        found += [rows[i] for i in ids if i in rows]
        stretch = min(stretch * 4, MAX_STRETCH)
    if len(found) <= limit:
        return found, None
    last = found[limit - 1].id
    return found[:limit], [standing.tallies.score(last), last]
