"""The guide entry screen, driven with Pilot at 80x24 against a live server on the
seeded demo (its second challenge develops its guide): what it shows, citations and
sources opening their submissions, pledges, comments, flags, the unsent-edit notice,
the phase's refusals, and untrusted text shown literally."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from client.guide_models import EntryUpdate
from client.models import Challenge
from tests import tui_support
from tests.entry_screen_support import (
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
from tests.test_tui import HOSTILE, STORED
from tests.tui_support import settle, text_of
from tui import citations
from tui.app import ChallengeApp
from tui.entry_drafts import EntryDraft, EntryDraftStore
from tui.screens.entry import EntryScreen
from tui.screens.entry_editor import EntryEditorScreen
from tui.screens.pick import PickScreen
from tui.screens.submission import SubmissionScreen
from tui.screens.write import WriteScreen
from tui.text import one_line
from tui.widgets.confirm import ConfirmScreen
from tui.widgets.key_bar import KeyBar
from tui.widgets.pledge_form import PledgeForm

private_dirs = tui_support.private_dirs
__all__ = ["demo", "seeded_demo"]  # the fixtures, for pytest


def header(screen: EntryScreen) -> str:
    return text_of(screen.query_one("#header", Static))


def keys(screen: EntryScreen) -> str:
    return screen.query_one(KeyBar).render().plain


def messages(app: ChallengeApp) -> list[str]:
    return [n.message for n in app._notifications]


def screen_lines(app: ChallengeApp) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_an_entry_shows_its_status_people_text_sources_pledges_and_comments(
        demo: Demo) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_entry(pilot)
        shown = header(screen)
        assert "Write observations once" in shown
        assert "Theme: Paperwork and duplication · Adopted, review on " in shown
        assert ("Lead: Joanne Pickering · with Siobhan Keane, Kwame Asante, "
                "Oliver Thackeray") in shown
        assert "4 pledges · 2 comments" in shown
        pledges = text_of(screen.query_one("#pledges", Static))
        # Amara's own pledge is marked; a pledge without a note is a name alone.
        assert "★ Amara Okafor (you): Our respiratory ward will try this" in pledges
        assert "• Nadia Sharif\n" in pledges
        entry = screen.entry
        assert entry is not None
        cited = citations.cited(entry.body)
        assert cited and set(cited) <= set(screen.sources)
        assert screen.sources == [ref.id for ref in entry.source_refs]
        sources = screen.query_one("#sources", OptionList)
        assert "We stopped writing the same observations" in str(
            sources.get_option_at_index(0).prompt)
        comments = screen.query_one("#comments", OptionList)
        assert comments.option_count == 2 and len(screen.comments) == 2
        assert "Grace Adeyemi" in str(comments.get_option_at_index(0).prompt)
        # A participant's keys: no settings; pledging and commenting, as the phase allows.
        assert "p Pledge" in keys(screen) and "c Comment" in keys(screen)
        assert "Settings" not in keys(screen) and "e Edit" not in keys(screen)


async def test_enter_on_a_source_and_a_click_on_a_citation_open_the_submission(
        demo: Demo) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_entry(pilot)
        await pilot.press("tab", "enter")  # the sources' first row
        await settle(pilot)
        opened = app.screen
        assert isinstance(opened, SubmissionScreen)
        assert opened.item.id == screen.sources[0]
        assert opened.challenge is not None and opened.challenge.slug == SLUG
        await pilot.press("escape")
        await settle(pilot)
        assert showing(app, screen)
        # The second, a duplicate merged into the first, is not public: said so.
        merged = screen.sources[1]
        await pilot.press("j", "l")
        await settle(pilot)
        assert showing(app, screen)
        assert messages(app)[-1].startswith(f"#{merged} cannot be opened: it was merged")

        # "(#73)" in the text, as drawn: a link of this app's making.
        await pilot.press("shift+tab", "home")  # back to the text, at its top
        await settle(pilot)
        cited = screen.sources[0]
        row, line = next((y, line) for y, line in enumerate(screen_lines(app))
                         if f"(#{cited})" in line)
        await pilot.click(offset=(line.index(f"#{cited}") + 1, row))
        await settle(pilot)
        assert isinstance(app.screen, SubmissionScreen) and app.screen.item.id == cited


async def test_links_written_in_the_text_are_shown_never_followed(demo: Demo) -> None:
    async with demo.person(RACHEL) as rachel:
        entry = await rachel.get_guide_entry(OBSERVATIONS)
        await rachel.update_guide_entry(OBSERVATIONS, EntryUpdate(
            body=f"[Evil](https://evil.example/) and [#5]({citations.SCHEME.split('-')[0]}:5)"
                 f" but #{entry.sources[0]} is a citation."), version=entry.version)
    app = demo_app(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_entry(pilot)
        row, line = next((y, line) for y, line in enumerate(screen_lines(app))
                         if "Evil and #5" in line)
        await pilot.click(offset=(line.index("Evil") + 1, row))
        await settle(pilot)
        await pilot.click(offset=(line.index("#5") + 1, row))
        await settle(pilot)
        assert showing(app, screen)
        assert "Link (not opened): https://evil.example/" in messages(app)
        assert any(m.startswith("Link (not opened): cite") for m in messages(app))
        await pilot.click(offset=(line.index(f"#{entry.sources[0]}") + 1, row))
        await settle(pilot)
        assert isinstance(app.screen, SubmissionScreen)


async def test_pledge_with_a_note_change_it_then_withdraw(demo: Demo) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_entry(pilot, HANDOVER)
        assert screen.entry is not None and screen.entry.my_pledge is None
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, PledgeForm)
        # A note that looks like personal data: refused at the note, the note kept.
        await pilot.press(*"Bed 4, NHS number 943 476 5919", "enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, PledgeForm)
        assert "contains an NHS number" in text_of(form.query_one("#note-error", Static))
        form.query_one(Input).value = ""
        await pilot.press(*"Ward 7 will try it", "enter")
        await settle(pilot)
        assert showing(app, screen)
        assert demo.rows("SELECT note FROM guide_pledges WHERE entry_id = ? AND user_id = 1",
                         HANDOVER) == [("Ward 7 will try it",)]
        assert "★ Amara Okafor (you): Ward 7 will try it" in text_of(
            screen.query_one("#pledges", Static))

        await pilot.press("p")  # pledged already: change the note, or withdraw
        await settle(pilot)
        assert isinstance(app.screen, PickScreen)
        await pilot.press("enter")  # change the note: the form has it
        await settle(pilot)
        assert isinstance(app.screen, PledgeForm)
        assert app.screen.query_one(Input).value == "Ward 7 will try it"
        await pilot.press(*" in May", "ctrl+s")
        await settle(pilot)
        assert demo.rows("SELECT note FROM guide_pledges WHERE entry_id = ? AND user_id = 1",
                         HANDOVER) == [("Ward 7 will try it in May",)]

        await pilot.press("p")
        await settle(pilot)
        await pilot.press("j", "enter")  # withdraw: asked first
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert showing(app, screen)
        assert demo.rows("SELECT note FROM guide_pledges WHERE entry_id = ? AND user_id = 1",
                         HANDOVER) == []
        assert screen.entry is not None and screen.entry.my_pledge is None
        assert "Your pledge is withdrawn." in messages(app)


async def test_comment_on_the_entry(demo: Demo) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_entry(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, WriteScreen)
        await pilot.press(*"We timed [/] ten shifts", "ctrl+s")
        await settle(pilot)
        assert showing(app, screen)
        assert demo.rows("SELECT body FROM guide_comments WHERE entry_id = ? AND author_id = 1",
                         OBSERVATIONS) == [("We timed [/] ten shifts",)]
        assert "We timed [/] ten shifts" in str(
            screen.query_one("#comments", OptionList).get_option_at_index(2).prompt)
        assert "3 comments" in header(screen)


async def flag(pilot: Pilot[None], note: str) -> None:
    await pilot.press("f")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PickScreen)
    await pilot.press("j", "enter")  # offensive
    await settle(pilot)
    assert isinstance(pilot.app.screen, WriteScreen)
    await pilot.press(*note, "ctrl+s")
    await settle(pilot)


async def test_flag_the_entry_and_a_comment(demo: Demo) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_entry(pilot)
        await flag(pilot, "Not a guide entry")
        assert showing(app, screen)
        await pilot.press("tab", "tab")  # the comments: the first is picked
        await settle(pilot)
        await flag(pilot, "Rude")
        comment = screen.comments[0].id
        assert demo.rows("SELECT target_type, target_id, reason, note FROM flags "
                         "WHERE reporter_id = 1 ORDER BY id") == [
            ("entry", OBSERVATIONS, "offensive", "Not a guide entry"),
            ("entry_comment", comment, "offensive", "Rude")]
        assert "Thank you: the comment by Grace Adeyemi is reported to the moderators." in (
            messages(app))
        await pilot.press("f")  # again: said at once, nothing asked
        await settle(pilot)
        assert showing(app, screen)
        assert messages(app)[-1].startswith("You have already reported this comment by ")


async def test_a_participant_is_offered_no_settings(demo: Demo) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_entry(pilot)
        assert screen.check_action("settings", ()) is False
        await pilot.press("s")
        await settle(pilot)
        assert showing(app, screen)


async def test_an_unsent_edit_is_said_and_e_resumes_it(demo: Demo) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_entry(pilot, HANDOVER)
        notice = screen.query_one("#notice", Static)
        assert not notice.display  # none kept yet
        entry = screen.entry
        assert entry is not None and entry.can_edit
        EntryDraftStore().save(EntryDraft(server=demo.url, entry_id=HANDOVER,
                                          base_version=entry.version, base_text=entry.body,
                                          text=entry.body + "\nMine.", title=entry.title))
        await pilot.press("r")
        await settle(pilot)
        assert notice.display
        said = text_of(notice)
        assert said.startswith("✎ An unsent edit of yours from today at ")
        assert said.endswith("e to resume")
        assert "e Edit" in keys(screen)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EntryEditorScreen)


async def test_pledging_and_editing_are_refused_while_the_phase_allows_no_develop(
        demo: Demo) -> None:
    app = demo_app(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert app.session is not None
        challenge = await app.session.client.get_challenge(SLUG)
        closed = challenge.model_copy(update={"phases": [
            p.model_copy(update={"develop": False}) for p in challenge.phases]})
        assert isinstance(closed, Challenge)
        app.open_entry(HANDOVER, closed)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EntryScreen)
        assert "p Pledge" not in keys(screen) and "c Comment" not in keys(screen)
        for key in ("p", "e", "c"):
            await pilot.press(key)
            await settle(pilot)
            assert showing(app, screen)
        refusals = [m for m in messages(app) if m.startswith("Working on the guide is closed")]
        assert len(refusals) == 3, messages(app)
        assert demo.rows("SELECT count(*) FROM guide_pledges WHERE user_id = 1 "
                         "AND entry_id = ?", HANDOVER) == [(0,)]


async def test_untrusted_text_is_shown_literally(demo: Demo) -> None:
    async with demo.person(RACHEL) as rachel:
        entry = await rachel.get_guide_entry(OBSERVATIONS)
        await rachel.update_guide_entry(OBSERVATIONS, EntryUpdate(
            title=HOSTILE, body=f"Text {HOSTILE}"), version=entry.version)
        await rachel.add_guide_comment(OBSERVATIONS, f"Comment {HOSTILE}")
        await rachel.pledge_guide_entry(OBSERVATIONS, "[@click=app.quit]x[/]")
    app = demo_app(demo)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_entry(pilot)
        assert one_line(STORED).plain in header(screen)
        assert "\x1b" not in header(screen)
        assert any("Text [/] [@click=app.quit]x[/]" in line for line in screen_lines(app))
        assert "Rachel Dunmore: [@click=app.quit]x[/]" in text_of(
            screen.query_one("#pledges", Static))
        comments = screen.query_one("#comments", OptionList)
        assert one_line(f"Comment {STORED}").plain in str(
            comments.get_option_at_index(2).prompt).replace("\n", " ")
        await pilot.press("c")  # the comment form's title is the entry's: literally
        await settle(pilot)
        assert isinstance(app.screen, WriteScreen)
        assert one_line(STORED).plain in text_of(app.screen.query_one(".title", Static))
        await pilot.press("escape")
        await settle(pilot)
        assert app.is_running and showing(app, screen)
