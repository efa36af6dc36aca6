"""Editing a guide entry: every accepted edit is a new, kept version.

Race-free on both databases: an edit names the version it started from
(``If-Match``), and the version is taken with one statement,
``UPDATE guide_entries SET version = version + 1 WHERE id = :id AND version =
:expected RETURNING version``, in the transaction that then writes the entry and
inserts the version row. Of two edits from the same version one updates the row
(PostgreSQL holds the row lock until it commits; the other's UPDATE then finds the
new version and matches nothing); SQLite runs write transactions one at a time.
The unique (entry_id, version) constraint is the backstop: a duplicate is a
:class:`Stale` edit (412), never a 500.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from client.guide_models import EntryUpdate, review_day_problem
from client.models import VALIDATION, FieldError
from server import guide_log
from server.guide_access import Access, load_entry
from server.guide_sources import check_sources, lock_challenge
from server.guide_tables import (
    GuideContributorRow,
    GuideEntryRow,
    GuideSourceRow,
    GuideVersionRow,
)
from server.problems import ProblemError
from server.routes.submissions import held_for_personal_data
from server.tables import UserRow

PRECONDITION_REQUIRED = "/problems/precondition-required"
TEXT_FIELDS = frozenset({"title", "body", "restored_from"})
FACILITATOR_FIELDS = frozenset({"theme", "status", "review_on", "lead_id", "contributor_ids",
                                "sources"})
# Fields whose null means "clear it"; for the rest null is the same as left out.
CLEARABLE = frozenset({"theme", "review_on", "lead_id"})
# 3, "3" or W/"3" (a weak tag compares the same here: the version is the whole entry).
_IF_MATCH = re.compile(r'^(?:W/)?("?)([0-9]{1,9})\1$')
IF_MATCH_PATTERN = r'^ *(W/)?([0-9]{1,9}|"[0-9]{1,9}") *$'  # the same, for the document


class Stale(Exception):
    """The edit started from a version that is no longer the current one."""


def expected_version(header: str | None) -> int:
    """The version an ``If-Match`` header names: 428 without one, 422 when unreadable."""
    value = (header or "").strip()
    if not value:
        raise ProblemError(428, "Send If-Match with the version your edit starts from (the "
                                "entry's version, or its ETag): edits never overwrite "
                                "unseen changes.", type=PRECONDITION_REQUIRED,
                           title="Precondition required")
    match = _IF_MATCH.match(value)
    if match is None:
        # "*" too: it would let an edit overwrite whatever is there unseen.
        raise ProblemError(422, "If-Match must name one version: 3, \"3\" or W/\"3\".",
                           type=VALIDATION,
                           errors=[FieldError(field="If-Match", message="not a version")])
    return int(match.group(2))


async def claim(session: AsyncSession, entry_id: int, expected: int | None) -> int | None:
    """Take the entry's next version number (atomically, see above); None when the
    current version is not ``expected``. ``expected`` None: whatever it is (undo)."""
    E = GuideEntryRow
    statement = update(E).where(E.id == entry_id, E.removed_at.is_(None))
    if expected is not None:
        statement = statement.where(E.version == expected)
    return (await session.execute(
        statement.values(version=E.version + 1).returning(E.version)
        .execution_options(synchronize_session=False))).scalar_one_or_none()


async def snapshot(session: AsyncSession, entry: GuideEntryRow) -> dict[str, Any]:
    """The facilitators' fields of an entry, as JSON (what undo puts back)."""
    contributors = (await session.execute(
        select(GuideContributorRow.user_id).where(GuideContributorRow.entry_id == entry.id)
        .order_by(GuideContributorRow.added_at, GuideContributorRow.user_id))).scalars().all()
    sources = (await session.execute(
        select(GuideSourceRow.submission_id, GuideSourceRow.origin)
        .where(GuideSourceRow.entry_id == entry.id)
        .order_by(GuideSourceRow.position, GuideSourceRow.submission_id))).all()
    return {"theme": entry.theme, "status": entry.status,
            "review_on": entry.review_on.isoformat() if entry.review_on else None,
            "lead_id": entry.lead_id, "contributors": list(contributors),
            "sources": [[sid, origin] for sid, origin in sources]}


