"""Live events applied without a terminal: a list keeps its cursor and its view (new
rows on top or held behind a line), the moderation queue gains and loses items, a
notification and the status bar say what happened, hostile text staying text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from client.event_models import Notification, QueueRemoval
from client.models import UserPublic
from tests.test_triage import MOD, item, page
from tui import live_list, live_queue
from tui.live_list import Place
from tui.notices import describe
from tui.triage import Filters, Triage
from tui.widgets.status_bar import StatusInfo

HOSTILE = "[/] [@click=app.quit]x[/] \x1b[31mred\x1b]0;t\x07 \u202eevil"
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@dataclass
class R:
    id: int
    text: str = ""
    parent_id: int | None = None


def rows(*ids: int) -> list[R]:
    return [R(i) for i in ids]


def ids(items: list[R]) -> list[int]:
    return [r.id for r in items]


# --- a list someone is reading --------------------------------------------------------


def test_a_new_row_goes_on_top_at_the_top_and_the_cursor_stays_on_its_row() -> None:
    items, held = rows(3, 2, 1), list[R]()
    place = live_list.add(items, held, R(4), Place(1, 0, 20), on_top=True, row_height=2)
    assert ids(items) == [4, 3, 2, 1] and held == []
    assert place == Place(2, 0, 20)  # still on row 2, the view still at the top
    assert items[place.highlighted or 0].id == 2


def test_an_empty_list_gains_its_first_row_highlighted() -> None:
    items: list[R] = []
    place = live_list.add(items, [], R(1), Place(None, 0, 20), on_top=True)
    assert ids(items) == [1] and place.highlighted == 0


@pytest.mark.parametrize("place", [
    Place(5, 4, 10),  # scrolled down: what is read would move
    Place(4, 0, 10),  # at the top, but the cursor's row would leave the view
])
def test_a_new_row_is_held_where_it_would_move_what_is_read(place: Place) -> None:
    items, held = rows(*range(10, 0, -1)), list[R]()
    after = live_list.add(items, held, R(11), place, on_top=True, row_height=2)
    assert after == place and ids(items) == list(range(10, 0, -1))
    assert ids(held) == [11]
    live_list.add(items, held, R(12), Place(0, 0, 10), on_top=True, row_height=2)
    assert ids(held) == [12, 11]  # once rows are held, new ones join them (in order)
    assert live_list.held_line(2, on_top=True) == "2 new — press r / g to see them"
    assert live_list.held_line(1, on_top=False) == "1 new — press r to see it"
    shown = live_list.reveal(items, held)
    assert ids(items)[:3] == [12, 11, 10] and held == [] and shown.highlighted == 0


def test_a_new_row_in_an_order_only_the_server_knows_is_held() -> None:
    items, held = rows(1, 2), list[R]()
    place = live_list.add(items, held, R(3), Place(0, 0, 20), on_top=False)
    assert ids(items) == [1, 2] and ids(held) == [3] and place == Place(0, 0, 20)


def test_an_event_that_comes_twice_replaces_the_row() -> None:
    items, held = [R(1, "old"), R(2)], [R(3, "old")]
    live_list.add(items, held, R(1, "new"), Place(0, 0, 20), on_top=True)
    live_list.add(items, held, R(3, "new"), Place(0, 0, 20), on_top=True)
    assert [(r.id, r.text) for r in items] == [(1, "new"), (2, "")]
    assert [(r.id, r.text) for r in held] == [(3, "new")]


@pytest.mark.parametrize("gone, cursor, expected", [
    (5, 3, 3),  # below the cursor: it stays
    (1, 3, 2),  # above: the same row, one index up
    (3, 3, 3),  # the cursor's own: the next row takes its place
    (9, 9, 8),  # the last, under the cursor: the one before it
])
def test_a_row_that_leaves_keeps_the_cursor_on_its_row_or_a_neighbour(
        gone: int, cursor: int, expected: int) -> None:
    items = rows(*range(10))
    before = items[cursor].id
    place = live_list.remove(items, [], gone, Place(cursor, 0, 40), row_height=2)
    assert gone not in ids(items) and place.highlighted == expected
    if gone != before:
        assert items[expected].id == before


def test_a_row_gone_from_above_the_view_takes_the_view_up_with_it() -> None:
    items = rows(*range(20))
    place = live_list.remove(items, [], 2, Place(10, 8, 10), row_height=2)
    assert place == Place(9, 6, 10)  # rows 4.. still the first in view
    place = live_list.remove(items, [], 12, place, row_height=2)
    assert place.scroll_y == 6  # below the view: nothing moves
    assert live_list.remove(items, [], 99, place, row_height=2) == place  # never listed


def test_the_last_row_leaving_leaves_no_cursor_and_held_rows_just_go() -> None:
    items, held = rows(1), rows(2)
    assert live_list.remove(items, held, 2, Place(0, 0, 10)) == Place(0, 0, 10)
    assert held == []
    assert live_list.remove(items, held, 1, Place(0, 0, 10)).highlighted is None


def test_belongs_by_kind_theme_status_and_mine() -> None:
    def belongs(**kw: object) -> bool:
        args = {"kind": "story", "theme": None, "mine": False, "item_kind": "story",
                "item_themes": ["Time"], "status": "published", "is_mine": False, **kw}
        return live_list.belongs(**args)  # type: ignore[arg-type]

    assert belongs()
    assert not belongs(item_kind="idea")
    assert not belongs(theme="Data") and belongs(theme="Time")
    assert not belongs(status="pending")
    assert belongs(mine=True, status="rejected", is_mine=True)
    assert not belongs(mine=True, is_mine=False)


def test_a_comment_joins_its_thread_in_place() -> None:
    thread = [R(1), R(2, parent_id=1), R(3)]
    assert live_list.thread_add(thread, R(4, parent_id=1))
    assert live_list.thread_add(thread, R(5))
    assert not live_list.thread_add(thread, R(5))  # shown already
    assert not live_list.thread_add(thread, R(6, parent_id=77))  # its parent is not shown
    assert ids(thread) == [1, 2, 4, 3, 5]


# --- the moderation queue -------------------------------------------------------------


def removal(ident: int, by: UserPublic | None = MOD, action: str = "approve",
            status: str = "published") -> QueueRemoval:
    return QueueRemoval(type="submission", id=ident, status=status, action=action, by=by)


def test_the_queue_gains_items_in_order_and_keeps_the_cursor() -> None:
    triage = Triage()
    triage.load(page([item(1), item(3), item(5)]), replace=True)
    triage.move_to(1)
    new = live_queue.added(triage, [item(2), item(3, queued=("pending", "flagged")),
                                    item(9, challenge="other")], Filters(challenge="change"))
    assert new == 1 and [i.id for i in triage.items] == [1, 2, 3, 5]
    assert triage.current is not None and triage.current.id == 3  # the same item
    assert triage.current.flag_count == 1  # replaced: its reports came with it
    assert triage.left == 4


def test_an_item_another_moderator_decided_leaves_and_is_said_once() -> None:
    triage = Triage()
    triage.load(page([item(1), item(2), item(3)]), replace=True)
    triage.move_to(1)
    rachel = UserPublic(id=7, display_name=HOSTILE)
    told = live_queue.removed(triage, [removal(2, rachel), removal(8, rachel)], me=1)
    assert [i.id for i in triage.items] == [1, 3] and triage.current is not None
    assert triage.current.id == 3  # the neighbour now in its place
    assert [r.id for r, _ in told] == [2] and triage.left == 2
    said = live_queue.said(told)
    assert said.startswith("“Story 2”: approved by [/] [@click=app.quit]x[/]")
    assert "\x1b" not in said and "\u202e" not in said
    many = live_queue.said([(removal(1, action="hide"), item(1)),
                            (removal(3, action="hide"), item(3))])
    assert many == "2 items: hidden by Rachel"


def test_my_own_decisions_are_not_said_and_dismissed_flags_keep_a_pending_item() -> None:
    triage = Triage()
    triage.load(page([item(1, queued=("pending", "flagged")), item(2)]), replace=True)
    me = UserPublic(id=1, display_name="Me")
    assert live_queue.removed(triage, [removal(2, me)], me=1) == []
    assert [i.id for i in triage.items] == [1]
    live_queue.removed(triage, [removal(1, action="dismiss_flags", status="pending")], me=1)
    assert [i.id for i in triage.items] == [1] and triage.items[0].flag_count == 0


def test_a_decision_made_here_is_not_undone_by_its_event() -> None:
    triage = Triage()
    triage.load(page([item(1), item(2)]), replace=True)
    triage.decide("approve")
    live_queue.added(triage, [item(1)], Filters())  # e.g. an old event, replayed
    assert [i.id for i in triage.items] == [2]


# --- what is said ----------------------------------------------------------------------


def notice(kind: str, **extra: object) -> Notification:
    return Notification.model_validate({
        "id": 1, "kind": kind, "challenge": "change", "submission_id": 5,
        "submission_title": HOSTILE, "created_at": NOW, **extra})


def test_notifications_are_sentences_of_plain_text() -> None:
    actor = {"id": 2, "display_name": "Bob\x1b[2J [b]x[/b]"}
    said = describe(notice("reply", actor=actor))
    assert said == ("Bob [b]x[/b] replied to your comment on "
                    "“[/] [@click=app.quit]x[/] red evil”")
    assert describe(notice("rejected", reason="Names a patient")).endswith(
        "was rejected: Names a patient")
    assert describe(notice("comment")).startswith("Someone commented")
    assert "submission 9" in describe(notice("merged", into=9))


def test_the_status_bar_says_whether_it_is_live_and_what_is_unread() -> None:
    info = StatusInfo(server="http://x", store="memory")
    assert "live" not in info.render(NOW).plain  # not subscribed: nothing said
    info.live = "live"
    assert "● live │ token: memory" in info.render(NOW).plain
    info.unread = 3
    assert "● live · 3 unread (i)" in info.render(NOW).plain
    info.live = "offline"
    narrow = info.render(NOW, width=50).plain
    assert "○ offline, retrying · 3 unread (i)" in narrow and "x" not in narrow.split("│")[-1]
