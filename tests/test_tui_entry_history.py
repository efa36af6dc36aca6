"""An entry's history in the app, against the seeded demo on a live server: versions
with who and when, each one's diff against the one before, restoring one as a new
version (and a restore that raced an edit), long histories fetched a page at a time,
hostile text shown as typed."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from client.guide_models import GuideEntry
from tests import tui_support
from tests.entry_support import (
    HOSTILE,
    STORED,
    Demo,
    demo,
    make_app,
    messages,
    opened,
    signed_in,
)
from tests.tui_support import settle, text_of
from tui.entry_versions import PAGE
from tui.screens.entry_history import EntryHistoryScreen
from tui.widgets.diff import DiffView

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["demo"]


async def open_history(pilot: Pilot[None], demo: Demo,
                       entry: GuideEntry | None = None) -> EntryHistoryScreen:
    await signed_in(pilot)
    pilot.app.open_entry_history(entry or demo.entry, demo.done)  # type: ignore[attr-defined]
    screen: EntryHistoryScreen = await opened(pilot, EntryHistoryScreen)
    return screen


def lines(screen: EntryHistoryScreen) -> list[str]:
    options = screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def shown(screen: EntryHistoryScreen) -> list[str]:
    """What the diff view draws, line by line, as on screen."""
    view = screen.query_one(DiffView)
    return ["".join(s.text for s in view.render_line(y)).rstrip()
            for y in range(view.scrollable_content_region.height)]


async def test_versions_and_their_diffs(demo: Demo) -> None:
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_history(pilot, demo)
        rows = lines(screen)
        assert len(rows) == demo.entry.version == 6
        assert rows[0].startswith("v6") and "Fatima Hussain" in rows[0] and "current" in rows[0]
        assert rows[2].startswith("v4") and "Amara Okafor" in rows[2]
        # The newest version's diff is shown at once: its changed lines, signed.
        heading = text_of(screen.query_one("#diff-heading", Static))
        assert heading.startswith("v6 +") and "against v5" in heading
        drawn = shown(screen)
        assert any(" - " in line for line in drawn) and any(" + " in line for line in drawn)
        # Version 4 (Amara's), chosen with j and enter.
        await pilot.press("j", "j", "enter")
        await settle(pilot)
        assert text_of(screen.query_one("#diff-heading", Static)).startswith("v4 ")
        added = [line.split(" + ", 1)[1] for line in shown(screen) if " + " in line]
        fourth = await demo.rachel.get_guide_version(demo.entry.id, 4)
        assert added and all(line in (fourth.body or "") for line in added)


async def test_restore_makes_a_new_version(demo: Demo) -> None:
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_history(pilot, demo)
        await pilot.press("j", "j", "j", "R")  # version 3
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        rows = lines(screen)
        assert rows[0].startswith("v7") and "restored from v3" in rows[0]
        assert messages(app)[-1] == "Version 3 is back, as version 7."
        await pilot.press("escape")
        await settle(pilot)
        (entry,) = demo.results
        assert entry.version == 7
    third = await demo.rachel.get_guide_version(demo.entry.id, 3)
    now = await demo.current()
    assert (now.version, now.body, now.title) == (7, third.body, third.title)
    (latest,) = (await demo.rachel.list_guide_versions(demo.entry.id, limit=1)).items
    assert latest.restored_from == 3


async def test_a_restore_that_raced_an_edit_reloads_and_changes_nothing(demo: Demo) -> None:
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_history(pilot, demo)
        await pilot.press("j", "R")
        await settle(pilot)
        raced = await demo.rachel_edits("and come back later.", "and come back later!")
        await pilot.press("y")
        await settle(pilot)
        assert "meanwhile" in messages(app)[-1]
        assert lines(screen)[0].startswith(f"v{raced.version}")  # reloaded
        assert screen.entry.version == raced.version
        await pilot.press("escape")
        await settle(pilot)
        assert demo.results == [None]
    assert (await demo.current()).version == raced.version  # no restore slipped in


async def test_a_long_history_is_fetched_a_page_at_a_time(demo: Demo) -> None:
    entry = demo.entry
    for n in range(PAGE):
        entry = await demo.rachel.edit_guide_entry(entry.id, version=entry.version,
                                                   body=f"{entry.body}\nLine {n}.")
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_history(pilot, demo, entry)
        assert len(screen.versions) == PAGE and screen.next_cursor is not None
        await pilot.press("end")
        await settle(pilot)
        assert len(screen.versions) == entry.version == PAGE + 6
        assert screen.versions[-1].version == 1
        await pilot.press("end", "enter")
        await settle(pilot)
        heading = text_of(screen.query_one("#diff-heading", Static))
        assert heading.startswith("v1 +") and "the first version" in heading


async def test_hostile_text_in_a_diff_is_shown_as_typed(demo: Demo) -> None:
    now = await demo.current()
    changed = await demo.rachel.edit_guide_entry(
        now.id, version=now.version, title=f"Handover {HOSTILE}",
        body=now.body.replace("and come back later.", f"and come back later. {HOSTILE}"))
    app = make_app(demo.url)
    async with app.run_test(size=(200, 30), notifications=True) as pilot:
        screen = await open_history(pilot, demo, changed)
        assert app.is_running
        assert f"History of Handover {STORED}" in text_of(screen.query_one("#heading", Static))
        drawn = "\n".join(shown(screen))
        assert f"later. {STORED}" in drawn and "\x1b" not in drawn
        assert f"later. {STORED}" in screen.query_one(DiffView).text()
