"""The guide screen (develop stage) driven with Pilot at 80x24 against a live server
seeded with the demo ("Giving time back to care": five entries, not published):
participants read it; facilitators shortlist, add by number and move entries; admins
publish; exports land in a file, escaped; refusals are notified with nothing lost;
hostile text is shown literally."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from client import ChallengeClient
from client.config import ClientConfig
from client.guide_models import EntryUpdate, GuideEntry
from client.models import ChallengeUpdate, Submission
from server.config import Settings
from server.seed.demo import seed_demo
from tests import tui_support
from tests.support import Clock, LiveServer
from tests.test_tui import HOSTILE, STORED
from tests.test_tui_forms import burst
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.screens.challenge import ChallengeScreen
from tui.screens.challenges import ChallengesScreen
from tui.screens.entry import EntryScreen
from tui.screens.guide import GuideScreen
from tui.screens.write import LineScreen
from tui.widgets.confirm import ConfirmScreen
from tui.widgets.key_bar import KeyBar

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs

SLUG = "time-to-care"
AMARA = ("amara.okafor@nhs.net", "demo-amara")  # a contributor of one entry
LUCY = ("lucy.whitcombe@nhs.net", "demo-lucy")  # neither lead nor contributor
RACHEL = ("rachel.dunmore@nhs.net", "demo-rachel")
SAM = ("sam.ashworth@nhs.net", "demo-sam")
SCRIPT = "<script>alert('x')</script> & [b]bold[/b]"


@dataclass
class Demo:
    url: str
    admin: ChallengeClient  # Sam, the demo's admin

    async def entries(self) -> list[GuideEntry]:
        return [e async for e in self.admin.iter_guide_entries(SLUG)]

    async def retitle(self, title: str, theme: str | None = None) -> GuideEntry:
        """The guide's first entry, renamed (and moved to ``theme``)."""
        first = (await self.entries())[0]
        changes = EntryUpdate.model_validate({"title": title,
                                              **({"theme": theme} if theme else {})})
        return await self.admin.update_guide_entry(first.id, changes, version=first.version)


@pytest.fixture
async def demo(live: LiveServer, settings: Settings, clock: Clock) -> AsyncIterator[Demo]:
    assert await seed_demo(settings, quiet=True, now=clock()) == 0
    async with ChallengeClient(live.url) as admin:
        await admin.login(*SAM)
        yield Demo(live.url, admin)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home without a downloads folder: exports go to the (private) data folder."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "data" / "change-challenge" / "exports"


def app_for(demo: Demo, who: tuple[str, str]) -> ChallengeApp:
    return ChallengeApp(ClientConfig(server=demo.url, token_store="memory"), sign_in_as=who)


async def open_guide(pilot: Pilot[None]) -> GuideScreen:
    """From the challenges (the one in its develop phase is first): enter, then D."""
    await settle(pilot)
    assert isinstance(pilot.app.screen, ChallengesScreen), pilot.app.screen
    await pilot.press("enter")
    await settle(pilot)
    challenge = pilot.app.screen
    assert isinstance(challenge, ChallengeScreen) and challenge.slug == SLUG, challenge
    await pilot.press("D")
    await settle(pilot)
    guide = pilot.app.screen
    assert isinstance(guide, GuideScreen), guide
    return guide


def rows(screen: GuideScreen) -> list[str]:
    """Every line of the list as shown (an entry's or a suggestion's first line)."""
    options = screen.query_one(OptionList)
    return [str(getattr(options.get_option_at_index(i).prompt, "plain", "")).split("\n")[0]
            for i in range(options.option_count)]


def titles(screen: GuideScreen) -> list[str]:
    return [line.title for line in screen.lines if isinstance(line, GuideEntry | Submission)]


def highlighted(screen: GuideScreen) -> str | None:
    line = screen.current
    return line.title if line is not None else None


def heading(screen: GuideScreen) -> str:
    return text_of(screen.query_one("#guide-heading", Static))


def on_top(app: ChallengeApp) -> object:
    return app.screen


def mode(screen: GuideScreen) -> str:
    return screen.mode


def keys(screen: GuideScreen) -> str:
    return screen.query_one(KeyBar).render().plain


def said(app: ChallengeApp) -> list[str]:
    return [n.message for n in app._notifications]


async def goto(pilot: Pilot[None], screen: GuideScreen, title: str) -> None:
    """Move the cursor down (j) to the row titled ``title``."""
    for _ in range(len(screen.lines)):
        if highlighted(screen) == title:
            return
        await pilot.press("j")
    assert highlighted(screen) == title, (title, titles(screen))


