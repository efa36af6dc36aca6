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

The worker that commits a change to a challenge's lists drops that challenge's pages
at once (``changed``); other workers show it within the TTL.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from client.models import Submission, UserPublic
from server import listing
from server.cache import TTLCache
from server.tables import UserRow
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
    rows: tuple[Any, ...]  # the page query's rows, without any viewer's vote
    items: tuple[Submission, ...]  # each row as someone who neither wrote nor voted sees it
    next_key: tuple[Any, ...] | None  # where the next page starts; cursors are per viewer


def render(row: Any, slug: str, viewer: UserRow | None, counts: bool,
           my_vote: int | None) -> Submission:
    """One row of the page query as ``viewer`` sees it."""
    themes = sorted(row.theme_names.split(listing.THEME_SEPARATOR)) if row.theme_names else []
    author = UserPublic.model_construct(id=row.author_id, display_name=row.author_name)
    return submission_out(row, slug=slug, themes=themes, author=author, viewer=viewer,
                          counts=counts, my_vote=my_vote)


def share(rows: Sequence[Any], slug: str, counts: bool,
          next_key: Sequence[Any] | None) -> SharedPage:
    return SharedPage(tuple(rows), tuple(render(r, slug, None, counts, None) for r in rows),
                      None if next_key is None else tuple(next_key))


async def my_votes(session: AsyncSession, viewer: UserRow | None,
                   page: SharedPage) -> dict[int, int]:
    if viewer is None or not page.rows:
        return {}
    found = await session.execute(listing.MY_VOTES, {"viewer_id": viewer.id,
                                                     "ids": [r.id for r in page.rows]})
    return {sid: value for sid, value in found}


def for_viewer(page: SharedPage, slug: str, viewer: UserRow | None, counts: bool,
               votes: dict[int, int]) -> list[Submission]:
    """The page as ``viewer`` (not a moderator) sees it.

    For such a viewer, ``submission_out`` differs from the shared rendering only on
    items they wrote (``is_mine``, the reason) or voted on (``my_vote``): those are
    rendered again for them, the same way as an uncached page.
    """
    if viewer is None:
        return list(page.items)
    return [render(row, slug, viewer, counts, votes.get(row.id))
            if row.author_id == viewer.id or row.id in votes else item
            for row, item in zip(page.rows, page.items, strict=True)]


class Pages:
    """The cache: bounded, per process, dropped per challenge by the writes to it."""

    def __init__(self, ttl: float, *, max_entries: int = 500,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._cache: TTLCache[PageKey, SharedPage] = TTLCache(ttl, max_entries=max_entries,
                                                              clock=clock)
        # Changes this process has committed. A page read before one of them may be
        # stale, so it is not kept: take ``epoch`` before the request's first statement.
        self.epoch = 0

    @property
    def enabled(self) -> bool:
        return self._cache.ttl > 0

    def get(self, key: PageKey) -> SharedPage | None:
        return self._cache.get(key)

    def put(self, key: PageKey, page: SharedPage, epoch: int) -> None:
        if epoch == self.epoch:
            self._cache.put(key, page)

    def changed(self, challenge_id: int) -> None:
        """After committing a change that shows in this challenge's lists."""
        self.epoch += 1
        self._cache.drop_keys(lambda key: key.challenge_id == challenge_id)

    def clear(self) -> None:
        """After a change that may touch several challenges (moderation decisions)."""
        self.epoch += 1
        self._cache.clear()

    def __len__(self) -> int:
        return len(self._cache)