async def apply_values(session: AsyncSession, entry: GuideEntryRow, values: dict[str, Any],
                       now: datetime) -> None:
    """Set facilitators' fields from a (partial) :func:`snapshot`."""
    if "theme" in values:
        entry.theme = values["theme"]
    if "status" in values:
        entry.status = values["status"]
    if "review_on" in values:
        day = values["review_on"]
        entry.review_on = date.fromisoformat(day) if day else None
    if "lead_id" in values:
        entry.lead_id = values["lead_id"]
    if "contributors" in values:
        wanted = [int(u) for u in values["contributors"]]
        await session.execute(delete(GuideContributorRow).where(
            GuideContributorRow.entry_id == entry.id, GuideContributorRow.user_id.not_in(wanted)))
        kept = set((await session.execute(select(GuideContributorRow.user_id).where(
            GuideContributorRow.entry_id == entry.id))).scalars())
        session.add_all([GuideContributorRow(entry_id=entry.id, user_id=u, added_at=now)
                         for u in wanted if u not in kept])
    if "sources" in values:
        pairs = [(int(s), str(o)) for s, o in values["sources"]]
        await session.execute(delete(GuideSourceRow).where(GuideSourceRow.entry_id == entry.id))
        session.add_all([GuideSourceRow(entry_id=entry.id, submission_id=s, origin=o,
                                        position=i, created_at=now)
                         for i, (s, o) in enumerate(pairs)])
    await session.flush()


async def write_version(session: AsyncSession, entry: GuideEntryRow, author: UserRow,
                        now: datetime, restored_from: int | None = None) -> None:
    """Keep the entry as it is now as its version ``entry.version``."""
    session.add(GuideVersionRow(entry_id=entry.id, version=entry.version, title=entry.title,
                                theme=entry.theme, status=entry.status,
                                review_on=entry.review_on, body=entry.body,
                                author_id=author.id, restored_from=restored_from,
                                created_at=now))
    try:
        await session.flush()
    except IntegrityError:
        raise Stale from None


def given_fields(body: EntryUpdate) -> set[str]:
    return {f for f in body.model_fields_set
            if getattr(body, f) is not None or f in CLEARABLE}


def challenge_start(access: Access) -> date:
    """When the challenge began: its first phase (or its making, with no phases)."""
    starts = [phase.starts_at for phase in access.phases]
    return (min(starts) if starts else access.challenge.created_at).date()


async def _check(session: AsyncSession, access: Access, entry: GuideEntryRow,
                 body: EntryUpdate, given: set[str], now: datetime) -> GuideVersionRow | None:
    """422s about the values; the version ``restored_from`` names."""
    errors: list[FieldError] = []
    if body.review_on is not None and (problem := review_day_problem(
            body.review_on, challenge_start(access), now.date())) is not None:
        errors.append(FieldError(field="review_on", message=problem))
    if body.theme is not None and body.theme.strip().casefold() not in {
            t.casefold() for t in access.challenge.themes}:
        errors.append(FieldError(field="theme", message=f"unknown theme {body.theme!r}"))
    people = [u for u in [body.lead_id, *(body.contributor_ids or [])] if u is not None]
    found = set((await session.execute(select(UserRow.id).where(UserRow.id.in_(people))))
                .scalars()) if people else set()
    if body.lead_id is not None and body.lead_id not in found:
        errors.append(FieldError(field="lead_id", message=f"no such user {body.lead_id}"))
    for i, uid in enumerate(body.contributor_ids or []):
        if uid not in found:
            errors.append(FieldError(field=f"contributor_ids.{i}", message=f"no such user {uid}"))
    restored = None
    if body.restored_from is not None:
        restored = (await session.execute(select(GuideVersionRow).where(
            GuideVersionRow.entry_id == entry.id,
            GuideVersionRow.version == body.restored_from))).scalar_one_or_none()
        if restored is None:
            errors.append(FieldError(field="restored_from",
                                     message=f"no version {body.restored_from}"))
    if errors:
        raise ProblemError(422, "; ".join(f"{e.field}: {e.message}" for e in errors[:5]),
                           type=VALIDATION, errors=errors)
    return restored


