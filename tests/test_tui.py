"""The terminal app driven with Pilot against a real server on loopback (SQLite)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static, TabbedContent, TextArea

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
from tests import tui_support
from tests.support import DAY, LiveServer, add_users, challenge_spec, open_phase, phase
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.drafts import DraftStore
from tui.screens.challenge import ChallengeScreen
from tui.screens.compose import ComposeScreen
from tui.screens.connect import ConnectScreen
from tui.screens.submission import SubmissionScreen
from tui.widgets.submission_list import SubmissionList

# The fixtures, by name, for pytest: SQLite only, a private home.
database_url = tui_support.database_url
private_dirs = tui_support.private_dirs

HOSTILE = "[/] [@click=app.quit]x[/] \x1b[31mred\x1b]0;title\x07 \u202eevil 看护 🧑‍⚕️"
STORED = clean_text(HOSTILE)  # what the server keeps: minus controls and bidi overrides
PASSWORD = "a long password"


@dataclass
class World:
    url: str
    admin: ChallengeClient
    ids: list[int]


@pytest.fixture
async def world(live: LiveServer, database_url: str) -> AsyncIterator[World]:
    ((_, token),) = await add_users(database_url, 1, role="admin", prefix="admin")
    async with ChallengeClient(live.url, token=token) as admin:
        await admin.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
        ids = []
        for i, title in enumerate(["Daily huddles", "Rota swaps", HOSTILE]):
            made = await admin.create_submission("change", SubmissionCreate(
                kind="story", title=title, body=f"Body {i} with **bold** and {HOSTILE}"))
            ids.append(made.id)
        await admin.vote(ids[1], 1)
        async with ChallengeClient(live.url) as ada:
            await ada.register("ada@example.org", "Ada [b]bold[/b]", PASSWORD)
        yield World(live.url, admin, ids)


def make_app(url: str, sign_in: bool = True) -> ChallengeApp:
    config = ClientConfig(server=url, token_store="memory")
    return ChallengeApp(config, sign_in_as=("ada@example.org", PASSWORD) if sign_in else None)


async def challenge_screen(pilot: Pilot[None]) -> ChallengeScreen:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ChallengeScreen), screen
    return screen


async def open_submission(pilot: Pilot[None], *keys: str) -> SubmissionScreen:
    """From the challenge screen, move with ``keys`` and open that submission."""
    await challenge_screen(pilot)
    await pilot.press(*keys, "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SubmissionScreen), screen
    return screen


async def write_comment(pilot: Pilot[None], text: str) -> None:
    """On a submission: c, type ``text``, send it."""
    await pilot.press("c")
    await settle(pilot)
    await pilot.press(*text, "ctrl+s")
    await settle(pilot)


def titles(screen: ChallengeScreen) -> list[str]:
    items = screen.current_list
    assert items is not None
    return [s.title for s in items.items]


async def test_signs_in_and_lists_the_challenge(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert titles(screen) == [STORED, "Rota swaps", "Daily huddles"]  # newest first
        bar = app.status_info.render(datetime.now(UTC)).plain
        assert "Ada [b]bold[/b]" in bar
        assert "token: memory" in bar
        await pilot.press("1")
        await settle(pilot)
        assert titles(screen)[0] == "Rota swaps"  # the one with a vote
        assert "sort: top" in text_of(screen.query_one("#heading", Static))


async def test_search_and_back(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        await pilot.press("slash", *"huddles", "enter")
        await settle(pilot)
        assert titles(screen) == ["Daily huddles"]
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert len(titles(screen)) == 3


async def test_vote_is_shown_then_confirmed(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_submission(pilot, "G")  # the oldest: "Daily huddles"
        assert screen.item.title == "Daily huddles"
        await pilot.press("plus")
        await settle(pilot)
        assert screen.item.my_vote == 1 and screen.item.up == 1
        server_view = await world.admin.get_submission(screen.item.id)
        assert server_view.up == 1
        await pilot.press("0")
        await settle(pilot)
        assert (await world.admin.get_submission(screen.item.id)).up == 0
        assert screen.item.my_vote is None


async def test_refused_vote_is_rolled_back_visibly(world: World) -> None:
    app = make_app(world.url)
    app.live_wanted = False  # the change of phase not heard yet: the server refuses
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_submission(pilot)
        # Voting closes after the app read the phases: the server refuses.
        await world.admin.update_challenge("change", ChallengeUpdate.model_validate(
            {"phases": [open_phase(votes=False)]}))
        await pilot.press("plus")
        await settle(pilot)
        assert screen.item.my_vote is None
        messages = [n.message for n in app._notifications]
        assert any("does not allow you to vote" in m for m in messages), messages


async def test_comment_posts(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        submission = await open_submission(pilot)
        await write_comment(pilot, "Tried this [/] too")
        page = await world.admin.list_comments(submission.item.id)
        assert [c.body for c in page.items] == ["Tried this [/] too"]
        assert app.screen is submission


async def test_compose_posts_and_shows_errors_inline(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await challenge_screen(pilot)
        await pilot.press("n")
        await settle(pilot)
        compose = app.screen
        assert isinstance(compose, ComposeScreen)
        await pilot.press("ctrl+s")  # nothing typed yet
        await settle(pilot)
        assert app.screen is compose
        assert text_of(compose.query_one("#title-error", Static))
        await pilot.press(*"Night huddles")
        compose.query_one("#body", TextArea).text = "At 3am."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, ComposeScreen)
        listed = await world.admin.list_submissions("change")
        assert listed.items[0].title == "Night huddles"
        assert DraftStore().all() == []  # posted drafts are cleared


async def test_closing_compose_keeps_a_draft(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await challenge_screen(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Half an idea", "escape")
        await settle(pilot)
        (draft,) = DraftStore().all()
        assert draft.title == "Half an idea" and draft.server == world.url
        await pilot.press("d")
        await settle(pilot)
        from tui.screens.drafts import DraftsScreen

        assert isinstance(app.screen, DraftsScreen)
        assert [d.title for d in app.screen.drafts] == ["Half an idea"]


async def test_wrong_password_and_unreachable_server(world: World) -> None:
    app = ChallengeApp(ClientConfig(server=world.url, token_store="memory"),
                       sign_in_as=("ada@example.org", "wrong password"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ConnectScreen)
        assert "email or password is wrong" in text_of(screen.query_one("#message",
                                                                Static))
        server = screen.query_one("#server", Input)
        server.value = "http://127.0.0.1:9"  # discard port: nothing listens
        screen.query_one("#email", Input).value = "ada@example.org"
        screen.query_one("#password", Input).value = PASSWORD
        screen.submit()
        await settle(pilot)
        message = text_of(screen.query_one("#message", Static))
        assert "Cannot connect to http://127.0.0.1:9" in message
        assert screen.query_one("#password", Input).value == PASSWORD  # kept


async def test_hostile_text_is_shown_literally(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert screen.has_class("wide")  # list and detail side by side from 120 columns
        await pilot.press("g", "enter")
        await settle(pilot)
        submission = app.screen
        assert isinstance(submission, SubmissionScreen)
        header = text_of(submission.query_one("#header", Static))
        assert "[/] [@click=app.quit]x[/]" in header
        assert "\x1b" not in header and "\u202e" not in header
        assert "看护" in header
        assert app.is_running  # the click action was text, not an action


async def test_closed_phase_hides_top_and_counts(world: World, database_url: str) -> None:
    await world.admin.update_challenge("change", ChallengeUpdate.model_validate({
        "phases": [phase("Vote", -DAY, DAY, votes=True, show_counts=False)]}))
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert screen.sort == "random"
        await pilot.press("1")
        await settle(pilot)
        assert screen.sort == "random"
        items = screen.current_list
        assert isinstance(items, SubmissionList)
        assert all(s.up is None for s in items.items)
    await asyncio.sleep(0)


async def test_command_palette_offers_screen_actions(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"Discussed")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.sort == "discussed"


async def test_keys_can_be_remapped_in_the_config(world: World) -> None:
    config = ClientConfig(server=world.url, token_store="memory",
                          keys={"challenge.sort_top": "T"})
    app = ChallengeApp(config, sign_in_as=("ada@example.org", PASSWORD))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        await pilot.press("1")
        await settle(pilot)
        assert screen.sort == "new"  # the old key no longer sorts
        await pilot.press("T")
        await settle(pilot)
        assert str(screen.sort) == "top"


async def test_typing_q_in_a_form_does_not_quit(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("tab", "q", "q")  # focus on the kind or themes, then a letter
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, ComposeScreen)


async def test_vote_from_the_list_and_switch_tabs(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        items = screen.current_list
        assert items is not None and items.current is not None
        target = items.current.id
        await pilot.press("plus")
        await settle(pilot)
        assert items.current.my_vote == 1
        assert (await world.admin.get_submission(target)).up == 1
        await pilot.press("right")
        await settle(pilot)
        assert screen.query_one(TabbedContent).active == "tab-idea"


class Recorder(httpx.AsyncBaseTransport):
    """The app's requests, in the order they went out and were answered."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.events: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        kind = request.url.params.get("kind")
        what = (f"{request.method} {request.url.path.removeprefix('/api/v1')}"
                + (f"?kind={kind}" if kind else ""))
        self.events.append(("sent", what))
        response = await self.inner.handle_async_request(request)
        self.events.append(("answered", what))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()

    @property
    def sent(self) -> list[str]:
        return [what for event, what in self.events if event == "sent"]


