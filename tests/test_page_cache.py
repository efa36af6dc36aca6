"""The per-process cache of list pages (server/pages.py): what it keeps, for whom, how long.

Every test runs on SQLite and PostgreSQL. The cache's clock is injected and stands
still unless a test moves it, so an entry never expires by accident mid-test: a change
that shows at once shows because the write dropped the page, not because time passed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, update

from server.app import create_app
from server.config import Settings
from server.pages import PageKey, Pages, SharedPage
from server.routes import submissions
from server.tables import SubmissionRow
from tests.moderation_support import comment, decided, flag, undone, vote
from tests.support import HOUR, Clock, Person, TestApi, phase, problem

LIST = "/challenges/change/submissions"


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def ticks(app: FastAPI) -> Ticks:
    """The app's page cache, on a clock that moves only when the test moves it."""
    clock = Ticks()
    app.state.services.pages = Pages(1.0, clock=clock)
    return clock


class Statements:
    """The SQL the app runs, as text."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.seen.append(" ".join(statement.split()))

    def pages_read(self) -> int:
        """How many times a page of submissions was read from the database."""
        return sum("FROM submissions" in s and " LIMIT " in s for s in self.seen)

    def votes_read(self) -> int:
        return sum(s.startswith("SELECT votes.submission_id, votes.value FROM votes")
                   for s in self.seen)


@pytest.fixture
def sql(app: FastAPI) -> Iterator[Statements]:
    engine = app.state.services.db.reader.sync_engine
    statements = Statements()
    event.listen(engine, "before_cursor_execute", statements)
    yield statements
    event.remove(engine, "before_cursor_execute", statements)


async def get(api: TestApi, who: Person | None = None, **params: Any) -> dict[str, Any]:
    r = await api.http.get(LIST, params=params, headers=who.headers if who else {})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


async def items(api: TestApi, who: Person | None = None, **params: Any
                ) -> dict[int, dict[str, Any]]:
    return {s["id"]: s for s in (await get(api, who, **params))["items"]}


async def test_a_page_is_read_once_and_then_served_to_everyone(
        api: TestApi, ticks: Ticks, sql: Statements) -> None:
    await api.challenge()
    author, one, two = await api.person(), await api.person(), await api.person()
    for i in range(3):
        await api.submit(author, title=f"Item {i}")
    sql.seen.clear()
    first = await get(api, one, sort="top")
    assert sql.pages_read() == 1
    for who in (one, two, None, author):
        assert [s["id"] for s in (await get(api, who, sort="top"))["items"]] == [
            s["id"] for s in first["items"]]
    assert sql.pages_read() == 1  # four more viewers, no more page reads
    # One small lookup per signed-in viewer (``one`` asked twice), none when anonymous.
    assert sql.votes_read() == 3
    await get(api, one, sort="new")  # another list is another page
    assert sql.pages_read() == 2


async def test_each_viewer_gets_their_own_votes_and_items(
        api: TestApi, ticks: Ticks, sql: Statements) -> None:
    await api.challenge()
    author, up, down = await api.person(), await api.person(), await api.person()
    a = (await api.submit(author, title="A"))["id"]
    b = (await api.submit(up, title="B, by the supporter"))["id"]
    await vote(api, up, a, 1)
    await vote(api, down, a, -1)
    await vote(api, down, b, -1)
    sql.seen.clear()
    seen = {}
    for name, who in (("anyone", None), ("author", author), ("up", up), ("down", down)):
        seen[name] = {sid: (s["my_vote"], s["is_mine"])
                      for sid, s in (await items(api, who)).items()}
    assert sql.pages_read() == 1
    assert seen == {"anyone": {a: (None, False), b: (None, False)},
                    "author": {a: (None, True), b: (None, False)},
                    "up": {a: (1, False), b: (None, True)},
                    "down": {a: (-1, False), b: (-1, False)}}


async def test_deep_pages_are_shared_and_cursors_stay_their_viewers(
        api: TestApi, ticks: Ticks, sql: Statements) -> None:
    await api.challenge()
    author, one, two = await api.person(), await api.person(), await api.person()
    for i in range(5):
        await api.submit(author, title=f"Item {i}")
    cursors = {p.id: (await get(api, p, limit=2))["next_cursor"] for p in (one, two)}
    sql.seen.clear()
    second = [await get(api, p, limit=2, cursor=cursors[p.id]) for p in (one, two)]
    assert sql.pages_read() == 1  # the same position: one page for both
    assert [s["id"] for s in second[0]["items"]] == [s["id"] for s in second[1]["items"]]
    # Each gets a cursor of their own: another's is refused, as without the cache.
    problem(await api.http.get(LIST, params={"limit": 2, "cursor": second[0]["next_cursor"]},
                               headers=two.headers), 422, field="cursor")
    assert (await get(api, one, limit=2, cursor=second[0]["next_cursor"]))["items"]


async def test_writes_through_the_api_show_at_once(api: TestApi, ticks: Ticks) -> None:
    await api.challenge()
    author, voter, mod = await api.person(), await api.person(), await api.person("moderator")
    flaggers = [await api.person() for _ in range(3)]
    a = (await api.submit(author, title="A"))["id"]
    b = (await api.submit(author, title="B"))["id"]

    async def seen(**params: Any) -> dict[int, dict[str, Any]]:
        """The page now, for a participant (read and kept) and for anyone (from the cache)."""
        signed_in = await items(api, voter, **params)
        anyone = await items(api, **params)
        assert {k: {**v, "my_vote": None} for k, v in signed_in.items()} == anyone
        return signed_in

    assert list(await seen(sort="top")) == [b, a]  # cached: ties go to the newer
    await vote(api, voter, a, 1)
    page = await seen(sort="top")
    assert list(page) == [a, b] and page[a]["up"] == 1 and page[a]["my_vote"] == 1
    r = await api.http.delete(f"/submissions/{a}/vote", headers=voter.headers)
    assert r.status_code == 200
    assert (await seen(sort="top"))[a]["up"] == 0

    await seen()
    c = (await api.submit(author, title="C"))["id"]
    assert list(await seen()) == [c, b, a]
    r = await api.http.patch(f"/submissions/{c}", json={"title": "C, edited"},
                             headers=author.headers)
    assert r.status_code == 200
    assert (await seen())[c]["title"] == "C, edited"
    assert (await api.http.delete(f"/submissions/{c}", headers=author.headers)
            ).status_code == 204
    assert list(await seen()) == [b, a]

    said = await comment(api, voter, a)
    assert (await seen())[a]["comments"] == 1
    for who in flaggers:  # enough reports hide the comment: it leaves the count
        await flag(api, who, "comment", said["id"])
    assert (await seen())[a]["comments"] == 0
    for who in flaggers:  # and hide the submission
        await flag(api, who, "submission", b)
    assert list(await seen()) == [a]

    hid = await decided(api, mod, "hide", ("submission", a))
    assert list(await seen()) == []
    await undone(api, mod, hid["action"]["id"])
    assert list(await seen()) == [a]
    await decided(api, mod, "restore", ("submission", b))
    assert list(await seen()) == [b, a]
    await decided(api, mod, "lock_comments", ("submission", a))
    assert (await seen())[a]["comments_locked"] is True
    await vote(api, flaggers[0], b, 1)
    await decided(api, mod, "merge", ("submission", b), merge_into=a)
    page = await seen()
    assert list(page) == [a] and page[a]["up"] == 1


async def test_anonymous_authors_stay_anonymous(api: TestApi, ticks: Ticks,
                                                sql: Statements) -> None:
    await api.challenge()
    author, other = await api.person(), await api.person()
    mod, admin = await api.person("moderator"), await api.person("admin")
    hidden = (await api.submit(author, title="Anonymous", anonymous=True))["id"]
    named = (await api.submit(author, title="Named"))["id"]
    sql.seen.clear()
    # The moderators first: what they see must not be what the cache keeps...
    for who in (mod, admin, mod):
        page = await items(api, who)
        assert page[hidden]["author"]["id"] == author.id
        assert page[named]["author"]["id"] == author.id
    assert sql.pages_read() == 3  # moderators are never served from the cache
    assert len(pages_of(api.http)) == 0
    # ...and participants second: what they see must not reach the moderators.
    participants: list[Person | None] = [other, None, author, other]
    for viewer in participants:
        page = await items(api, viewer)
        assert page[hidden]["author"] is None  # not even to its author (DESIGN.md)
        assert page[named]["author"]["id"] == author.id
        assert page[hidden]["is_mine"] is (viewer is author)
    assert (await items(api, mod))[hidden]["author"]["id"] == author.id
    assert sql.pages_read() == 5


def pages_of(http: httpx.AsyncClient) -> Pages:
    """The page cache of the app behind an in-process client."""
    transport = http._transport
    assert isinstance(transport, httpx.ASGITransport)
    pages: Pages = transport.app.state.services.pages  # type: ignore[attr-defined]
    return pages


async def test_mine_random_and_moderators_are_never_kept(api: TestApi, ticks: Ticks) -> None:
    await api.challenge()
    author, mod = await api.person(), await api.person("moderator")
    await api.submit(author)
    await get(api, author, mine="true")
    await get(api, author, sort="random")
    await get(api, sort="random")
    await get(api, mod, sort="top")
    assert len(pages_of(api.http)) == 0
    await get(api, author)
    assert len(pages_of(api.http)) == 1


async def test_hidden_counts_follow_the_current_phase(api: TestApi, ticks: Ticks,
                                                      clock: Clock) -> None:
    """The phase that hides counts starts while a page with counts is in the cache."""
    await api.challenge(phases=[phase("Share", -HOUR, HOUR, submissions=True, votes=True,
                                      comments=True, show_counts=True),
                                phase("Vote", HOUR, 3 * HOUR, votes=True, show_counts=False)])
    author, voter, mod = await api.person(), await api.person(), await api.person("moderator")
    sid = (await api.submit(author))["id"]
    await vote(api, voter, sid, 1)
    assert (await items(api, voter))[sid]["up"] == 1  # kept, with counts
    clock.advance(2 * HOUR)  # the server's clock; the cache's stands still
    for who in (voter, author, None, mod):  # moderators too (issue 15)
        item = (await items(api, who))[sid]
        assert (item["up"], item["down"], item["score"]) == (None, None, None)
        problem(await api.http.get(LIST, params={"sort": "top"},
                                   headers=who.headers if who else {}), 403)
    assert (await items(api, voter))[sid]["my_vote"] == 1


async def test_pages_expire_after_the_ttl(api: TestApi, ticks: Ticks, sql: Statements) -> None:
    """A change this process did not make (another worker's) shows within the TTL."""
    await api.challenge()
    author = await api.person()
    sid = (await api.submit(author, title="Before"))["id"]
    assert (await items(api))[sid]["title"] == "Before"
    async with api.db.write() as session:  # as another worker process would
        await session.execute(update(SubmissionRow).where(SubmissionRow.id == sid)
                              .values(title="After"))
        await session.commit()
    sql.seen.clear()
    ticks.now = 0.99
    assert (await items(api))[sid]["title"] == "Before"
    assert sql.pages_read() == 0
    ticks.now = 1.0
    assert (await items(api))[sid]["title"] == "After"
    assert sql.pages_read() == 1


@pytest.fixture
async def uncached(app: FastAPI, settings: Settings, clock: Clock
                   ) -> AsyncIterator[httpx.AsyncClient]:
    """A second app on the same database with the page cache off: the reference."""
    other = create_app(settings.model_copy(update={"page_cache_seconds": 0}), clock=clock)
    async with other.router.lifespan_context(other), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other), base_url="http://test/api/v1") as http:
        yield http


