"""The entry screen and the history are kept once built and shown again
(``tui.kept_screen``): nothing of one entry shows in the next, and nothing of one
person shows to the next (a kiosk's next user gets new screens, and the kept ones are
emptied at the sign-out)."""

from __future__ import annotations

from textual.widgets import OptionList, Static

from tests import tui_support
from tests.entry_screen_support import (
    AMARA,
    HANDOVER,
    OBSERVATIONS,
    RACHEL,
    SLUG,
    Demo,
    demo,
    demo_app,
    open_entry,
    seeded_demo,
    showing,
)
from tests.tui_support import settle, text_of
from tui.app import ChallengeApp
from tui.entry_drafts import EntryDraft, EntryDraftStore
from tui.screens.entry import EntryScreen
from tui.screens.entry_history import EntryHistoryScreen
from tui.widgets.diff import DiffView
from tui.widgets.entry_text import EntryBody

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["demo", "seeded_demo"]


def notice(screen: EntryScreen) -> str:
    shown = screen.query_one("#notice", Static)
    return text_of(shown) if shown.display else ""


def prompts(screen: EntryScreen | EntryHistoryScreen, selector: str) -> list[str]:
    options = screen.query_one(selector, OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def emptied(screen: EntryScreen) -> bool:
    """Nothing of any entry on the screen: what ``forget`` leaves."""
    return (text_of(screen.query_one("#header", Static)) == "Loading…"
            and screen.query_one(EntryBody).text is None and notice(screen) == ""
            and text_of(screen.query_one("#pledges", Static)) == ""
            and prompts(screen, "#sources") == [] and prompts(screen, "#comments") == []
            and screen.entry is None and screen.comments == [] and screen.sources == [])


async def test_the_next_entry_shows_nothing_of_the_one_before(demo: Demo) -> None:
    app = demo_app(demo)  # Amara: an unsent edit of HANDOVER is hers, none of OBSERVATIONS
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert app.session is not None
        entry = await app.session.client.get_guide_entry(HANDOVER)
        EntryDraftStore().save(EntryDraft(server=demo.url, entry_id=HANDOVER,
                                          base_version=entry.version, base_text=entry.body,
                                          text=entry.body + "\nMine.", title=entry.title))
        first = await open_entry(pilot, HANDOVER)
        assert first.entry is not None
        before_title, before_body = first.entry.title, first.entry.body
        assert "unsent edit of yours" in notice(first)
        await pilot.press("tab")  # the sources list focused, a row highlighted
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not showing(app, first) and emptied(first)  # left: nothing kept shown

        # Opened again for another entry: the same screen, aimed at it before it is
        # drawn (what the first frame shows is of the new entry, or nothing).
        assert app.session is not None
        challenge = await app.session.client.get_challenge(SLUG)
        app.open_entry(OBSERVATIONS, challenge)
        assert showing(app, first) and emptied(first) and first.entry_id == OBSERVATIONS
        await settle(pilot)
        assert first.entry is not None and first.entry.id == OBSERVATIONS
        header = text_of(first.query_one("#header", Static))
        assert "Write observations once" in header and before_title not in header
        assert first.query_one(EntryBody).body == first.entry.body != before_body
        assert notice(first) == ""  # the draft notice is the new entry's: none
        assert first.focused is first.query_one("#body")  # the focus back at the top
        assert first.comments and all(c.entry_id == OBSERVATIONS for c in first.comments)
        assert "★ Amara Okafor (you)" in text_of(first.query_one("#pledges", Static))

        await pilot.press("escape")
        await settle(pilot)
        again = await open_entry(pilot, HANDOVER)
        assert again is first
        assert "unsent edit of yours" in notice(again)
        assert "Write observations once" not in text_of(again.query_one("#header", Static))


async def test_a_kept_screen_is_not_shown_to_the_next_person(demo: Demo) -> None:
    app = demo_app(demo, AMARA)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        amaras = await open_entry(pilot, OBSERVATIONS)
        assert "★ Amara Okafor (you)" in text_of(amaras.query_one("#pledges", Static))
        await pilot.press("escape")
        await settle(pilot)
        assert app.session is not None and amaras.entry is None
        kept = app.session.versions  # what her histories fetched: not for the next
        await pilot.press("ctrl+o")  # signed out: back to the sign-in form
        await settle(pilot)
        assert app.session is not None and app.session.user is None
        assert emptied(amaras) and not amaras.reusable()
        assert app.session.versions is not kept

        await app.session.sign_in(*RACHEL)  # the next person, at the same terminal
        rachels = await open_entry(pilot, OBSERVATIONS)
        assert rachels is not amaras
        assert not amaras.is_attached or not app.is_screen_installed(amaras)
        pledges = text_of(rachels.query_one("#pledges", Static))
        assert "Amara Okafor" in pledges and "(you)" not in pledges
        assert notice(rachels) == ""


async def test_the_next_history_shows_nothing_of_the_one_before(demo: Demo) -> None:
    app = demo_app(demo, RACHEL)  # a facilitator: may read every history
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert isinstance(app, ChallengeApp) and app.session is not None
        client = app.session.client
        entries = [await client.get_guide_entry(n) for n in (OBSERVATIONS, HANDOVER)]
        app.open_entry_history(entries[0], lambda _: None)
        await settle(pilot)
        history = app.screen
        assert isinstance(history, EntryHistoryScreen)
        first_versions = [v.version for v in history.versions]
        assert first_versions and history.query_one(DiffView).rows
        await pilot.press("escape")
        await settle(pilot)
        assert history.versions == [] and prompts(history, "#versions") == []
        assert history.query_one(DiffView).rows == []

        app.open_entry_history(entries[1], lambda _: None)
        assert showing(app, history) and history.entry.id == HANDOVER
        heading = text_of(history.query_one("#heading", Static))
        assert entries[1].title in heading and entries[0].title not in heading
        await settle(pilot)
        assert history.versions and all(v.version <= entries[1].version
                                        for v in history.versions)
        assert len(history.versions) == entries[1].version
        assert prompts(history, "#versions")[0].startswith(f"v{entries[1].version}")