async def test_start_up_asks_only_for_what_the_first_screen_shows(world: World) -> None:
    async with ChallengeClient(world.url) as ada:
        token = (await ada.login("ada@example.org", PASSWORD)).token
    recorder = Recorder()
    app = ChallengeApp(ClientConfig(server=world.url, token=token), transport=recorder)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert titles(screen) == [STORED, "Rota swaps", "Daily huddles"]
        # Who I am and the challenges at once: the list is asked for before the
        # answer about the token arrives. Then the lone challenge and its front tab.
        assert sorted(recorder.sent[:2]) == ["GET /challenges", "GET /me"]
        assert (recorder.events.index(("sent", "GET /challenges"))
                < recorder.events.index(("answered", "GET /me")))
        # The person's drafts on the server are asked for once the first screen is up,
        # off start-up's path.
        drafts = [s for s in recorder.sent if s.startswith("GET /me/drafts")]
        assert drafts and all(recorder.events.index(("sent", d)) > recorder.events.index(
            ("sent", "GET /challenges/change/submissions?kind=story")) for d in drafts)
        # So are the live stream and the count of unread notifications.
        later = ("GET /me/drafts", "GET /events", "GET /me/notifications")
        for what in later[1:]:
            assert recorder.events.index(("sent", what)) > recorder.events.index(
                ("sent", "GET /challenges/change/submissions?kind=story"))
        shown = [s for s in recorder.sent if not s.startswith(later)]
        assert shown[2:] == ["GET /challenges/change",
                             "GET /challenges/change/submissions?kind=story"]
        await pilot.press("right")  # the other tab loads when it is first shown
        await settle(pilot)
        assert recorder.sent[-1] == "GET /challenges/change/submissions?kind=idea"


