"""Editing a guide entry in the app, against the seeded demo on a live server: saving,
the draft kept as typed and resumed by a new app, and edits that race someone else's
merged (cleanly, or conflict by conflict) without losing anybody's work."""

from __future__ import annotations

import asyncio

from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests import tui_support
from tests.entry_support import (
    AMARA,
    HOSTILE,
    STORED,
    Demo,
    body_of,
    demo,
    make_app,
    messages,
    opened,
    signed_in,
    type_at_end,
)
from tests.tui_support import settle, text_of
from tui.demo import leave_demo_draft
from tui.entry_drafts import EntryDraftStore
from tui.screens.entry_editor import EntryEditorScreen
from tui.screens.entry_merge import EntryMergeScreen

database_url = tui_support.database_url
private_dirs = tui_support.private_dirs
__all__ = ["demo"]

FIRST_STEP = "1. Start with one bay and one shift change for two weeks, then the whole ward."


async def open_editor(pilot: Pilot[None], demo: Demo) -> EntryEditorScreen:
    await signed_in(pilot)
    pilot.app.open_entry_editor(demo.entry, demo.done)  # type: ignore[attr-defined]
    screen: EntryEditorScreen = await opened(pilot, EntryEditorScreen)
    return screen


async def wait_for_draft(pilot: Pilot[None], demo: Demo, text: str) -> None:
    """Until the editor's timer has put ``text`` on disk (it does every half second)."""
    store = EntryDraftStore()
    for _ in range(100):
        draft = store.load(demo.url, demo.entry.id)
        if draft is not None and text in draft.text:
            return
        await pilot.pause(0.05)
    raise AssertionError(f"{text!r} never reached the draft on disk")


async def test_an_edit_is_saved_as_the_next_version(demo: Demo) -> None:
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_editor(pilot, demo)
        assert body_of(pilot).text == demo.entry.body
        await type_at_end(pilot, "\nAsk the night team first.")
        screen.query_one("#title", Input).value = "Bedside handover, one sheet"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not screen
        (saved,) = demo.results
        assert saved.version == demo.entry.version + 1
    now = await demo.current()
    assert now.body == demo.entry.body + "\nAsk the night team first."
    assert now.title == "Bedside handover, one sheet"
    assert EntryDraftStore().load(demo.url, demo.entry.id) is None  # spent


async def test_the_draft_survives_the_app_and_a_new_one_resumes_it(demo: Demo) -> None:
    first = make_app(demo.url)
    async with first.run_test(size=(80, 24), notifications=True) as pilot:
        await open_editor(pilot, demo)
        await type_at_end(pilot, "\nTyped before the crash.")
        await wait_for_draft(pilot, demo, "Typed before the crash.")
    # The app is gone without closing the editor: as after a crash.
    second = make_app(demo.url)
    async with second.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_editor(pilot, demo)
        assert body_of(pilot).text.endswith("\nTyped before the crash.")
        note = text_of(screen.query_one("#note", Static))
        assert "Your unsent edit" in note and f"version {demo.entry.version}" in note
        await pilot.press("escape")  # closed: kept for later
        await settle(pilot)
        assert demo.results == [None]
    kept = EntryDraftStore().load(demo.url, demo.entry.id)
    assert kept is not None and kept.text.endswith("Typed before the crash.")
    assert (await demo.current()).version == demo.entry.version  # nothing sent


async def test_a_raced_edit_merges_cleanly_and_keeps_both(demo: Demo) -> None:
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        editor = await open_editor(pilot, demo)
        await type_at_end(pilot, "\nMine, at the end.")
        theirs = await demo.rachel_edits(FIRST_STEP, FIRST_STEP + " (Rachel)")
        await pilot.press("ctrl+s")
        merge: EntryMergeScreen = await opened(pilot, EntryMergeScreen)
        assert merge.merging.clean
        assert "Mine, at the end." in body_of(pilot, "#result").text
        assert "(Rachel)" in body_of(pilot, "#result").text
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not editor and app.screen is not merge
    now = await demo.current()
    assert now.version == theirs.version + 1
    assert "(Rachel)" in now.body and now.body.endswith("Mine, at the end.")
    page = await demo.rachel.list_guide_versions(demo.entry.id, limit=3)
    assert [(v.version, v.author and v.author.display_name) for v in page.items][:2] == [
        (now.version, "Amara Okafor"), (theirs.version, "Rachel Dunmore")]


