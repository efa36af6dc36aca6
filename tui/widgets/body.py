"""A submission's body: Markdown when it is cheap to draw, else its text as written.

The text as written goes in a read-only TextArea of bounded height, which draws only
the lines in view: a Static draws every line of its text on each layout (5,000
lines held the keyboard for seconds, as the Markdown would have).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Markdown, Static, TextArea

from tui.body import formatted
from tui.text import plain


class Body(Vertical):
    DEFAULT_CSS = """
    Body { height: auto; }
    Body > #plain-note { color: $text-muted; padding: 0 1; }
    Body > #plain-body { height: 16; border: none; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Markdown(open_links=False)
        yield Static(Content("Shown as written (too much formatting to lay out quickly); "
                             "tab into it to scroll."), id="plain-note")
        yield TextArea(read_only=True, soft_wrap=True, id="plain-body")

    def on_mount(self) -> None:
        self.show_plain(False)

    def show_plain(self, shown: bool) -> None:
        self.query_one(Markdown).display = not shown
        self.query_one("#plain-note").display = shown
        self.query_one("#plain-body").display = shown

    def update(self, body: str) -> None:
        """Markdown is its own syntax, never Textual markup; escapes are stripped."""
        text = plain(body)
        cheap = formatted(text)
        self.show_plain(not cheap)
        self.query_one(Markdown).update(text if cheap else "")
        self.query_one("#plain-body", TextArea).load_text("" if cheap else text)