def _canonical_theme(access: Access, theme: str | None) -> str | None:
    if theme is None:
        return None
    return {t.casefold(): t for t in access.challenge.themes}[theme.strip().casefold()]


async def edit(session: AsyncSession, access: Access, entry: GuideEntryRow,
               contributors: list[int], body: EntryUpdate, if_match: str | None,
               now: datetime) -> GuideEntryRow:
    """Apply ``body`` as a new version (not committed); :class:`Stale` if not current."""
    user = access.viewer
    assert user is not None  # the route signs in
    given = given_fields(body)
    if given & FACILITATOR_FIELDS and not access.facilitator:
        raise ProblemError(403, "Only facilitators change an entry's status, review date, "
                                "lead, contributors, sources and theme.")
    if not access.is_editor(entry, contributors):
        raise ProblemError(403, "Only the entry's lead, its contributors and facilitators "
                                "edit its text.")
    if given & TEXT_FIELDS:
        access.require_develop(now)
    expected = expected_version(if_match)
    restored = await _check(session, access, entry, body, given, now)
    if not given:  # nothing to change: no new version, but the version is still checked
        if entry.version != expected:
            raise Stale
        return entry
    if "sources" in given:
        await lock_challenge(session, entry.challenge_id)
        await check_sources(session, entry, body.sources or [])
    if await claim(session, entry.id, expected) is None:
        raise Stale
    entry = await load_entry(session, entry.id)  # current now, and locked by the claim
    before = await snapshot(session, entry) if given & FACILITATOR_FIELDS else {}
    if restored is not None:  # its title and text, unless the edit gives its own
        entry.title, entry.body = restored.title, restored.body
    if body.title is not None:
        entry.title = body.title.strip()
    if body.body is not None:
        entry.body = body.body
    values: dict[str, Any] = {}
    if "theme" in given:
        values["theme"] = _canonical_theme(access, body.theme)
    if "status" in given:
        values["status"] = body.status
    if "review_on" in given:
        values["review_on"] = body.review_on.isoformat() if body.review_on else None
    if "lead_id" in given:
        values["lead_id"] = body.lead_id
    if "contributor_ids" in given:
        values["contributors"] = list(dict.fromkeys(body.contributor_ids or []))
    if "sources" in given:
        origins = dict((s, o) for s, o in before["sources"])
        values["sources"] = [[s, origins.get(s, "added")]
                             for s in dict.fromkeys(body.sources or [])]
    await apply_values(session, entry, values, now)
    if given & TEXT_FIELDS:
        _hold(entry, now)
    entry.updated_at = now
    await write_version(session, entry, user, now, body.restored_from)
    if values:
        after = await snapshot(session, entry)
        changed = [k for k in after if after[k] != before[k]]
        if changed:
            await guide_log.log(session, user, "guide_update",
                                [(entry.id, entry.challenge_id)],
                                {"entry": entry.id, "version": entry.version,
                                 "before": {k: before[k] for k in changed},
                                 "after": {k: after[k] for k in changed}}, now)
    return entry


def _hold(entry: GuideEntryRow, now: datetime) -> None:
    """Suspected personal data holds the entry for a moderator (its editors still see
    it); a later edit without any releases that hold. A hide stays a hide."""
    held = held_for_personal_data(entry.title, entry.body)
    if held is not None and entry.mod_status != "hidden":
        entry.mod_status, entry.mod_reason, entry.held_at = "pending", held, now
    elif held is None and entry.mod_status == "pending":
        entry.mod_status, entry.mod_reason = "published", None
