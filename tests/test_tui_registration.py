"""Registering from the sign-in screen where the server confirms addresses by mail (and
where it takes no registrations), at 80x24 against a live server with a mail outbox."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from client.config import ClientConfig
from client.models import RegistrationPending
from server.config import Settings
from tests import tui_support
from tests.support import LiveServer
from tests.test_auth_registration import Outbox, mail_live, outbox
from tests.test_tui_forms import burst, in_view, sign_in_screen
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.registering import CLOSED, CODE_TRIES, MailedCode
from tui.screens.connect import ConnectScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["mail_live", "outbox"]

PASSWORD = "a long password"
PROMPT = "We mailed a code to ann@example.org. Enter it here."


def app_for(url: str) -> ChallengeApp:
    return ChallengeApp(ClientConfig(server=url, token_store="memory"))


def value(screen: ConnectScreen, name: str) -> str:
    return screen.query_one(f"#{name}", Input).value


def message(screen: ConnectScreen) -> Static:
    return screen.query_one("#message", Static)


async def register(pilot: Pilot[None], email: str = "ann@example.org",
                   name: str = "Ann") -> ConnectScreen:
    """The register form filled in and sent, from the keyboard."""
    screen = await sign_in_screen(pilot)
    await settle(pilot)
    await pilot.press("ctrl+r", *email, "tab", *name, "tab", *PASSWORD, "enter")
    await settle(pilot)
    return screen


def at_code_step(screen: ConnectScreen) -> bool:
    code = screen.query_one("#code", Input)
    return code.display and code.has_focus and not screen.query_one("#password").display


async def test_registering_by_mail_asks_for_the_code_and_signs_in(mail_live: LiveServer,
                                                                  outbox: Outbox) -> None:
    app = app_for(mail_live.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await register(pilot)
        assert at_code_step(screen)
        assert text_of(message(screen)) == PROMPT and in_view(message(screen))
        assert in_view(screen.query_one("#code")) and in_view(screen.query_one("#submit"))
        assert value(screen, "password") == ""  # the password is not kept on screen
        assert app.session is not None and app.session.user is None
        await pilot.press(*outbox.code("ann@example.org").replace(" ", "-"), "enter")
        await settle(pilot)
        assert app.session.user is not None and app.session.user.email == "ann@example.org"
        assert app.session.client.token is not None
        assert not isinstance(app.screen, ConnectScreen)


async def test_a_wrong_code_keeps_the_form_and_esc_goes_back(mail_live: LiveServer,
                                                             outbox: Outbox) -> None:
    app = app_for(mail_live.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await register(pilot)
        right = outbox.code("ann@example.org")
        wrong = "0000 0000" if right != "0000 0000" else "1111 1111"
        await pilot.press(*wrong, "enter")
        await settle(pilot)
        assert at_code_step(screen) and value(screen, "code") == wrong
        said = text_of(message(screen))
        assert said.startswith("That code is not the one we mailed") and in_view(message(screen))
        assert app.session is not None and app.session.user is None
        await pilot.press("escape")
        await settle(pilot)
        # Back on the register form, with what was typed but the password.
        assert screen.query_one("#name").display and not screen.query_one("#code").display
        assert (value(screen, "email"), value(screen, "name")) == ("ann@example.org", "Ann")
        assert screen.query_one("#password").has_focus and value(screen, "password") == ""
        await pilot.press(*PASSWORD, "enter")  # registers again: a new code
        await settle(pilot)
        assert at_code_step(screen) and value(screen, "code") == ""
        assert len([m for m in outbox.mails() if m["To"] == "ann@example.org"]) == 2


async def test_a_used_up_code_sends_back_to_register(mail_live: LiveServer,
                                                     outbox: Outbox) -> None:
    app = app_for(mail_live.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await register(pilot)
        right = outbox.code("ann@example.org").replace(" ", "")
        wrong = "0" * 8 if right != "0" * 8 else "1" * 8
        for _ in range(CODE_TRIES - 1):
            await pilot.press(*wrong, "enter")
            await settle(pilot)
            assert at_code_step(screen)
            await pilot.press(*["backspace"] * 8)
        await pilot.press(*wrong, "enter")
        await settle(pilot)
        assert "register again" in text_of(message(screen)) and in_view(message(screen))
        assert not screen.query_one("#code").display and screen.query_one("#name").display
        assert (value(screen, "email"), value(screen, "name")) == ("ann@example.org", "Ann")
        # The server agrees: the right code no longer completes that registration.
        assert app.session is not None and screen.mailed is None
        await pilot.press(*PASSWORD, "enter")
        await settle(pilot)
        await pilot.press(*outbox.code("ann@example.org"), "enter")
        await settle(pilot)
        assert app.session.user is not None


async def test_a_burst_typing_the_code_lands_in_the_code_field(mail_live: LiveServer,
                                                               outbox: Outbox) -> None:
    app = app_for(mail_live.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await sign_in_screen(pilot)
        await settle(pilot)
        await pilot.press("ctrl+r", *"ann@example.org", "tab", *"Ann", "tab", *PASSWORD,
                          "enter")
        # The moment the code field shows (polled: no event says so), a password
        # manager types the code and Enter in one go.
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        code = screen.query_one("#code", Input)
        while not code.display:
            assert loop.time() < deadline, "no code step"
            await asyncio.sleep(0)
        burst(app, *outbox.code("ann@example.org"), "enter")
        await settle(pilot)
        # Signed in: every digit reached the code field (the screen is gone).
        assert app.session is not None and app.session.user is not None
        assert not isinstance(app.screen, ConnectScreen)


async def test_open_registration_signs_in_at_once(live: LiveServer) -> None:
    app = app_for(live.url)  # no mail configured: registration is open
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await register(pilot)
        assert app.session is not None and app.session.user is not None
        assert not isinstance(app.screen, ConnectScreen)


@pytest.fixture
def closed(settings: Settings) -> None:
    settings.registration = "closed"


@pytest.fixture
def closed_live(closed: None, live: LiveServer) -> LiveServer:
    """The live server, started after registration was closed (argument order)."""
    return live


async def test_closed_registration_says_accounts_come_from_an_administrator(
        closed_live: LiveServer) -> None:
    app = app_for(closed_live.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await register(pilot)
        assert text_of(message(screen)) == CLOSED and in_view(message(screen))
        assert all(in_view(w) for w in (*screen.fields, screen.query_one("#submit")))
        assert "accounts come from an administrator" in CLOSED
        assert (value(screen, "email"), value(screen, "name"), value(screen, "password")) == (
            "ann@example.org", "Ann", PASSWORD)
        assert app.session is not None and app.session.user is None


def test_an_expired_code_sends_back_to_register() -> None:
    issued = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    pending = RegistrationPending(status="confirmation_sent", email="ann@example.org",
                                  registration="ticket",
                                  expires_at=issued + timedelta(minutes=30))
    mailed = MailedCode(pending)
    said, gone = mailed.refused(now=issued + timedelta(minutes=5))
    assert not gone and f"{CODE_TRIES - 1} tries left" in said
    said, gone = mailed.refused(now=issued + timedelta(minutes=30))
    assert gone and said == "The code has expired: register again for a new one."
