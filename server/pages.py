"""Pages of a challenge's submissions as every participant sees them, kept a moment.

Under load most list requests ask for the same few pages (the first page of ``top``,
of ``new``, a popular search), and rendering one cost more CPU than its query. So a
worker keeps each page's rows, rendered for a participant who neither wrote nor voted
on them, for ``CHALLENGE_PAGE_CACHE_SECONDS``, and applies per request what depends on
the viewer: their votes (one indexed statement), their own items (``is_mine``, the
moderator's reason) and their cursor. Whether counts are shown depends on the current
phase, so it is part of the key. Never shared: moderators' pages (they see anonymous
authors), ``mine`` (every status) and ``random`` (an order per viewer; a page only its
viewer asks for again is not worth keeping).

A change to a challenge's lists drops that challenge's pages on every instance at once
(``changed``, through ``server.invalidation``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from client.models import Submission, UserPublic
from server import listing
from server.bridging import Support, Tallies
from server.bridging_list import KEEP_SECONDS, Standings
from server.cache import TTLCache
from server.db import Database
from server.tables import UserRow
from server.viewer_votes import ViewerVotes
from server.views import submission_out


@dataclass(frozen=True)
class PageKey:
    challenge_id: int
    kind: str | None
    sort: str
    theme: str | None
    q: str | None
    after: tuple[Any, ...]  # the decoded cursor: a position, whoever's cursor it was
    limit: int
    counts: bool  # whether counts are shown (the current phase decides)


@dataclass(frozen=True)
class SharedPage:
    """A page kept for every participant, in objects the garbage collector skips.

    Five hundred pages of model objects and result rows were 140,000 objects in the
    oldest generation, and each full collection walked them all: 45-180 ms pauses
    every second or two under load, which were the p99. Exact tuples of plain values
    and bytes are not tracked, so a kept page costs the collector nothing.
    """

    keys: tuple[str, ...]  # the page query's column names
    rows: tuple[tuple[Any, ...], ...]  # its rows as plain tuples, without any viewer's vote
    items: tuple[bytes, ...]  # each row in JSON, as someone who neither wrote nor voted sees it
    next_key: tuple[Any, ...] | None  # where the next page starts; cursors are per viewer
    # Each row's support across staff groups, if shown (none: not shown).
    support: tuple[Support | None, ...] = ()


#: The ``Page`` model's JSON, written by hand around items already in JSON.
_ITEMS, _NEXT, _END = b'{"items":[', b'],"next_cursor":', b"}"


def page_json(items: Sequence[bytes], next_cursor: str | None) -> bytes:
    """What ``Page[Submission]`` serialises to, from items already serialised."""
    cursor = b"null" if next_cursor is None else json.dumps(next_cursor).encode()
    return b"".join((_ITEMS, b",".join(items), _NEXT, cursor, _END))


def items_json(items: Sequence[Submission], next_cursor: str | None) -> bytes:
    """``Page[Submission]``'s JSON, without FastAPI validating the server's own models
    again on the way out (a third of an uncached search's CPU)."""
    return page_json([_json(item) for item in items], next_cursor)


def render(row: Any, slug: str, viewer: UserRow | None, counts: bool,
           my_vote: int | None, support: Support | None = None) -> Submission:
    """One row of the page query as ``viewer`` sees it."""
    themes = sorted(row.theme_names.split(listing.THEME_SEPARATOR)) if row.theme_names else []
    author = UserPublic.model_construct(id=row.author_id, display_name=row.author_name)
    return submission_out(row, slug=slug, themes=themes, author=author, viewer=viewer,
                          counts=counts, my_vote=my_vote, support=support)


def _json(item: Submission) -> bytes:
    return item.__pydantic_serializer__.to_json(item)


def supports(rows: Sequence[Any], tallies: Tallies | None) -> tuple[Support | None, ...]:
    """Each row's support across staff groups (None without ``tallies``: not shown)."""
    return tuple(None if tallies is None else tallies.support(r.id) for r in rows)


def share(rows: Sequence[Any], slug: str, counts: bool,
          next_key: Sequence[Any] | None, tallies: Tallies | None = None) -> SharedPage:
    keys = tuple(rows[0]._fields) if rows else ()
    support = supports(rows, tallies)
    return SharedPage(keys, tuple(tuple(r) for r in rows),
                      tuple(_json(render(r, slug, None, counts, None, s))
                            for r, s in zip(rows, support, strict=True)),
                      None if next_key is None else tuple(next_key), support)


async def my_votes(db: Database | AsyncSession, viewer: UserRow | None, challenge_id: int,
                   page: SharedPage, votes: ViewerVotes) -> dict[int, int]:
    """``viewer``'s votes on ``page`` (a page of challenge ``challenge_id``)."""
    if viewer is None or not page.rows:
        return {}
    at = page.keys.index("id")
    return await votes.on_page(db, challenge_id, viewer.id, [r[at] for r in page.rows])


def for_viewer(page: SharedPage, slug: str, viewer: UserRow | None, counts: bool,
               votes: dict[int, int]) -> list[bytes]:
    """The page's items in JSON as ``viewer`` (not a moderator) sees them.

    For such a viewer, ``submission_out`` differs from the shared rendering only on
    items they wrote (``is_mine``, the reason) or voted on (``my_vote``): those are
    rendered again for them, the same way as an uncached page.
    """
    if viewer is None or not page.rows:
        return list(page.items)
    at_id, at_author = page.keys.index("id"), page.keys.index("author_id")
    return [_json(render(SimpleNamespace(**dict(zip(page.keys, row, strict=True))), slug,
                         viewer, counts, votes.get(row[at_id]), support))
            if row[at_author] == viewer.id or row[at_id] in votes else item
            for row, item, support in zip(page.rows, page.items,
                                          page.support or (None,) * len(page.rows),
                                          strict=True)]


class Pages:
    """The cache: bounded, per process, dropped per challenge by the writes to it."""

    def __init__(self, ttl: float, *, max_entries: int = 500,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._cache: TTLCache[PageKey, SharedPage] = TTLCache(ttl, max_entries=max_entries,
                                                              clock=clock)
        # The orders of sort=bridging: kept longer (they cost a read of every vote),
        # dropped with the pages.
        self.standings = Standings(KEEP_SECONDS if ttl > 0 else 0, clock=clock)
        # Each viewer's votes, for their ``my_vote`` on the pages: dropped with them.
        self.votes = ViewerVotes(ttl, clock=clock)

    @property
    def epoch(self) -> int:
        """Changes heard of so far. A page read before one of them may be stale, so it is
        not kept: take ``epoch`` before the request's first statement."""
        return self._cache.generation

    @property
    def enabled(self) -> bool:
        return self._cache.ttl > 0 and not self._cache.paused

    def get(self, key: PageKey) -> SharedPage | None:
        return self._cache.get(key)

    def put(self, key: PageKey, page: SharedPage, epoch: int) -> None:
        self._cache.put(key, page, epoch)

    def changed(self, challenge_id: int, voters: list[int] | None = None) -> None:
        """After a change that shows in this challenge's lists was committed; ``voters``:
        whose votes it changed, if it changed only theirs (None: maybe anyone's)."""
        self._cache.drop_keys(lambda key: key.challenge_id == challenge_id)
        self.standings.changed(challenge_id)
        self.votes.changed(challenge_id, voters)

    def clear(self) -> None:
        """After a change that may touch several challenges (moderation decisions)."""
        self._cache.clear()
        self.standings.clear()
        self.votes.clear()

    def pause(self) -> None:
        self._cache.pause()
        self.standings.pause()
        self.votes.pause()

    def resume(self) -> None:
        self._cache.resume()
        self.standings.resume()
        self.votes.resume()

    def __len__(self) -> int:
        return len(self._cache)
