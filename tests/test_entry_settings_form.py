"""The facilitators' settings form of a guide entry (``tui.entry_settings_form``): only
what was changed is sent, a review date is a day, a conflict keeps the choices made,
and the people offered are those connected to the entry, anonymous authors never."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from client.guide_models import EntryComment, GuideEntry, Pledge, SourceRef
from client.models import UserPublic
from tui.entry_settings_form import (
    FormInvalid,
    SettingsForm,
    changed,
    parse_day,
    people,
    rebase,
    update,
)

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def person(uid: int, name: str | None = None) -> UserPublic:
    return UserPublic(id=uid, display_name=name or f"Person {uid}")


def make_entry(**fields: object) -> GuideEntry:
    return GuideEntry.model_validate({
        "id": 1, "challenge": "c", "title": "T", "status": "testing", "body": "",
        "version": 3, "created_at": NOW, "updated_at": NOW, "lead": person(1),
        "contributors": [person(2), person(3)], "review_on": date(2027, 3, 1), **fields})


def test_the_form_starts_from_the_entry() -> None:
    assert SettingsForm.of(make_entry()) == SettingsForm("testing", "2027-03-01", 1,
                                                         frozenset({2, 3}))
    assert SettingsForm.of(make_entry(lead=None, review_on=None, contributors=[])) == (
        SettingsForm("testing", "", None, frozenset()))


@pytest.mark.parametrize("typed, day", [("", None), ("  ", None), ("2027-03-01", date(2027, 3, 1)),
                                        (" 2027-12-31 ", date(2027, 12, 31))])
def test_parse_day(typed: str, day: date | None) -> None:
    assert parse_day(typed) == day


@pytest.mark.parametrize("typed", ["2027-02-30", "tomorrow", "1/3/2027", "2027-3"])
def test_a_review_date_that_is_no_day_is_said_at_its_field(typed: str) -> None:
    with pytest.raises(FormInvalid) as refused:
        parse_day(typed)
    assert list(refused.value.errors) == ["review_on"]


def test_only_what_changed_is_sent() -> None:
    initial = SettingsForm.of(make_entry())
    assert update(initial, initial, []) is None
    # The same day, typed differently, is no change.
    assert changed(initial, SettingsForm("testing", " 2027-03-01", 1, frozenset({2, 3}))) == []
    sent = update(initial, SettingsForm("adopted", "2027-03-01", 4, frozenset({3, 2})), [])
    assert sent is not None
    assert sent.model_dump(exclude_unset=True) == {"status": "adopted", "lead_id": 4}


def test_clearing_sends_null_and_contributors_go_in_the_order_listed() -> None:
    initial = SettingsForm.of(make_entry())
    sent = update(initial, SettingsForm("testing", "", None, frozenset({5, 2, 9})), [9, 2, 5])
    assert sent is not None
    assert sent.model_dump(exclude_unset=True) == {
        "review_on": None, "lead_id": None, "contributor_ids": [9, 2, 5]}


def test_a_bad_day_is_refused_before_anything_is_sent() -> None:
    initial = SettingsForm.of(make_entry())
    with pytest.raises(FormInvalid):
        update(initial, SettingsForm("testing", "2027-13-01", 1, frozenset({2, 3})), [])


def test_a_conflict_keeps_the_choices_made_and_takes_the_rest_as_it_is_now() -> None:
    initial = SettingsForm("testing", "2027-03-01", 1, frozenset({2, 3}))
    mine = SettingsForm("testing", "2027-03-01", 4, frozenset({2, 3}))  # the lead only
    theirs = SettingsForm("adopted", "2027-06-01", 1, frozenset({2}))
    kept = rebase(initial, mine, theirs)
    assert kept == SettingsForm("adopted", "2027-06-01", 4, frozenset({2}))
    assert update(theirs, kept, []) is not None
    assert changed(theirs, kept) == ["lead_id"]  # their changes are not undone


def test_the_people_connected_to_the_entry_each_once_anonymous_authors_never() -> None:
    entry = make_entry(
        source_refs=[SourceRef(id=10, kind="story", title="S", author=person(4)),
                     SourceRef(id=11, kind="idea", title="Anon", author=None),
                     SourceRef(id=12, kind="idea", title="Again", author=person(2))],
        pledges=[Pledge(user=person(5), note="", created_at=NOW),
                 Pledge(user=person(1), note="me too", created_at=NOW)])
    comments = [EntryComment(id=1, entry_id=1, body="x", author=person(6), status="published",
                             created_at=NOW),
                EntryComment(id=2, entry_id=1, body="y", author=None, status="published",
                             created_at=NOW)]
    me = person(7, "Facilitator")
    assert [p.id for p in people(entry, comments, me)] == [1, 2, 3, 4, 5, 6, 7]
    assert [p.id for p in people(make_entry(lead=None, contributors=[]), [], me)] == [7]


def test_a_review_date_is_refused_before_the_challenges_year_or_years_ahead() -> None:
    from tui.entry_settings_form import review_day

    start, today = date(2026, 10, 1), date(2026, 12, 5)
    initial = SettingsForm.of(make_entry(review_on=None))
    for typed, said in (("1999-01-01", "too early: the challenge began in 2026, so a review "
                                       "is from 1 January 2026"),
                        ("2025-12-31", "too early"),
                        ("9999-12-31", "too far ahead: a review is at most 5 years away (by "
                                       "5 December 2031)"),
                        ("2031-12-06", "too far ahead")):
        with pytest.raises(FormInvalid) as refused:
            update(initial, replace(initial, review_on=typed), [], start=start, today=today)
        assert refused.value.errors["review_on"].startswith(said), typed
    assert review_day("2026-01-01", start, today) == date(2026, 1, 1)
    assert review_day("2031-12-05", start, today) == date(2031, 12, 5)
    assert review_day("", start, today) is None
    # Not knowing when the challenge began, only the years ahead are checked here.
    assert review_day("1999-01-01", None, today) == date(1999, 1, 1)
