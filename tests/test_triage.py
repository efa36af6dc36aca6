"""The moderation queue's state without a terminal: optimistic removal, rollback,
selection, the counter, undo, loading pages while decisions are on their way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from client.models import (
    ActionRef,
    AuthorRecord,
    DecisionResult,
    ModeratedAuthor,
    ModerationAction,
    QueueItem,
    QueuePage,
    TargetState,
    UserPublic,
)
from tui.triage import Filters, Triage, key_of, queue_order

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
MOD = UserPublic(id=7, display_name="Rachel")


def item(ident: int, *, type_: str = "submission", queued: tuple[str, ...] = ("pending",),
         last: int | None = None, minute: int | None = None, **extra: Any) -> QueueItem:
    flagged = "flagged" in queued
    return QueueItem.model_validate({
        "type": type_, "id": ident, "challenge": "change", "kind": "story",
        "submission_id": ident, "submission_title": f"Story {ident}",
        "title": f"Story {ident}" if type_ == "submission" else None,
        "body": f"Body {ident}", "status": "pending" if "pending" in queued else "published",
        "queued_for": list(queued),
        "flags": [{"id": ident, "reason": "spam", "note": "", "reporter": {
            "id": 99, "display_name": "Rep"}, "created_at": T0}] if flagged else [],
        "flag_count": 1 if flagged else 0, "flag_reasons": {"spam": 1} if flagged else {},
        "author": ModeratedAuthor(id=1, display_name="Ada", email="ada@example.org",
                                  role="participant", blocked=False),
        "author_record": AuthorRecord(submissions=1, comments=0, rejections=0,
                                      recent_rejections=[]),
        "personal_data": [], "duplicates": [],
        "last_action": ActionRef(id=last, action="approve", moderator=MOD,
                                 created_at=T0) if last else None,
        "created_at": T0 + timedelta(minutes=ident if minute is None else minute),
        "updated_at": T0, **extra})


def page(items: list[QueueItem], total: int | None = None,
         next_cursor: str | None = None) -> QueuePage:
    return QueuePage(items=items, total=len(items) if total is None else total,
                     next_cursor=next_cursor)


def result(action_id: int, action: str, items: list[QueueItem]) -> DecisionResult:
    return DecisionResult(
        action=ModerationAction.model_validate({
            "id": action_id, "action": action, "moderator": MOD, "created_at": T0,
            "targets": [{"type": i.type, "id": i.id} for i in items]}),
        items=[TargetState(type=i.type, id=i.id, status="published") for i in items])


def ids(triage: Triage) -> list[int]:
    return [i.id for i in triage.items]


def loaded(n: int = 5, total: int | None = None) -> Triage:
    triage = Triage()
    triage.load(page([item(i) for i in range(1, n + 1)], total=total), replace=True)
    return triage


def test_a_decision_takes_the_item_out_and_shows_the_next() -> None:
    triage = loaded(total=12)
    triage.move_to(1)
    decision = triage.decide("approve")
    assert decision is not None
    assert ids(triage) == [1, 3, 4, 5]
    assert triage.current is not None and triage.current.id == 3
    assert triage.left == 11 and triage.sending == 1
    assert decision.request.targets[0].seen_action == 0
    triage.confirmed(decision, result(40, "approve", decision.items))
    assert triage.left == 11 and triage.sending == 0 and ids(triage) == [1, 3, 4, 5]


def test_deciding_the_last_item_moves_the_cursor_up() -> None:
    triage = loaded(3)
    triage.move_to(2)
    triage.decide("hide")
    assert triage.current is not None and triage.current.id == 2
    triage.decide("hide")
    triage.decide("hide")
    assert triage.current is None and triage.decide("hide") is None and triage.left == 0


def test_seen_action_is_what_the_queue_showed() -> None:
    triage = Triage()
    triage.load(page([item(1, last=31)]), replace=True)
    decision = triage.decide("reject", reason="No")
    assert decision is not None
    assert decision.request.model_dump(exclude_none=True) == {
        "action": "reject", "reason": "No",
        "targets": [{"type": "submission", "id": 1, "seen_action": 31}]}


def test_a_refusal_puts_the_item_back_in_place_with_the_message() -> None:
    triage = loaded(total=5)
    triage.move_to(1)
    refused = triage.decide("reject", reason="Off topic")
    assert refused is not None
    triage.decide("approve")  # item 3: the moderator moved on
    assert ids(triage) == [1, 4, 5] and triage.current is not None
    assert triage.current.id == 4 and triage.left == 3
    triage.refused(refused, "submission 2 was approved by Sam (action 9)",
                   {0: "submission 2 was approved by Sam at ... (action 9); reject needs ..."})
    assert ids(triage) == [1, 2, 4, 5]
    assert triage.current is not None and triage.current.id == 4  # the cursor stays put
    assert triage.left == 4 and refused.state == "refused"
    assert triage.notes[("submission", 2)].startswith("submission 2 was approved by Sam at")
    assert triage.drafts[("submission", 2)] == "Off topic"  # offered with the next reject
    again = triage.decide("approve")
    assert again is not None  # deciding it again clears the note
    triage.move_to(1)
    triage.decide("reject", reason="Still off topic")
    assert ("submission", 2) not in triage.notes


def test_bulk_decision_on_a_selection_is_one_request() -> None:
    triage = loaded(6)
    assert triage.toggle() and triage.toggle()  # items 1 and 2; the cursor moves on
    triage.move(2)
    triage.toggle()  # item 5
    assert triage.selected == {("submission", 1), ("submission", 2), ("submission", 5)}
    triage.move_to(3)  # on item 4, not selected
    decision = triage.decide("approve")
    assert decision is not None and [t.id for t in decision.request.targets] == [1, 2, 5]
    assert ids(triage) == [3, 4, 6] and not triage.selected
    assert triage.current is not None and triage.current.id == 4  # not a target: stays
    triage.refused(decision, "Not allowed")
    assert ids(triage) == [1, 2, 3, 4, 5, 6]
    assert triage.current is not None and triage.current.id == 4
    assert {triage.notes[key_of(i)] for i in decision.items} == {"Not allowed"}


def test_toggle_twice_unselects() -> None:
    triage = loaded(3)
    assert triage.toggle()
    triage.move_to(0)
    assert not triage.toggle()
    assert triage.targets() == [triage.items[1]]


def test_dismissing_flags_of_a_pending_item_keeps_it_queued() -> None:
    triage = Triage()
    triage.load(page([item(1, queued=("pending", "flagged")), item(2, queued=("flagged",)),
                      item(3)]), replace=True)
    decision = triage.decide("dismiss_flags")
    assert decision is not None and ids(triage) == [1, 2, 3]
    assert triage.items[0].flags == [] and triage.items[0].queued_for == ["pending"]
    assert triage.current is not None and triage.current.id == 2 and triage.left == 3
    triage.confirmed(decision, result(50, "dismiss_flags", decision.items))
    last = triage.items[0].last_action
    assert last is not None and last.id == 50  # the next decision on it must say so
    flagged_only = triage.decide("dismiss_flags")
    assert flagged_only is not None and ids(triage) == [1, 3] and triage.left == 2


def test_refused_dismissal_gives_the_flags_back() -> None:
    triage = Triage()
    triage.load(page([item(1, queued=("pending", "flagged"))]), replace=True)
    decision = triage.decide("dismiss_flags")
    assert decision is not None
    triage.refused(decision, "no")
    assert triage.items[0].flag_count == 1 and triage.left == 1


def test_undo_takes_the_latest_standing_decision() -> None:
    triage = loaded(4, total=4)
    first = triage.decide("approve")
    second = triage.decide("hide")
    assert first is not None and second is not None
    triage.confirmed(first, result(1, "approve", first.items))
    assert triage.take_for_undo() is second  # still sending: the screen waits for it
    assert triage.take_for_undo() is first
    assert triage.take_for_undo() is None
    triage.confirmed(second, result(2, "hide", second.items))
    triage.undoing(second)
    assert ids(triage) == [2, 3, 4] and triage.current is not None
    assert triage.current.id == 2 and triage.left == 3  # back, and current
    triage.undone(second)
    assert second.state == "undone"
    triage.undo_refused(first)  # the server kept it: still out
    assert ids(triage) == [2, 3, 4] and triage.left == 3 and first.state == "done"
    assert triage.take_for_undo() is first  # may be tried again


def test_a_refused_decision_is_not_undone() -> None:
    triage = loaded(2)
    decision = triage.decide("approve")
    assert decision is not None
    assert triage.take_for_undo() is decision
    triage.refused(decision, "no")
    triage.forget_undo(decision)
    assert triage.take_for_undo() is None


def test_undo_refused_when_the_items_are_back_keeps_the_cursor() -> None:
    triage = loaded(4)
    decision = triage.decide("approve")
    assert decision is not None
    triage.confirmed(decision, result(3, "approve", decision.items))
    triage.undoing(decision)
    triage.move_to(2)
    triage.undo_refused(decision)
    assert ids(triage) == [2, 3, 4] and triage.current is not None
    assert triage.current.id == 3


def test_pages_skip_what_is_decided_or_on_its_way() -> None:
    triage = Triage()
    triage.load(page([item(i) for i in range(1, 4)], total=6, next_cursor="c1"),
                replace=True)
    assert triage.wants_more(ahead=5) and not triage.wants_more(ahead=2)
    done = triage.decide("approve")  # item 1
    assert done is not None
    triage.confirmed(done, result(1, "approve", done.items))
    sending = triage.decide("approve")  # item 2, not yet answered
    assert sending is not None
    # A page read before the answers still lists them (and item 3 again): skipped.
    triage.load(page([item(i) for i in range(1, 7)], total=6), replace=False)
    assert ids(triage) == [3, 4, 5, 6] and triage.next_cursor is None
    assert triage.left == 4
    # Started again from the top while item 2 is still on its way: it counts as decided.
    triage.load(page([item(i) for i in range(2, 7)], total=5), replace=True)
    assert ids(triage) == [3, 4, 5, 6] and triage.left == 4
    triage.refused(sending, "no")
    assert ids(triage) == [2, 3, 4, 5, 6] and triage.left == 5


def test_refresh_keeps_the_cursor_on_its_item() -> None:
    triage = loaded(5)
    triage.move_to(3)
    triage.load(page([item(i) for i in (1, 3, 4, 5)]), replace=True)
    assert triage.current is not None and triage.current.id == 4


def test_items_come_back_in_queue_order() -> None:
    triage = Triage()
    items = [item(1, minute=5), item(2, type_="comment", minute=5), item(3, minute=6)]
    assert sorted(reversed(items), key=queue_order) == items  # submissions first at a tie
    triage.load(page(items), replace=True)
    triage.move_to(1)
    decision = triage.decide("hide")
    assert decision is not None
    triage.refused(decision, "no")
    assert [key_of(i) for i in triage.items] == [key_of(i) for i in items]


def test_an_invalid_reason_changes_nothing() -> None:
    triage = loaded(2)
    with pytest.raises(ValidationError):
        triage.decide("reject", reason="x" * 1001)
    assert ids(triage) == [1, 2] and triage.decisions == []


def test_filters_describe_themselves() -> None:
    assert Filters().describe() == ""
    assert Filters(challenge="change", flag_reason="spam", type="comment").describe() == (
        "challenge: change, flagged for: spam, type: comment")


def test_guide_items_are_named_for_what_they_are_and_ordered_as_the_server_does() -> None:
    from tui.widgets.queue_detail import render_item, what
    from tui.widgets.queue_list import row_kind, row_title

    entry = item(4, type_="entry", minute=0, title="Bedside handover")
    note = item(5, type_="entry_comment", minute=0, body="[/] a note")
    story, comment = item(6, minute=0), item(7, type_="comment", minute=0)
    assert (row_kind(entry), row_kind(note)) == ("entry  ", "e.note ")
    assert what(entry) == "guide entry #4 (from story #4)"
    assert what(note) == "comment #5 on a guide entry"
    assert row_title(note) == "[/] a note" and row_title(entry) == "Bedside handover"
    assert "Bedside handover" in render_item(entry, T0).plain
    assert "Comment on the guide entry: Story 5" in render_item(note, T0).plain
    # Same time: submissions, comments, entries, entry comments (server/queue.py RANK).
    assert sorted([note, entry, comment, story], key=queue_order) == [story, comment,
                                                                      entry, note]
