"""The second demo challenge's half-written guide, written straight to the guide tables
as the guide routes would have left it: each entry shortlisted by a facilitator (the
server's template, merged duplicates as sources, the audit log), then its versions by
different people under the routes' rules (facilitators alone set contributors, status,
review date and sources; the lead, contributors and facilitators edit the text), its
pledges and comments. Not published.

In the data, guide text cites a submission as ``#{s:N}`` (the N-th of the data's
submissions, from 0), since ids are only known here; it becomes ``#<id>``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from client.guide_models import EntryCommentCreate, EntryUpdate, PledgeIn
from server import guide_log
from server.guide_edit import apply_values, snapshot, write_version
from server.guide_sources import merged_into, template
from server.guide_tables import (
    GuideCommentRow,
    GuideEntryRow,
    GuidePledgeRow,
    GuideSourceRow,
    GuideVersionRow,
)
from server.queries import mark_participant
from server.seed.common import HOUR
from server.tables import ChallengeRow, SubmissionRow, UserRow

PLACEHOLDER = re.compile(r"#\{s:(\d+)\}")
FACILITATORS = ("moderator", "admin")
TEXT = ("title", "body", "edits")


def cite(text: str, ids: Sequence[int]) -> str:
    """``#{s:N}`` placeholders as ``#<id>``: ``ids`` are the data's submissions' ids."""
    return PLACEHOLDER.sub(lambda m: f"#{ids[int(m.group(1))]}", text)


def apply_edits(body: str, edits: Sequence[Sequence[str]], ids: Sequence[int]) -> str:
    """Each [old, new] pair in turn (placeholders cited first); ``old`` must be found
    exactly once, so an edit in the data cannot land where its writer did not mean."""
    for old, new in ((cite(o, ids), cite(n, ids)) for o, n in edits):
        if body.count(old) != 1:
            raise ValueError(f"the edit {old[:60]!r} matches {body.count(old)} times")
        body = body.replace(old, new, 1)
    return body


@dataclass(frozen=True)
class DemoDraft:
    """The demo person's unsent edit of an entry, as the app keeps one on disk."""

    entry_id: int
    title: str
    base_version: int
    base_text: str
    text: str


async def seed_guide(session: AsyncSession, challenge_id: int, data: dict[str, Any],
                     rows: list[SubmissionRow], users: dict[str, UserRow],
                     now: datetime) -> int:
    """Every entry of the data's guide; how many."""
    ids = [row.id for row in rows]
    by_id = {row.id: row for row in rows}
    entries = data["guide"]["entries"]
    made: dict[int, GuideEntryRow] = {}
    # Every version in the order they were made, across entries, so the audit log's
    # ids follow its times as they would have.
    history = sorted(((v["hours_ago"], i, n, v) for i, entry in enumerate(entries)
                      for n, v in enumerate(entry["versions"], start=1)),
                     key=lambda t: (-t[0], t[1], t[2]))
    for _, i, number, version in history:
        if number == 1:
            entry = entries[i]
            made[i] = await _shortlist(session, challenge_id, entry,
                                       data["submissions"][entry["submission"]],
                                       rows[entry["submission"]], by_id, users, i, now)
        elif i not in made:
            raise ValueError(f"entry {i}: version {number} comes before its shortlisting")
        else:
            await _version(session, made[i], number, version, ids, users, now)
    for i, entry in enumerate(entries):
        row = made[i]
        for pledge in entry["pledges"]:
            when = now - pledge["hours_ago"] * HOUR
            person = users[pledge["by"].lower()]
            session.add(GuidePledgeRow(entry_id=row.id, user_id=person.id,
                                       note=PledgeIn(note=pledge["note"]).note,
                                       created_at=when, updated_at=when))
            await mark_participant(session, challenge_id, person.id, when)
        for comment in entry["comments"]:
            when = now - comment["hours_ago"] * HOUR
            person = users[comment["author"].lower()]
            session.add(GuideCommentRow(
                entry_id=row.id, author_id=person.id, status="published",
                body=EntryCommentCreate(body=comment["body"]).body,
                created_at=when, updated_at=when))
            await mark_participant(session, challenge_id, person.id, when)
    await session.flush()
    return len(entries)


