"""Live events applied to a list someone is reading: plain Python, no terminal.

The list (``items``), where its cursor is and how far it is scrolled (``Place``) change
so that what the person is reading stays where it is:

* a new item goes in at the top only while the list is scrolled to the top and the
  cursor's row stays in view (the cursor stays on its item); otherwise it is *held*,
  and a line says how many are new (``held_line``) until ``reveal`` (``g``) or a reload;
* a changed item is replaced where it is;
* an item that leaves takes nothing with it: the cursor stays on its item, or, when
  that item left, on the neighbour now in its place (the one before it at the end),
  and a row gone from above the view scrolls the view up with it.

Rows are anything with an ``id``; their height is given in lines (``row_height``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar


class HasId(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=HasId)


@dataclass
class Place:
    """The cursor's row index (None: no cursor), the first line in view, the lines in
    view."""

    highlighted: int | None
    scroll_y: int
    height: int


def index_of(rows: list[R], ident: int) -> int | None:
    for index, row in enumerate(rows):
        if row.id == ident:
            return index
    return None


def add(items: list[R], held: list[R], row: R, place: Place, *, on_top: bool,
        row_height: int = 1) -> Place:
    """A new ``row``. ``on_top``: the list's order puts new rows first (sorted by new);
    otherwise where it belongs is the server's to say, and it is held. A row already
    listed or held (events come at least once) is replaced instead."""
    if replace(items, held, row.id, lambda _: row):
        return place
    cursor = place.highlighted
    # The cursor's row, one row lower: still wholly in view?
    stays = cursor is None or (cursor + 2) * row_height <= place.height
    if on_top and not held and place.scroll_y == 0 and stays:
        items.insert(0, row)
        if cursor is not None:
            return Place(cursor + 1, place.scroll_y, place.height)
        return Place(0, place.scroll_y, place.height)  # the first row of an empty list
    held.insert(0, row)  # newest first, as they will be shown
    return place


def replace(items: list[R], held: list[R], ident: int, change: Callable[[R], R]) -> bool:
    """The row ``ident`` (listed or held) changed by ``change``; whether it was there."""
    for rows in (items, held):
        index = index_of(rows, ident)
        if index is not None:
            rows[index] = change(rows[index])
            return True
    return False


def remove(items: list[R], held: list[R], ident: int, place: Place, *,
           row_height: int = 1) -> Place:
    """The row ``ident`` leaves; the cursor and the view stay on what they showed."""
    index = index_of(held, ident)
    if index is not None:
        del held[index]
        return place
    index = index_of(items, ident)
    if index is None:
        return place
    del items[index]
    cursor = place.highlighted
    if cursor is not None:
        if index < cursor:
            cursor -= 1
        cursor = min(cursor, len(items) - 1) if items else None
    scroll_y = place.scroll_y
    if (index + 1) * row_height <= scroll_y:  # wholly above the view: the view follows
        scroll_y = max(0, scroll_y - row_height)
    return Place(cursor, scroll_y, place.height)


def reveal(items: list[R], held: list[R]) -> Place:
    """The held rows, on top; the cursor on the first, the view at the top (``g``).
    The caller keeps the height."""
    items[0:0] = held
    held.clear()
    return Place(0 if items else None, 0, 0)


def held_line(count: int, *, on_top: bool) -> str:
    """What the list says while rows are held (``count`` > 0)."""
    keys = "r / g" if on_top else "r"
    return f"{count} new — press {keys} to see {'it' if count == 1 else 'them'}"


def belongs(*, kind: str, theme: str | None, mine: bool, item_kind: str,
            item_themes: list[str] | tuple[str, ...], status: str, is_mine: bool) -> bool:
    """Whether a submission belongs in a list of ``kind`` (narrowed to ``theme``; only
    the person's own, in every status, when ``mine``; else only published ones). A
    search's matches are the server's to say: the caller holds what comes meanwhile."""
    if item_kind != kind or (theme is not None and theme not in item_themes):
        return False
    return is_mine if mine else status == "published"


class InThread(HasId, Protocol):
    @property
    def parent_id(self) -> int | None: ...


T = TypeVar("T", bound=InThread)


def thread_add(comments: list[T], comment: T) -> bool:
    """A new comment into a thread shown oldest first, each reply after its parent's
    replies; whether it was added (not when shown already, or a reply to one not shown)."""
    if index_of(comments, comment.id) is not None:
        return False
    if comment.parent_id is None:
        comments.append(comment)
        return True
    parent = index_of(comments, comment.parent_id)
    if parent is None:
        return False
    at = parent + 1
    while at < len(comments) and comments[at].parent_id == comment.parent_id:
        at += 1
    comments.insert(at, comment)
    return True
