"""Set a challenge up, or change one (admins): its words, questions and phases, the
phases on a timeline. The form's logic is ``tui.challenge_form``'s; what is wrong is
said at the field, and nothing typed is lost."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from client.errors import ApiError, ChallengeError
from client.models import Challenge, ChallengeCreate, ChallengeUpdate
from tui.challenge_form import ChallengeForm, FormInvalid, PromptForm, build
from tui.screens.base import AppScreen
from tui.session import describe
from tui.text import one_line, plain
from tui.widgets.choices import MarkedCheckbox
from tui.widgets.form_rows import ErrorLine, field_row
from tui.widgets.key_bar import KeyBar
from tui.widgets.phase_editor import PhaseEditor
from tui.widgets.phase_list import PhaseList
from tui.widgets.status_bar import StatusBar
from tui.widgets.timeline import PhaseTimeline

MODERATION = [(Text("post: published at once, flags queue them"), "post"),
              (Text("pre: each new item waits for a moderator"), "pre")]
ASKS = {"story": "Stories", "idea": "Ideas"}


class ChallengeSetupScreen(AppScreen[Challenge | None]):
    # Focused as the screen is composed: keys typed straight after N or E land in it.
    AUTO_FOCUS = "#slug, #title"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="setup.save"),
        Binding("escape", "close", "Close", id="setup.close"),
        Binding("ctrl+n", "add_phase", "Add phase", id="setup.add_phase"),
        Binding("ctrl+r", "remove_phase", "Remove phase", id="setup.remove_phase"),
        Binding("ctrl+t", "sort_phases", "Sort by date", tooltip="Sort the phases by start",
                id="setup.sort_phases"),
        Binding("ctrl+down", "to_phase(1)", "Next phase", show=False, id="setup.next_phase"),
        Binding("ctrl+up", "to_phase(-1)", "Previous phase", show=False,
                id="setup.previous_phase"),
    ]
    DEFAULT_CSS = """
    ChallengeSetupScreen #fields { height: 1fr; padding: 0 1; }
    ChallengeSetupScreen #slug { width: 30; }
    ChallengeSetupScreen TextArea { background: $boost; margin: 0 0 0 14; }
    ChallengeSetupScreen Select { width: 1fr; }
    ChallengeSetupScreen .section { text-style: bold; margin: 1 0 0 0; }
    ChallengeSetupScreen #message { height: auto; max-height: 3; }
    ChallengeSetupScreen #timeline { border-bottom: solid $panel; }
    """

    def __init__(self, challenge: Challenge | None = None) -> None:
        """``challenge``: the one to change; None sets a new one up."""
        super().__init__()
        self.original = challenge
        self.initial = ChallengeForm.of(challenge) if challenge else ChallengeForm.new()

    def compose(self) -> ComposeResult:
        form = self.initial
        heading = (Content.assemble("Editing ", one_line(self.original.title, "bold"))
                   if self.original else Content.styled("New challenge", "bold"))
        yield Static(heading, classes="title")
        yield PhaseTimeline(id="timeline")
        with VerticalScroll(id="fields"):
            if self.original is None:
                yield from field_row("Slug", Input(form.slug, compact=True, id="slug",
                                                   placeholder="e.g. staff-ideas-2027"),
                                     "in its address; fixed")
            yield from field_row("Title", Input(form.title, compact=True, max_length=140,
                                                id="title"))
            yield from self.area("summary", "Summary", "Markdown", form.summary, 5)
            yield from self.area("themes", "Themes", "one a line", form.themes, 4)
            yield from field_row("Moderation", Select(MODERATION, value=form.moderation,
                                                      allow_blank=False, compact=True,
                                                      id="moderation"))
            yield MarkedCheckbox(Content("Anonymous by default"), form.anonymous_default,
                                 compact=True, id="anonymous_default")
            yield Static(Content("Questions (leave one blank not to ask it)"),
                         classes="section")
            questions = [Input(p.question, compact=True, id=f"prompts-{row}-question")
                         for row, p in enumerate(form.prompts)]
            for row, (prompt, question) in enumerate(zip(form.prompts, questions, strict=True)):
                yield from field_row(ASKS.get(prompt.kind, prompt.kind), question)
                yield from field_row("  described", Input(
                    prompt.description, compact=True, id=f"prompts-{row}-description"))
            yield ErrorLine(questions[0] if questions else None, id="prompts-error")
            yield Static(Content("Phases (ctrl+n add · ctrl+r remove · ctrl+t sort by date)"),
                         classes="section")
            yield PhaseList(form.phases, id="phases")
            yield ErrorLine(None, id="phases-error")
        yield Static("", id="message", classes="error")
        yield StatusBar()
        yield KeyBar()

    @staticmethod
    def area(name: str, label: str, hint: str, text: str, height: int) -> ComposeResult:
        """A longer text: its label and hint on a line, the box under it."""
        area = TextArea(text, id=name, soft_wrap=True, compact=True)
        area.styles.height = area.styles.max_height = height  # over the app's #themes
        yield from field_row(label, Static(Content(hint), classes="muted"))
        yield area
        yield ErrorLine(area, id=f"{name}-error")

    def on_mount(self) -> None:
        self.query_one("#message").display = False
        self.show_timeline()

    # --- reading the form -------------------------------------------------------------

    @property
    def phases(self) -> PhaseList:
        return self.query_one(PhaseList)

    @property
    def editors(self) -> list[PhaseEditor]:
        return self.phases.editors

    def text(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def read(self) -> ChallengeForm:
        moderation = self.query_one("#moderation", Select).value
        return ChallengeForm(
            self.text("slug") if self.original is None else self.initial.slug,
            self.text("title"), self.query_one("#summary", TextArea).text,
            self.query_one("#themes", TextArea).text,
            "pre" if moderation == "pre" else "post",
            self.query_one("#anonymous_default", Checkbox).value,
            [PromptForm(p.kind, self.text(f"prompts-{row}-question"),
                        self.text(f"prompts-{row}-description"))
             for row, p in enumerate(self.initial.prompts)],
            self.phases.read())

    @on(PhaseList.Changed)
    def show_timeline(self) -> None:
        phases = self.phases.read()
        self.query_one(PhaseTimeline).show([p.span() for p in phases],
                                           [p.name for p in phases], self.phases.selected)

    # --- the phases -------------------------------------------------------------------

    def action_to_phase(self, step: int) -> None:
        self.phases.step(step)

    async def action_add_phase(self) -> None:
        await self.phases.add()

    async def action_remove_phase(self) -> None:
        if not await self.phases.remove_selected():
            self.notify("Move to a phase first (tab, or ctrl+↓), then ctrl+r removes it.",
                        severity="warning")

    async def action_sort_phases(self) -> None:
        await self.phases.sort_by_date()

    # --- errors, saving, leaving ------------------------------------------------------

    def error_line(self, key: str) -> ErrorLine | None:
        """Where the error about form field ``key`` is said; None: in the message line."""
        parts = key.split(".")
        if parts[0] == "phases" and len(parts) == 3 and parts[1].isdigit():
            editors = self.editors
            index = int(parts[1])
            return editors[index].error_line(parts[2]) if index < len(editors) else None
        name = key.replace(".", "-")
        found = self.query(f"#{name}-error") if name.replace("-", "_").isidentifier() else None
        return found.first(ErrorLine) if found else None

    def show_errors(self, errors: dict[str, str], said: str) -> None:
        """Each error at its field (the first focused and in view); the rest, and
        ``said``, in the message line."""
        for shown in self.query(ErrorLine):
            shown.say("")
        elsewhere: list[str] = []
        for key, message in errors.items():
            line = self.error_line(key)
            if line is None:
                elsewhere.append(message)
            else:
                line.say(message)
        self.say(" ".join([said, *elsewhere]))
        first = next((line for line in self.query(ErrorLine) if line.message), None)
        if first is not None:
            if first.field is not None:
                first.field.focus()
            first.scroll_visible(animate=False)

    def say(self, message: str) -> None:
        line = self.query_one("#message", Static)
        line.update(Content(message))
        line.display = bool(message)

    @work(exclusive=True)
    async def action_save(self) -> None:
        creating = self.original is None
        try:
            built = build(self.read(), creating=creating)
        except FormInvalid as invalid:
            self.show_errors(invalid.errors, "Not sent: see the fields marked.")
            return
        self.show_errors({}, "Saving…")
        try:
            if isinstance(built.body, ChallengeCreate):
                saved = await self.client.create_challenge(built.body)
            else:
                assert isinstance(built.body, ChallengeUpdate) and self.original is not None
                saved = await self.client.update_challenge(self.original.slug, built.body)
        except ApiError as error:
            errors = built.locate(error.errors)
            self.show_errors(errors, "Not saved: see the fields marked." if errors and all(
                self.error_line(key) for key in errors) else describe(error))
            return
        except ChallengeError as error:
            self.say(describe(error))
            return
        self.notify(f"{'Created' if creating else 'Saved'} {plain(saved.title)}.",
                    markup=False)
        self.dismiss(saved)

    def action_close(self) -> None:
        from tui.widgets.confirm import leave

        leave(self, self.read() != self.initial, "What you changed here")
