"""A guide entry's text on screen: its Markdown as lines (``tui.markdown_lines``), each
``#123`` a link to the submission (``tui.citations``), drawn only where in view.

One widget as tall as the text, inside the entry screen's scrolling column: the
column scrolls it, and only the lines on screen are drawn (Textual's line API), so a
long text costs what a screenful costs. A text made ready before (``entry_text``
keeps the last few: the guide makes the highlighted entry's ready) is shown at once,
in the frame that opens the screen; another is parsed in a thread first.

A click on a link posts ``LinkClicked`` with its address; nothing is opened here.
"""

from __future__ import annotations

import asyncio

from textual import work
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tui.citations import EntryText, entry_text, known_text
from tui.widgets.frame_styles import FrameStyles


class EntryBody(FrameStyles, Widget):
    DEFAULT_CSS = """
    EntryBody { height: auto; padding: 0 1; }
    """

    class LinkClicked(Message):
        """A link in the text was clicked (a citation's address is ``tui.citations``')."""

        def __init__(self, href: str) -> None:
            super().__init__()
            self.href = href

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.body = ""
        self.text: EntryText | None = None
        # Within one ``render_lines``: the styles every line is drawn with, looked up
        # once (each look-up walks the widget's ancestors).

    def update(self, body: str) -> None:
        """Shows ``body`` (Markdown is its own syntax, never Textual markup; escapes are
        stripped): now if it is ready, else once a thread has made it ready."""
        self.body = body
        ready = known_text(body)
        if ready is not None:
            self.shown(ready)
        else:
            self.make_ready(body)

    def clear(self) -> None:
        """Nothing shown (a text being made ready is not waited for)."""
        self.workers.cancel_node(self)
        self.body = ""
        self.text = None
        self.refresh(layout=True)

    @work(exclusive=True, group="entry-text")
    async def make_ready(self, body: str) -> None:
        ready = await asyncio.to_thread(entry_text, body)
        if body is self.body:
            self.shown(ready)

    def shown(self, text: EntryText) -> None:
        self.text = text
        self.refresh(layout=True)

    @property
    def cited(self) -> list[int] | None:
        """The ids the text shown cites (None until it is shown)."""
        return self.text.cited if self.text is not None else None

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.text.lines(width)) if self.text is not None else 0

    def render_line(self, y: int) -> Strip:
        rich_style, visual_style = self.frame_styles()
        width = self.content_region.width
        lines = self.text.lines(width) if self.text is not None else []
        if not 0 <= y < len(lines):
            return Strip.blank(width, rich_style)
        strip = Strip(lines[y].render_segments(visual_style))
        return strip.crop_extend(0, width, rich_style)

    def action_link(self, href: str) -> None:
        self.post_message(self.LinkClicked(href))
