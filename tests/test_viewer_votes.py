"""Each viewer's votes kept beside the shared pages (server/viewer_votes.py): read once
per viewer and challenge, dropped with the pages by a change to them, and never a
``my_vote`` other than what an uncached server says. On SQLite and PostgreSQL; the
cross-instance case is in tests/test_instances.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import event

from server import viewer_votes
from server.bus import LocalBus
from server.cache import Challenges, Tokens
from server.invalidation import Invalidation
from server.pages import Pages
from tests.moderation_support import decided, vote
from tests.support import Person, TestApi

LIST = "/challenges/change/submissions"
VOTES_READ = "SELECT votes.submission_id, votes.value FROM votes"


@pytest.fixture
def reads(app: FastAPI) -> Iterator[list[str]]:
    """The app's reads of someone's votes, as SQL text; its caches on a still clock."""
    app.state.services.pages = Pages(1.0, clock=lambda: 0.0)
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith(VOTES_READ):
            seen.append(statement)

    engine = app.state.services.db.reader.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


async def mine(api: TestApi, who: Person, **params: Any) -> dict[int, int | None]:
    r = await api.http.get(LIST, params=params, headers=who.headers)
    assert r.status_code == 200, r.text
    return {s["id"]: s["my_vote"] for s in r.json()["items"]}


async def test_read_once_per_viewer_for_every_page_of_the_challenge(
        api: TestApi, reads: list[str]) -> None:
    await api.challenge()
    author, viewer, other = await api.person(), await api.person(), await api.person()
    ids = [(await api.submit(author, title=f"Item {i}"))["id"] for i in range(4)]
    await vote(api, viewer, ids[0], 1)
    await vote(api, viewer, ids[3], -1)
    reads.clear()
    pages = [await mine(api, viewer, sort=sort, limit=limit)
             for sort in ("new", "top", "discussed") for limit in (2, 4)]
    assert len(reads) == 1  # six pages, one read of the viewer's votes
    assert pages[1] == {ids[3]: -1, ids[2]: None, ids[1]: None, ids[0]: 1}
    # Someone else's vote drops the pages (the counts changed), not the viewer's votes.
    await vote(api, other, ids[1], 1)
    page = await mine(api, viewer, sort="top")
    assert page[ids[1]] is None and page[ids[0]] == 1
    assert len(reads) == 1
    # The viewer's own vote drops theirs: it shows on the next page, read again.
    await vote(api, viewer, ids[1], -1)
    assert (await mine(api, viewer, sort="top"))[ids[1]] == -1
    assert len(reads) == 2
    r = await api.http.delete(f"/submissions/{ids[0]}/vote", headers=viewer.headers)
    assert r.status_code == 200, r.text
    assert (await mine(api, viewer, sort="new"))[ids[0]] is None


async def test_a_merge_moves_votes_and_every_viewer_sees_where_theirs_went(
        api: TestApi, reads: list[str]) -> None:
    await api.challenge()
    author, viewer = await api.person(), await api.person()
    mod = await api.person("moderator")
    a = (await api.submit(author, title="A"))["id"]
    b = (await api.submit(author, title="B, the same"))["id"]
    await vote(api, viewer, b, 1)
    assert await mine(api, viewer) == {b: 1, a: None}  # kept
    await decided(api, mod, "merge", ("submission", b), merge_into=a)
    assert await mine(api, viewer) == {a: 1}  # the merge named no voter: everyone's dropped


async def test_a_heavy_voter_is_read_per_page_and_still_right(
        api: TestApi, app: FastAPI, reads: list[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(viewer_votes, "MOST", 1)
    await api.challenge()
    author, viewer = await api.person(), await api.person()
    ids = [(await api.submit(author, title=f"Item {i}"))["id"] for i in range(3)]
    for sid in ids[:2]:
        await vote(api, viewer, sid, 1)
    reads.clear()
    for _ in range(2):
        assert await mine(api, viewer, limit=2) == {ids[2]: None, ids[1]: 1}
    # Each time: all their votes (too many to keep), then the page's.
    assert len(reads) == 4
    assert len(app.state.services.pages.votes) == 0


def test_only_the_named_voters_are_dropped() -> None:
    class Cached:
        def __init__(self) -> None:
            self.tokens = Tokens(1.0)
            self.challenges = Challenges(1.0)
            self.pages = Pages(1.0, clock=lambda: 0.0)

    cached = Cached()
    kept = cached.pages.votes._cache  # what is kept is the point here
    invalidation = Invalidation(LocalBus(), cached)

    def fill() -> None:
        for key in ((1, 5), (1, 6), (2, 5)):
            kept.put(key, {})

    fill()
    invalidation.receive({"pages": 1, "voters": [5]})
    assert sorted(kept._entries) == [(1, 6), (2, 5)]
    invalidation.receive({"pages": 1})
    assert sorted(kept._entries) == [(2, 5)]
    fill()
    invalidation.receive({"challenge": 2})
    assert sorted(kept._entries) == [(1, 5), (1, 6)]
    invalidation.receive({"pages": None})
    assert len(kept) == 0