async def test_a_participant_reads_the_guide_by_chapter(demo: Demo, home: Path) -> None:
    app = app_for(demo, LUCY)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_guide(pilot)
        assert "Giving time back to care · Not published · 5 entries" in heading(screen)
        assert rows(screen) == [
            "Paperwork and duplication · 1 entry", " 1. Write observations once",
            "Handovers and rotas · 2 entries", " 1. A protected hour without bleeps",
            " 2. Bedside handover with a one-page sheet",
            "Kit and equipment · 1 entry", " 1. Shadow boards and a named top-up person",
            "Digital tools · 1 entry", " 1. One login for the ward computers"]
        second = screen.query_one(OptionList).get_option_at_index(3).prompt
        assert "testing · review" in str(getattr(second, "plain", ""))
        assert "lead Dr Daniel Mensah · 2 pledges · 2 sources" in str(
            getattr(second, "plain", ""))
        assert highlighted(screen) == "Write observations once"  # the first entry
        # No facilitator's keys: not shown, and they do nothing.
        assert "Back" in keys(screen) and "Refresh" in keys(screen)
        for hidden in ("Suggestions", "Add", "Move", "Publish", "Export"):
            assert hidden not in keys(screen)
        await pilot.press("s", "a", "J", "P")
        await settle(pilot)
        assert screen.mode == "guide" and app.screen is screen
        assert highlighted(screen) == "Write observations once"
        # Export: the server says why not (not published), and no file is made.
        await pilot.press("x", "enter")
        await settle(pilot)
        assert any("not published" in m for m in said(app)), said(app)
        assert not home.exists()


async def test_an_entry_opened_and_left_refreshes_its_row(demo: Demo) -> None:
    app = app_for(demo, AMARA)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_guide(pilot)
        await goto(pilot, screen, "A protected hour without bleeps")
        await pilot.press("enter")
        await settle(pilot)
        entry_screen = app.screen
        assert isinstance(entry_screen, EntryScreen)
        # The entry screen hands back the entry as it left it: the row shows that.
        (entry,) = [e for e in screen.model.entries if e.title.startswith("A protected")]
        entry_screen.dismiss(entry.model_copy(update={"title": "An hour without bleeps",
                                                      "status": "adopted"}))
        await settle(pilot)
        assert app.screen is screen
        assert highlighted(screen) == "An hour without bleeps"  # the cursor stayed
        assert " 1. An hour without bleeps" in rows(screen)
        # Removed meanwhile (the entry screen hands back None): the row goes.
        await pilot.press("enter")
        await settle(pilot)
        await demo.admin.remove_guide_entry(entry.id)
        again = app.screen
        assert isinstance(again, EntryScreen)
        again.dismiss(None)
        await settle(pilot)
        assert "An hour without bleeps" not in titles(screen)
        assert len(screen.model.entries) == 4
        assert highlighted(screen) == "Bedside handover with a one-page sheet"


async def test_before_the_develop_phase_a_participant_is_told_when_it_opens(
        demo: Demo) -> None:
    app = app_for(demo, AMARA)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("j", "enter")  # the challenge open for votes; develop comes next
        await settle(pilot)
        challenge = app.screen
        assert isinstance(challenge, ChallengeScreen) and challenge.slug != SLUG
        assert challenge.offers("guide")  # it has a develop stage
        await pilot.press("D")
        await settle(pilot)
        assert app.screen is challenge
        assert any(m.startswith("The guide is not open yet: everyone can read it in the "
                                "'Develop' phase, from ") for m in said(app)), said(app)