async def _shortlist(session: AsyncSession, challenge_id: int, entry: dict[str, Any],
                     item: dict[str, Any], origin: SubmissionRow,
                     by_id: dict[int, SubmissionRow], users: dict[str, UserRow],
                     position: int, now: datetime) -> GuideEntryRow:
    """Version 1, as shortlisting makes it: the submission's title, first theme and
    author (as lead, unless anonymous), the template, the merged duplicates as sources."""
    first = entry["versions"][0]
    if not first.get("shortlisted"):
        raise ValueError("an entry's first version is its shortlisting")
    who = users[first["author"].lower()]
    if who.role not in FACILITATORS:
        raise ValueError(f"{who.email} is no facilitator: they cannot shortlist")
    when = now - first["hours_ago"] * HOUR
    merged = await merged_into(session, origin.id)
    row = GuideEntryRow(
        challenge_id=challenge_id, submission_id=origin.id, title=origin.title,
        theme=item["themes"][0] if item["themes"] else None, status="proposed",
        lead_id=None if origin.anonymous else origin.author_id, position=position,
        body=template(origin, [by_id[m] for m in merged]), version=1,
        mod_status="published", created_at=when, updated_at=when)
    session.add(row)
    await session.flush()
    session.add_all([GuideSourceRow(entry_id=row.id, submission_id=sid, origin=how,
                                    position=i, created_at=when)
                     for i, (sid, how) in enumerate(
                         [(origin.id, "shortlisted"), *((m, "merged") for m in merged)])])
    await write_version(session, row, who, when)
    await guide_log.log(session, who, "guide_shortlist", [(row.id, challenge_id)],
                        {"entry": row.id, "submission": origin.id}, when)
    return row


async def _version(session: AsyncSession, row: GuideEntryRow, number: int,
                   version: dict[str, Any], ids: Sequence[int], users: dict[str, UserRow],
                   now: datetime) -> None:
    """One later version: a text edit, facilitators' fields, or both."""
    if number != row.version + 1:
        raise ValueError(f"entry {row.id}: version {number} comes after {row.version}")
    who = users[version["author"].lower()]
    when = now - version["hours_ago"] * HOUR
    values: dict[str, Any] = {}
    if "contributors" in version:
        values["contributors"] = [users[e.lower()].id for e in version["contributors"]]
    if "status" in version:
        values["status"] = version["status"]
    if "review_in_days" in version:
        # As apply_values takes it (and the snapshot keeps it): an ISO day.
        values["review_on"] = (now + timedelta(days=version["review_in_days"])).date(
        ).isoformat()
    before = await snapshot(session, row)
    if "added" in version:
        values["sources"] = before["sources"] + [[ids[i], "added"] for i in version["added"]]
    if values and who.role not in FACILITATORS:
        raise ValueError(f"version {number} of entry {row.id}: only facilitators change "
                         f"{sorted(values)}")
    if any(k in version for k in TEXT) and not (
            who.role in FACILITATORS or who.id == row.lead_id
            or who.id in before["contributors"]):
        raise ValueError(f"version {number} of entry {row.id}: {who.email} may not edit it")
    if "title" in version:
        row.title = version["title"]
    if "body" in version:
        row.body = cite(version["body"], ids)
    if "edits" in version:
        row.body = apply_edits(row.body, version["edits"], ids)
    # What the API would take in a PATCH: lengths, the status, a calendar day.
    EntryUpdate.model_validate({"title": row.title, "body": row.body,
                                **({"status": values["status"]} if "status" in values
                                   else {})})
    await apply_values(session, row, values, when)
    row.version, row.updated_at = number, when
    await write_version(session, row, who, when)
    if values:
        after = await snapshot(session, row)
        changed = [k for k in after if after[k] != before[k]]
        await guide_log.log(session, who, "guide_update", [(row.id, row.challenge_id)],
                            {"entry": row.id, "version": number,
                             "before": {k: before[k] for k in changed},
                             "after": {k: after[k] for k in changed}}, when)


async def demo_draft(session: AsyncSession, data: dict[str, Any], slug: str,
                     email: str) -> DemoDraft | None:
    """The data's unsent edit for ``email``, on the seeded entry, begun from its base
    version; None when the data has none for them, or when the entry has changed since
    it was seeded (someone, perhaps they, has edited it: the edit is spent)."""
    found = [(i, e) for i, e in enumerate(data["guide"]["entries"])
             if e.get("draft", {}).get("author", "").lower() == email.lower()]
    if not found:
        return None
    position, entry = found[0]
    draft = entry["draft"]
    challenge = (await session.execute(select(ChallengeRow.id).where(
        ChallengeRow.slug == slug))).scalar_one_or_none()
    if challenge is None:
        return None
    ids = list((await session.execute(select(SubmissionRow.id).where(
        SubmissionRow.challenge_id == challenge).order_by(SubmissionRow.id))).scalars())
    row = (await session.execute(select(GuideEntryRow).where(
        GuideEntryRow.challenge_id == challenge, GuideEntryRow.position == position,
        GuideEntryRow.removed_at.is_(None)))).scalar_one_or_none()
    if row is None or row.version != len(entry["versions"]) or len(ids) != len(
            data["submissions"]):
        return None
    base = (await session.execute(select(GuideVersionRow).where(
        GuideVersionRow.entry_id == row.id,
        GuideVersionRow.version == draft["base"]))).scalar_one()
    return DemoDraft(entry_id=row.id, title=row.title, base_version=base.version,
                     base_text=base.body, text=apply_edits(base.body, draft["edits"], ids))

