"""Keys typed in one burst after enter reach the screen enter opened, in order: the
open happens as enter is read, not when a message about it arrives later."""

from __future__ import annotations

from tests import tui_support
from tests.test_tui import World, challenge_screen, make_app, world
from tests.test_tui_forms import burst
from tests.tui_support import settle
from tui.screens.challenge import ChallengeScreen
from tui.screens.challenges import ChallengesScreen
from tui.screens.help import HelpScreen
from tui.screens.submission import SubmissionScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["world"]  # the fixture, for pytest


async def test_a_key_right_after_enter_on_the_list_reaches_the_submission(
        world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)
        burst(app, "enter", "?")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        # Help opened over the submission, not under it on the list.
        assert isinstance(app.screen_stack[-2], SubmissionScreen), app.screen_stack


async def test_a_key_right_after_enter_on_the_challenges_reaches_the_challenge(
        world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)
        await pilot.press("escape")  # a lone challenge: back to the challenges list
        await settle(pilot)
        assert isinstance(app.screen, ChallengesScreen), app.screen
        burst(app, "enter", "?")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert isinstance(app.screen_stack[-2], ChallengeScreen), app.screen_stack
