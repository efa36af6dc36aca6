"""Edit a guide entry's title and Markdown text: kept on disk as typed, resumed when it
is opened again, saved naming the version it began from; when someone else saved first,
the merge screen puts both edits together (nothing is overwritten, nothing typed lost)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Input, Static, TextArea

from client.errors import ApiError, ChallengeError, ConnectionFailed, EditConflict
from client.guide_models import GuideEntry
from tui import clock
from tui.entry_drafts import EntryDraft, EntryDraftStore, entry_key
from tui.entry_editing import (
    absorbed,
    changes,
    counter,
    is_changed,
    new_findings,
    open_draft,
    over,
    problems,
    resumed_note,
    sentences,
)
from tui.merging import Merged
from tui.screens.base import AppScreen
from tui.session import describe
from tui.text import one_line, plain
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar

SAVE_EVERY = 0.5  # seconds: a draft on disk is never more than about a second behind
FIELDS = ("title", "body")


class EntryEditorScreen(AppScreen[GuideEntry | None]):
    """Dismissed with the entry as saved, or None (closed; the edit kept as a draft)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="entry_editor.save"),
        Binding("escape", "close", "Close (edit kept)", id="entry_editor.close"),
    ]
    DEFAULT_CSS = """
    EntryEditorScreen #note { color: $warning; padding: 0 1; height: auto; max-height: 3; }
    EntryEditorScreen #body { height: 1fr; }
    EntryEditorScreen .field-error { color: $error; height: auto; padding: 0 1; }
    EntryEditorScreen #message { height: auto; max-height: 3; }
    EntryEditorScreen .over { border-subtitle-color: $warning; border-subtitle-style: bold; }
    """

    def __init__(self, entry: GuideEntry, *, store: EntryDraftStore | None = None) -> None:
        super().__init__()
        self.entry = entry
        self.store = store or self.challenge_app.entry_draft_store()
        self.dirty = False
        self.resumed = False
        self.draft: EntryDraft  # opened in compose: the app is there then

    def compose(self) -> ComposeResult:
        opened = open_draft(self.store, self.session.server, self.entry)
        self.draft, self.resumed = opened.draft, opened.resumed
        yield StatusBar()
        yield Static(Content.assemble(
            ("Edit ", "bold"), one_line(self.entry.title, "bold"),
            (f"  version {self.entry.version}", "dim")), classes="title")
        yield Static(resumed_note(self.draft, self.entry, clock.now())
                     if self.resumed else "", id="note", markup=False)
        # Nothing typed or pasted is cut off: the counter shows a title too long, and
        # saving says so. Focused, it keeps its text (no select-all: typing adds to it).
        yield Input(plain(self.draft.title), placeholder="Title (up to 140 characters)",
                    select_on_focus=False, id="title")
        yield Static("", id="title-error", classes="field-error", markup=False)
        yield TextArea(self.draft.text, id="body", soft_wrap=True)
        yield Static("", id="body-error", classes="field-error", markup=False)
        yield Static("", id="message", classes="error", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        for name in ("note", "title-error", "body-error", "message"):
            widget = self.query_one(f"#{name}", Static)
            widget.display = name == "note" and self.resumed
        if self.resumed:
            self.store.save(self.draft)  # its base title, for drafts without one
        self.query_one("#body", TextArea).focus()
        self.count()
        self.set_interval(SAVE_EVERY, self.save_if_dirty)

    # --- the draft ------------------------------------------------------------------

    def read_fields(self) -> None:
        self.draft.title = self.query_one("#title", Input).value
        self.draft.text = self.query_one("#body", TextArea).text

    @on(Input.Changed, "#title")
    @on(TextArea.Changed, "#body")
    def changed(self) -> None:
        self.dirty = True
        self.count()

    def count(self) -> None:
        """How long the title and the text are, and may be, on their borders (in the
        warning colour when over)."""
        fields = (("title", self.query_one("#title", Input).value),
                  ("body", self.query_one("#body", TextArea).text))
        for name, text in fields:
            widget = self.query_one(f"#{name}")
            widget.border_subtitle = counter(name, text)
            widget.set_class(over(name, text), "over")

    def save_if_dirty(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        self.read_fields()
        if is_changed(self.draft):
            self.store.save(self.draft)
        else:  # typed back to what it was: nothing to keep
            self.store.delete(self.draft.server, self.draft.entry_id)

    def draft_replaced(self, key: str) -> None:
        """Another desk's edit of this entry was merged into the draft (``tui.syncing``)."""
        merged = self.store.load(self.draft.server, self.draft.entry_id)
        if key != entry_key(self.draft.entry_id) or merged is None:
            return
        title, body = self.query_one("#title", Input), self.query_one("#body", TextArea)
        self.draft = absorbed(self.draft, title.value, body.text, merged)
        self.dirty = self.draft.text != merged.text or self.draft.title != merged.title
        title.value = self.draft.title
        body.load_text(self.draft.text)

    def action_close(self) -> None:
        self.dirty = True
        self.save_if_dirty()
        if is_changed(self.draft):
            self.notify("Your edit is kept: editing this entry again brings it back.",
                        markup=False)
        self.dismiss(None)

    # --- saving ---------------------------------------------------------------------

    def say(self, text: str) -> None:
        message = self.query_one("#message", Static)
        message.update(text)
        message.display = bool(text)

    def show_errors(self, found: dict[str, str]) -> None:
        """Each field's problem (a sentence) under it, the first focused; none: cleared."""
        for name in FIELDS:
            shown = self.query_one(f"#{name}-error", Static)
            shown.update(found.get(name, ""))
            shown.display = name in found
        first = next((name for name in FIELDS if name in found), None)
        if first is not None:
            self.query_one(f"#{first}").focus()

    def action_save(self) -> None:
        """Warn about what looks like patient details before anything leaves the machine."""
        from client.privacy import describe_findings
        from tui.widgets.confirm import ConfirmScreen

        self.dirty = True
        self.save_if_dirty()
        if not is_changed(self.draft):
            self.notify("Nothing to save: the text and title are as they were.",
                        markup=False)
            return
        if self.invalid():
            return
        findings = new_findings(self.draft)
        if not findings:
            self.send()
            return

        def answered(save_anyway: bool | None) -> None:
            if save_anyway:
                self.send()

        self.app.push_screen(ConfirmScreen(
            f"This looks like it contains {describe_findings(findings)} "
            f"({', '.join(f.text for f in findings[:3])}). The guide is read by staff; "
            "remove anything that identifies a patient or a colleague. Save anyway?"),
            answered)

    def invalid(self) -> bool:
        """Whether the edit breaks a rule the server would refuse it for (a title or text
        too long, a blank title): said at the field, before anything is asked or sent."""
        found = problems(self.draft)
        self.show_errors(found)
        if found:
            self.say("")
        return bool(found)

    @work(exclusive=True, group="entry-save")
    async def send(self) -> None:
        self.store.save(self.draft)  # on disk before anything leaves
        self.show_errors({})
        self.say("Saving…")
        title, body = changes(self.draft)
        try:
            saved = await self.client.edit_guide_entry(
                self.draft.entry_id, version=self.draft.base_version, title=title, body=body)
        except EditConflict as conflict:
            await self.conflicted(conflict)
            return
        except ConnectionFailed as error:
            self.say(f"{describe(error)} Your edit is kept: ctrl+s tries again.")
            return
        except ChallengeError as error:
            errors = error.errors if isinstance(error, ApiError) else []
            found = sentences(errors, self.draft)
            self.show_errors(found)
            elsewhere = [e for e in errors if e.field.split(".")[0] not in found]
            # Said once: at the fields; below only what no field shows.
            self.say("" if found and not elsewhere
                     else f"Not saved: {describe(error)} Your edit is kept.")
            return
        self.store.delete(self.draft.server, self.draft.entry_id)
        self.dirty = False
        if saved.moderation_status != "published" and saved.moderation_reason:
            self.notify(plain(saved.moderation_reason), title="Saved, not yet public",
                        severity="warning", timeout=12, markup=False)
        else:
            self.notify(f"Saved as version {saved.version}.", markup=False)
        self.dismiss(saved)

    async def conflicted(self, conflict: EditConflict) -> None:
        """Someone saved first: merge, never overwrite."""
        current = conflict.current
        if current is None:
            try:
                current = await self.client.get_guide_entry(self.draft.entry_id)
            except ChallengeError as error:
                self.say(f"Someone else saved first, and the entry as it is now could not "
                         f"be loaded: {describe(error)} Your edit is kept.")
                return
        self.say(f"Version {current.version} was saved after your edit began: merging.")
        self.challenge_app.open_entry_merge(self.draft, current, self.merged,
                                            store=self.store)

    def merged(self, outcome: Merged | None) -> None:
        if outcome is None:
            self.say("Not saved: your edit is kept as it was (ctrl+s merges again).")
            return
        self.draft = outcome.draft
        self.store.save(self.draft)
        self.query_one("#title", Input).value = self.draft.title
        self.query_one("#body", TextArea).load_text(self.draft.text)
        if outcome.save and not self.invalid():
            self.send()
        else:
            self.say("The merge is here, not saved yet: ctrl+s saves it.")