async def test_a_token_that_no_longer_works_asks_to_sign_in(world: World) -> None:
    app = ChallengeApp(ClientConfig(server=world.url, token="revoked-or-made-up"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ConnectScreen)
        assert app.session is not None and app.session.user is None
        assert "no longer works" in text_of(app.screen.query_one("#message", Static))


@pytest.mark.parametrize("signed_in", [True, False])
async def test_start_up_turns_the_garbage_collector_back_on(world: World,
                                                            signed_in: bool) -> None:
    """tui.cli turns it off for start-up; the first screen, whichever, turns it on."""
    import gc

    gc.disable()
    try:
        app = make_app(world.url, sign_in=signed_in)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, ChallengeScreen if signed_in else ConnectScreen)
            assert gc.isenabled() and app.heap_frozen
    finally:
        gc.enable()
        gc.unfreeze()


async def test_back_from_a_lone_challenge_shows_the_challenges(world: World) -> None:
    from textual.widgets import OptionList

    from tui.screens.challenges import ChallengesScreen

    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)  # one challenge: opened straight away
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ChallengesScreen)
        assert app.screen.query_one(OptionList).option_count == 1  # and not reopened
        await pilot.press("enter")
        await challenge_screen(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ChallengesScreen)


async def test_key_bar_shows_the_keys_and_a_click_presses_one(world: World) -> None:
    from tui.widgets.key_bar import KeyBar

    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        bar = screen.query_one(KeyBar)
        shown = bar.render().plain
        # At 80 columns help stays; quit and the palette (in the help) make room for it.
        assert shown.startswith("esc Back 1 Top") and shown.rstrip().endswith("? Help")
        (start, _end, _key), = [span for span in bar._spans if span[2] == "slash"]
        await pilot.click(KeyBar, offset=(start, 0))
        await settle(pilot)
        search = screen.search_box
        assert search is not None and search.has_focus


