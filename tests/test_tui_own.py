"""Your own posts from the challenge's list: o lists them in every status, e and w
edit or withdraw the highlighted one (or say why not), and the key bars show e and w
where they apply."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input

from client import ChallengeClient
from client.models import Submission, SubmissionCreate
from tests import tui_support
from tests.test_tui import (
    PASSWORD,
    World,
    challenge_screen,
    make_app,
    open_submission,
    titles,
    world,
)
from tests.tui_support import settle
from tui.app import ChallengeApp
from tui.screens.challenge import ChallengeScreen
from tui.screens.compose import ComposeScreen
from tui.screens.submission import SubmissionScreen
from tui.widgets.key_bar import KeyBar

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["world"]


async def post_as_ada(world: World, title: str, body: str = "My words.") -> Submission:
    async with ChallengeClient(world.url) as ada:
        await ada.login("ada@example.org", PASSWORD)
        return await ada.create_submission("change", SubmissionCreate(
            kind="story", title=title, body=body))


def messages(app: ChallengeApp) -> list[str]:
    return [n.message for n in app._notifications]


def key_bar(pilot: Pilot[None]) -> str:
    return pilot.app.screen.query_one(KeyBar).render().plain


async def test_e_and_w_on_someone_elses_row_say_why_not(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert "e Edit" not in key_bar(pilot) and "w Withdraw" not in key_bar(pilot)
        await pilot.press("e")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert app.screen is screen
        assert messages(app)[-2:] == [
            "Not yours: only its author can edit a submission.",
            "Not yours: only its author can withdraw a submission."]


async def test_e_edits_my_highlighted_row_with_its_whole_body(world: World) -> None:
    mine = await post_as_ada(world, "Mine to edit", "Every word of it.")
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert titles(screen)[0] == "Mine to edit"
        assert key_bar(pilot).startswith("esc Back e Edit w Withdraw")  # quit: in the help
        await pilot.press("e")
        await settle(pilot)
        compose = app.screen
        assert isinstance(compose, ComposeScreen)
        assert compose.draft.body == "Every word of it."  # fetched: a row has no body
        compose.query_one("#title", Input).value = "Mine, edited"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen and titles(screen)[0] == "Mine, edited"
        saved = await world.admin.get_submission(mine.id)
        assert (saved.title, saved.body) == ("Mine, edited", "Every word of it.")


async def test_w_withdraws_my_highlighted_row(world: World) -> None:
    mine = await post_as_ada(world, "Mine to withdraw")
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        await pilot.press("w", "y")
        await settle(pilot)
        assert app.screen is screen and "Mine to withdraw" not in titles(screen)
        assert (await world.admin.get_submission(mine.id)).status == "withdrawn"


async def test_an_opened_submissions_key_bar_shows_e_and_w_at_80_columns(
        world: World) -> None:
    await post_as_ada(world, "Mine")
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_submission(pilot)  # mine, the newest
        assert "e Edit w Withdraw" in key_bar(pilot)
        await pilot.press("escape", "j", "enter")  # someone else's
        await settle(pilot)
        assert isinstance(app.screen, SubmissionScreen)
        assert "e Edit" not in key_bar(pilot) and "w Withdraw" not in key_bar(pilot)


async def test_mine_keeps_what_i_withdraw_listed_as_withdrawn(world: World) -> None:
    gone = await post_as_ada(world, "Withdrawn earlier")
    async with ChallengeClient(world.url) as ada:
        await ada.login("ada@example.org", PASSWORD)
        await ada.withdraw_submission(gone.id)
    await post_as_ada(world, "Withdrawn now")
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert titles(screen) == ["Withdrawn now", "Withdrawn earlier"]
        await pilot.press("w", "y")  # from the list …
        await settle(pilot)
        await pilot.press("j", "enter", "w")  # … and from its page: not again
        await settle(pilot)
        assert isinstance(app.screen, SubmissionScreen)
        assert messages(app)[-1] == "A withdrawn submission cannot be withdrawn."
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ChallengeScreen)
        assert titles(screen) == ["Withdrawn now", "Withdrawn earlier"]  # still listed
        items = screen.current_list
        assert items is not None
        assert [row.status for row in items.items] == ["withdrawn", "withdrawn"]
        assert "[withdrawn]" in items.render_line(0).text
        await pilot.press("e")  # a withdrawn post is not offered for editing either
        await settle(pilot)
        assert isinstance(app.screen, ChallengeScreen)
        assert messages(app)[-1] == "A withdrawn submission cannot be edited."
