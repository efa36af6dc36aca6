"""The app at 80x24 agreeing with the README: first/last on the challenges, the help
overlay, the status bar, the queue's filters, replies, check boxes without colour.

Most run on the demo served in-process (``tests.test_snapshots``); the challenges list
needs several challenges, so it runs against a live server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import OptionList, SelectionList, Static
from textual.widgets.option_list import Option

from client import ChallengeClient
from client.config import ClientConfig
from client.models import ChallengeCreate, Comment, UserPublic
from tests import tui_support
from tests.support import LiveServer, add_users, challenge_spec
from tests.test_snapshots import MODERATOR, demo_app, demo_transport
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.screens.challenges import ChallengesScreen
from tui.screens.compose import ComposeScreen
from tui.screens.help import KEYS, MODERATOR_KEYS, HelpScreen
from tui.screens.moderation import ModerationScreen
from tui.screens.moderation_forms import FilterScreen
from tui.screens.submission import REPLY_INDENT, comment_line
from tui.text import local_times
from tui.widgets.status_bar import StatusBar, StatusInfo

# The fixtures, by name, for pytest.
database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
demo_transport = demo_transport


@pytest.fixture
async def several(live: LiveServer, database_url: str) -> AsyncIterator[LiveServer]:
    """Three challenges on a live server."""
    ((_, token),) = await add_users(database_url, 1, role="admin", prefix="admin")
    async with ChallengeClient(live.url, token=token) as admin:
        for slug in ("first", "second", "third"):
            await admin.create_challenge(ChallengeCreate.model_validate(challenge_spec(slug)))
    yield live


async def test_g_and_G_go_to_the_first_and_last_challenge(several: LiveServer,
                                                          database_url: str) -> None:
    ((_, token),) = await add_users(database_url, 1, prefix="reader")
    app = ChallengeApp(ClientConfig(server=several.url, token=token))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ChallengesScreen)
        options = app.screen.query_one(OptionList)
        assert options.highlighted == 0
        await pilot.press("G")
        assert options.highlighted == 2
        await pilot.press("g")
        assert options.highlighted == 0


async def test_help_fits_80_columns_and_scrolls_with_the_list_keys(
        demo_transport: httpx.ASGITransport) -> None:
    app = demo_app(demo_transport, who=MODERATOR)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        # No line wraps: each text is as many lines high as it has lines.
        shown = {text_of(s): s for s in app.screen.query(Static)}
        for keys in (KEYS, MODERATOR_KEYS):
            assert shown[keys].size.height == keys.count("\n") + 1, keys  # + the last, blank
        box = app.screen.query_one(VerticalScroll)
        assert box.max_scroll_y > 0 and box.scroll_y == 0  # longer than 24 lines
        await pilot.press("j")
        assert box.scroll_y == 1
        await pilot.press("G")
        assert box.scroll_y == box.max_scroll_y
        await pilot.press("k")
        assert box.scroll_y == box.max_scroll_y - 1
        await pilot.press("g")
        assert box.scroll_y == 0
        await pilot.press("pagedown")
        assert box.scroll_y > 1
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_the_moderator_status_bar_keeps_the_token_at_80_columns(
        demo_transport: httpx.ASGITransport) -> None:
    app = demo_app(demo_transport, who=MODERATOR)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        bar = text_of(app.screen.query_one(StatusBar))
        assert bar.endswith("│ Rachel Dunmore (moderator) │ token: memory"), bar
        assert "days" in bar  # the phase's time left still there, its name cut


@dataclass
class Someone:
    display_name: str = "Rachel Dunmore"
    role: str = "moderator"


@dataclass
class Phase:
    ends_at: datetime
    name: str = "Share and prioritise"


def test_status_bar_gives_way_around_the_token() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    info = StatusInfo(server="https://challenge.example.org", user=Someone(), store="keyring",
                      phase=Phase(now + timedelta(days=2, hours=3)))
    for width in range(24, 107):  # from 107 cells, the server's address too
        line = info.render(now, width).plain
        assert len(line) <= width and line.endswith("token: keyring"), (width, line)
    assert info.render(now, 120).plain.endswith("challenge.example.org")


async def test_the_queue_filters_fit_80x24(demo_transport: httpx.ASGITransport) -> None:
    app = demo_app(demo_transport, who=MODERATOR)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        assert isinstance(app.screen, ModerationScreen)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterScreen)
        for options in app.screen.query(OptionList):
            # Every choice of every list on screen, the last ("comment") included: what
            # is drawn at its last line is that list, not whatever clipped it.
            assert options.size.height >= options.option_count, options
            region = options.content_region
            last = region.y + options.option_count - 1
            assert app.screen.get_widget_at(region.x, last)[0] is options, options


class Replies(App[None]):
    def compose(self) -> ComposeResult:
        yield OptionList(id="comments")


async def test_every_line_of_a_reply_keeps_its_indent() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    who = UserPublic(id=1, display_name="Ada")
    def comment(parent: int | None, body: str) -> Comment:
        return Comment(id=2 if parent else 1, submission_id=1, parent_id=parent, body=body,
                       author=who, status="published", created_at=now)
    body = "A long reply that wraps onto more lines than one at forty columns.\nAnd more."
    app = Replies()
    async with app.run_test(size=(40, 20)) as pilot:
        options = app.query_one(OptionList)
        options.add_options([Option(comment_line(comment(None, body), now)),
                             Option(comment_line(comment(1, body), now))])
        await pilot.pause()
        lines = [options.render_line(y).text for y in range(options.size.height)]
        shown = [line for line in lines if line.strip()]
        second = next(n for n, line in enumerate(shown) if n and "Ada · " in line)
        top, reply = shown[:second], shown[second:]
        assert len(reply) == 5, lines  # header, three wrapped lines, "And more."
        indent = len(top[0]) - len(top[0].lstrip())
        for line in reply:
            assert len(line) - len(line.lstrip()) == indent + REPLY_INDENT, lines


async def test_chosen_themes_are_marked_without_colour(
        demo_transport: httpx.ASGITransport, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = demo_app(demo_transport)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        themes = app.screen.query_one("#themes", SelectionList)
        themes.focus()
        await pilot.press("space")
        first, second = (themes.render_line(y).text for y in (0, 1))
        assert first.lstrip().startswith("▐X▌") and second.lstrip().startswith("▐ ▌"), (
            first, second)
        await pilot.press("escape")


def test_server_times_are_said_in_local_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        now = datetime(2026, 7, 2, 12, 0, tzinfo=UTC)
        said = local_times("approved by Rachel at 2026-07-02T09:03:00Z (action 4); "
                           "undone at 2026-07-01T23:30:00Z, 2025-12-24T08:00:00Z", now)
        assert said == ("approved by Rachel today at 10:03 (action 4); undone today at "
                        "00:30, on 24 Dec 2025 at 08:00")
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