async def test_list_rows_are_drawn_again_when_they_change(world: World) -> None:
    """The list keeps drawn lines; a vote, the cursor and the focus still show at once."""
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        items = screen.current_list
        assert items is not None

        def line(y: int) -> str:
            return items.render_line(y).text

        def is_cursor(y: int) -> bool:
            style = next(iter(items.render_line(y))).style
            cursor = items.get_visual_style("submission-list--cursor").rich_style
            return style is not None and style.bgcolor == cursor.bgcolor

        assert not line(0).lstrip().startswith("+") and is_cursor(0) and not is_cursor(2)
        await pilot.press("plus")
        await settle(pilot)
        assert line(0).lstrip().startswith("+ ▲1")  # my vote, counted
        await pilot.press("down")
        await settle(pilot)
        assert is_cursor(2) and not is_cursor(0)
        focused = next(iter(items.render_line(2))).style
        await pilot.press("slash")  # the search box takes the focus: the cursor dims
        await settle(pilot)
        assert next(iter(items.render_line(2))).style != focused


async def test_withdrawn_submission_leaves_the_list(world: World) -> None:
    async with ChallengeClient(world.url) as ada:
        await ada.login("ada@example.org", PASSWORD)
        mine = await ada.create_submission("change", SubmissionCreate(
            kind="story", title="Mine to withdraw", body="Oops."))
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert titles(screen)[0] == "Mine to withdraw"
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("w", "y")
        await settle(pilot)
        assert isinstance(app.screen, ChallengeScreen)
        assert "Mine to withdraw" not in titles(screen)
        assert (await world.admin.get_submission(mine.id)).status == "withdrawn"


async def test_mine_shows_my_held_and_rejected_posts_with_the_reason(world: World) -> None:
    async with ChallengeClient(world.url) as ada:
        await ada.login("ada@example.org", PASSWORD)
        held = await ada.create_submission("change", SubmissionCreate(
            kind="story", title="Ring 07700 900123", body="About the rota."))
        rejected = await ada.create_submission("change", SubmissionCreate(
            kind="story", title="Off topic", body="Parking."))
    await world.admin.decide(DecisionCreate(
        targets=[DecisionTarget(type="submission", id=rejected.id)], action="reject",
        reason="Not about this [b]question[/b]."))
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert held.status == "pending"
        assert "Off topic" not in titles(screen) and held.title not in titles(screen)
        await pilot.press("o")
        await settle(pilot)
        assert titles(screen) == ["Off topic", held.title]  # mine only, newest first
        assert "only mine" in text_of(screen.query_one("#heading", Static))
        items = screen.current_list
        assert items is not None
        assert "[rejected]" in "".join(s.text for s in items.render_line(0))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SubmissionScreen)
        shown = " ".join(text_of(w) for w in app.screen.query(Static))
        assert "Status: rejected: Not about this [b]question[/b]." in shown  # literally
        await pilot.press("escape", "o")
        await settle(pilot)
        assert "Off topic" not in titles(screen)


