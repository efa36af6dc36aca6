"""A line diff on screen (``client.line_diff``): removed lines in red with ``-``, added
ones in green with ``+``, a line number in the gutter, unchanged runs left out as one
dim line. Every line is the text as typed (ESC stripped), never markup.

``DiffView`` draws only the lines in view (Textual's line API), so a diff of a long text
costs what a screenful costs; past ``MAX_ROWS`` rows the rest is left out with a note.
``diff_rows`` and ``Layout`` need no terminal: tests call them directly.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from client.line_diff import DiffLine, LineDiff
from tui.text import plain, plural
from tui.widgets.frame_styles import FrameStyles

GUTTER = 7  # "1234 + "
MAX_ROWS = 4_000
SIGN_STYLE = {"+": "green", "-": "red", " ": ""}
BLANK_GUTTER = Content(" " * GUTTER)


@dataclass(frozen=True)
class Row:
    """One diff line: its gutter (number and sign, ``GUTTER`` cells) and its text."""

    gutter: Content
    text: Content

    @property
    def plain(self) -> str:
        return self.gutter.plain + self.text.plain


def line_row(line: DiffLine) -> Row:
    number = line.old if line.sign == "-" else line.new
    style = SIGN_STYLE[line.sign]
    gutter = Content.styled(f"{number or '':>4} ", "dim") + Content.styled(
        f"{line.sign} ", f"bold {style}".strip())
    text = plain(line.text).expandtabs(4)
    return Row(gutter, Content.styled(text, style) if style else Content(text))


def note_row(text: str) -> Row:
    return Row(BLANK_GUTTER, Content.styled(text, "dim italic"))


def diff_rows(diff: LineDiff, limit: int = MAX_ROWS) -> list[Row]:
    """The diff's rows, at most ``limit`` of them (then a note says how many more)."""
    if diff.same:
        return [note_row("The text is the same (only other fields changed).")]
    rows = [line_row(r) if isinstance(r, DiffLine)
            else note_row(f"⋯ {plural(r.count, 'unchanged line')}")
            for r in diff.rows[:limit]]
    left = len(diff.rows) - limit
    if left > 0:
        rows.append(note_row(f"⋯ {plural(left, 'more line')} of this diff not shown."))
    return rows


def summary(diff: LineDiff) -> Content:
    """'+3 −1' in the diff's colours."""
    return Content.assemble((f"+{diff.added}", "green"), " ", (f"−{diff.removed}", "red"))


class Layout:
    """Where each row lands once its text is wrapped to ``width`` cells."""

    def __init__(self, rows: Sequence[Row], width: int) -> None:
        self.rows = rows
        self.text_width = max(width - GUTTER, 4)
        # Only rows wider than the view are wrapped (a diff's lines mostly fit).
        self._wrapped = {index: row.text.wrap(self.text_width) or [Content("")]
                         for index, row in enumerate(rows)
                         if cell_len(row.text.plain) > self.text_width}
        heights = [len(self._wrapped[i]) if i in self._wrapped else 1
                   for i in range(len(rows))]
        self.starts = [0, *accumulate(heights)]  # each row's first line; then the total

    @property
    def height(self) -> int:
        return self.starts[-1]

    def line(self, y: int) -> Content | None:
        """Line ``y`` of the wrapped rows (None past the end)."""
        if not 0 <= y < self.height:
            return None
        index = bisect_right(self.starts, y) - 1
        row = self.rows[index]
        pieces = self._wrapped.get(index)
        if pieces is None:
            return row.gutter + row.text
        piece = y - self.starts[index]
        return (row.gutter if piece == 0 else BLANK_GUTTER) + pieces[piece]


class DiffView(FrameStyles, ScrollView, can_focus=True):
    """A diff, scrolled with the arrows, page keys and the mouse."""

    DEFAULT_CSS = """
    DiffView { height: 1fr; overflow-x: hidden; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[Row] = []
        self.folded = Layout([], 80)
        # Within one ``render_lines``: the styles every line is drawn with, looked up
        # once (each look-up walks the widget's ancestors).

    def show(self, rows: list[Row]) -> None:
        self.rows = rows
        self._lay_out()
        self.scroll_to(0, 0, animate=False)

    def _lay_out(self) -> None:
        width = self.scrollable_content_region.width or self.size.width or 80
        self.folded = Layout(self.rows, width)
        self.virtual_size = Size(width, self.folded.height)
        self.refresh()

    def on_resize(self) -> None:
        self._lay_out()

    def render_line(self, y: int) -> Strip:
        rich_style, visual_style = self.frame_styles()
        _, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        line = self.folded.line(scroll_y + y)
        if line is None:
            return Strip.blank(width, rich_style)
        strip = Strip(line.render_segments(visual_style))
        return strip.crop_extend(0, width, rich_style)

    def text(self) -> str:
        """Every row as plain text (for tests and copying)."""
        return "\n".join(row.plain for row in self.rows)
