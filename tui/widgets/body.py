"""A submission's body: Markdown when it is cheap to draw, else its text as written;
either way without holding the keyboard (see ``tui.body``).

``Body.update`` returns at once: a worker parses in a thread, then mounts the
Markdown a piece at a time, a repaint between pieces. The text as written goes in a
read-only ``Log`` of bounded height, wrapped in a thread, which draws only the lines in
view (a Static lays out every line of its text, a TextArea wraps every line on the
event loop: 5,000 lines held the keyboard for seconds, and 60-130 ms).
"""

from __future__ import annotations

import asyncio

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Log, Markdown, Static

from tui.body import Prepared, prepare, wrap


class BodyMarkdown(Markdown):
    """Markdown built from tokens parsed in a thread, mounted a piece at a time."""

    def __init__(self) -> None:
        super().__init__(open_links=False)
        self.shown = ""

    @property
    def source(self) -> str:
        return self.shown

    async def show(self, prepared: Prepared) -> None:
        await self.update("")  # the previous body's blocks go
        self.shown = prepared.text
        for first, end in prepared.pieces:
            # The blocks Markdown.update would make from these tokens (it parses on its
            # own, and mounts up to 200 blocks in one go).
            await self.mount_all(list(self._parse_markdown(prepared.tokens[first:end])))
            await self.wait_for_refresh()  # laid out and drawn: keys are handled between


class AsWritten(Log):
    """Text as written, wrapped to the width in a thread."""

    DEFAULT_CSS = """
    AsWritten { overflow-x: hidden; overflow-y: scroll; background: $surface; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(auto_scroll=False, id=id)
        self.text = ""
        self.wrapped_at = 0

    def show(self, text: str) -> None:
        self.text, self.wrapped_at = text, 0
        self.clear()
        self.rewrap()

    def on_resize(self) -> None:
        self.rewrap()

    def rewrap(self) -> None:
        width = self.scrollable_content_region.width
        if self.text and width > 0 and width != self.wrapped_at:
            self.wrap_lines(self.text, width)

    @work(thread=True, exclusive=True, group="wrap")
    def wrap_lines(self, text: str, width: int) -> None:
        lines = wrap(text, width)
        self.app.call_from_thread(self.wrapped, text, width, lines)

    def wrapped(self, text: str, width: int, lines: list[str]) -> None:
        if text is self.text and width == self.scrollable_content_region.width:
            self.clear()
            self.write_lines(lines, scroll_end=False)
            self.wrapped_at = width
            self.scroll_home(animate=False)


class Body(Vertical):
    DEFAULT_CSS = """
    Body { height: auto; }
    Body > #plain-note { color: $text-muted; padding: 0 1; }
    Body > #plain-body { height: 16; border: none; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield BodyMarkdown()
        yield Static(Content("Shown as written (too much formatting to lay out quickly); "
                             "tab into it to scroll."), id="plain-note")
        yield AsWritten(id="plain-body")

    def on_mount(self) -> None:
        self.show_plain(False)

    def show_plain(self, shown: bool) -> None:
        self.query_one(BodyMarkdown).display = not shown
        self.query_one("#plain-note").display = shown
        self.query_one(AsWritten).display = shown

    def update(self, body: str) -> None:
        """Markdown is its own syntax, never Textual markup; escapes are stripped."""
        self.load(body)

    def prepare(self, body: str) -> Prepared:
        """How ``body`` is drawn; run in a thread (a guide entry's adds its citations)."""
        return prepare(body)

    @work(exclusive=True, group="body")
    async def load(self, body: str) -> None:
        prepared = await asyncio.to_thread(self.prepare, body)
        self.show_plain(not prepared.formatted)
        self.query_one(AsWritten).show("" if prepared.formatted else prepared.text)
        await self.query_one(BodyMarkdown).show(prepared)
