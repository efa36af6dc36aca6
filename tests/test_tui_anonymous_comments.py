"""A comment by an anonymous submission's author, as a participant's app shows it: by
"the anonymous author", and replying to it or flagging it names nobody (80x24)."""

from __future__ import annotations

from textual.widgets import OptionList

from client import ChallengeClient
from client.config import ClientConfig
from client.models import ChallengeCreate, SubmissionCreate
from tests import tui_support
from tests.support import LiveServer, add_users, challenge_spec
from tests.test_tui import challenge_screen
from tests.test_tui_moderation import lines_of
from tests.tui_support import settle
from tui.app import ChallengeApp
from tui.screens.pick import PickScreen
from tui.screens.submission import SubmissionScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs


async def test_a_participant_sees_the_anonymous_author(live: LiveServer,
                                                        database_url: str) -> None:
    ((_, admin), (_, author), (_, reader)) = (
        *await add_users(database_url, 1, role="admin", prefix="admin"),
        *await add_users(database_url, 2, prefix="person"))
    async with ChallengeClient(live.url, token=admin) as client:
        await client.create_challenge(ChallengeCreate.model_validate(challenge_spec()))
    async with ChallengeClient(live.url, token=author) as client:
        secret = (await client.me()).display_name
        item = await client.create_submission("change", SubmissionCreate(
            kind="story", title="Huddles", body="Ten minutes.", anonymous=True))
        await client.add_comment(item.id, "Thanks all, I wrote this one.")
    app = ChallengeApp(ClientConfig(server=live.url, token=reader, token_store="memory"))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await challenge_screen(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SubmissionScreen)
        assert screen.comments and screen.comments[0].author is None
        shown = "\n".join(lines_of(screen.query_one("#comments", OptionList)))
        assert "the anonymous author" in shown and secret not in shown
        await pilot.press("tab")  # to the comments: the first is highlighted
        await settle(pilot)
        assert screen.selected_comment() is not None
        await pilot.press("f")  # flag that comment
        await settle(pilot)
        assert isinstance(app.screen, PickScreen)
        assert app.screen.title_text == "Flag this comment by the anonymous author"
