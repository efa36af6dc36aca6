"""What the hand-drawn lists (submissions, the moderation queue) share: their cursor
keys, text cut to a width, the line shown when there are no rows, and the cache of
drawn lines."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.strip import Strip

K = TypeVar("K")
V = TypeVar("V")

CURSOR_BINDINGS: list[BindingType] = [
    Binding("down", "cursor_down", show=False),
    Binding("up", "cursor_up", show=False),
    Binding("home", "first", show=False),
    Binding("end", "last", show=False),
    Binding("pagedown", "page_down", show=False),
    Binding("pageup", "page_up", show=False),
]


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, with an ellipsis when something was cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(width - 1, 0)).rstrip() + "…" if width > 0 else ""


def message_line(text: str, style: Style, width: int, base: Style) -> Strip:
    """A line saying ``text`` (e.g. why the list is empty), indented one cell."""
    return Strip([Segment(f" {text}", style)]).crop_extend(0, width, base)


class LineCache(dict[K, V]):
    """Drawn lines by what they show. They suit one width and one minute (rows show
    ages), and at most ``limit`` are kept: ``keep_for`` empties the cache otherwise."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self._for: tuple[int, datetime] | None = None  # (width, minute) they suit

    def keep_for(self, width: int, now: datetime) -> None:
        suits = (width, now.replace(second=0, microsecond=0))
        if suits != self._for or len(self) > self.limit:
            self.clear()
            self._for = suits
