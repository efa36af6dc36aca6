"""The app live, driven with Pilot against a real server on loopback while other people
act through the client: what they do appears without a key press and without moving
the cursor; the moderation queue follows other moderators; the status bar says whether
the app is live (offline while the server is away, live again after); the inbox.

Every wait is on a condition, bounded (``until``), never a fixed sleep."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import pytest
from textual.pilot import Pilot

from client import ChallengeClient
from client.config import ClientConfig
from client.models import (
    ChallengeCreate,
    ChallengeUpdate,
    DecisionCreate,
    DecisionTarget,
    SubmissionCreate,
)
from client.text import clean_text
from server.app import create_app
from server.config import Settings
from tests import tui_support
from tests.live_support import WAIT
from tests.support import (
    DAY,
    LiveServer,
    add_users,
    challenge_spec,
    phase,
    reset_database,
)
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.screens.challenge import ChallengeScreen
from tui.screens.inbox import InboxScreen
from tui.screens.moderation import ModerationScreen
from tui.screens.submission import SubmissionScreen
from tui.text import one_line
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar
from tui.widgets.submission_list import Row, SubmissionList

# The fixtures, by name, for pytest: SQLite only, a private home.
database_url = tui_support.database_url
private_dirs = tui_support.private_dirs

HOSTILE = "[/] [@click=app.quit]x[/] \x1b[31mred\x1b]0;title\x07 \u202eevil 看护"
SHOWN = one_line(clean_text(HOSTILE)).plain


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Events at once (no coalescing window), a quick heartbeat."""
    return Settings(database_url=database_url, argon2_time_cost=1, argon2_memory_kib=256,
                    allowed_email_domains=[], events_counts_seconds=0,
                    events_poll_seconds=0.5, events_heartbeat_seconds=1)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[list[LiveServer]]:
    """A server that a test may stop and start again on its port (the last in the list
    is the one running)."""
    await reset_database(settings.database_url)
    servers = [LiveServer(create_app(settings), timeout_graceful_shutdown=1)]
    servers[0].start()
    try:
        yield servers
    finally:
        servers[-1].stop()


@dataclass
class Crowd:
    url: str
    me: str  # the app's token (a participant)
    me_client: ChallengeClient
    bob: ChallengeClient
    moderator: str  # a moderator's token, for the app
    other_moderator: ChallengeClient
    admin: ChallengeClient


@pytest.fixture
async def crowd(server: list[LiveServer], database_url: str) -> AsyncIterator[Crowd]:
    url = server[0].url
    ((_, admin),) = await add_users(database_url, 1, role="admin", prefix="admin")
    ((_, me), (_, bob)) = await add_users(database_url, 2, prefix="person")
    (_, mod), (_, other) = await add_users(database_url, 2, role="moderator",
                                           prefix="Rachel [b]")
    async with contextlib.AsyncExitStack() as stack:
        def client(token: str) -> ChallengeClient:
            return ChallengeClient(url, token=token)

        boss = await stack.enter_async_context(client(admin))
        await boss.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
        yield Crowd(url, me, await stack.enter_async_context(client(me)),
                    await stack.enter_async_context(client(bob)), mod,
                    await stack.enter_async_context(client(other)), boss)


def app_for(url: str, token: str) -> ChallengeApp:
    app = ChallengeApp(ClientConfig(server=url, token=token, retries=0))
    app.live_backoff_cap = 0.5  # back quickly once the server is
    return app


