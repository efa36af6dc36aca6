"""Write a story or idea: saved as a draft as you type, posted once, errors shown inline."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Checkbox, Input, Select, SelectionList, Static, TextArea
from textual.widgets.selection_list import Selection

from client.errors import ApiError, ChallengeError, ConnectionFailed, Invalid, ServerError
from client.fields import MAX_THEMES
from client.models import Challenge, FieldError, Problem, Submission
from tui.drafts import Draft, DraftStore
from tui.posting import post_draft
from tui.screens.base import AppScreen
from tui.session import describe
from tui.text import one_line, plain
from tui.widgets.choices import MarkedCheckbox, MarkedSelectionList
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar

SAVE_EVERY = 1.0  # seconds; so a draft on disk is never more than ~2 s behind


class ComposeScreen(AppScreen[Submission | None]):
    BINDINGS = [
        Binding("ctrl+s", "post", "Post", id="compose.post"),
        Binding("escape", "close", "Close (draft kept)", id="compose.close"),
    ]
    DEFAULT_CSS = """
    ComposeScreen #fields { height: 1fr; padding: 0 1; }
    ComposeScreen TextArea { height: 12; }
    ComposeScreen SelectionList { height: auto; max-height: 8; }
    ComposeScreen .field-error { color: $error; height: auto; }
    ComposeScreen #row { height: auto; }
    ComposeScreen #message { height: auto; max-height: 4; }
    """

    def __init__(self, challenge: Challenge, kind: str, *, draft: Draft | None = None,
                 editing: Submission | None = None, store: DraftStore | None = None) -> None:
        super().__init__()
        self.challenge = challenge
        self.store = store or DraftStore()
        self.editing = editing
        self.dirty = False
        self.draft = draft or Draft(server="", challenge=challenge.slug, kind=kind)
        if editing is not None and draft is None:
            self.draft = Draft(server="", challenge=challenge.slug, kind=editing.kind,
                               title=editing.title, body=editing.body,
                               themes=list(editing.themes), anonymous=editing.anonymous,
                               editing=editing.id)

    def compose(self) -> ComposeResult:
        # Rich Text, never a str: Select parses a str prompt as markup (and a Text is what
        # its type-to-search reads).
        kinds = [(Text(one_line(p.question).plain), p.kind) for p in self.challenge.prompts]
        heading = "Edit your submission" if self.editing else "New submission"
        with VerticalScroll(id="fields"):
            yield Static(heading, classes="title", markup=False)
            yield Select(kinds, value=self.draft.kind, allow_blank=False, id="kind",
                         disabled=self.editing is not None)
            yield Input(self.draft.title, placeholder="Title (up to 140 characters)",
                        max_length=140, id="title")
            yield Static("", id="title-error", classes="field-error", markup=False)
            yield Static(f"Themes (up to {MAX_THEMES}; space to choose)", classes="muted",
                         markup=False)
            yield MarkedSelectionList[str](*[Selection(one_line(t), t, t in self.draft.themes)
                                       for t in self.challenge.themes], id="themes")
            yield Static("", id="themes-error", classes="field-error", markup=False)
            yield TextArea(self.draft.body, id="body", soft_wrap=True)
            yield Static("", id="body-error", classes="field-error", markup=False)
            anonymous = (self.challenge.anonymous_default if self.draft.anonymous is None
                         else self.draft.anonymous)
            with Horizontal(id="row"):
                yield MarkedCheckbox("Post anonymously (moderators still see who you are)",
                               anonymous, id="anonymous")
            yield Static("ctrl+s post · esc close (the draft is kept)", classes="muted",
                         markup=False)
        # Outside the scrolling fields, above the key bar: seen without scrolling.
        yield Static("", id="message", classes="error", markup=False)
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.draft.server = self.session.server
        self.query_one("#title", Input).focus()
        self.query_one("#message").display = False  # until there is something to say
        self.set_interval(SAVE_EVERY, self.save_if_dirty)

    # --- drafts ---------------------------------------------------------------------

    def read_fields(self) -> None:
        self.draft.kind = str(self.query_one("#kind", Select).value)
        self.draft.title = self.query_one("#title", Input).value
        self.draft.body = self.query_one("#body", TextArea).text
        self.draft.themes = list(self.query_one("#themes", SelectionList).selected)
        self.draft.anonymous = self.query_one("#anonymous", Checkbox).value

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(SelectionList.SelectedChanged)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def changed(self) -> None:
        self.dirty = True

    def save_if_dirty(self) -> None:
        if not self.dirty:
            return
        self.read_fields()
        if not self.draft.is_empty:
            self.store.save(self.draft)
        self.dirty = False

    def action_close(self) -> None:
        self.read_fields()
        if self.draft.is_empty:
            self.store.delete(self.draft.id)
        else:
            self.store.save(self.draft)
            self.notify("Draft kept: d on the challenge screen lists your drafts.")
        self.dismiss(None)

    # --- posting --------------------------------------------------------------------

    def show_errors(self, error: ApiError | None) -> None:
        found = error.field_errors() if error else {}
        for name in ("title", "themes", "body"):
            self.query_one(f"#{name}-error", Static).update(found.get(name, ""))
        # The first field in trouble and its message, in view (the form scrolls at 80x24).
        first = next((name for name in ("title", "themes", "body") if name in found), None)
        if first is not None:
            self.query_one(f"#{first}").focus()
            self.query_one(f"#{first}-error").scroll_visible(animate=False)

    def action_post(self) -> None:
        """Warn about what looks like patient details before anything leaves the machine."""
        from client.privacy import describe_findings, find_personal_data
        from tui.widgets.confirm import ConfirmScreen

        self.read_fields()
        if len(self.draft.themes) > MAX_THEMES:
            self.show_errors(Invalid(Problem(title="Invalid", status=422, errors=[
                FieldError(field="themes", message=f"choose at most {MAX_THEMES}")])))
            return
        findings = find_personal_data(f"{self.draft.title}\n{self.draft.body}")
        if not findings:
            self.post()
            return

        def answered(post_anyway: bool | None) -> None:
            if post_anyway:
                self.post()

        self.app.push_screen(ConfirmScreen(
            f"This looks like it contains {describe_findings(findings)} "
            f"({', '.join(f.text for f in findings[:3])}). Posts are public to staff; remove "
            "anything that identifies a patient or a colleague. Post anyway?"), answered)

    @work(exclusive=True)
    async def post(self) -> None:
        message = self.query_one("#message", Static)
        message.display = True
        # Queued before sending: if we are killed mid-post, the key survives with it.
        self.draft.state = "queued"
        self.store.save(self.draft)
        message.update("Posting…")
        try:
            result = await post_draft(self.client, self.challenge.slug, self.draft)
        except ConnectionFailed as error:
            self.draft.error = describe(error)
            self.store.save(self.draft)
            message.update(f"{describe(error)} Kept in Drafts (d) to send when you are "
                           "back online; it will not post twice.")
            return
        except ChallengeError as error:
            self.draft.state = "draft" if not isinstance(error, ServerError) else "queued"
            self.draft.error = describe(error)
            self.store.save(self.draft)
            self.show_errors(error if isinstance(error, ApiError) else None)
            message.update(describe(error))
            return
        self.store.delete(self.draft.id)
        self.dirty = False
        if result.status == "pending" and result.status_reason:
            self.notify(plain(result.status_reason), title="Posted, not yet public",
                        severity="warning", timeout=12, markup=False)
        else:
            self.notify("Posted." if self.editing is None else "Saved.")
        self.dismiss(result)
