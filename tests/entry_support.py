"""What the Pilot tests of entry editing share: the demo seeded on a live server (its
develop-phase challenge, with Amara's entry "Bedside handover with a one-page sheet"),
clients for the people racing her, and opening the editor, merge and history screens
directly (the entry screen that opens them is built elsewhere)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import TextArea

from client import ChallengeClient
from client.config import ClientConfig
from client.guide_models import GuideEntry
from client.text import clean_text
from server.config import Settings
from server.seed.demo import seed_demo
from tests.support import Clock, LiveServer
from tests.tui_support import settle
from tui.app import ChallengeApp
from tui.demo import DEMO_PEOPLE

SLUG = "time-to-care"
BEDSIDE = "Bedside handover with a one-page sheet"
AMARA = DEMO_PEOPLE["participant"]
RACHEL = DEMO_PEOPLE["moderator"]
HOSTILE = "[/] [@click=app.quit]x[/] \x1b[31mred\x1b]0;title\x07 [b]bold[/b] 看护"
STORED = clean_text(HOSTILE)  # what the server keeps: minus the control characters


@dataclass
class Demo:
    url: str
    database_url: str
    entry: GuideEntry  # Bedside handover, as Amara sees it
    rachel: ChallengeClient  # a facilitator: she may edit it too
    results: list[Any] = field(default_factory=list)  # what screens were dismissed with

    def done(self, result: Any) -> None:
        self.results.append(result)

    async def current(self) -> GuideEntry:
        return await self.rachel.get_guide_entry(self.entry.id)

    async def rachel_edits(self, old: str, new: str) -> GuideEntry:
        """Rachel replaces ``old`` (found once) in the entry's text, as it is now."""
        now = await self.current()
        assert now.body.count(old) == 1, old
        return await self.rachel.edit_guide_entry(now.id, version=now.version,
                                                  body=now.body.replace(old, new))


@pytest.fixture
async def demo(live: LiveServer, settings: Settings, clock: Clock) -> AsyncIterator[Demo]:
    await seed_demo(settings, quiet=True, now=clock())
    async with ChallengeClient(live.url) as amara, ChallengeClient(live.url) as rachel:
        await amara.login(*AMARA)
        await rachel.login(*RACHEL)
        (entry,) = [e async for e in amara.iter_guide_entries(SLUG) if e.title == BEDSIDE]
        assert entry.can_edit
        yield Demo(live.url, settings.database_url, entry, rachel)


def make_app(url: str, who: tuple[str, str] = AMARA) -> ChallengeApp:
    return ChallengeApp(ClientConfig(server=url, token_store="memory"), sign_in_as=who)


async def signed_in(pilot: Pilot[None]) -> None:
    await settle(pilot)
    assert pilot.app.screen.__class__.__name__ == "ChallengesScreen", pilot.app.screen


async def opened(pilot: Pilot[None], kind: type[Screen[Any]]) -> Any:
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, kind), screen
    return screen


def body_of(pilot: Pilot[None], selector: str = "#body") -> TextArea:
    return pilot.app.screen.query_one(selector, TextArea)


async def type_at_end(pilot: Pilot[None], text: str, selector: str = "#body") -> None:
    area = body_of(pilot, selector)
    area.focus()
    area.move_cursor(area.document.end)
    await pilot.press(*("enter" if c == "\n" else c for c in text))


def messages(app: ChallengeApp) -> list[str]:
    return [n.message for n in app._notifications]