async def test_zero_seconds_turns_the_cache_off(
        api: TestApi, uncached: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHALLENGE_PAGE_CACHE_SECONDS", "0")
    assert Settings().page_cache_seconds == 0
    monkeypatch.delenv("CHALLENGE_PAGE_CACHE_SECONDS")
    assert Settings().page_cache_seconds == 1.0  # the default
    await api.challenge()
    await api.submit(await api.person())
    transport = uncached._transport
    assert isinstance(transport, httpx.ASGITransport)
    engine = transport.app.state.services.db.reader.sync_engine  # type: ignore[attr-defined]
    statements = Statements()
    event.listen(engine, "before_cursor_execute", statements)
    try:
        for _ in range(3):
            assert (await uncached.get(LIST)).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", statements)
    assert statements.pages_read() == 3
    assert len(pages_of(uncached)) == 0


async def test_cached_pages_are_what_an_uncached_server_sends(
        api: TestApi, ticks: Ticks, uncached: httpx.AsyncClient) -> None:
    await api.challenge(anonymous_default=True)
    author, voter, mod = await api.person(), await api.person(), await api.person("moderator")
    made = [(await api.submit(who, title=f'Handover {i} \u2713 "q" [/]',
                              kind="idea" if i % 2 else "story",
                              themes=["Time and capacity"] if i % 3 else [],
                              anonymous=i % 4 == 0))["id"]
            for i, who in enumerate([author, voter] * 4)]
    for sid in made[::2]:
        await vote(api, voter, sid, 1 if sid % 3 else -1)
    await comment(api, author, made[1])
    viewers: list[Person | None] = [None, author, voter, mod]
    queries: list[dict[str, Any]] = [{}, {"sort": "top"}, {"sort": "discussed"},
                                     {"kind": "idea"}, {"theme": "Time and capacity"},
                                     {"q": "handover"}, {"sort": "top", "limit": 3}]
    for params in queries:
        for who in viewers:
            headers = who.headers if who else {}
            cursor: str | None = None
            for _ in range(10):  # every page, following each viewer's own cursors
                query = {**params, **({"cursor": cursor} if cursor else {})}
                # Pages are shared by position, so most of these were kept for an
                # earlier viewer; the first request fills the cache if not.
                await api.http.get(LIST, params=query, headers=headers)
                cached = await api.http.get(LIST, params=query, headers=headers)
                reference = await uncached.get(LIST, params=query, headers=headers)
                assert cached.status_code == reference.status_code == 200, cached.text
                # Byte for byte: a kept page's JSON is written by hand (pages.page_json).
                assert cached.content == reference.content, (params, who)
                assert cached.headers["content-type"] == reference.headers["content-type"]
                cursor = cached.json()["next_cursor"]
                if cursor is None:
                    break
    assert len(pages_of(api.http)) > 0


async def test_a_page_read_while_a_change_commits_is_not_kept(
        api: TestApi, ticks: Ticks, monkeypatch: pytest.MonkeyPatch) -> None:
    await api.challenge()
    author = await api.person()
    sid = (await api.submit(author, title="Before"))["id"]
    read_page = submissions._page

    async def then_edit(*args: Any, **kwargs: Any) -> Any:
        found = await read_page(*args, **kwargs)
        r = await api.http.patch(f"/submissions/{sid}", json={"title": "After"},
                                 headers=author.headers)  # another request, meanwhile
        assert r.status_code == 200
        return found

    monkeypatch.setattr(submissions, "_page", then_edit)
    assert (await items(api))[sid]["title"] == "Before"  # read before the edit...
    monkeypatch.undo()
    assert (await items(api))[sid]["title"] == "After"  # ...and not kept after it


def test_a_page_read_before_a_change_is_not_kept() -> None:
    """A request that began before this process committed a change may have read the
    old rows: its page must not be kept after the change dropped the cached ones."""
    pages = Pages(60, clock=Ticks())
    key = PageKey(1, None, "new", None, None, (), 20, True)
    page = SharedPage((), (), (), None)
    began = pages.epoch
    pages.changed(1)  # committed while the request was reading
    pages.put(key, page, began)
    assert pages.get(key) is None
    pages.put(key, page, pages.epoch)
    assert pages.get(key) is page
    pages.changed(2)  # another challenge's change leaves this one's pages
    assert pages.get(key) is page
    pages.clear()
    assert pages.get(key) is None


def test_pages_are_bounded() -> None:
    ticks = Ticks()
    pages = Pages(1.0, max_entries=3, clock=ticks)
    for n in range(5):
        pages.put(PageKey(1, None, "new", None, str(n), (), 20, True),
                  SharedPage((), (), (), None), pages.epoch)
    assert len(pages) == 3
    ticks.now = 5.0  # all expired: the next one drops them
    pages.put(PageKey(1, None, "top", None, None, (), 20, True), SharedPage((), (), (), None),
              pages.epoch)
    assert len(pages) == 1

