"""The pairwise screen against a live server: a choice is recorded and the next pair
follows at once; untrusted titles show literally; the key only while the phase allows it."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Static

from client.models import ChallengeUpdate
from tests import tui_support
from tests.support import open_phase
from tests.test_tui import World, challenge_screen, make_app, world
from tests.tui_support import settle, text_of
from tui.screens.pairs import PairsScreen
from tui.widgets.key_bar import KeyBar

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["world"]


async def allow_pairwise(world: World) -> None:
    await world.admin.update_challenge("change", ChallengeUpdate.model_validate(
        {"phases": [open_phase(pairwise=True)]}))


async def pairs_screen(pilot: Pilot[None]) -> PairsScreen:
    await challenge_screen(pilot)
    await pilot.press("P")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PairsScreen), screen
    return screen


async def test_choosing_left_is_recorded_and_the_next_pair_shows(world: World) -> None:
    await allow_pairwise(world)
    app = make_app(world.url)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert "P Compare" in screen.query_one(KeyBar).render().plain
        pairs = await pairs_screen(pilot)
        first = pairs.pair
        assert first is not None
        assert "0 comparisons made" in text_of(pairs.query_one("#pairs-heading", Static))
        await pilot.press("left")
        await settle(pilot)
        assert "1 comparison made" in text_of(pairs.query_one("#pairs-heading", Static))
        assert pairs.pair is not None and pairs.pair.pair != first.pair  # the next, at once
        # The server counted it: the left one won once.
        page = await world.admin.list_submissions("change", kind="story", sort="pairwise")
        wins = {s.id: s.wins for s in page.items}
        assert wins[first.left.id] == 1 and wins[first.right.id] == 0
        assert not app._notifications  # no error said


async def test_hostile_titles_show_literally_until_none_is_left(world: World) -> None:
    await allow_pairwise(world)
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        pairs = await pairs_screen(pilot)
        seen = ""
        while pairs.pair is not None:  # three stories: three pairs, then none
            seen += text_of(pairs.query_one("#pairs-left", Static))
            seen += text_of(pairs.query_one("#pairs-right", Static))
            await pilot.press("down")  # can't decide
            await settle(pilot)
        assert "[/] [@click=app.quit]x[/]" in seen  # brackets and all, not markup
        assert "\x1b" not in seen and "\u202e" not in seen  # no escapes, no bidi override
        assert pairs.made == 3
        assert app.is_running  # the [@click=app.quit] was never a link
        assert "Nothing left to compare" in text_of(pairs.query_one("#pairs-done", Static))
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, PairsScreen)


async def test_the_key_is_absent_when_the_phase_does_not_allow_pairwise(
        world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        screen = await challenge_screen(pilot)
        assert "Compare" not in screen.query_one(KeyBar).render().plain
        await pilot.press("P")  # still says why
        await settle(pilot)
        assert not isinstance(app.screen, PairsScreen)
        assert any("not open" in str(n.message) for n in app._notifications)
