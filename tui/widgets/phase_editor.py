"""One phase in the challenge set-up form: its name, its start and end (each said back
with its offset and in UTC as it is typed), what it allows, its vote budget; each
field's error under it.

The yes/no fields come from the wire model (``challenge_form.phase_flags``): a flag
added to ``PhaseIn`` gets its check box here without a change.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Grid, Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.widgets import Checkbox, Input, Static

from tui import moments
from tui.challenge_form import PhaseForm, phase_flags
from tui.widgets.choices import MarkedCheckbox
from tui.widgets.form_rows import ErrorLine, field_row

TIMES = ("starts_at", "ends_at")


def flag_label(name: str) -> str:
    return name.replace("_", " ")


class PhaseEditor(Vertical):
    DEFAULT_CSS = """
    PhaseEditor { height: auto; border: round $panel-lighten-2; padding: 0 1;
                  border-title-color: $text-muted; }
    PhaseEditor:focus-within { border: round $accent; border-title-color: $accent; }
    PhaseEditor FieldRow > #starts_at, PhaseEditor FieldRow > #ends_at { width: 24; }
    PhaseEditor FieldRow > #vote_budget { width: 8; }
    PhaseEditor Grid { grid-size: 3; grid-rows: 1; grid-gutter: 0 1; height: auto;
                       padding: 0 0 0 14; }
    PhaseEditor Checkbox { width: 1fr; }
    """

    def __init__(self, phase: PhaseForm, number: int) -> None:
        super().__init__()
        self.phase = phase
        self.number(number)

    def number(self, number: int) -> None:
        """Its place in the list, 1 first (in the border: our own words, no names)."""
        self.border_title = f"Phase {number}"

    def compose(self) -> ComposeResult:
        phase = self.phase
        yield from field_row("Name", Input(phase.name, max_length=80, compact=True, id="name",
                                           placeholder="e.g. Share and prioritise"))
        for name, label in zip(TIMES, ("Starts", "Ends"), strict=True):
            text = getattr(phase, name)
            yield from field_row(label, Input(text, compact=True, id=name,
                                              placeholder=moments.EXAMPLE),
                                 moments.explain(text))
        boxes = [MarkedCheckbox(Content(flag_label(flag)), phase.flags.get(flag, False),
                                compact=True, id=flag) for flag in phase_flags()]
        with Grid(id="flags"):
            yield from boxes
        yield ErrorLine(boxes[0] if boxes else self, id="flags-error")
        yield from field_row("Vote budget", Input(phase.vote_budget, compact=True,
                                                  id="vote_budget", restrict=r"[0-9]*"),
                             "supports each; blank: no limit")

    @on(Input.Changed, "#starts_at, #ends_at")
    def said_back(self, event: Input.Changed) -> None:
        """The time as understood, beside it, as it is typed."""
        if event.input.id:
            self.query_one(f"#{event.input.id}-hint", Static).update(
                Content(moments.explain(event.value)))

    def read(self) -> PhaseForm:
        """What is typed in it (what it was made with, while its fields are mounting)."""
        def text(name: str) -> str:
            return self.query_one(f"#{name}", Input).value

        try:
            return PhaseForm(text("name"), text("starts_at"), text("ends_at"),
                             {flag: self.query_one(f"#{flag}", Checkbox).value
                              for flag in phase_flags()}, text("vote_budget"))
        except NoMatches:
            return self.phase

    def error_line(self, field: str) -> ErrorLine | None:
        """Where an error about ``field`` (a PhaseIn field) is said; None for a field
        this form does not have."""
        if field in phase_flags():
            return self.query_one("#flags-error", ErrorLine)
        found = self.query_children(f"#{field}-error") if field.isidentifier() else None
        return found.first(ErrorLine) if found else None

    def focus_first(self) -> None:
        """Its name (now: keys typed next land in it), and the whole of it in view."""
        self.screen.set_focus(self.query_one("#name", Input), scroll_visible=False)
        self.call_after_refresh(self.scroll_visible, top=True, animate=False)
