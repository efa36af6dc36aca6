"""The facilitators' settings of a guide entry (status, review date, lead, contributors)
as a form: plain logic, no widgets.

Only what the facilitator changed is sent: when someone else saved the entry meanwhile
(412), ``rebase`` keeps each choice they made and takes the rest from the entry as it
is now, so their choices are not lost and the other person's are not undone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from client.guide_models import (
    EntryComment,
    EntryStatus,
    EntryUpdate,
    GuideEntry,
    review_day_problem,
)
from client.models import Challenge, UserPublic

FIELDS = ("status", "review_on", "lead_id", "contributor_ids")


class FormInvalid(Exception):
    """What is wrong, by field (the API's names)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class SettingsForm:
    status: EntryStatus
    review_on: str  # as typed: YYYY-MM-DD, or blank for none
    lead_id: int | None
    contributor_ids: frozenset[int]

    @classmethod
    def of(cls, entry: GuideEntry) -> SettingsForm:
        return cls(entry.status, entry.review_on.isoformat() if entry.review_on else "",
                   entry.lead.id if entry.lead else None,
                   frozenset(c.id for c in entry.contributors))


def parse_day(text: str) -> date | None:
    """A review date as typed; None when blank. ``FormInvalid`` when it is no day."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FormInvalid({"review_on": "a day as YYYY-MM-DD, e.g. 2027-03-01 "
                                        "(or blank for none)"}) from None


def challenge_start(challenge: Challenge) -> date | None:
    """The day the challenge began (its first phase), for the review dates it allows."""
    starts = [phase.starts_at for phase in challenge.phases]
    return min(starts).date() if starts else None


def review_day(text: str, start: date | None, today: date) -> date | None:
    """A review date as typed, checked as the server checks it (not before the year the
    challenge began, ``start``, when known; at most five years ahead of ``today``)."""
    day = parse_day(text)
    if day is not None and (problem := review_day_problem(day, start, today)) is not None:
        raise FormInvalid({"review_on": problem})
    return day


def changed(initial: SettingsForm, form: SettingsForm) -> list[str]:
    """The fields ``form`` changes from ``initial`` (a review date by the day it names)."""
    found = []
    for name in FIELDS:
        before, after = getattr(initial, name), getattr(form, name)
        if name == "review_on":
            try:
                same = parse_day(before) == parse_day(after)
            except FormInvalid:
                same = False
        else:
            same = before == after
        if not same:
            found.append(name)
    return found


def update(initial: SettingsForm, form: SettingsForm, order: list[int], *,
           start: date | None = None, today: date | None = None) -> EntryUpdate | None:
    """What to send: only the changed fields (a blank review date or no lead clears
    it); None when nothing changed. ``order``: the people's ids as listed, to send the
    contributors in. ``FormInvalid`` for a review date that is no day, or (``today``
    given) one outside what the challenge allows (``review_day``)."""
    names = changed(initial, form)
    if not names:
        return None
    values: dict[str, Any] = {}
    if "status" in names:
        values["status"] = form.status
    if "review_on" in names:
        values["review_on"] = (parse_day(form.review_on) if today is None
                               else review_day(form.review_on, start, today))
    if "lead_id" in names:
        values["lead_id"] = form.lead_id
    if "contributor_ids" in names:
        rank = {uid: i for i, uid in enumerate(order)}
        values["contributor_ids"] = sorted(form.contributor_ids,
                                           key=lambda u: (rank.get(u, len(rank)), u))
    return EntryUpdate(**values)


def rebase(initial: SettingsForm, mine: SettingsForm, current: SettingsForm) -> SettingsForm:
    """After an edit conflict: each field this person changed as they chose it, the
    others as the entry is now."""
    names = changed(initial, mine)
    return replace(current, **{name: getattr(mine, name) for name in names})


def people(entry: GuideEntry, comments: Iterable[EntryComment],
           me: UserPublic | None) -> list[UserPublic]:
    """Who may be made lead or contributor here: the people connected to the entry
    (its lead and contributors, its sources' named authors, pledgers, commenters) and
    the facilitator, each once, in that order. An anonymous author is never listed."""
    found: dict[int, UserPublic] = {}
    candidates = [
        *([entry.lead] if entry.lead else []), *entry.contributors,
        *(ref.author for ref in entry.source_refs if ref.author is not None),
        *(p.user for p in entry.pledges),
        *(c.author for c in comments if c.author is not None),
        *([me] if me else []),
    ]
    for person in candidates:
        found.setdefault(person.id, UserPublic(id=person.id, display_name=person.display_name))
    return list(found.values())