async def test_my_held_comment_shows_with_its_reason(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        submission = await open_submission(pilot)
        await write_comment(pilot, "Ring me on 07700 900123")
        options = submission.query_one("#comments", OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in
                 range(options.option_count)]
        assert any("pending" in line and "phone number" in line for line in shown), shown
        others = await world.admin.list_comments(submission.item.id)
        assert others.items == []  # held: only its author is sent it


async def test_compose_warns_about_patient_details(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await challenge_screen(pilot)
        await pilot.press("n")
        await settle(pilot)
        compose = app.screen
        assert isinstance(compose, ComposeScreen)
        await pilot.press(*"Mr Smith 943 476 5919")
        compose.query_one("#body", TextArea).text = "He waited all day."
        await pilot.press("ctrl+s")
        await settle(pilot)
        from tui.widgets.confirm import ConfirmScreen

        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert "an NHS number" in confirm.question
        await pilot.press("n")  # no: back to the form, nothing sent, nothing lost
        await settle(pilot)
        assert app.screen is compose
        assert compose.query_one("#title", Input).value == "Mr Smith 943 476 5919"
        listed = await world.admin.list_submissions("change")
        assert all(s.title != "Mr Smith 943 476 5919" for s in listed.items)


HOSTILE_THEME = "[red]Time[/] \x1b[2J"
HOSTILE_NAME = "[@click=app.quit]Eve[/] \u202e"


async def test_hostile_names_and_themes_on_every_screen(live: LiveServer,
                                                        database_url: str) -> None:
    """Markup, escapes and bidi overrides in themes, names and comments: shown literally."""
    ((_, token),) = await add_users(database_url, 1, role="admin", prefix="admin")
    async with ChallengeClient(live.url, token=token) as admin:
        await admin.create_challenge(ChallengeCreate.model_validate(challenge_spec(
            themes=[HOSTILE_THEME, "Plain"], title="[b]Bold[/b] challenge")))
        async with ChallengeClient(live.url) as eve:
            await eve.register("eve@example.org", HOSTILE_NAME, PASSWORD)
            made = await eve.create_submission("change", SubmissionCreate(
                kind="story", title="Eve's story", body="Body [/]",
                themes=[clean_text(HOSTILE_THEME)]))
            await eve.add_comment(made.id, "A comment [@click=app.quit]x[/]")
    app = ChallengeApp(ClientConfig(server=live.url, token_store="memory"),
                       sign_in_as=("eve@example.org", PASSWORD))
    theme, name = one_line_plain(HOSTILE_THEME), one_line_plain(HOSTILE_NAME)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert "[b]Bold[/b] challenge" in text_of(screen.query_one("#heading", Static))
        items = screen.current_list
        assert items is not None and items.items[0].themes == (theme,)
        assert items.items[0].author == name
        await pilot.press("enter")
        await settle(pilot)
        submission = app.screen
        assert isinstance(submission, SubmissionScreen)
        assert name in text_of(submission.query_one("#header", Static))
        assert [c.body for c in submission.comments] == ["A comment [@click=app.quit]x[/]"]
        await pilot.press("escape", "s")
        await settle(pilot)
        from tui.screens.stats import StatsScreen

        assert isinstance(app.screen, StatsScreen)
        assert theme in text_of(app.screen.query_one("#stats", Static))
        await pilot.press("escape", "t")
        await settle(pilot)
        from tui.screens.pick import PickScreen

        assert isinstance(app.screen, PickScreen)
        assert app.is_running


def one_line_plain(text: str) -> str:
    from tui.text import one_line

    return one_line(clean_text(text)).plain