async def test_conflicts_are_chosen_and_a_second_race_merges_the_same_way(
        demo: Demo) -> None:
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_editor(pilot, demo)
        area = body_of(pilot)
        area.load_text(area.text.replace(FIRST_STEP, FIRST_STEP + " (Amara)"))
        await demo.rachel_edits(FIRST_STEP, FIRST_STEP + " (Rachel)")
        await pilot.press("ctrl+s")
        merge: EntryMergeScreen = await opened(pilot, EntryMergeScreen)
        assert len(merge.merging.conflicts) == 1
        assert "(Amara)" in text_of(merge.query_one("#mine-lines", Static))
        assert "(Rachel)" in text_of(merge.query_one("#theirs-lines", Static))
        await pilot.press("ctrl+s")  # not yet: nothing chosen
        await settle(pilot)
        assert app.screen is merge and "not chosen yet" in messages(app)[-1]
        await pilot.press("b")
        # Both kept: both sides look kept, the focused one as well as the other.
        for name, said in (("#mine", "Yours"), ("#theirs", "Theirs")):
            box = merge.query_one(name)
            assert box.has_class("chosen") and box.border_title == f"{said} ✓ kept", name
            assert box.styles.border_top[0] == "heavy" and box.styles.background_tint.a > 0
        assert merge.query_one("#mine").has_focus
        # Meanwhile, Rachel again: the merge, sent, is refused as stale in its turn.
        second = await demo.rachel_edits("and come back later.", "and come back later!")
        await pilot.press("ctrl+s")
        again: EntryMergeScreen = await opened(pilot, EntryMergeScreen)
        assert again is not merge and again.merging.clean
        assert again.merging.draft.base_version == second.version - 1
        await pilot.press("ctrl+s")
        await settle(pilot)
    now = await demo.current()
    assert now.version == second.version + 1
    both = f"{FIRST_STEP} (Amara)\n{FIRST_STEP} (Rachel)"
    assert both in now.body and "come back later!" in now.body
    assert EntryDraftStore().load(demo.url, demo.entry.id) is None


