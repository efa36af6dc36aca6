"""A virtual list of submissions: compact rows, drawn only when visible, next page
fetched as the cursor nears the end.

Each row is two terminal lines (title, then who/themes/comments/age), so a 50,000
row list costs its compact records and nothing per row on screen.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import BindingType
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from client.errors import ChallengeError
from tui import clock, live_list
from tui.first_look import PAGE
from tui.session import describe
from tui.standing import row_figures
from tui.submission_rows import Query, Row, counted
from tui.text import ago, author_name, plural
from tui.widgets.rows import CURSOR_BINDINGS, LineCache, fit, message_line

if TYPE_CHECKING:  # at run time only when needed: the first screen is drawn without them
    from client.api import ChallengeClient
    from client.event_models import CountsItem
    from client.models import Submission

PREFETCH = 10  # rows from the end at which the next page is asked for
ROW_HEIGHT = 2
BOLD = Style(bold=True)
MAX_LINES = 1_000  # drawn lines kept (a few screens' worth)
__all__ = ["Query", "Row", "SubmissionList"]


class SubmissionList(ScrollView, can_focus=True):
    """``items`` holds the rows in order; ``highlighted`` is the cursor's index."""

    # No enter binding: the screen's opens at once as the key is read, so a key typed
    # right after it reaches the opened submission (a message would arrive too late).
    BINDINGS: ClassVar[list[BindingType]] = [*CURSOR_BINDINGS]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "submission-list--cursor", "submission-list--meta", "submission-list--empty",
        "submission-list--held"}
    # No scrollbar: the list grows a page at a time as the cursor nears its end, so a
    # thumb would only say how much is loaded, and drawing it again on every scroll
    # was a third of the time from a cursor key to the frame.
    DEFAULT_CSS = """
    SubmissionList { height: 1fr; scrollbar-size-vertical: 0; }
    SubmissionList > .submission-list--cursor { background: $block-cursor-background;
                                                color: $block-cursor-foreground; }
    SubmissionList:blur > .submission-list--cursor { background: $block-cursor-blurred-background; }
    SubmissionList > .submission-list--meta { color: $text-muted; }
    SubmissionList > .submission-list--empty { color: $text-muted; }
    SubmissionList > .submission-list--held { color: $accent; text-style: bold; }
    """

    #: What an empty list says (the challenge screen says what the phase allows).
    nothing = "Nothing here yet: n writes the first one."

    class Highlighted(Message):
        def __init__(self, control: SubmissionList, row: Row) -> None:
            super().__init__()
            self.list = control
            self.row = row

        @property
        def control(self) -> SubmissionList:
            return self.list

        @property
        def item(self) -> Submission:
            return self.row.submission()

    class Chosen(Message):
        def __init__(self, item: Submission) -> None:
            super().__init__()
            self.item = item

    def __init__(self, client: ChallengeClient | None, query: Query, *, lazy: bool = False,
                 first_page: tuple[list[Row], str | None, int] | None = None,
                 id: str | None = None) -> None:
        """``lazy``: load the first page when the list is first shown (a tab not in
        front), rather than when it is mounted. ``first_page``: its rows, next cursor
        and the row to highlight, already fetched. Without a client (the app's first
        look) the list shows what it was given and fetches nothing."""
        super().__init__(id=id)
        self.client = client
        self.query_ = query
        self.lazy = lazy
        self.first_page = first_page
        self.items: list[Row] = []
        # New rows that came live while the person was reading further down (or in an
        # order only the server knows): a line says how many, r or g shows them.
        self.held: list[Row] = []
        self.highlighted: int | None = None
        self.exhausted = False
        # Not Widget.loading: that covers the list with a LoadingIndicator widget.
        self.fetching = False
        self.empty_text = ""
        # Drawn lines, by (row, line of the row, 0 / 1 blurred / 2 focused cursor): a key that
        # scrolls the list draws every visible line again, most of them unchanged.
        self._lines: LineCache[tuple[int, int, int], Strip] = LineCache(MAX_LINES)

    def on_mount(self) -> None:
        if self.first_page is None:
            self.reload()
            return
        self.items, self.query_.cursor, highlight = self.first_page
        self.first_page = None
        self.shown_page(highlight)
        if highlight:  # scrolling needs the list's size, known once it is laid out
            self.call_after_refresh(self.scroll_to_cursor)

    def scroll_to_cursor(self) -> bool:
        """Bring the highlighted row into view; True if the list scrolled."""
        if self.highlighted is None:
            return False
        return bool(self.scroll_to_region(Region(0, self.highlighted * ROW_HEIGHT, 1,
                                                 ROW_HEIGHT), animate=False, immediate=True,
                                          spacing=Spacing(bottom=1) if self.held else None))

    def on_show(self) -> None:
        if self.lazy:
            self.lazy = False
            self.reload()

    # --- data -----------------------------------------------------------------------

    def reload(self, query: Query | None = None) -> None:
        if query is not None:
            self.query_ = query
        if self.lazy:
            return  # never shown yet: loaded when it is
        self.query_.cursor = None
        self.items = []
        self.held = []
        self._lines.clear()
        self.highlighted = None
        self.exhausted = False
        self.empty_text = ""
        self._resize()
        self.fetch(replace=True)

    def reload_when_shown(self, query: Query) -> None:
        """Load ``query`` the next time the list is shown (a tab behind the one in front):
        a sort or a filter changed now asks only for what is seen."""
        self.query_ = query
        self.lazy = True

    @property
    def current(self) -> Submission | None:
        if self.highlighted is None or self.highlighted >= len(self.items):
            return None
        return self.items[self.highlighted].submission()

    @work(exclusive=True, group="page")
    async def fetch(self, replace: bool = False) -> None:
        if self.client is None:
            return
        self.fetching = True
        q = self.query_
        try:
            page = await self.client.list_submissions(
                q.slug, kind=q.kind, sort=q.sort, q=q.q, theme=q.theme, cursor=q.cursor,
                limit=PAGE, mine=q.mine)
        except ChallengeError as error:
            self.app.notify(describe(error), title="Could not load", severity="error",
                            markup=False)
            return
        finally:
            self.fetching = False
        if replace:
            self.items = []
            self._lines.clear()
        # A row that came live since may be on this page too.
        known = {row.id for row in self.items} | {row.id for row in self.held}
        self.items.extend(Row.of(s) for s in page.items if s.id not in known)
        q.cursor = page.next_cursor
        self.shown_page(0 if replace else None)

    def shown_page(self, highlight: int | None) -> None:
        """A page has been added to ``items``: draw it, and put the cursor on
        ``highlight`` (None: leave it)."""
        q = self.query_
        self.exhausted = q.cursor is None
        if not self.items:
            self.empty_text = ("No matches." if q.q or q.theme
                               else self.nothing)
        self._resize()
        if highlight is not None and self.items:
            self.move_to(highlight)
        if self.screen.focused is None and self.display:
            self.focus()

    def replace_item(self, item: Submission) -> None:
        """Show a changed submission (e.g. after a vote) in place."""
        for index, existing in enumerate(self.items):
            if existing.id == item.id:
                self.items[index] = Row.of(item)
                self._lines.clear()
                self.refresh()
                return

    def remove_item(self, submission_id: int) -> None:
        for index, existing in enumerate(self.items):
            if existing.id == submission_id:
                del self.items[index]
                self._lines.clear()
                if self.highlighted is not None and self.highlighted >= len(self.items):
                    self.highlighted = len(self.items) - 1 if self.items else None
                self._resize()
                return

    # --- cursor ---------------------------------------------------------------------

    def move_to(self, index: int) -> None:
        if not self.items:
            return
        index = max(0, min(index, len(self.items) - 1))
        before = self.highlighted
        changed = index != before
        self.highlighted = index
        if self.scroll_to_cursor() or before is None:
            self.refresh()
        elif changed:  # only the two rows whose highlight changed are drawn again
            self.refresh_lines(before * ROW_HEIGHT, ROW_HEIGHT)
            self.refresh_lines(index * ROW_HEIGHT, ROW_HEIGHT)
        if changed:
            self.post_message(self.Highlighted(self, self.items[index]))
        if (not self.exhausted and not self.fetching
                and index >= len(self.items) - PREFETCH):
            self.fetch()

    def action_cursor_down(self) -> None:
        self.move_to(0 if self.highlighted is None else self.highlighted + 1)

    def action_cursor_up(self) -> None:
        self.move_to(0 if self.highlighted is None else self.highlighted - 1)

    def action_first(self) -> None:
        if self.held and self.on_top:  # the new rows held meanwhile, on top
            live_list.reveal(self.items, self.held)
            self.highlighted = None  # drawn again, and the first row said highlighted
            self._lines.clear()
            self._resize()
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.items) - 1)

    def action_page_down(self) -> None:
        step = max(1, self.scrollable_content_region.height // ROW_HEIGHT)
        self.move_to((self.highlighted or 0) + step)

    def action_page_up(self) -> None:
        step = max(1, self.scrollable_content_region.height // ROW_HEIGHT)
        self.move_to((self.highlighted or 0) - step)

    def action_select(self) -> None:
        if self.client is None:
            return  # the app's first look (a double click): nothing to open yet
        if (item := self.current) is not None:
            self.post_message(self.Chosen(item))

    def on_click(self, event: events.Click) -> None:
        index = (event.y + self.scroll_offset.y) // ROW_HEIGHT
        if 0 <= index < len(self.items):
            if index == self.highlighted and event.chain > 1:
                self.action_select()
            self.move_to(index)

    # --- drawing --------------------------------------------------------------------

    def _resize(self) -> None:
        rows = max(len(self.items), 1)
        self.virtual_size = Size(self.scrollable_content_region.width,
                                 rows * ROW_HEIGHT + (1 if self.held else 0))
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._lines.clear()  # e.g. another theme

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if self.held and y == self.scrollable_content_region.height - 1:
            return message_line(live_list.held_line(len(self.held), on_top=self.on_top),
                                self.get_visual_style("submission-list--held").rich_style,
                                width, self.visual_style.rich_style)
        index, part = divmod(y + self.scroll_offset.y, ROW_HEIGHT)
        if not self.items or index >= len(self.items):
            return self._render_empty(index, part, width)
        self._lines.keep_for(width, clock.now())
        cursor = index == self.highlighted
        key = (index, part, (2 if self.has_focus else 1) if cursor else 0)
        if (strip := self._lines.get(key)) is None:
            strip = self._lines[key] = self._render_row(index, part, width)
        return strip

    def _render_empty(self, index: int, part: int, width: int) -> Strip:
        base = self.visual_style.rich_style
        text = "" if self.items else self.empty_text or ("Loading…" if self.fetching else "")
        # Wrapped: what the phase allows and when it opens takes two lines at 80 columns.
        lines = textwrap.wrap(text, max(width - 2, 10))
        if (y := index * ROW_HEIGHT + part) < len(lines):
            style = self.get_visual_style("submission-list--empty").rich_style
            return message_line(lines[y], style, width, base)
        return Strip.blank(width, base)

    def _render_row(self, index: int, part: int, width: int) -> Strip:
        # Textual keeps these styles per pseudo-class state (focus, blur): no walk up the
        # DOM per line, which was most of the cost of drawing one.
        row = self.items[index]
        cursor = index == self.highlighted
        row_style = (self.get_visual_style("submission-list--cursor").rich_style if cursor
                     else self.visual_style.rich_style)
        if part == 0:
            segments = [Segment(" ", row_style)]
            mark = {1: "+ ", -1: "- "}.get(row.my_vote or 0, "")
            votes = row_figures(row, self.query_.sort)[0]
            # In "mine", what a moderator did to it (the reason is on its page).
            status = "" if row.status == "published" else f"[{row.status}] "
            bold = row_style + BOLD
            if mark or votes or status:
                segments.append(Segment(status + mark + votes, bold))
            used = 1 + cell_len(status + mark + votes)
            segments.append(Segment(fit(row.title, width - used), bold))
        else:
            meta = " · ".join(p for p in (
                row_figures(row, self.query_.sort)[1],
                author_name(row.author, row.anonymous), ", ".join(row.themes),
                plural(row.comments, "comment"), ago(row.created_at, clock.now())) if p)
            meta_style = (row_style if cursor
                          else self.get_visual_style("submission-list--meta").rich_style)
            segments = [Segment(f"   {fit(meta, width - 3)}", meta_style)]
        return Strip(segments).crop_extend(0, width, row_style)

    # --- live updates (the rules are tui.live_list's) ----------------------------------

    @property
    def on_top(self) -> bool:
        """Whether a new row belongs on top: the list is sorted by new."""
        return self.query_.sort == "new"

    def live_submission(self, ident: int, item: Submission | None) -> None:
        """Submission ``ident`` came, changed or left (``item`` None: no longer visible
        to this person). A new one is added only where it is known to belong: not while
        searching (the server knows what matches), not to a list never shown yet."""
        q = self.query_
        if item is None or not live_list.belongs(
                kind=q.kind, theme=q.theme, mine=q.mine, item_kind=item.kind,
                item_themes=item.themes, status=item.status, is_mine=item.is_mine):
            self.follow(live_list.remove(self.items, self.held, ident, self.place(),
                                         row_height=ROW_HEIGHT))
            return
        row = Row.of(item)

        def keep_vote(old: Row) -> Row:
            row.my_vote = old.my_vote  # the stream does not know it: kept
            if row.groups is None and row.up is not None:  # shown, but not sent with it
                row.groups, row.bridging = old.groups, old.bridging
            return row

        if live_list.replace(self.items, self.held, ident, keep_vote):
            self._lines.clear()
            self.refresh()
        elif not (q.q or self.lazy or self.client is None or (self.fetching and not self.items)):
            self.follow(live_list.add(self.items, self.held, row, self.place(),
                                      on_top=self.on_top, row_height=ROW_HEIGHT))

    def live_counts(self, counts: list[CountsItem]) -> None:
        """Counters changed (up, down and score only where the phase shows them)."""
        changed = False
        for item in counts:
            changed |= live_list.replace(self.items, self.held, item.id, counted(item))
        if changed:
            self._lines.clear()
            self.refresh()

    def place(self) -> live_list.Place:
        height = self.scrollable_content_region.height - (1 if self.held else 0)
        return live_list.Place(self.highlighted, self.scroll_offset.y, height)

    def follow(self, place: live_list.Place) -> None:
        """Show the rows as they are now, the cursor and the view at ``place``."""
        before = self.current_id
        self.highlighted = place.highlighted
        if not self.items:
            self.empty_text = "No matches." if self.query_.q or self.query_.theme else self.nothing
        self._lines.clear()
        self._resize()
        if place.scroll_y != self.scroll_offset.y:
            self.scroll_to(y=place.scroll_y, animate=False, immediate=True)
        if self.highlighted is not None and self.current_id != before:
            self.post_message(self.Highlighted(self, self.items[self.highlighted]))

    @property
    def current_id(self) -> int | None:
        if self.highlighted is None or self.highlighted >= len(self.items):
            return None
        return self.items[self.highlighted].id

    def on_resize(self) -> None:
        self._resize()
        # e.g. the search box opening above the list: the cursor's row stays in view
        self.call_after_refresh(self.scroll_to_cursor)

