"""Moderators reveal a challenge's hidden counts from the moderation desk, against a real
server: a reason is required, the answer is shown, the audit log has the row (and the
log screen shows it, reason literally); participants still see nothing."""

from __future__ import annotations

import pytest
from textual.widgets import Input, OptionList, Static

from client import ChallengeClient, Forbidden
from client.config import ClientConfig
from client.models import ChallengeUpdate
from client.text import clean_text
from tests import tui_support
from tests.support import add_users, open_phase
from tests.test_tui import HOSTILE, PASSWORD, World, challenge_screen, world
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.screens.moderation import ModerationScreen
from tui.screens.moderation_log import ModerationLogScreen
from tui.screens.reveal import RevealScreen
from tui.text import one_line
from tui.widgets.confirm import ConfirmScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["world"]  # the fixture, for pytest

REASON = f"Checking a report of vote stuffing {HOSTILE}"


async def test_reveal_asks_why_is_logged_and_participants_still_see_nothing(
        world: World, database_url: str) -> None:
    await world.admin.update_challenge("change", ChallengeUpdate.model_validate(
        {"phases": [open_phase(show_counts=False)]}))
    ((_, token),) = await add_users(database_url, 1, role="moderator", prefix="mod")
    app = ChallengeApp(ClientConfig(server=world.url, token=token))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)
        await pilot.press("M")
        await settle(pilot)
        assert isinstance(app.screen, ModerationScreen)
        await pilot.press("C")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RevealScreen)
        assert screen.query_one("#challenge", Input).value == "change"  # the desk's
        assert "cannot be undone" in text_of(screen.query_one("#reveal-warning", Static))

        await pilot.press("enter")  # no reason: asked for, nothing sent
        await settle(pilot)
        assert app.screen is screen
        assert "A reason is required" in text_of(screen.query_one("#reveal-message", Static))
        assert not (await world.admin.moderation_log(action="reveal_counts")).items

        screen.query_one("#reason", Input).value = REASON
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)  # says it is logged, for good
        assert "cannot be undone" in app.screen.question
        await pilot.press("y")
        await settle(pilot)
        assert screen.is_current
        assert screen.result is not None
        shown = text_of(screen.query_one("#reveal-result", Static))
        assert shown.startswith(f"Logged as action #{screen.result.action.id}: 3 published")
        # Admin's one support of "Rota swaps", and the hostile title on one line, as text.
        assert any("Rota swaps" in line and "+1 −0" in line for line in shown.splitlines())
        assert one_line(HOSTILE).plain[:20] in shown
        assert app.is_running

        (logged,) = (await world.admin.moderation_log(action="reveal_counts")).items
        assert logged.reason == clean_text(REASON).strip()
        assert logged.challenges == ["change"]

        await pilot.press("escape", "l")  # the desk's log lists it
        await settle(pilot)
        log = app.screen
        assert isinstance(log, ModerationLogScreen)
        first = log.query_one(OptionList).get_option_at_index(0).prompt
        line = first.plain
        assert f"#{logged.id} hidden counts revealed by mod 0" in line
        assert f"challenge change — {one_line(logged.reason).plain}" in line
        await pilot.press("u")  # what was seen stays seen
        await settle(pilot)
        assert any("cannot be undone" in n.message for n in app._notifications)
        assert app.is_running

    # Participants: no counts, no reveal, no log.
    async with ChallengeClient(world.url) as ada:
        await ada.login("ada@example.org", PASSWORD)
        page = await ada.list_submissions("change", kind="story")
        assert all(s.up is None and s.score is None for s in page.items)
        with pytest.raises(Forbidden):
            await ada.reveal_counts("change", "curious")
        with pytest.raises(Forbidden):
            await ada.moderation_log()
    assert len((await world.admin.moderation_log(action="reveal_counts")).items) == 1