async def test_a_facilitator_shortlists_a_suggestion_and_adds_by_number(demo: Demo) -> None:
    app = app_for(demo, RACHEL)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_guide(pilot)
        assert "Suggestions" in keys(screen) and "Publish" not in keys(screen)  # a moderator
        await pilot.press("s")
        await settle(pilot)
        assert mode(screen) == "suggestions" and heading(screen).startswith("Suggestions")
        first = screen.current
        assert isinstance(first, Submission)
        following = titles(screen)[1]
        await pilot.press("a")
        # Gone from the suggestions at once, under every theme it was suggested for.
        assert first.title not in titles(screen)
        await settle(pilot)
        assert first.title not in titles(screen)  # the server agrees
        assert highlighted(screen) == following  # the cursor stays where it was
        assert f"In the guide now: {first.title}" in said(app)
        made = [e for e in await demo.entries() if first.id in e.sources]
        assert [e.title for e in made] == [first.title]
        await pilot.press("escape")  # back to the guide, where it is now
        await settle(pilot)
        assert mode(screen) == "guide" and first.title in titles(screen)

        # Any submission, by its number: one line, where enter sends.
        assert screen.suggestions is not None
        number = screen.suggestions.items[-1].submissions[0]
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(on_top(app), LineScreen)
        await pilot.press(*f"#{number.id}", "enter")
        await settle(pilot)
        assert app.screen is screen
        assert number.title in titles(screen)
        assert any(number.id in e.sources for e in await demo.entries())

        # Again: the server's refusal is shown in the form, and what was typed stays.
        await pilot.press("a")
        await settle(pilot)
        await pilot.press(*f"{number.id}", "enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, LineScreen)
        assert "in the guide already" in text_of(form.query_one("#message", Static))
        line = form.query_one(Input)
        assert line.value == f"{number.id}" and line.has_focus
        line.value = "not a number"
        await pilot.press("enter")
        await settle(pilot)
        assert "number" in text_of(form.query_one("#message", Static))
        assert line.value == "not a number"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert len(await demo.entries()) == 7


async def test_a_shortlisting_on_its_way_is_not_lost_when_the_screen_is_left(
        demo: Demo) -> None:
    app = app_for(demo, RACHEL)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_guide(pilot)
        await pilot.press("s")
        await settle(pilot)
        first = screen.current
        assert isinstance(first, Submission)
        burst(app, "a", "escape", "escape")  # shortlist, and straight out
        await settle(pilot)
        assert isinstance(on_top(app), ChallengeScreen)
        assert any(first.id in e.sources for e in await demo.entries())
        assert f"In the guide now: {first.title}" in said(app)


async def test_a_facilitator_moves_an_entry_within_its_chapter(demo: Demo) -> None:
    app = app_for(demo, RACHEL)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_guide(pilot)
        hour, handover = "A protected hour without bleeps", "Bedside handover with a one-page sheet"
        await goto(pilot, screen, hour)
        await pilot.press("J")
        await settle(pilot)
        assert highlighted(screen) == hour  # the cursor followed it
        assert rows(screen)[3:5] == [f" 1. {handover}", f" 2. {hour}"]
        order = [e.title for e in await demo.entries()]
        assert order.index(handover) < order.index(hour)  # saved
        await pilot.press("J")  # the last of its chapter already: nothing sent
        await settle(pilot)
        assert any("last entry of its chapter" in m for m in said(app))
        assert [e.title for e in await demo.entries()] == order
        await pilot.press("K")
        await settle(pilot)
        order = [e.title for e in await demo.entries()]
        assert order.index(hour) < order.index(handover)
        assert highlighted(screen) == hour

        # Someone shortlists meanwhile: this order no longer names every entry. Refused,
        # said, and the guide shown as the server has it, the cursor where it was.
        suggestions = await demo.admin.guide_suggestions(SLUG)
        added = await demo.admin.create_guide_entry(SLUG,
                                                    suggestions.items[0].submissions[0].id)
        await pilot.press("J")
        await settle(pilot)
        assert any("every entry" in m for m in said(app)), said(app)
        assert added.title in titles(screen)
        assert highlighted(screen) == hour
        order = [e.title for e in await demo.entries()]
        assert order.index(hour) < order.index(handover)


async def test_an_admin_publishes_the_guide_after_confirming(demo: Demo) -> None:
    app = app_for(demo, SAM)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_guide(pilot)
        assert "Publish" in keys(screen)
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert not (await demo.admin.get_guide(SLUG)).published
        assert "Not published" in heading(screen)
        await pilot.press("P", "y")
        await settle(pilot)
        assert (await demo.admin.get_guide(SLUG)).published
        assert "Published" in heading(screen) and "Not published" not in heading(screen)
        assert "The guide is published: anyone can read it." in said(app)
        assert "Take back" in keys(screen) and "Publish" not in keys(screen)
        async with ChallengeClient(demo.url) as nobody:  # anyone reads it now
            assert len((await nobody.get_guide(SLUG)).chapters) == 4
        await pilot.press("P")  # and back
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "It stops being public" in text_of(app.screen.query_one(Static))
        await pilot.press("y")
        await settle(pilot)
        assert "Publish" in keys(screen)
        assert not (await demo.admin.get_guide(SLUG)).published
        assert "Not published" in heading(screen)


async def test_export_saves_a_file_with_the_text_escaped(demo: Demo, home: Path) -> None:
    await demo.retitle(SCRIPT)
    app = app_for(demo, SAM)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_guide(pilot)
        await pilot.press("x", "j", "enter")  # HTML
        await settle(pilot)
        (page,) = home.glob("*.html")
        assert page.name == f"{SLUG}-guide.html"
        assert f"Saved to {page}" in said(app)
        html = page.read_text(encoding="utf-8")
        assert "&lt;script&gt;alert(" in html and "<script>alert" not in html
        await pilot.press("x", "enter")  # Markdown
        await pilot.press("x", "enter")  # again: a new file, the first kept
        await settle(pilot)
        assert sorted(p.name for p in home.glob("*.md")) == [f"{SLUG}-guide-2.md",
                                                             f"{SLUG}-guide.md"]
        assert "Write observations once" not in (home / f"{SLUG}-guide.md").read_text()
        assert "alert(" in (home / f"{SLUG}-guide.md").read_text()


async def test_hostile_titles_and_themes_are_shown_literally(demo: Demo) -> None:
    challenge = await demo.admin.get_challenge(SLUG)
    await demo.admin.update_challenge(SLUG, ChallengeUpdate.model_validate(
        {"themes": [*challenge.themes, HOSTILE]}))
    await demo.retitle(HOSTILE, theme=HOSTILE)
    app = app_for(demo, RACHEL)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_guide(pilot)
        shown = " ".join(STORED.split())  # on one line
        assert f"{shown} · 1 entry" in rows(screen)
        assert f" 1. {shown}" in rows(screen)
        await goto(pilot, screen, STORED)
        await pilot.press("J")  # alone in its chapter: the warning, nothing marked up
        await settle(pilot)
        assert app.is_running and app.screen is screen
        assert highlighted(screen) == STORED
