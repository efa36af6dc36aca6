"""Merging submissions: votes and comments move to the destination, and back on undo.

A person who voted on both the merged submission and the destination keeps one
vote: the destination's. Their other vote is deleted, and kept (id, value,
timestamps) in the action's undo record, so an undo puts it back exactly. Merging
several submissions into one applies the same rule in turn: the first vote that
reaches the destination stays.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.ranking import wilson_lower_bound
from server.tables import CommentRow, SubmissionRow, VoteRow


async def move(session: AsyncSession, sources: list[int], into: int) -> list[dict[str, Any]]:
    """Move every vote and comment of ``sources`` to ``into``; what undo needs, per source."""
    voters = set((await session.execute(
        select(VoteRow.user_id).where(VoteRow.submission_id == into))).scalars())
    records: list[dict[str, Any]] = []
    for source in sources:
        votes = (await session.execute(
            select(VoteRow.id, VoteRow.user_id, VoteRow.value, VoteRow.created_at,
                   VoteRow.updated_at)
            .where(VoteRow.submission_id == source).order_by(VoteRow.id))).all()
        dropped = [v for v in votes if v.user_id in voters]
        moved = [v for v in votes if v.user_id not in voters]
        if dropped:
            await session.execute(delete(VoteRow).where(VoteRow.id.in_([v.id for v in dropped])))
        if moved:
            await session.execute(update(VoteRow).where(VoteRow.id.in_([v.id for v in moved]))
                                  .values(submission_id=into))
        voters.update(v.user_id for v in moved)
        comments = list((await session.execute(
            select(CommentRow.id).where(CommentRow.submission_id == source)
            .order_by(CommentRow.id))).scalars())
        if comments:
            await session.execute(update(CommentRow).where(CommentRow.id.in_(comments))
                                  .values(submission_id=into))
        records.append({
            "source": source,
            "moved_votes": [v.id for v in moved],
            "dropped_votes": [{"id": v.id, "user_id": v.user_id, "value": v.value,
                               "created_at": v.created_at.isoformat(),
                               "updated_at": v.updated_at.isoformat()} for v in dropped],
            "moved_comments": comments,
        })
    return records


async def move_back(session: AsyncSession, records: list[dict[str, Any]], into: int) -> None:
    """Undo :func:`move`: votes and comments go back where they were.

    A reply posted after the merge to a comment that moved goes back with it. A vote
    withdrawn since the merge stays withdrawn.
    """
    for record in reversed(records):
        source = int(record["source"])
        comments = [int(c) for c in record["moved_comments"]]
        if comments:
            await session.execute(
                update(CommentRow)
                .where(CommentRow.submission_id == into,
                       or_(CommentRow.id.in_(comments), CommentRow.parent_id.in_(comments)))
                .values(submission_id=source))
        moved = [int(v) for v in record["moved_votes"]]
        if moved:
            await session.execute(update(VoteRow).where(VoteRow.id.in_(moved),
                                                        VoteRow.submission_id == into)
                                  .values(submission_id=source))
        dropped = record["dropped_votes"]
        if dropped:
            taken = set((await session.execute(select(VoteRow.id).where(
                VoteRow.id.in_([int(v["id"]) for v in dropped])))).scalars())
            rows = []
            for vote in dropped:
                row = {"user_id": int(vote["user_id"]), "submission_id": source,
                       "value": int(vote["value"]),
                       "created_at": datetime.fromisoformat(vote["created_at"]),
                       "updated_at": datetime.fromisoformat(vote["updated_at"])}
                if int(vote["id"]) not in taken:  # SQLite may have reused a freed id
                    row["id"] = int(vote["id"])
                rows.append(row)
            for row in rows:  # one statement each: the rows differ in their columns
                await session.execute(insert(VoteRow).values(**row))


async def recount(session: AsyncSession, submission_ids: Iterable[int], *,
                  votes: bool) -> None:
    """Set the comment counter (published comments) and, with ``votes``, up, down and
    the stored Wilson score of these submissions from the rows themselves."""
    ids = sorted(set(submission_ids))
    if not ids:
        return
    published = (select(func.count()).select_from(CommentRow)
                 .where(CommentRow.submission_id == SubmissionRow.id,
                        CommentRow.status == "published").scalar_subquery())
    await session.execute(update(SubmissionRow).where(SubmissionRow.id.in_(ids))
                          .values(comments=published)
                          .execution_options(synchronize_session=False))
    if not votes:
        return
    counts: dict[int, list[int]] = {sid: [0, 0] for sid in ids}
    for sid, value, n in await session.execute(
            select(VoteRow.submission_id, VoteRow.value, func.count())
            .where(VoteRow.submission_id.in_(ids))
            .group_by(VoteRow.submission_id, VoteRow.value)):
        counts[sid][0 if value == 1 else 1] += int(n)
    for sid, (up, down) in counts.items():
        await session.execute(update(SubmissionRow).where(SubmissionRow.id == sid)
                              .values(up=up, down=down, score=wilson_lower_bound(up, down))
                              .execution_options(synchronize_session=False))