async def until(pilot: Pilot[None], condition: Callable[[], bool], what: str) -> None:
    """Let the app run until ``condition`` holds; fail after ``WAIT`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not condition():
        assert loop.time() < deadline, f"waited {WAIT:.0f} s for {what}"
        await pilot.pause(0.05)


async def story(api: ChallengeClient, title: str, slug: str = "change") -> int:
    made = await api.create_submission(slug, SubmissionCreate(kind="story", title=title,
                                                              body="It worked."))
    return made.id


async def live_list(pilot: Pilot[None]) -> SubmissionList:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ChallengeScreen), screen
    await until(pilot, lambda: screen.challenge_app.status_info.live == "live", "live")
    items = screen.current_list
    assert items is not None
    return items


def bar_text(app: ChallengeApp) -> str:
    return text_of(app.screen.query_one(StatusBar))


def row(items: SubmissionList, ident: int) -> Row:
    return next(r for r in items.items if r.id == ident)


async def test_others_post_vote_and_comment_in_place(crowd: Crowd) -> None:
    for title in ("First", "Second", "Third"):
        await story(crowd.bob, title)
    app = app_for(crowd.url, crowd.me)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        items = await live_list(pilot)
        await pilot.press("j")
        await settle(pilot)
        reading, scroll = items.current_id, items.scroll_offset.y
        assert reading is not None and items.highlighted == 1
        assert "● live" in bar_text(app)
        new = await story(crowd.bob, HOSTILE)  # no key is pressed from here on
        await until(pilot, lambda: items.items[0].id == new, "the new story")
        assert items.items[0].title == SHOWN  # literally: no markup, no escapes
        assert items.current_id == reading and items.highlighted == 2
        assert items.scroll_offset.y == scroll
        await crowd.bob.vote(reading, 1)
        await until(pilot, lambda: row(items, reading).up == 1, "the vote")
        await crowd.bob.add_comment(reading, "Same here")
        await until(pilot, lambda: row(items, reading).comments == 1, "the comment count")
        assert items.current_id == reading and items.scroll_offset.y == scroll
        await crowd.bob.withdraw_submission(new)  # gone: the cursor stays on its row
        await until(pilot, lambda: all(r.id != new for r in items.items), "the withdrawal")
        assert items.current_id == reading and items.highlighted == 1


async def test_a_new_story_below_the_fold_is_held_behind_a_line(crowd: Crowd) -> None:
    for i in range(14):
        await story(crowd.bob, f"Story {i}")
    app = app_for(crowd.url, crowd.me)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        items = await live_list(pilot)
        await pilot.press("G")
        await settle(pilot)
        reading, scroll = items.current_id, items.scroll_offset.y
        assert scroll > 0
        before = [r.id for r in items.items]
        new = await story(crowd.bob, "Brand new")
        await until(pilot, lambda: bool(items.held), "the held story")
        assert [r.id for r in items.items] == before  # nothing moved
        assert items.current_id == reading and items.scroll_offset.y == scroll
        line = items.render_line(items.scrollable_content_region.height - 1).text
        assert "1 new — press r / g to see it" in line
        await pilot.press("g")
        await settle(pilot)
        assert items.items[0].id == new and items.highlighted == 0 and not items.held


async def test_an_open_submission_gains_comments_and_counts(crowd: Crowd) -> None:
    ident = await story(crowd.bob, "Rota swaps")
    first = await crowd.bob.add_comment(ident, "Mine first")
    app = app_for(crowd.url, crowd.me)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await live_list(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SubmissionScreen)
        await crowd.bob.add_comment(ident, HOSTILE)
        await crowd.bob.add_comment(ident, "A reply", parent_id=first.id)
        await until(pilot, lambda: len(screen.comments) == 3, "the comments")
        assert [c.body for c in screen.comments] == ["Mine first", "A reply",
                                                    clean_text(HOSTILE)]
        await until(pilot, lambda: screen.item.comments == 3, "the count")
        await crowd.bob.vote(ident, 1)
        await until(pilot, lambda: screen.item.up == 1, "the vote")


async def test_the_queue_follows_other_moderators(crowd: Crowd) -> None:
    app = app_for(crowd.url, crowd.moderator)
    flagged = await story(crowd.bob, "Names a patient")
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await live_list(pilot)
        await pilot.press("M")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ModerationScreen)
        assert screen.triage.items == []
        await crowd.me_client.flag_submission(flagged, "personal_data", "a name")
        await until(pilot, lambda: [i.id for i in screen.triage.items] == [flagged],
                    "the flagged story")
        await crowd.other_moderator.decide(DecisionCreate(
            action="hide", targets=[DecisionTarget(type="submission", id=flagged)]))
        await until(pilot, lambda: screen.triage.items == [], "the item to leave")
        who = "“Names a patient”: hidden by Rachel [b] 1"  # the name as typed: no markup

        def said() -> list[str]:
            return [n.message for n in app._notifications if n.message == who]

        await until(pilot, lambda: bool(said()), "who decided it")  # a toast is a message
        await settle(pilot)
        assert len(said()) == 1


async def test_the_status_bar_says_offline_then_live_again(
        crowd: Crowd, server: list[LiveServer], settings: Settings) -> None:
    app = app_for(crowd.url, crowd.me)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await live_list(pilot)

        def bar() -> str:
            return bar_text(app)

        assert "● live" in bar()
        server[0].stop()
        await until(pilot, lambda: "○ offline, retrying" in bar(), "offline")
        again = LiveServer(create_app(settings), port=server[0].port,
                           timeout_graceful_shutdown=1)
        again.start()
        server.append(again)
        await until(pilot, lambda: "● live" in bar(), "live again")
        new = await story(crowd.bob, "After the restart")
        items = app.screen.query_one(SubmissionList)
        await until(pilot, lambda: any(r.id == new for r in items.items), "an event")


async def test_the_inbox_lists_a_reply_and_marks_it_read(crowd: Crowd) -> None:
    mine = await story(crowd.me_client, HOSTILE)
    app = app_for(crowd.url, crowd.me)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await live_list(pilot)
        await crowd.bob.add_comment(mine, "Tried it: works")
        await until(pilot, lambda: app.status_info.unread == 1, "the unread count")
        await until(pilot, lambda: "1 unread (i)" in bar_text(app), "the status bar")
        await pilot.press("i")
        await settle(pilot)
        inbox = app.screen
        assert isinstance(inbox, InboxScreen)
        assert [n.kind for n in inbox.notices] == ["comment"]
        shown = inbox.options.get_option_at_index(0).prompt
        assert f"person 1 commented on your post “{SHOWN}”" in str(shown)
        assert "●" in str(shown)  # unread
        await pilot.press("enter")
        await settle(pilot)
        opened = app.screen
        assert isinstance(opened, SubmissionScreen) and opened.item.id == mine
        assert app.status_info.unread == 0
        assert (await crowd.me_client.notifications()).unread == 0
        await pilot.press("escape")
        await settle(pilot)
        assert inbox.notices[0].read
        assert app.screen is inbox
        await pilot.press("ctrl+o")  # signing out ends the stream
        await settle(pilot)
        assert app.live_task is None and app.status_info.live is None


async def test_the_countdown_rolls_into_the_phase_an_admin_set(crowd: Crowd) -> None:
    app = app_for(crowd.url, crowd.me)
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await live_list(pilot)
        assert bar_text(app).startswith("Share and prioritise: ")
        assert "n Write" in app.screen.query_one(KeyBar).render().plain
        await crowd.admin.update_challenge("change", ChallengeUpdate.model_validate({
            "phases": [phase("Understand", -10 * DAY, -DAY, submissions=True),
                       phase("Vote [b]now[/b]", -DAY, 5 * DAY, votes=True,
                             comments=True, show_counts=True)]}))
        await until(pilot, lambda: bar_text(app).startswith("Vote [b]now[/b]: "),
                    "the new phase")  # no key, no clock moved
        assert "n Write" not in app.screen.query_one(KeyBar).render().plain
