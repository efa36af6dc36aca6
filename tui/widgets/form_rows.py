"""A form's field as one line (a label, the field, a hint beside it) with its error on
the line below, shown only when there is one. Compact, so long forms fit 80x24."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static


class ErrorLine(Static):
    """What is wrong with ``field`` (focused when it is the first error; None: a list as
    a whole), under it; hidden while nothing is."""

    DEFAULT_CSS = "ErrorLine { color: $error; height: auto; padding: 0 0 0 14; }"

    def __init__(self, field: Widget | None, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.field = field
        self.display = False
        self.message = ""

    def say(self, message: str) -> None:
        """``message`` (text from the server: never markup); '' hides the line."""
        self.message = message
        self.update(Content(message))
        self.display = bool(message)


class FieldRow(Horizontal):
    DEFAULT_CSS = """
    FieldRow { height: auto; }
    FieldRow > .label { width: 14; color: $text-muted; }
    FieldRow > Input, FieldRow > Select { width: 1fr; }
    FieldRow > .hint { width: auto; color: $text-muted; padding: 0 0 0 1; }
    """


def field_row(label: str, field: Widget, hint: str = "") -> ComposeResult:
    """``field`` labelled, with a hint beside it (id ``<field id>-hint``) and its
    ``ErrorLine`` below (id ``<field id>-error``)."""
    with FieldRow():
        yield Static(Content(label), classes="label")
        yield field
        yield Static(Content(hint), classes="hint", id=f"{field.id}-hint" if field.id else None)
    yield ErrorLine(field, id=f"{field.id}-error" if field.id else None)
