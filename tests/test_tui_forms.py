"""The app's forms at 80x24: keys typed in a burst reach the right field, and every
message a form shows is on screen without scrolling."""

from __future__ import annotations

import asyncio
import threading

import pytest
from textual import events
from textual.app import App
from textual.keys import _character_to_key
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Static, TextArea

from client.config import ClientConfig
from client.models import ChallengeUpdate
from tests import tui_support
from tests.support import open_phase
from tests.test_tui import (
    PASSWORD,
    World,
    challenge_screen,
    make_app,
    open_submission,
    world,
)
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.screens.compose import ComposeScreen
from tui.screens.connect import ConnectScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["world"]


def burst(app: App[None], *keys: str) -> None:
    """Keys as a terminal delivers a password manager's auto-type: all of them queued
    before the app handles the first (``pilot.press`` waits after each key)."""
    for key in keys:
        if len(key) == 1:
            event = events.Key(key if key.isalnum() else _character_to_key(key), key)
        else:
            event = events.Key(key, "\t" if key == "tab" else "\r" if key == "enter" else None)
        app.post_message(event)


async def sign_in_screen(pilot: Pilot[None]) -> ConnectScreen:
    """The sign-in form, as soon as it is pushed (polled: no event says so)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not isinstance(pilot.app.screen, ConnectScreen):
        assert loop.time() < deadline, "no sign-in form"
        await asyncio.sleep(0)
    return pilot.app.screen


@pytest.mark.parametrize("between", ["tab", "enter"])
async def test_a_burst_of_keys_at_sign_in_fills_the_right_fields(world: World,
                                                                 between: str) -> None:
    app = ChallengeApp(ClientConfig(server=world.url, token_store="memory"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await sign_in_screen(pilot)
        burst(app, *"ada@example.org", between, *PASSWORD)
        await settle(pilot)
        assert screen.query_one("#email", Input).value == "ada@example.org"
        assert screen.query_one("#password", Input).value == PASSWORD
        burst(app, "enter")
        await settle(pilot)
        assert app.session is not None and app.session.user is not None
        assert not isinstance(app.screen, ConnectScreen)


async def test_keys_typed_before_the_sign_in_form_is_up_reach_it(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Typed at launch, before the form exists (the session opens in a thread, held
    here until the keys are in): kept, then typed into the form in order."""
    from tui.session import Session

    keys_in = threading.Event()
    opened = Session.open

    def held_open(*args: object) -> Session:
        assert keys_in.wait(30)
        return opened(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(Session, "open", held_open)
    app = ChallengeApp(ClientConfig(server=world.url, token_store="memory"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        assert len(app.screen_stack) == 1  # no form yet
        burst(app, *"ada@example.org", "tab", *PASSWORD)
        await pilot.pause()
        keys_in.set()
        screen = await sign_in_screen(pilot)
        await settle(pilot)
        assert screen.query_one("#email", Input).value == "ada@example.org"
        assert screen.query_one("#password", Input).value == PASSWORD


async def test_tab_and_shift_tab_go_round_the_sign_in_form(world: World) -> None:
    app = ChallengeApp(ClientConfig(server=world.url, token_store="memory"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await sign_in_screen(pilot)
        await settle(pilot)
        seen = []
        for _ in range(4):
            seen.append(app.focused.id if app.focused else None)
            await pilot.press("tab")
        assert seen == ["email", "password", "submit", "server"]
        await pilot.press("shift+tab", "shift+tab")
        assert app.focused is screen.query_one("#submit")


def in_view(widget: Widget) -> bool:
    """Whether all of ``widget`` is drawn on its screen now: inside the terminal, not
    scrolled away, not under a docked bar (what the screen finds at its first and last
    line is the widget itself)."""
    region, screen = widget.region, widget.screen
    if not region.height or region.bottom > screen.size.height:
        return False
    return all(screen.get_widget_at(region.x, y)[0] is widget
               for y in (region.y, region.bottom - 1))


async def test_the_register_form_and_its_message_fit_80x24(world: World) -> None:
    app = ChallengeApp(ClientConfig(server=world.url, token_store="memory"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await sign_in_screen(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.click("#submit")
        await settle(pilot)
        message = screen.query_one("#message", Static)
        assert text_of(message) == "Fill in every field."
        assert in_view(message)
        assert all(in_view(w) for w in (*screen.fields, screen.query_one("#submit")))


async def open_composer(pilot: Pilot[None]) -> ComposeScreen:
    await challenge_screen(pilot)
    await pilot.press("n")
    await settle(pilot)
    compose = pilot.app.screen
    assert isinstance(compose, ComposeScreen)
    return compose


async def test_the_composers_refusal_is_in_view_at_80x24(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        compose = await open_composer(pilot)
        await pilot.press(*"Night huddles")
        compose.query_one("#body", TextArea).text = "At 3am."
        # The phase closes while the person writes: the server refuses the post.
        await world.admin.update_challenge("change", ChallengeUpdate.model_validate(
            {"phases": [open_phase(submissions=False)]}))
        await pilot.press("ctrl+s")
        await settle(pilot)
        message = compose.query_one("#message", Static)
        assert "does not allow you to submit" in text_of(message)
        assert in_view(message)


async def test_a_field_error_below_the_fold_is_brought_into_view(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        compose = await open_composer(pilot)
        await pilot.press(*"Night huddles", "ctrl+s")  # no body
        await settle(pilot)
        body_error = compose.query_one("#body-error", Static)
        assert text_of(body_error)
        assert in_view(body_error) and in_view(compose.query_one("#message", Static))
        assert compose.query_one("#body", TextArea).has_focus


async def test_the_write_modals_message_is_in_view_at_80x24(world: World) -> None:
    app = make_app(world.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_submission(pilot)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press("ctrl+s")  # nothing written
        await settle(pilot)
        message = app.screen.query_one("#message", Static)
        assert text_of(message) == "Write something first."
        assert in_view(message)
