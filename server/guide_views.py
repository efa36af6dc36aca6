"""Guide rows to wire models: entries with their sources, pledges and people; versions;
comments. Who sees what is decided by ``server.guide_access``; this only draws."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from client.guide_models import (
    EntryComment,
    EntryModeration,
    EntryStatus,
    EntryVersion,
    GuideEntry,
    Pledge,
    SourceRef,
)
from client.models import UserPublic
from server.guide_access import Access, contributors_of
from server.guide_tables import (
    GuideCommentRow,
    GuideEntryRow,
    GuidePledgeRow,
    GuideSourceRow,
    GuideVersionRow,
)
from server.tables import SubmissionRow, UserRow
from server.views import public

# "#123" cites submission 123; not in "&#123;" (an HTML entity), "a#1" or "/#1" (links).
CITATION = re.compile(r"(?<![\w&/#])#(\d{1,10})\b")
MAX_ID = 2**31 - 1
# What a source must be for everyone to see it; facilitators also see the rest.
SHOWN_SOURCES = ("published", "merged")


def citations(text: str) -> list[int]:
    """The submission ids a text cites, in order, once each."""
    found: dict[int, None] = {}
    for match in CITATION.finditer(text):
        ident = int(match.group(1))
        if 1 <= ident <= MAX_ID:
            found.setdefault(ident)
    return list(found)


async def _users(session: AsyncSession, ids: set[int]) -> dict[int, UserRow]:
    if not ids:
        return {}
    return {u.id: u for u in (await session.execute(
        select(UserRow).where(UserRow.id.in_(ids)))).scalars()}


def pledge_out(row: GuidePledgeRow, user: UserRow) -> Pledge:
    return Pledge(user=public(user), note=row.note, created_at=row.created_at)


async def render_entries(session: AsyncSession, entries: Sequence[GuideEntryRow],
                         access: Access,
                         contributors: dict[int, list[int]] | None = None) -> list[GuideEntry]:
    """The entries as ``access.viewer`` sees them (all of one challenge)."""
    if not entries:
        return []
    ids = [e.id for e in entries]
    people = contributors if contributors is not None else await contributors_of(session, ids)
    explicit: dict[int, list[int]] = {i: [] for i in ids}
    for entry_id, submission_id in await session.execute(
            select(GuideSourceRow.entry_id, GuideSourceRow.submission_id)
            .where(GuideSourceRow.entry_id.in_(ids))
            .order_by(GuideSourceRow.entry_id, GuideSourceRow.position,
                      GuideSourceRow.submission_id)):
        explicit[entry_id].append(submission_id)
    cited = {e.id: citations(e.body) for e in entries}
    wanted = {s for group in (*explicit.values(), *cited.values()) for s in group}
    S = SubmissionRow
    subs = {row.id: row for row in (await session.execute(
        select(S.id, S.challenge_id, S.kind, S.title, S.author_id, S.anonymous, S.status)
        .where(S.id.in_(wanted)))).all()} if wanted else {}
    pledges: dict[int, list[GuidePledgeRow]] = {i: [] for i in ids}
    for pledge in (await session.execute(
            select(GuidePledgeRow).where(GuidePledgeRow.entry_id.in_(ids))
            .order_by(GuidePledgeRow.created_at, GuidePledgeRow.id))).scalars():
        pledges[pledge.entry_id].append(pledge)
    comments = dict((await session.execute(
        select(GuideCommentRow.entry_id, func.count())
        .where(GuideCommentRow.entry_id.in_(ids), GuideCommentRow.status == "published")
        .group_by(GuideCommentRow.entry_id))).all())
    user_ids = {e.lead_id for e in entries if e.lead_id is not None}
    user_ids |= {u for group in people.values() for u in group}
    user_ids |= {p.user_id for group in pledges.values() for p in group}
    user_ids |= {s.author_id for s in subs.values() if not s.anonymous}
    users = await _users(session, user_ids)
    viewer = access.viewer
    out = []
    for e in entries:
        shown = [s for s in explicit[e.id] if s in subs and (
            access.facilitator or subs[s].status in SHOWN_SOURCES)]
        refs = shown + [s for s in cited[e.id] if s not in explicit[e.id] and s in subs
                        and subs[s].challenge_id == e.challenge_id
                        and subs[s].status in SHOWN_SOURCES]
        source_refs = []
        for sid in refs:
            sub = subs[sid]
            # An anonymous author stays anonymous in the guide, to everyone.
            author = None if sub.anonymous else users.get(sub.author_id)
            source_refs.append(SourceRef(id=sid, kind=sub.kind, title=sub.title,
                                         author=public(author) if author else None))
        entry_pledges = [pledge_out(p, users[p.user_id]) for p in pledges[e.id]]
        mine = next((pledge_out(p, users[p.user_id]) for p in pledges[e.id]
                     if viewer is not None and p.user_id == viewer.id), None)
        lead = users.get(e.lead_id) if e.lead_id is not None else None
        out.append(GuideEntry(
            id=e.id, challenge=access.challenge.slug, title=e.title, theme=e.theme,
            status=cast(EntryStatus, e.status), review_on=e.review_on,
            lead=public(lead) if lead else None,
            contributors=[public(users[u]) for u in people.get(e.id, []) if u in users],
            body=e.body, version=e.version, position=e.position, sources=shown,
            source_refs=source_refs, pledges=entry_pledges, my_pledge=mine,
            can_edit=access.can_edit(e, people.get(e.id, [])),
            comments=int(comments.get(e.id, 0)),
            moderation_status=cast(EntryModeration, e.mod_status),
            moderation_reason=e.mod_reason, created_at=e.created_at, updated_at=e.updated_at))
    return out


async def render_entry(session: AsyncSession, entry: GuideEntryRow, access: Access,
                       contributors: list[int] | None = None) -> GuideEntry:
    people = None if contributors is None else {entry.id: contributors}
    (rendered,) = await render_entries(session, [entry], access, people)
    return rendered


def version_out(row: GuideVersionRow, author: UserRow | None, *,
                with_body: bool) -> EntryVersion:
    return EntryVersion(version=row.version, title=row.title, theme=row.theme,
                        status=cast(EntryStatus, row.status), review_on=row.review_on,
                        body=row.body if with_body else None,
                        author=public(author) if author else None,
                        restored_from=row.restored_from, created_at=row.created_at)


def comment_out(row: GuideCommentRow, author: UserRow, viewer: UserRow | None,
                facilitator: bool) -> EntryComment:
    mine = viewer is not None and viewer.id == row.author_id
    return EntryComment(id=row.id, entry_id=row.entry_id, body=row.body,
                        author=UserPublic(id=author.id, display_name=author.display_name),
                        status=row.status,
                        status_reason=row.status_reason if (mine or facilitator) else None,
                        created_at=row.created_at)
