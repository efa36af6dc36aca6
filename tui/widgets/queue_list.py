"""The moderation queue as a list: one line per item, drawn only when visible.

The rows are the ``Triage``'s items; the screen changes the triage and calls
``changed`` (the list moved or shrank) or ``moved`` (only the cursor did).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from client.models import QueueItem
from tui import clock
from tui.text import ago, one_line
from tui.triage import Triage, key_of
from tui.widgets.rows import CURSOR_BINDINGS, LineCache, fit, message_line

BOLD = Style(bold=True)
MAX_STRIPS = 1_000  # drawn rows kept (a few screens' worth)


def badge(item: QueueItem, refused: bool) -> str:
    """Four cells: why it is queued (P pending, ⚑n flagged by n people), ! came back."""
    if refused:
        return "!   "
    if "flagged" in item.queued_for:
        mark = f"⚑{min(item.flag_count, 99)}"
        return (("P" if "pending" in item.queued_for else "") + mark).ljust(4)[:4]
    return "P   "


def row_title(item: QueueItem) -> str:
    return one_line(item.body if item.type in COMMENTS else item.title).plain


COMMENTS = ("comment", "entry_comment")


def row_kind(item: QueueItem) -> str:
    """Seven cells: story, idea, comment or reply; a guide entry or a comment on one."""
    if item.type == "comment":
        return "reply  " if item.parent_id else "comment"
    if item.type == "entry":
        return "entry  "
    if item.type == "entry_comment":
        return "e.note "
    return f"{item.kind:<7}"


class QueueList(ScrollView, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = CURSOR_BINDINGS
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue-list--cursor", "queue-list--meta", "queue-list--selected",
        "queue-list--refused"}
    DEFAULT_CSS = """
    QueueList { height: 1fr; scrollbar-size-vertical: 0; }
    QueueList > .queue-list--cursor { background: $block-cursor-background;
                                      color: $block-cursor-foreground; }
    QueueList:blur > .queue-list--cursor { background: $block-cursor-blurred-background; }
    QueueList > .queue-list--meta { color: $text-muted; }
    QueueList > .queue-list--selected { color: $accent; text-style: bold; }
    QueueList > .queue-list--refused { color: $error; text-style: bold; }
    """

    class Moved(Message):
        """The cursor is on another item (by a key or a click)."""

    def __init__(self, triage: Triage, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.triage = triage
        self.empty_text = "Loading…"
        # Drawn rows by what they show: after a decision every row below moves up one,
        # and is drawn from here rather than again.
        self._strips: LineCache[tuple[object, ...], tuple[QueueItem, Strip]] = LineCache(
            MAX_STRIPS)

    # --- what the screen calls -------------------------------------------------------

    def changed(self) -> None:
        """The items changed: everything is drawn again."""
        rows = max(len(self.triage.items), 1)
        self.virtual_size = Size(self.scrollable_content_region.width, rows)
        self._show_cursor()
        self.refresh()

    def moved(self, before: int | None) -> None:
        """Only the cursor moved: the two rows it left and reached are drawn again."""
        if self._show_cursor() or before is None:
            self.refresh()
        else:
            self.refresh_lines(before)
            self.refresh_lines(self.triage.cursor)

    def _show_cursor(self) -> bool:
        """Scroll the cursor's row into view; whether it scrolled."""
        if not self.triage.items:
            return False
        return bool(self.scroll_to_region(Region(0, self.triage.cursor, 1, 1), animate=False,
                                          immediate=True))

    # --- keys and clicks ---------------------------------------------------------------

    def _move(self, index: int) -> None:
        before = self.triage.cursor
        self.triage.move_to(index)
        if self.triage.cursor != before:
            self.moved(before)
            self.post_message(self.Moved())

    def action_cursor_down(self) -> None:
        self._move(self.triage.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move(self.triage.cursor - 1)

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self.triage.items) - 1)

    def action_page_down(self) -> None:
        self._move(self.triage.cursor + max(1, self.scrollable_content_region.height - 1))

    def action_page_up(self) -> None:
        self._move(self.triage.cursor - max(1, self.scrollable_content_region.height - 1))

    def on_click(self, event: events.Click) -> None:
        index = event.y + self.scroll_offset.y
        if 0 <= index < len(self.triage.items):
            self._move(index)

    def on_resize(self) -> None:
        self.changed()

    # --- drawing -----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = y + self.scroll_offset.y
        base = self.visual_style.rich_style
        items = self.triage.items
        if index >= len(items):
            if index == 0 and not items:
                text = self.empty_text if not self.triage.loaded else "Nothing to moderate."
                style = self.get_visual_style("queue-list--meta").rich_style
                return message_line(text, style, width, base)
            return Strip.blank(width, base)
        item = items[index]
        key = key_of(item)
        now = clock.now()
        self._strips.keep_for(width, now)
        cursor = index == self.triage.cursor
        drawn = (key, cursor and (2 if self.has_focus else 1), key in self.triage.selected,
                 self.triage.notes.get(key))
        found = self._strips.get(drawn)
        if found is not None and found[0] is item:  # the same item, not a changed copy
            return found[1]
        strip = self._row(item, cursor, width, now)
        self._strips[drawn] = (item, strip)
        return strip

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()  # e.g. another theme

    def _row(self, item: QueueItem, cursor: bool, width: int, now: datetime) -> Strip:
        key = key_of(item)
        style = (self.get_visual_style("queue-list--cursor").rich_style if cursor
                 else self.visual_style.rich_style)
        selected = key in self.triage.selected
        refused = key in self.triage.notes
        mark_style = style + self.get_visual_style(
            "queue-list--refused" if refused else "queue-list--selected").rich_style
        age = f" {ago(item.created_at, now)}"
        kind = row_kind(item) + " "
        segments = [Segment("●" if selected else " ", mark_style),
                    Segment(badge(item, refused), mark_style if refused else style + BOLD),
                    Segment(kind, style if cursor else
                            self.get_visual_style("queue-list--meta").rich_style)]
        used = 1 + 4 + len(kind)
        room = width - used - cell_len(age)
        title = fit(row_title(item), max(room, 0))
        segments.append(Segment(title, style))
        if room > 0:
            segments.append(Segment(" " * (room - cell_len(title)), style))
            segments.append(Segment(age, style if cursor else
                                    self.get_visual_style("queue-list--meta").rich_style))
        return Strip(segments).crop_extend(0, width, style)
