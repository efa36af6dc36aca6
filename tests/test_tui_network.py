"""The app's actions, counted at the server: one request to open a submission, change
the sort or vote, on the connections already open; the first look on one connection,
everything asked at once when the person's place is remembered (80x24, SQLite)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.widgets import OptionList

from client import ChallengeClient
from client.config import ClientConfig
from client.models import ChallengeCreate, SubmissionCreate
from tests import tui_support
from tests.network_support import CountedServer, counted_live
from tests.support import add_users, challenge_spec
from tests.test_tui import challenge_screen
from tests.tui_support import settle
from tui.app import ChallengeApp
from tui.first_look import take
from tui.last_place import Place, place_file, recall, remember
from tui.screens.challenge import ChallengeScreen
from tui.screens.submission import SubmissionScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["counted_live"]  # the fixture, used by name

PAGE_PATH = "/api/v1/challenges/change/submissions"


@dataclass
class Site:
    server: CountedServer
    token: str
    discussed: int  # the story with most comments


@pytest.fixture
async def site(counted_live: CountedServer, database_url: str,
               monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Site]:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    ((_, admin),) = await add_users(database_url, 1, role="admin", prefix="admin")
    ((_, token),) = await add_users(database_url, 1, prefix="ada")
    async with ChallengeClient(counted_live.url, token=admin) as api:
        await api.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
        ids = [(await api.create_submission("change", SubmissionCreate(
            kind=kind, title=f"{kind} {i}", body="body"))).id
            for kind in ("story", "idea") for i in range(3)]
        for i in range(2):
            await api.add_comment(ids[0], f"comment {i}")
    yield Site(counted_live, token, ids[0])


async def test_each_action_is_one_request_on_a_kept_connection(site: Site) -> None:
    counted = site.server.counted
    app = ChallengeApp(ClientConfig(server=site.server.url, token=site.token,
                                    token_store="memory"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await challenge_screen(pilot)
        await pilot.press("right_square_bracket")  # both tabs shown once: both loaded
        await settle(pilot)
        await pilot.press("left_square_bracket")
        await settle(pilot)
        before = counted.connections()

        def step(mark: int) -> list[tuple[str, str]]:
            done = counted.since(mark)
            assert counted.connections(done) <= before  # no new connection
            return [(method, path) for _, method, path in done]

        mark = len(counted.seen)
        await pilot.press("3")  # most discussed: the tab behind waits until it is shown
        await settle(pilot)
        assert step(mark) == [("GET", PAGE_PATH)]
        assert screen.current_list is not None and screen.current_list.current is not None
        assert screen.current_list.current.id == site.discussed

        mark = len(counted.seen)
        await pilot.press("enter")
        await settle(pilot)
        opened = pilot.app.screen
        assert isinstance(opened, SubmissionScreen)
        assert opened.item.id == site.discussed
        assert [c.body for c in opened.comments] == ["comment 0", "comment 1"]
        assert opened.query_one("#comments", OptionList).option_count == 2
        assert step(mark) == [("GET", f"/api/v1/submissions/{site.discussed}")]

        mark = len(counted.seen)
        await pilot.press("plus")
        await settle(pilot)
        assert opened.item.my_vote == 1
        assert step(mark) == [("PUT", f"/api/v1/submissions/{site.discussed}/vote")]

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ChallengeScreen)
        mark = len(counted.seen)
        await pilot.press("right_square_bracket")  # the other tab, in the new sort now
        await settle(pilot)
        assert step(mark) == [("GET", PAGE_PATH)]


async def test_the_first_look_asks_on_one_connection_all_at_once_when_remembered(
        site: Site) -> None:
    counted = site.server.counted
    config = ClientConfig(server=site.server.url, token=site.token)
    mark = len(counted.seen)
    first = await take(config, site.server.url, site.token)
    assert first is not None and first.one is not None
    # Nothing remembered: the challenge and its page are asked once their names are known.
    assert len(counted.since(mark)) == 4 and len(counted.connections(counted.since(mark))) == 1
    assert recall(site.server.url) == Place("change", "story", "new")

    mark = len(counted.seen)
    again = await take(config, site.server.url, site.token)
    assert again is not None and again.one is not None
    assert again.one.page == first.one.page and again.one.challenge == first.one.challenge
    # Remembered: the same four, sent together on one connection.
    assert len(counted.since(mark)) == 4 and len(counted.connections(counted.since(mark))) == 1


async def test_a_wrong_remembered_place_costs_requests_not_correctness(site: Site) -> None:
    counted = site.server.counted
    config = ClientConfig(server=site.server.url, token=site.token)
    remember(site.server.url, Place("change", "idea", "top"))  # e.g. the prompts changed
    mark = len(counted.seen)
    look = await take(config, site.server.url, site.token)
    assert look is not None and look.one is not None
    assert look.one.sort == "new" and {i["kind"] for i in look.one.page["items"]} == {"story"}
    assert len(counted.connections(counted.since(mark))) == 1
    assert recall(site.server.url) == Place("change", "story", "new")
    remember(site.server.url, Place("gone", "story", "new"))  # a challenge no longer there
    look = await take(config, site.server.url, site.token)
    assert look is not None and look.one is not None and look.one.slug == "change"


def test_a_place_file_that_cannot_be_read_is_no_place(tmp_path: Path) -> None:
    broken = tmp_path / "place.json"
    broken.write_text("{not json")
    assert recall("http://x", broken) is None
    remember("http://x", Place("a", "story", "new"), broken)
    assert recall("http://x", broken) == Place("a", "story", "new")
    remember("http://x", None, broken)
    assert recall("http://x", broken) is None
    assert place_file().name == "place.json"
