"""Reporting twice: the server refuses a second report (409) and the wire does not say
who reported what, so the app remembers this session's reports and says "already
reported" at once, before a reason is picked or a note written (80x24)."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Static

from client import ChallengeClient
from client.config import ClientConfig
from client.models import ChallengeCreate, SubmissionCreate
from tests import tui_support
from tests.support import LiveServer, add_users, challenge_spec
from tests.test_tui import challenge_screen
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.screens.pick import PickScreen
from tui.screens.submission import SubmissionScreen
from tui.screens.write import WriteScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs


def on_top(app: ChallengeApp) -> Screen[object]:
    return app.screen


def said(app: ChallengeApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_second_report_is_refused_before_the_note(live: LiveServer,
                                                          database_url: str) -> None:
    ((_, admin), (_, author), (_, reader)) = (
        *await add_users(database_url, 1, role="admin", prefix="admin"),
        *await add_users(database_url, 2, prefix="person"))
    async with ChallengeClient(live.url, token=admin) as client:
        await client.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
    async with ChallengeClient(live.url, token=author) as client:
        item = await client.create_submission("change", SubmissionCreate(
            kind="story", title="Huddles", body="Ten minutes."))
        comment = await client.add_comment(item.id, "Thanks all.")
    async with ChallengeClient(live.url, token=reader) as client:  # on another desk
        await client.flag_comment(comment.id, "spam", "Reported from elsewhere")
    app = ChallengeApp(ClientConfig(server=live.url, token=reader, token_store="memory"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SubmissionScreen)
        submission: SubmissionScreen = screen

        # Reported here: a second "f" says so at once.
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, PickScreen)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*"Names a patient", "ctrl+s")
        await settle(pilot)
        assert on_top(app) is screen
        await pilot.press("f")
        await settle(pilot)
        assert on_top(app) is screen  # no reason asked for
        assert said(app)[-1] == ("You have already reported this submission: the "
                                 "moderators have it.")

        # Reported elsewhere: the server's refusal is said once; then known here too.
        await pilot.press("tab")
        await settle(pilot)
        assert submission.selected_comment() is not None
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press(*"Again", "ctrl+s")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, WriteScreen)
        assert "already reported" in text_of(form.query_one("#message", Static))
        await pilot.press("escape", "y")  # discard the note
        await settle(pilot)
        assert on_top(app) is screen
        await pilot.press("f")
        await settle(pilot)
        assert on_top(app) is screen
        assert said(app)[-1].startswith("You have already reported this comment by ")

        # Signed out (a shared desk, the gateway): nothing of this person is kept.
        session = app.session
        assert session is not None and session.reported
        histories = session.versions
        await session.sign_out()
        assert not session.reported and session.versions is not histories