async def test_cancelling_the_merge_keeps_the_edit(demo: Demo) -> None:
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        editor = await open_editor(pilot, demo)
        area = body_of(pilot)
        area.load_text(area.text.replace(FIRST_STEP, FIRST_STEP + " (Amara)"))
        await demo.rachel_edits(FIRST_STEP, FIRST_STEP + " (Rachel)")
        await pilot.press("ctrl+s")
        await opened(pilot, EntryMergeScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is editor and "(Amara)" in body_of(pilot).text
        assert "kept as it was" in text_of(editor.query_one("#message", Static))
        kept = EntryDraftStore().load(demo.url, demo.entry.id)
        assert kept is not None and kept.base_version == demo.entry.version
        assert "(Amara)" in kept.text

        # Again, and this time the result typed into by hand, then cancelled: kept too.
        await pilot.press("ctrl+s")
        merge: EntryMergeScreen = await opened(pilot, EntryMergeScreen)
        await pilot.press("e", "end", *" by hand", "escape", "escape")
        await settle(pilot)
        assert demo.results == [] and app.screen is editor
        assert " by hand" in body_of(pilot).text
        assert isinstance(merge.merging.edited, str)
        kept = EntryDraftStore().load(demo.url, demo.entry.id)
        assert kept is not None and " by hand" in kept.text
        assert kept.base_version == (await demo.current()).version  # begun anew


async def test_the_demo_walk_amaras_unsent_edit_merged(demo: Demo) -> None:
    left = await asyncio.to_thread(leave_demo_draft, demo.database_url, demo.url,
                                   AMARA[0], EntryDraftStore())
    assert left is not None and left.entry_id == demo.entry.id
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        editor = await open_editor(pilot, demo)
        assert "Your unsent edit" in text_of(editor.query_one("#note", Static))
        assert "ward clerk" in body_of(pilot).text
        await pilot.press("ctrl+s")
        merge: EntryMergeScreen = await opened(pilot, EntryMergeScreen)
        assert len(merge.merging.conflicts) == 1
        assert "ward clerk" in text_of(merge.query_one("#mine-lines", Static))
        assert "spare stack" in text_of(merge.query_one("#theirs-lines", Static))
        await pilot.press("b", "ctrl+s")
        await settle(pilot)
        (saved,) = demo.results
    assert saved.version == demo.entry.version + 1
    for words in ("ward clerk", "spare stack", "laminated card", "fifteen minutes"):
        assert words in saved.body, words
    assert EntryDraftStore().load(demo.url, demo.entry.id) is None


async def test_hostile_text_is_shown_as_typed_in_the_editor_and_the_merge(
        demo: Demo) -> None:
    now = await demo.current()
    entry = await demo.rachel.edit_guide_entry(
        now.id, version=now.version, title=f"Handover {HOSTILE}",
        body=now.body.replace(FIRST_STEP, f"{FIRST_STEP} {HOSTILE}"))
    assert STORED in entry.body
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await signed_in(pilot)
        app.open_entry_editor(entry, demo.done)
        editor = await opened(pilot, EntryEditorScreen)
        assert f"Edit Handover {STORED}" in text_of(editor.query_one(".title", Static))
        assert editor.query_one("#title", Input).value == f"Handover {STORED}"
        area = body_of(pilot)
        assert STORED in area.text
        area.load_text(area.text.replace(STORED, f"{STORED} (mine)"))
        await demo.rachel_edits(STORED, f"{STORED} (theirs)")
        await pilot.press("ctrl+s")
        merge: EntryMergeScreen = await opened(pilot, EntryMergeScreen)
        assert f"Handover {STORED}" in text_of(merge.query_one(".title", Static))
        assert f"{STORED} (mine)" in text_of(merge.query_one("#mine-lines", Static))
        assert f"{STORED} (theirs)" in text_of(merge.query_one("#theirs-lines", Static))
        await pilot.press("t", "ctrl+s")
        await settle(pilot)
        assert app.is_running and len(demo.results) == 1
    body = (await demo.current()).body
    assert f"{STORED} (theirs)" in body and "(mine)" not in body


async def test_a_refused_edit_is_explained_at_its_field_and_kept(demo: Demo) -> None:
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        editor = await open_editor(pilot, demo)
        editor.query_one("#title", Input).value = "   "
        await type_at_end(pilot, "\nKept whatever happens.")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is editor and demo.results == []
        error = editor.query_one("#title-error", Static)
        assert error.display
        assert text_of(error) == "The title must not be blank. Your edit is kept."
        assert editor.query_one("#title", Input).has_focus
        assert not editor.query_one("#message", Static).display  # said once, at the field
        assert body_of(pilot).text.endswith("Kept whatever happens.")
        kept = EntryDraftStore().load(demo.url, demo.entry.id)
        assert kept is not None and kept.text.endswith("Kept whatever happens.")
    assert (await demo.current()).version == demo.entry.version


async def test_on_the_gateway_an_edit_is_kept_in_memory_only(demo: Demo) -> None:
    """Kiosk mode (the ssh gateway): the edit in progress lives in the app's memory store,
    nothing reaches the disk, and the guide cannot be exported to a file."""
    from tui.kiosk import KioskApp, kiosk_config

    app = KioskApp(kiosk_config(demo.url), sign_in_as=AMARA)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await open_editor(pilot, demo)
        await type_at_end(pilot, "\nTyped on a shared desk.")
        store = app.entry_draft_store()
        for _ in range(100):  # the editor's timer keeps the draft every half second
            kept = store.load(demo.url, demo.entry.id)
            if kept is not None and kept.text.endswith("Typed on a shared desk."):
                break
            await pilot.pause(0.05)
        else:
            raise AssertionError("the edit never reached the memory store")
        assert EntryDraftStore().load(demo.url, demo.entry.id) is None
        await pilot.press("escape")
        await settle(pilot)
        challenge = await app.session.client.get_challenge("time-to-care")  # type: ignore[union-attr]
        app.open_guide(challenge)
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert any("not offered on the shared gateway" in m for m in messages(app))


async def test_a_text_too_long_is_counted_and_refused_first_in_plain_words(
        demo: Demo) -> None:
    """Pasted past 20,000 characters: the counter turns to the warning colour, and saving
    says so at the field before anything else (not the personal-data question first,
    not pydantic's words, not twice), nothing sent, the edit kept."""
    long = demo.entry.body + "\nCall 07700 900123.\n" + "x" * (21_204 - len(demo.entry.body) - 20)
    assert len(long) == 21_204
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        editor = await open_editor(pilot, demo)
        area = body_of(pilot)
        assert area.border_subtitle == f"{len(demo.entry.body):,} / 20,000"
        assert not area.has_class("over")
        area.load_text(long)
        await pilot.pause()
        assert area.border_subtitle == "21,204 / 20,000" and area.has_class("over")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is editor, app.screen  # no "Save anyway?" question over it
        error = editor.query_one("#body-error", Static)
        assert error.display and text_of(error) == (
            "The text is 21,204 characters; an entry holds at most 20,000. Shorten it; "
            "your edit is kept.")
        assert not editor.query_one("#message", Static).display
        assert not editor.query_one("#title-error", Static).display
        assert area.text == long
        area.load_text(long[:20_000])  # shortened: counted again, and saved
        await pilot.pause()
        assert area.border_subtitle == "20,000 / 20,000" and not area.has_class("over")
    assert (await demo.current()).version == demo.entry.version
    kept = EntryDraftStore().load(demo.url, demo.entry.id)
    assert kept is not None and len(kept.text) in (20_000, 21_204)


async def test_a_title_too_long_is_kept_whole_and_refused_at_its_field(demo: Demo) -> None:
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        editor = await open_editor(pilot, demo)
        title = editor.query_one("#title", Input)
        title.value = "T" * 152  # pasted: nothing cut off
        await pilot.pause()
        assert title.value == "T" * 152
        assert title.border_subtitle == "152 / 140" and title.has_class("over")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is editor and demo.results == []
        assert text_of(editor.query_one("#title-error", Static)) == (
            "The title is 152 characters; a title holds at most 140. Shorten it; "
            "your edit is kept.")
        assert title.has_focus
    assert (await demo.current()).version == demo.entry.version


async def test_tabbing_to_the_title_and_typing_adds_to_it(demo: Demo) -> None:
    """The editor opens in the text; the title, reached by the keyboard, keeps its
    words with the cursor at their end (not all selected, to be replaced by a key)."""
    app = make_app(demo.url)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        editor = await open_editor(pilot, demo)
        assert body_of(pilot).has_focus
        await pilot.press("shift+tab")
        title = editor.query_one("#title", Input)
        assert title.has_focus
        assert title.selection.is_empty and title.cursor_position == len(demo.entry.title)
        await pilot.press(*" (v2)")
        assert title.value == f"{demo.entry.title} (v2)"


def test_the_servers_refusals_read_as_sentences_at_their_fields() -> None:
    from client.models import FieldError
    from tui.entry_drafts import EntryDraft
    from tui.entry_editing import sentences

    draft = EntryDraft(server="s", entry_id=1, base_version=1, base_text="a", text="b" * 20_001,
                       title="", base_title="T")
    said = sentences([FieldError(field="title", message="must not be blank"),
                      FieldError(field="body", message="Value should have at most 20000 "
                                                       "items after validation, not 20001"),
                      FieldError(field="lead_id", message="no such user 9")], draft)
    assert said == {
        "title": "The title must not be blank. Your edit is kept.",
        "body": "The text is 20,001 characters; an entry holds at most 20,000. Shorten it; "
                "your edit is kept."}
    draft.text = "short"
    assert sentences([FieldError(field="body", message="contains characters that cannot "
                                                       "be stored (NUL or a lone surrogate)")],
                     draft) == {"body": "The text contains characters that cannot be stored "
                                        "(NUL or a lone surrogate). Your edit is kept."}
