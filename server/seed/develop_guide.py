"""The second demo challenge's half-written guide, straight to the guide tables: entries
shortlisted from top submissions, their kept versions by different people, contributors,
sources (merged duplicates among them), pledges and comments. Not published.

In the data, guide text cites a submission as ``#{s:N}`` (the N-th of the data's
submissions, from 0), since ids are only known here; it becomes ``#<id>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from client.guide_models import EntryCommentCreate, EntryUpdate, PledgeIn
from server.guide_tables import (
    GuideCommentRow,
    GuideContributorRow,
    GuideEntryRow,
    GuidePledgeRow,
    GuideSourceRow,
    GuideVersionRow,
)
from server.seed.common import HOUR
from server.tables import SubmissionRow, UserRow

PLACEHOLDER = re.compile(r"#\{s:(\d+)\}")


@dataclass(frozen=True)
class State:
    """An entry as one version leaves it."""

    title: str
    status: str
    review_on: date | None
    body: str


def cite(text: str, rows: list[SubmissionRow]) -> str:
    """``#{s:N}`` placeholders as the ``#<id>`` of the N-th submission."""
    return PLACEHOLDER.sub(lambda m: f"#{rows[int(m.group(1))].id}", text)


def apply_edits(body: str, edits: list[list[str]]) -> str:
    """Each [old, new] pair in turn; ``old`` must be found exactly once, so an edit in
    the data cannot land somewhere its writer did not mean."""
    for old, new in edits:
        if body.count(old) != 1:
            raise ValueError(f"the edit {old[:60]!r} matches {body.count(old)} times")
        body = body.replace(old, new, 1)
    return body


def states(entry: dict[str, Any], first_title: str, now: datetime) -> list[State]:
    """What each version of ``entry`` says, in order: the first starts from the
    submission's title; title, status and review date carry over until changed."""
    found: list[State] = []
    state = State(title=first_title, status="proposed", review_on=None, body="")
    for version in entry["versions"]:
        body = (version["body"] if "body" in version
                else apply_edits(state.body, version["edits"]))
        review = state.review_on
        if "review_in_days" in version:
            review = (now + timedelta(days=version["review_in_days"])).date()
        state = State(title=version.get("title", state.title),
                      status=version.get("status", state.status), review_on=review,
                      body=body)
        found.append(state)
    return found


def draft_body(entry: dict[str, Any], first_title: str, now: datetime) -> str | None:
    """The unsent edit of the entry's ``draft`` (its placeholders still in), if any."""
    draft = entry.get("draft")
    if draft is None:
        return None
    return apply_edits(states(entry, first_title, now)[draft["base"] - 1].body,
                       draft["edits"])


async def seed_guide(session: AsyncSession, challenge_id: int, data: dict[str, Any],
                     rows: list[SubmissionRow], users: dict[str, UserRow],
                     now: datetime) -> int:
    """Every entry of the data's guide; how many."""

    def user(email: str) -> UserRow:
        return users[email.lower()]

    merged: dict[int, list[int]] = {}  # submission index: the indexes merged into it
    for merge in data["merges"]:
        merged.setdefault(merge["into"], []).extend(merge["duplicates"])

    entries = data["guide"]["entries"]
    for position, entry in enumerate(entries):
        origin = rows[entry["submission"]]
        timeline = [replace(state, body=cite(state.body, rows))
                    for state in states(entry, origin.title, now)]
        whens = [now - version["hours_ago"] * HOUR for version in entry["versions"]]
        for state in timeline:
            # What the API would take in a PATCH: lengths, the status, clean text.
            EntryUpdate.model_validate({"title": state.title, "status": state.status,
                                        "body": state.body}, strict=False)
        last = timeline[-1]
        row = GuideEntryRow(
            challenge_id=challenge_id, submission_id=origin.id, title=last.title,
            theme=entry["theme"], status=last.status, review_on=last.review_on,
            lead_id=user(entry["lead"]).id, position=position, body=last.body,
            version=len(timeline), mod_status="published", created_at=whens[0],
            updated_at=whens[-1])
        session.add(row)
        await session.flush()
        for n, (state, when, version) in enumerate(
                zip(timeline, whens, entry["versions"], strict=True), start=1):
            session.add(GuideVersionRow(
                entry_id=row.id, version=n, title=state.title, theme=entry["theme"],
                status=state.status, review_on=state.review_on, body=state.body,
                author_id=user(version["author"]).id, created_at=when))
        for email in entry["contributors"]:
            # Added when they first edited it, or when it was shortlisted.
            edits = [w for w, v in zip(whens, entry["versions"], strict=True)
                     if v["author"].lower() == email.lower()]
            session.add(GuideContributorRow(entry_id=row.id, user_id=user(email).id,
                                            added_at=min(edits, default=whens[0])))
        sources = [(origin.id, "shortlisted")]
        sources += [(rows[i].id, "merged") for i in merged.get(entry["submission"], [])]
        sources += [(rows[i].id, "added") for i in entry.get("added", [])]
        session.add_all([GuideSourceRow(entry_id=row.id, submission_id=sid, origin=how,
                                        position=i, created_at=whens[0])
                         for i, (sid, how) in enumerate(sources)])
        for pledge in entry["pledges"]:
            when = now - pledge["hours_ago"] * HOUR
            note = PledgeIn(note=pledge["note"]).note
            session.add(GuidePledgeRow(entry_id=row.id, user_id=user(pledge["by"]).id,
                                       note=note, created_at=when, updated_at=when))
        for comment in entry["comments"]:
            when = now - comment["hours_ago"] * HOUR
            body = EntryCommentCreate(body=comment["body"]).body
            session.add(GuideCommentRow(entry_id=row.id, author_id=user(comment["author"]).id,
                                        body=body, status="published", created_at=when,
                                        updated_at=when))
    await session.flush()
    return len(entries)
