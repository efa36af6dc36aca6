"""The live events and notifications of a moderation decision or its undo, read from
what the action recorded (its targets' states before and after), in its transaction."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from client.event_models import QueueRemoval
from server import live_notify, live_record, modlog
from server.tables import CommentRow, ModerationActionRow, SubmissionRow, UserRow, VoteRow
from server.views import public


async def _submissions(session: AsyncSession, ids: set[int]) -> dict[int, SubmissionRow]:
    if not ids:
        return {}
    return {r.id: r for r in (await session.execute(
        select(SubmissionRow).where(SubmissionRow.id.in_(sorted(ids)))
        .execution_options(populate_existing=True))).scalars()}


async def _merged_supporters(session: AsyncSession, merges: list[dict[str, Any]],
                             source: int) -> set[int]:
    """Who supported ``source`` before it was merged (their votes moved or were dropped)."""
    people: set[int] = set()
    for record in merges:
        if int(record["source"]) != source:
            continue
        people |= {int(v["user_id"]) for v in record.get("dropped_votes", [])
                   if v["value"] == 1}
        moved = [int(v) for v in record.get("moved_votes", [])]
        if moved:
            people |= set((await session.execute(select(VoteRow.user_id).where(
                VoteRow.id.in_(moved), VoteRow.value == 1))).scalars())
    return people


async def decided(session: AsyncSession, moderator: UserRow, action: ModerationActionRow,
                  now: datetime, *, undone: bool = False) -> None:
    """Events for ``action`` (just applied, or just undone with ``undone``)."""
    if modlog.dimension(action.action) not in ("status", "lock"):
        return  # blocks change people, guide actions the guide: nothing on the stream
    await session.flush()
    undo: dict[str, Any] = action.undo
    moves = [(r["type"], int(r["id"]), r["after"] if undone else r["status"],
              r["status"] if undone else r["after"]) for r in undo.get("items", [])]
    moves = [m for m in moves if m[0] in ("submission", "comment")]
    locked = {int(s) for s in undo.get("locked", [])}
    comment_rows = {c.id: c for c in (await session.execute(
        select(CommentRow).where(CommentRow.id.in_(sorted(
            {i for t, i, _, _ in moves if t == "comment"})))
        .execution_options(populate_existing=True))).scalars()}
    into = action.merge_into
    subs = await _submissions(session, {i for t, i, _, _ in moves if t == "submission"}
                              | locked | {c.submission_id for c in comment_rows.values()}
                              | ({into} if into else set()))
    recount: set[int] = {into} if into else set()
    removed: dict[int, list[QueueRemoval]] = defaultdict(list)
    for kind, ident, before, after in moves:
        if kind == "submission":
            row = subs[ident]
            challenge_id = row.challenge_id
            if before != after:
                await live_record.submission(session, row, was_published=before == "published")
                await live_notify.status_changed(
                    session, row, before, actor=moderator.id, now=now,
                    into=into if after == "merged" else None)
                if after == "merged" and not undone:
                    people = await _merged_supporters(session, undo.get("merges", []), ident)
                    await live_notify.notify(session, people - {row.author_id},
                                             "supported_merged", row, actor=moderator.id,
                                             named=False, now=now, into=into)
                recount.add(ident)
        else:
            comment = comment_rows[ident]
            thread = subs[comment.submission_id]
            challenge_id = thread.challenge_id
            if before != after:
                recount.add(thread.id)
                if after == "published":
                    await live_record.comment(session, comment, challenge_id)
                if before == "pending" and after == "published":
                    await live_notify.comment_published(session, comment, thread, now)
        if not undone:
            removed[challenge_id].append(QueueRemoval(
                type=kind, id=ident, status=after, action=action.action,
                by=public(moderator)))
    for sid in sorted(locked):
        await live_record.submission(session, subs[sid],
                                     was_published=subs[sid].status == "published")
    await live_record.counts(session, recount, "comments")
    if modlog.dimension(action.action) != "status":
        return
    if undone:
        await live_record.queue_added(session, [(t, i) for t, i, _, _ in moves])
    else:
        for challenge_id, gone in removed.items():
            await live_record.queue_removed(session, challenge_id, gone)
