"""The moderation queue: pending and reported submissions and comments, oldest first.

An item is queued when it is ``pending`` (pre-moderation, or held for suspected
personal data), or when it is published or hidden with open reports (hidden means
the reports reached the threshold). Pages are keyset-paged on (created_at, type,
id): submissions before comments at the same instant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import (
    AuthorRecord,
    FieldError,
    FlagReason,
    Kind,
    ModeratedAuthor,
    PersonalDataFinding,
    QueueFlag,
    QueueItem,
    QueuePage,
    RecordEntry,
    TargetType,
    UserPublic,
)
from client.privacy import find_personal_data
from server import cursors, duplicates, guide_moderation, guide_queue, modlog
from server.problems import VALIDATION, ProblemError
from server.queries import themes_of
from server.tables import ChallengeRow, CommentRow, FlagRow, SubmissionRow, UserRow

S, C = SubmissionRow, CommentRow
RECENT_REJECTIONS = 3
RANK = {"submission": 0, "comment": 1, "entry": 2, "entry_comment": 3}
RANKED = {rank: kind for kind, rank in RANK.items()}


def _queued(table: type[SubmissionRow] | type[CommentRow], kind: str,
            reason: FlagReason | None) -> ColumnElement[bool]:
    """Pending, or reported (with ``reason``: reported for it) and not decided.

    Written as ``id IN (pending ids UNION reported ids)`` so that both databases start
    from the few queued rows (an index on status, the reports) instead of scanning every
    published row for a report.
    """
    reported = select(FlagRow.target_id).where(FlagRow.target_type == kind,
                                               FlagRow.resolved_at.is_(None))
    if reason:
        reported = reported.where(FlagRow.reason == reason)
        candidates: Any = reported
    else:
        candidates = union(select(table.id).where(table.status == "pending"), reported)
    return and_(table.id.in_(candidates),
                table.status.in_(("pending", "published", "hidden")))


def _after(table: type[SubmissionRow] | type[CommentRow], rank: int,
           key: tuple[datetime, int, int] | None) -> ColumnElement[bool] | None:
    if key is None:
        return None
    at, last_rank, last_id = key
    if rank > last_rank:
        return table.created_at >= at
    if rank < last_rank:
        return table.created_at > at
    return or_(table.created_at > at, and_(table.created_at == at, table.id > last_id))


async def queue_page(session: AsyncSession, *, challenge: ChallengeRow | None,
                     kind: Kind | None, type_: TargetType | None,
                     flag_reason: FlagReason | None, cursor: str | None,
                     limit: int) -> QueuePage:
    tag = cursors.query_tag("queue", challenge.id if challenge else None, kind, type_,
                            flag_reason)
    key = None
    if cursor:
        at, rank, last = cursors.decode(cursor, tag, (str, int, int))
        try:
            when = datetime.fromisoformat(at)
        except ValueError:
            when = None
        if when is None or when.tzinfo is None or rank not in (0, 1, 2, 3):
            raise ProblemError(422, "The cursor is not valid for this list; start from the "
                                    "first page.", type=VALIDATION,
                               errors=[FieldError(field="cursor", message="invalid cursor")])
        key = (when, rank, last)
    subs_where: list[Any] = [_queued(S, "submission", flag_reason)]
    comments_where: list[Any] = [_queued(C, "comment", flag_reason)]
    if challenge is not None:
        subs_where.append(S.challenge_id == challenge.id)
        comments_where.append(S.challenge_id == challenge.id)
    if kind is not None:
        subs_where.append(S.kind == kind)
        comments_where.append(S.kind == kind)
    found: list[tuple[datetime, int, int]] = []
    total = 0
    if type_ in (None, "submission"):
        total += (await session.execute(
            select(func.count()).select_from(S).where(*subs_where))).scalar_one()
        after = _after(S, 0, key)
        rows = await session.execute(
            select(S.created_at, S.id).where(*subs_where, *([after] if after is not None
                                                             else []))
            .order_by(S.created_at, S.id).limit(limit + 1))
        found += [(at, 0, ident) for at, ident in rows]
    if type_ in (None, "comment"):
        joined = select(func.count()).select_from(C).join(S, S.id == C.submission_id)
        total += (await session.execute(joined.where(*comments_where))).scalar_one()
        after = _after(C, 1, key)
        rows = await session.execute(
            select(C.created_at, C.id).join(S, S.id == C.submission_id)
            .where(*comments_where, *([after] if after is not None else []))
            .order_by(C.created_at, C.id).limit(limit + 1))
        found += [(at, 1, ident) for at, ident in rows]
    # Guide entries and their comments (no kind: not when one is asked for).
    for rank, guide_type in ((2, "entry"), (3, "entry_comment")):
        if kind is None and type_ in (None, guide_type):
            count, guide_rows = await guide_moderation.queued(
                session, guide_type, challenge_id=challenge.id if challenge else None,
                flag_reason=flag_reason, key=key, rank=rank, limit=limit)
            total += count
            found += guide_rows
    found.sort()
    more = len(found) > limit
    found = found[:limit]
    items = await _render(session, [(RANKED[rank], ident) for _, rank, ident in found])
    next_cursor = None
    if more and found:
        at, rank, ident = found[-1]
        next_cursor = cursors.encode(tag, [at.isoformat(), rank, ident])
    return QueuePage(items=items, next_cursor=next_cursor, total=total)


async def _render(session: AsyncSession, keys: Sequence[tuple[str, int]]) -> list[QueueItem]:
    if not keys:
        return []
    comment_ids = [i for t, i in keys if t == "comment"]
    comments = {c.id: c for c in (await session.execute(
        select(C).where(C.id.in_(comment_ids)))).scalars()} if comment_ids else {}
    submission_ids = {i for t, i in keys if t == "submission"} | {
        c.submission_id for c in comments.values()}
    submissions = {s.id: s for s in (await session.execute(
        select(S).where(S.id.in_(submission_ids)))).scalars()}
    slugs = dict((await session.execute(select(ChallengeRow.id, ChallengeRow.slug).where(
        ChallengeRow.id.in_({s.challenge_id for s in submissions.values()})))).all())
    themes = await themes_of(session, [i for t, i in keys if t == "submission"])
    guide = await guide_queue.load(session, [k for k in keys
                                             if k[0] in guide_moderation.GUIDE_TYPES])
    author_ids = {s.author_id for s in submissions.values()} | {
        c.author_id for c in comments.values()} | guide.author_ids()
    authors = {u.id: u for u in (await session.execute(
        select(UserRow).where(UserRow.id.in_(author_ids)))).scalars()}
    records = await _records(session, sorted(author_ids))
    flags = await _flags(session, keys)
    latest = await modlog.history(session, keys)
    scorer = duplicates.Scorer()
    out: list[QueueItem] = []
    for kind, ident in keys:
        row: SubmissionRow | CommentRow
        if kind in guide_moderation.GUIDE_TYPES:
            decided = latest.get((kind, ident), {}).get("status")
            author_id = guide.author_id(kind, ident)
            out.append(guide_queue.queue_item(
                guide, cast(TargetType, kind), ident, authors[author_id],
                records[author_id], flags.get((kind, ident), []),
                decided.ref() if decided else None))
            continue
        if kind == "submission":
            row = sub = submissions[ident]
            dupes = await duplicates.submission_duplicates(session, sub, scorer)
            found = _findings("title", sub.title) + _findings("body", sub.body)
        else:
            row = comments[ident]
            sub = submissions[row.submission_id]
            dupes = await duplicates.comment_duplicates(session, row, sub.challenge_id,
                                                        scorer)
            found = _findings("body", row.body)
        author = authors[row.author_id]
        item_flags = flags.get((kind, ident), [])
        reasons: dict[str, int] = {}
        for flag in item_flags:
            reasons[flag.reason] = reasons.get(flag.reason, 0) + 1
        decision = latest.get((kind, ident), {}).get("status")
        is_sub = kind == "submission"
        out.append(QueueItem(
            type=kind, id=ident, challenge=slugs[sub.challenge_id], kind=sub.kind,
            submission_id=sub.id, submission_title=sub.title,
            parent_id=None if is_sub else row.parent_id,  # type: ignore[union-attr]
            title=sub.title if is_sub else None, body=row.body,
            themes=themes.get(ident, []) if is_sub else [],
            status=row.status, status_reason=row.status_reason,
            anonymous=sub.anonymous if is_sub else row.anonymous,
            comments_locked=sub.comments_locked,
            up=sub.up if is_sub else None, down=sub.down if is_sub else None,
            comments=sub.comments if is_sub else None,
            queued_for=(["pending"] if row.status == "pending" else [])
            + (["flagged"] if item_flags else []),
            flags=item_flags, flag_count=len({f.reporter.id for f in item_flags}),
            flag_reasons=reasons,
            author=ModeratedAuthor(id=author.id, display_name=author.display_name,
                                   email=author.email, role=author.role,
                                   blocked=author.blocked),
            author_record=records[author.id], personal_data=found, duplicates=dupes,
            last_action=decision.ref() if decision else None,
            created_at=row.created_at, updated_at=row.updated_at))
    return out


def _findings(field: str, text: str) -> list[PersonalDataFinding]:
    return [PersonalDataFinding(field=field, kind=f.kind, start=f.start, end=f.end,
                                text=f.text) for f in find_personal_data(text)]


async def _flags(session: AsyncSession,
                 keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], list[QueueFlag]]:
    found: dict[tuple[str, int], list[QueueFlag]] = {}
    wanted = set(keys)
    rows = await session.execute(
        select(FlagRow, UserRow).join(UserRow, UserRow.id == FlagRow.reporter_id)
        .where(FlagRow.resolved_at.is_(None),
               FlagRow.target_id.in_(sorted({i for _, i in keys})))
        .order_by(FlagRow.id))
    for flag, reporter in rows:
        if (flag.target_type, flag.target_id) in wanted:
            found.setdefault((flag.target_type, flag.target_id), []).append(QueueFlag(
                id=flag.id, reason=flag.reason, note=flag.note, created_at=flag.created_at,
                reporter=UserPublic(id=reporter.id, display_name=reporter.display_name)))
    return found


async def _records(session: AsyncSession, author_ids: list[int]) -> dict[int, AuthorRecord]:
    """Per author: how much they posted, how often it was rejected, the latest rejections."""
    counts: dict[int, list[int]] = {a: [0, 0, 0] for a in author_ids}
    recent: dict[int, list[RecordEntry]] = {a: [] for a in author_ids}
    tables: list[tuple[type[SubmissionRow] | type[CommentRow], str]] = [
        (S, "submission"), (C, "comment")]
    for index, (table, kind) in enumerate(tables):
        for author, status, n in await session.execute(
                select(table.author_id, table.status, func.count())
                .where(table.author_id.in_(author_ids))
                .group_by(table.author_id, table.status)):
            counts[author][index] += int(n)
            if status == "rejected":
                counts[author][2] += int(n)
        text = S.title if table is S else C.body
        ranked = (select(table.author_id, table.id, text.label("text"), table.status_reason,
                         table.updated_at,
                         func.row_number().over(partition_by=table.author_id,
                                                order_by=(table.updated_at.desc(),
                                                          table.id.desc())).label("n"))
                  .where(table.author_id.in_(author_ids), table.status == "rejected")
                  .subquery())
        for author, ident, words, reason, at in await session.execute(
                select(ranked.c.author_id, ranked.c.id, ranked.c.text, ranked.c.status_reason,
                       ranked.c.updated_at).where(ranked.c.n <= RECENT_REJECTIONS)):
            recent[author].append(RecordEntry(
                type=kind, id=ident, excerpt=duplicates.excerpt(words),
                status_reason=reason, at=at))
    return {a: AuthorRecord(submissions=counts[a][0], comments=counts[a][1],
                            rejections=counts[a][2],
                            recent_rejections=sorted(recent[a], key=lambda e: e.at,
                                                     reverse=True)[:RECENT_REJECTIONS])
            for a in author_ids}


async def queued_items(session: AsyncSession, keys: Sequence[tuple[str, int]]) -> list[QueueItem]:
    """Those of these submissions and comments that are in the queue now, as it shows them
    (for the live stream's ``queue.changed``)."""
    found: list[tuple[str, int]] = []
    for kind, table in (("submission", S), ("comment", C)):
        ids = sorted({i for t, i in keys if t == kind})
        if ids:
            found += [(kind, i) for i in (await session.execute(
                select(table.id).where(table.id.in_(ids), _queued(table, kind, None))
                .order_by(table.id))).scalars()]
    return await _render(session, found)
