"""The wire contract of the develop stage: guide suggestions, entries, versions, pledges
and the assembled guide (DESIGN.md, "The develop stage").

Kept apart from ``client.models`` so each file stays readable; the same rules hold:
request bodies forbid unknown fields, responses ignore them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from client.fields import Day, NotBlank, Text, Theme, Title, not_blank
from client.models import Problem, Request, Response, Submission, UserPublic
from client.text import clean_text

EntryStatus = Literal["proposed", "testing", "adopted", "not_adopted"]
# Moderation of an entry's text, apart from its development status: "pending" while
# held (suspected personal data), "hidden" by reports or a moderator.
EntryModeration = Literal["published", "pending", "hidden"]
GuideFormat = Literal["json", "markdown", "html"]

MAX_ENTRY_BODY = 20_000  # a developed solution outgrows a 10,000-character submission
MAX_CONTRIBUTORS = 50
EDIT_CONFLICT = "/problems/edit-conflict"

EntryBody = Annotated[str, AfterValidator(clean_text), Field(max_length=MAX_ENTRY_BODY)]
PledgeNote = Annotated[Text, Field(max_length=280)]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


# --- suggestions ----------------------------------------------------------------


class SuggestionTheme(Response):
    """The top-rated published submissions of one theme not yet in the guide, best
    first. ``theme`` is None for submissions without a theme."""

    theme: str | None = None
    submissions: list[Submission]


class Suggestions(Response):
    items: list[SuggestionTheme]


# --- entries --------------------------------------------------------------------


class EntryCreate(Request):
    """Shortlist a submission into the guide; ``theme`` defaults to its first theme."""

    submission_id: Id
    theme: Theme | None = None


class EntryUpdate(Request):
    """Fields left out stay as they are. Sent with ``If-Match: <version>``; every
    accepted edit is a new version. ``restored_from``: this edit restores that version."""

    title: Title | None = None
    theme: Theme | None = None
    status: EntryStatus | None = None
    review_on: Day | None = None
    body: EntryBody | None = None
    lead_id: Id | None = None
    contributor_ids: Annotated[list[Id], Field(max_length=MAX_CONTRIBUTORS)] | None = None
    sources: Annotated[list[Id], Field(max_length=100)] | None = None
    restored_from: Id | None = None


# A review date is for the challenge's life: not before the year it began, and not
# more than this many years ahead (1999-01-01 and 9999-12-31 are typing slips).
REVIEW_YEARS_AHEAD = 5


def review_window(start: date | None, today: date) -> tuple[date | None, date]:
    """The first and last days a review may be set for: 1 January of the year the
    challenge began (``start``; None: not known, not checked) to five years from
    ``today``."""
    try:
        last = today.replace(year=today.year + REVIEW_YEARS_AHEAD)
    except ValueError:  # 29 February
        last = today.replace(year=today.year + REVIEW_YEARS_AHEAD, day=28)
    return (None if start is None else date(start.year, 1, 1)), last


def _day_said(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def review_day_problem(day: date, start: date | None, today: date) -> str | None:
    """What is wrong with ``day`` as an entry's review date (the server's 422 and the
    app's form say the same), or None when it may be set."""
    first, last = review_window(start, today)
    if first is not None and day < first:
        return (f"too early: the challenge began in {first.year}, so a review is from "
                f"{_day_said(first)}")
    if day > last:
        return (f"too far ahead: a review is at most {REVIEW_YEARS_AHEAD} years away "
                f"(by {_day_said(last)})")
    return None


class Pledge(Response):
    """Someone will test the solution: "my ward will try this"."""

    user: UserPublic
    note: str
    created_at: datetime


class PledgeIn(Request):
    note: PledgeNote = ""


class SourceRef(Response):
    """A submission an entry draws on: its shortlisted origin, merged duplicates, ones
    added by hand and those its text cites as ``#123``. ``author`` is None when anonymous."""

    id: int
    kind: str
    title: str
    author: UserPublic | None = None


class GuideEntry(Response):
    id: int
    challenge: str
    title: str
    theme: str | None = None
    status: EntryStatus
    review_on: date | None = None
    lead: UserPublic | None = None
    contributors: list[UserPublic] = Field(default_factory=list)
    body: str
    version: int
    position: int = 0
    sources: list[int] = Field(default_factory=list)
    source_refs: list[SourceRef] = Field(default_factory=list)
    pledges: list[Pledge] = Field(default_factory=list)
    my_pledge: Pledge | None = None
    # May the viewer change the text (contributors, the lead, facilitators)?
    can_edit: bool = False
    comments: int = 0
    # Only ever other than "published" for those who may still see it: its lead,
    # contributors and facilitators; ``moderation_reason`` says why.
    moderation_status: EntryModeration = "published"
    moderation_reason: str | None = None
    created_at: datetime
    updated_at: datetime


class EditConflictProblem(Problem):
    """412 ``/problems/edit-conflict``: the edit started from an older version; the
    entry as it is now, to start again from."""

    current: GuideEntry | None = None


class EntryVersion(Response):
    """One kept version of an entry; ``body`` is left out of history pages."""

    version: int
    title: str
    theme: str | None = None
    status: EntryStatus
    review_on: date | None = None
    body: str | None = None
    author: UserPublic | None = None
    restored_from: int | None = None
    created_at: datetime


class EntryComment(Response):
    id: int
    entry_id: int
    body: str
    author: UserPublic | None = None
    status: str
    # Why it waits for a moderator (e.g. suspected personal data); for its author.
    status_reason: str | None = None
    created_at: datetime


class EntryCommentCreate(Request):
    body: Annotated[str, AfterValidator(clean_text), AfterValidator(not_blank),
                    Field(max_length=4_000), NotBlank]


# --- the assembled guide --------------------------------------------------------


class GuideOrder(Request):
    """The entries of the guide in the order facilitators choose (all of them)."""

    # Each once (the server says which is listed twice: 422).
    entries: Annotated[list[Id], Field(max_length=1_000, json_schema_extra={"uniqueItems": True})]


class GuidePublication(Request):
    published: bool


class GuideChapter(Response):
    theme: str | None = None
    entries: list[GuideEntry]


class Guide(Response):
    challenge: str
    title: str
    published: bool
    published_at: datetime | None = None
    chapters: list[GuideChapter]
    sources: list[SourceRef] = Field(default_factory=list)
