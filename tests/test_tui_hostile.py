"""Text from people, admins or a hostile server, on every screen of the app: shown as
written, never as markup or terminal control, and nothing breaks.

The challenge, its prompts, phase, themes, a person's name, a submission and a comment
all hold markup (``[u]x[/u]``, a stray ``[/]``, an ``@click`` action). Then escape
sequences are written straight into the database, as a server that did not clean its
text would send them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import Select

from client import ChallengeClient
from client.config import ClientConfig
from client.models import ChallengeCreate, SubmissionCreate
from server.config import Settings
from server.db import Database
from tests import tui_support
from tests.support import LiveServer, add_users, challenge_spec, open_phase
from tests.test_tui import PASSWORD
from tests.tui_support import settle
from tui.app import ChallengeApp
from tui.screens.compose import ComposeScreen
from tui.screens.pick import PickScreen
from tui.screens.stats import StatsScreen
from tui.screens.submission import SubmissionScreen
from tui.screens.write import WriteScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs

MARKUP = "[u]x[/u][/][@click=app.quit]q[/]"
ESCAPES = "\x1b[31m\x1b]0;pwned\x07"


@pytest.fixture
def settings(database_url: str) -> Settings:
    """No server caches: the rows changed behind the server's back are what it sends."""
    return Settings(database_url=database_url, argon2_time_cost=1, argon2_memory_kib=256,
                    allowed_email_domains=[], cache_seconds=0, page_cache_seconds=0)


def screen_text(pilot: Pilot[None]) -> str:
    """What the terminal shows now, line by line."""
    return "\n".join(strip.text for strip in pilot.app.screen._compositor.render_strips())


def shows(pilot: Pilot[None], *names: str) -> Iterator[str]:
    """The labels ``name: [u]x...`` missing from the screen, or with an escape in it."""
    shown = screen_text(pilot)
    assert "\x1b" not in shown and "\x07" not in shown
    for name in names:
        if f"{name}{MARKUP}" not in shown:
            yield name


async def test_hostile_text_on_every_screen_is_shown_as_written(
        live: LiveServer, database_url: str) -> None:
    ((_, token),) = await add_users(database_url, 1, role="admin", prefix="admin")
    phase = {**open_phase(), "name": f"P{MARKUP}"}
    async with ChallengeClient(live.url, token=token) as admin:
        for slug in ("other", "change"):  # "change" first in the list
            await admin.create_challenge(ChallengeCreate.model_validate(challenge_spec(
                slug, title=f"C{MARKUP}", themes=[f"T{MARKUP}", "Plain"], phases=[phase],
                prompts=[{"kind": "story", "question": f"Q{MARKUP}"},
                         {"kind": "idea", "question": f"I{MARKUP}"}])))
        async with ChallengeClient(live.url) as eve:
            await eve.register("eve@example.org", f"N{MARKUP}", PASSWORD)
            made = await eve.create_submission("change", SubmissionCreate(
                kind="story", title=f"S{MARKUP}", body=f"B{MARKUP}", themes=[f"T{MARKUP}"]))
            await eve.add_comment(made.id, f"K{MARKUP}")
        async with ChallengeClient(live.url) as ada:  # who runs the app, and flags
            await ada.register("ada@example.org", "Ada", PASSWORD)
    db = Database.connect(database_url, pool_size=1)
    try:
        async with db.write() as session:
            for table, column in (("users", "display_name"), ("submissions", "title"),
                                  ("comments", "body"), ("challenges", "title"),
                                  ("phases", "name"), ("prompts", "question")):
                await session.execute(text(
                    f"UPDATE {table} SET {column} = {column} || :escapes"),
                    {"escapes": ESCAPES})
            await session.commit()
    finally:
        await db.dispose()

    app = ChallengeApp(ClientConfig(server=live.url, token_store="memory"),
                       sign_in_as=("ada@example.org", PASSWORD))
    async with app.run_test(size=(160, 50), notifications=True) as pilot:
        await settle(pilot)
        assert list(shows(pilot, "C")) == []  # the challenges
        await pilot.press("enter")
        await settle(pilot)
        # Heading, tabs, the row's title, author and theme, the phase; the detail pane.
        assert list(shows(pilot, "C", "Q", "I", "S", "N", "T", "P", "B")) == []
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SubmissionScreen)
        assert list(shows(pilot, "S", "N", "T", "B", "K")) == []
        await pilot.press("tab", "f")  # flag the comment: its author's name in the title
        await settle(pilot)
        assert isinstance(app.screen, PickScreen) and list(shows(pilot, "N")) == []
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, WriteScreen) and list(shows(pilot, "N")) == []
        await pilot.press(*"spam", "ctrl+s")  # thanked, by name, in a toast
        await settle(pilot)
        assert isinstance(app.screen, SubmissionScreen) and list(shows(pilot, "N")) == []
        await pilot.press("escape", "t")  # the theme picker
        await settle(pilot)
        assert isinstance(app.screen, PickScreen) and list(shows(pilot, "T")) == []
        await pilot.press("escape", "s")  # statistics
        await settle(pilot)
        assert isinstance(app.screen, StatsScreen)  # labels cut at 28 columns
        assert f"T{MARKUP}"[:28] in screen_text(pilot)
        await pilot.press("escape", "n")  # the composer: the kind chosen, and the themes
        await settle(pilot)
        assert isinstance(app.screen, ComposeScreen)
        assert list(shows(pilot, "Q", "T")) == []
        app.screen.query_one(Select).focus()
        await pilot.press("enter")  # the kinds, opened
        await settle(pilot)
        assert list(shows(pilot, "Q", "I")) == []
        await pilot.press("escape", "escape")
        await settle(pilot)
        for _ in range(3):  # clicks on every line that shows an @click: nothing runs
            await pilot.click(offset=(0, 0))
        assert app.is_running

