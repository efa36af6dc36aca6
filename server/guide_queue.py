"""Queue items for guide entries and their comments (see server/guide_moderation.py
for what queues them and what a moderator may decide on them)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import (
    ActionRef,
    AuthorRecord,
    Kind,
    ModeratedAuthor,
    PersonalDataFinding,
    QueueFlag,
    QueueItem,
    TargetType,
)
from client.privacy import find_personal_data
from server.guide_moderation import latest_writers, origins
from server.guide_tables import GuideCommentRow, GuideEntryRow
from server.tables import ChallengeRow, UserRow


def findings(field_name: str, text: str) -> list[PersonalDataFinding]:
    return [PersonalDataFinding(field="title" if field_name == "title" else "body",
                                kind=f.kind, start=f.start, end=f.end, text=f.text)
            for f in find_personal_data(text)]


@dataclass
class GuideRows:
    entries: dict[int, GuideEntryRow] = field(default_factory=dict)
    comments: dict[int, GuideCommentRow] = field(default_factory=dict)
    writers: dict[int, int] = field(default_factory=dict)
    origins: dict[int, tuple[int, Kind]] = field(default_factory=dict)
    slugs: dict[int, str] = field(default_factory=dict)

    def author_id(self, kind: str, ident: int) -> int:
        if kind == "entry_comment":
            return self.comments[ident].author_id
        entry = self.entries[ident]
        return self.writers.get(ident) or entry.lead_id or 0

    def author_ids(self) -> set[int]:
        return {c.author_id for c in self.comments.values()} | {
            self.author_id("entry", e) for e in self.entries} - {0}


async def load(session: AsyncSession, keys: Sequence[tuple[str, int]]) -> GuideRows:
    rows = GuideRows()
    comment_ids = [i for t, i in keys if t == "entry_comment"]
    if comment_ids:
        rows.comments = {c.id: c for c in (await session.execute(
            select(GuideCommentRow).where(GuideCommentRow.id.in_(comment_ids)))).scalars()}
    entry_ids = {i for t, i in keys if t == "entry"} | {
        c.entry_id for c in rows.comments.values()}
    if entry_ids:
        rows.entries = {e.id: e for e in (await session.execute(
            select(GuideEntryRow).where(GuideEntryRow.id.in_(entry_ids)))).scalars()}
    rows.writers = await latest_writers(session, sorted(entry_ids))
    rows.origins = await origins(session, entry_ids)
    challenge_ids = {e.challenge_id for e in rows.entries.values()}
    if challenge_ids:
        rows.slugs = dict((await session.execute(select(ChallengeRow.id, ChallengeRow.slug)
                                                 .where(ChallengeRow.id.in_(challenge_ids)))
                           ).all())
    return rows


def queue_item(rows: GuideRows, kind: TargetType, ident: int, author: UserRow,
               record: AuthorRecord, flags: list[QueueFlag],
               last_action: ActionRef | None) -> QueueItem:
    comment = rows.comments.get(ident) if kind == "entry_comment" else None
    entry = rows.entries[comment.entry_id if comment is not None else ident]
    origin_id, origin_kind = rows.origins.get(entry.id, (0, "idea"))
    status = comment.status if comment is not None else entry.mod_status
    reasons: dict[str, int] = {}
    for flag in flags:
        reasons[flag.reason] = reasons.get(flag.reason, 0) + 1
    if comment is not None:
        body, found = comment.body, findings("body", comment.body)
    else:
        body = entry.body
        found = findings("title", entry.title) + findings("body", entry.body)
    return QueueItem(
        type=kind, id=ident, challenge=rows.slugs[entry.challenge_id], kind=origin_kind,
        submission_id=origin_id, submission_title=entry.title, parent_id=None,
        title=entry.title, body=body, themes=[entry.theme] if entry.theme else [],
        status=status,
        status_reason=comment.status_reason if comment is not None else entry.mod_reason,
        queued_for=(["pending"] if status == "pending" else []) + (["flagged"] if flags else []),
        flags=flags, flag_count=len({f.reporter.id for f in flags}), flag_reasons=reasons,
        author=ModeratedAuthor(id=author.id, display_name=author.display_name,
                               email=author.email, role=author.role, blocked=author.blocked),
        author_record=record, personal_data=found, duplicates=[], last_action=last_action,
        created_at=comment.created_at if comment is not None else queued_at(entry),
        updated_at=(comment or entry).updated_at)


def queued_at(entry: GuideEntryRow) -> datetime:
    """As ``server.guide_moderation.queued_at``: a held entry waits since it was held."""
    if entry.mod_status == "pending" and entry.held_at is not None:
        return entry.held_at
    return entry.created_at
