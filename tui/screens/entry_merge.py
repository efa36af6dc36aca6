"""A stale edit merged with the entry as it is now (``tui.merging``): a clean merge to read
and save; conflicts shown one at a time, yours beside theirs, each taken as yours (m),
theirs (t) or both (b); the result below, editable (e). Cancelling keeps the edit."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Static, TextArea

from client.errors import ChallengeError
from client.guide_models import GuideEntry
from client.merge3 import Choice, Lines
from tui.entry_drafts import EntryDraft, EntryDraftStore
from tui.merging import Merged, MergeSession
from tui.screens.base import AppScreen
from tui.text import one_line, plain, plural
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar

SAVE_EVERY = 0.5  # seconds: a result typed by hand is kept on disk as the editor's is
PICKED = {"mine": "yours", "theirs": "theirs", "both": "both (yours first)"}
SIDES = {"mine": "Yours", "theirs": "Theirs"}


def side(lines: Lines) -> Content:
    if not lines:
        return Content.styled("(these lines removed)", "dim italic")
    return Content(plain("\n".join(lines)))


class EntryMergeScreen(AppScreen[Merged | None]):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="entry_merge.save"),
        Binding("escape", "close", "Cancel", id="entry_merge.close"),
        Binding("m", "pick('mine')", "Yours", id="entry_merge.mine"),
        Binding("t", "pick('theirs')", "Theirs", id="entry_merge.theirs"),
        Binding("b", "pick('both')", "Both", id="entry_merge.both"),
        Binding("n", "move(1)", "Next", id="entry_merge.next"),
        Binding("p", "move(-1)", "Previous", show=False, id="entry_merge.previous"),
        Binding("e", "edit", "Edit result", id="entry_merge.edit"),
    ]
    DEFAULT_CSS = """
    EntryMergeScreen #explain { height: auto; padding: 0 1; }
    EntryMergeScreen #title-row { height: auto; }
    EntryMergeScreen #where { height: 1; padding: 0 1; color: $warning; }
    EntryMergeScreen #sides { height: auto; max-height: 10; }
    EntryMergeScreen .side { width: 1fr; height: auto; max-height: 10;
                             border: round $panel-lighten-2; padding: 0 1; }
    EntryMergeScreen .side:focus { border: round $accent; }
    /* A side kept: a heavy green border, tinted, "✓ kept" in its title; focused, the
       border takes the focus colour (the tint and the title still say it is kept), so
       both sides kept look kept whichever has the focus. */
    EntryMergeScreen .side.chosen { border: heavy $success; background-tint: $success 12%; }
    EntryMergeScreen .side.chosen:focus { border: heavy $accent; }
    EntryMergeScreen #result { height: 1fr; border: round $primary; }
    EntryMergeScreen #message { height: auto; max-height: 2; }
    """

    def __init__(self, draft: EntryDraft, current: GuideEntry, *,
                 store: EntryDraftStore | None = None) -> None:
        super().__init__()
        self.merging = MergeSession(draft, current)
        self.store = store or self.challenge_app.entry_draft_store()
        self.dirty = False

    def compose(self) -> ComposeResult:
        m = self.merging
        yield StatusBar()
        yield Static(Content.assemble(("Merge your edit of ", "bold"),
                                      one_line(m.current.title, "bold")), classes="title")
        yield Static(self.explanation(None), id="explain")
        if m.title.conflict:
            yield Static(Content.assemble(
                "Both changed the title; yours is kept below, theirs was: ",
                one_line(m.title.theirs, "italic")), id="title-note", classes="muted")
            yield Input(plain(m.title.title), max_length=140, id="title")
        yield Static("", id="where")
        with Horizontal(id="sides"):
            yield VerticalScroll(Static(id="mine-lines"), id="mine", classes="side")
            yield VerticalScroll(Static(id="theirs-lines"), id="theirs", classes="side")
        yield TextArea(m.result(), id="result", soft_wrap=True)
        yield Static("", id="message", classes="error", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        m = self.merging
        self.query_one("#message").display = False
        for name, said in SIDES.items():
            self.query_one(f"#{name}").border_title = said
        self.query_one("#result").border_title = (
            f"The result: ctrl+s saves it as version {m.current.version + 1}")
        for name in ("where", "sides"):
            self.query_one(f"#{name}").display = not m.clean
        if m.clean:
            self.query_one("#result", TextArea).focus()
        else:
            self.show_conflict()
            self.query_one("#mine").focus()
            self.call_after_refresh(self.scroll_result)
        self.set_interval(SAVE_EVERY, self.save_if_dirty)
        self.find_author()

    # --- what is shown --------------------------------------------------------------

    def explanation(self, author: str | None) -> Content:
        m = self.merging
        who = Content("someone") if author is None else one_line(author, "bold")
        said = Content.assemble(
            who, f" saved version {m.current.version} after your edit began "
            f"(from version {m.draft.base_version}). ")
        if m.clean:
            return said + Content("Your changes and theirs merge without a conflict: read "
                                  "the result, change it if you like, then save it.")
        return said + Content(
            f"{plural(len(m.conflicts), 'place')} where you both changed the same lines: "
            "for each, keep yours (m), theirs (t) or both (b), or edit the result (e).")

    @work(group="entry-merge-author")
    async def find_author(self) -> None:
        """Who saved the current version (the merge is shown without waiting for it)."""
        m = self.merging
        try:
            page = await self.client.list_guide_versions(m.current.id, limit=1)
        except ChallengeError:
            return
        latest = page.items[0] if page.items else None
        if latest is not None and latest.version == m.current.version and latest.author:
            self.query_one("#explain", Static).update(
                self.explanation(latest.author.display_name))

    def show_conflict(self) -> None:
        m = self.merging
        conflict = m.conflict
        if conflict is None:
            return
        choice = m.choices.get(m.at)
        where = (f"Conflict {m.at + 1} of {len(m.conflicts)}, at line "
                 f"{m.conflict_line(m.at) + 1} of the result: "
                 + (f"kept {PICKED[choice]}." if choice else "not chosen yet.")
                 + (f" {len(m.unresolved)} left." if m.unresolved else " All chosen."))
        self.query_one("#where", Static).update(Content(where))
        self.query_one("#mine-lines", Static).update(side(conflict.mine))
        self.query_one("#theirs-lines", Static).update(side(conflict.theirs))
        for name, said in SIDES.items():
            kept = choice in (name, "both")
            box = self.query_one(f"#{name}")
            box.set_class(kept, "chosen")
            box.border_title = f"{said} ✓ kept" if kept else said

    def show_result(self) -> None:
        """The result as picked, with the cursor where the conflict shown is."""
        self.query_one("#result", TextArea).load_text(self.merging.result())
        self.scroll_result()

    def scroll_result(self) -> None:
        result = self.query_one("#result", TextArea)
        line = self.merging.conflict_line(self.merging.at)
        result.move_cursor((line, 0))
        # Near the top, a line of what comes before above it (lines wrap: rows differ).
        row = result.wrapped_document.location_to_offset((line, 0)).y
        result.scroll_to(y=max(row - 1, 0), animate=False)

    # --- choosing -------------------------------------------------------------------

    def action_pick(self, choice: Choice) -> None:
        m = self.merging
        if m.clean:
            return
        if m.edited is not None:
            self.notify("You have edited the result by hand: choosing again would replace "
                        "what you typed there. Edit the result instead.",
                        severity="warning", markup=False)
            return
        m.pick(choice)
        self.show_result()
        self.show_conflict()

    def action_move(self, step: int) -> None:
        self.merging.move(step)
        self.show_conflict()
        if self.merging.edited is None:
            self.show_result()

    def action_edit(self) -> None:
        self.query_one("#result", TextArea).focus()

    @on(TextArea.Changed, "#result")
    def result_changed(self, event: TextArea.Changed) -> None:
        m = self.merging
        if m.edited is None and event.text_area.text == m.picked():
            return  # what picking put there, not typing
        m.edited = event.text_area.text
        self.dirty = True

    @on(Input.Changed, "#title")
    def title_changed(self) -> None:
        self.dirty = True

    def merged_title(self) -> str | None:
        found = self.query("#title")
        return found.first(Input).value if found else None

    def save_if_dirty(self) -> None:
        """A result typed into is the person's work: kept on disk, as a draft begun from
        the current version."""
        if self.dirty:
            self.dirty = False
            self.store.save(self.merging.rebased(self.merged_title()))

    # --- leaving --------------------------------------------------------------------

    def action_save(self) -> None:
        from tui.widgets.confirm import ConfirmScreen

        m = self.merging
        if not m.ready:
            m.at = m.unresolved[0]
            self.show_conflict()
            self.show_result()
            self.notify(f"Conflict {m.at + 1} is not chosen yet: m keeps yours, t theirs, "
                        "b both (or e to edit the result).", severity="warning",
                        markup=False)
            return
        done = Merged(m.rebased(self.merged_title()), save=True)
        if not m.markers_left():
            self.dismiss(done)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(done)

        self.app.push_screen(ConfirmScreen(
            "The result still holds conflict markers (<<<<<<<, =======, >>>>>>>). "
            "Save it anyway?"), answered)

    def action_close(self) -> None:
        if self.query_one("#result", TextArea).has_focus and not self.merging.clean:
            self.query_one("#mine").focus()  # out of the result, back to choosing
            return
        self.save_if_dirty()
        if self.merging.edited is not None:
            self.notify("Not saved: the merge, as you edited it, is kept in the editor.",
                        markup=False)
            self.dismiss(Merged(self.merging.rebased(self.merged_title()), save=False))
        else:
            self.notify("Not saved: your edit is kept as it was.", markup=False)
            self.dismiss(None)
