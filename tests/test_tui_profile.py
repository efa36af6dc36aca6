"""Your profile in the app, against a real server on loopback: a staff group declared,
changed and cleared is kept by the server; a refusal is shown and the screen kept; the
name and the groups show literally (never markup)."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList, Static

import client.pairs_api
from client import ChallengeClient
from client.ranking import STAFF_GROUPS
from tests import tui_support
from tests.test_tui import PASSWORD, World, challenge_screen, make_app, world
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.screens.challenges import ChallengesScreen
from tui.screens.profile import NOT_SAID, ProfileScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["world"]  # the fixture, for pytest

NURSES = "Nursing and midwifery registered"
NEWER = "Porters [/] [@click=app.quit]x[/]"  # a group only a newer client would offer


async def saved_group(url: str) -> str | None:
    """Ada's staff group as the server has it (a sign-in of her own)."""
    async with ChallengeClient(url) as ada:
        await ada.login("ada@example.org", PASSWORD)
        return (await ada.me()).staff_group


def profile(app: ChallengeApp) -> ProfileScreen:
    screen = app.screen
    assert isinstance(screen, ProfileScreen), screen
    return screen


def lines(screen: ProfileScreen) -> list[str]:
    groups = screen.query_one(OptionList)
    return [groups.get_option_at_index(i).prompt.plain  # type: ignore[union-attr]
            for i in range(groups.option_count)]


async def test_a_group_is_declared_then_cleared_and_the_server_keeps_it(
        world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)
        await pilot.press("escape")  # a lone challenge: back to the list, where p is
        await settle(pilot)
        assert isinstance(app.screen, ChallengesScreen)
        await pilot.press("p")
        await settle(pilot)
        screen = profile(app)
        # Who: the name as typed, brackets and all.
        assert "Ada [b]bold[/b]" in text_of(screen.query_one("#profile-who", Static))
        assert "5 or more people" in text_of(screen.query_one("#profile-why", Static))
        assert lines(screen) == [f"  {g}" for g in STAFF_GROUPS] + [f"● {NOT_SAID}"]
        groups = screen.query_one(OptionList)
        assert groups.highlighted == len(STAFF_GROUPS)  # the current choice: none

        await pilot.press("home", *["down"] * STAFF_GROUPS.index(NURSES), "enter")
        await settle(pilot)
        assert await saved_group(world.url) == NURSES
        assert f"● {NURSES}" in lines(screen) and f"  {NOT_SAID}" in lines(screen)
        assert app.session is not None and app.session.user is not None
        assert app.session.user.staff_group == NURSES
        assert "Saved" in text_of(screen.query_one("#profile-message", Static))

        await pilot.press("escape")  # closed, and opened again: the choice shows
        await settle(pilot)
        assert isinstance(app.screen, ChallengesScreen)
        await pilot.press("p")
        await settle(pilot)
        screen = profile(app)
        assert screen.query_one(OptionList).highlighted == STAFF_GROUPS.index(NURSES)

        await pilot.press("end", "enter")  # prefer not to say: cleared
        await settle(pilot)
        assert await saved_group(world.url) is None
        assert lines(screen)[-1] == f"● {NOT_SAID}"
        assert not app._notifications


async def test_the_palette_opens_it_on_a_challenge(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)  # one challenge: straight in, no list to press p on
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"profile", "enter")
        await settle(pilot)
        profile(app)


async def test_a_refused_group_is_said_and_the_screen_kept(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # A client whose list has a group this server does not know: the server's 422 says.
    monkeypatch.setattr("tui.screens.profile.STAFF_GROUPS", (*STAFF_GROUPS, NEWER))
    monkeypatch.setattr(client.pairs_api, "_body",
                        lambda model, **fields: model.model_construct(**fields))
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)
        app.open_profile()
        await settle(pilot)
        screen = profile(app)
        assert f"  {NEWER}" in lines(screen)  # literally
        await pilot.press("end", "up", "enter")  # the newer group, before "prefer not"
        await settle(pilot)
        assert app.screen is screen and app.is_running  # kept; the link was not one
        said = text_of(screen.query_one("#profile-message", Static))
        assert said.startswith("Not saved:") and "staff group" in said, said
        assert screen.query_one(OptionList).highlighted == len(STAFF_GROUPS)  # still there
        assert lines(screen)[-1] == f"● {NOT_SAID}"  # nothing changed
        assert await saved_group(world.url) is None
