"""Notifications: what happened to your posts or to what you support, written (with
their ``notification`` events) in the transaction of the change.

Nobody is told of their own action. An anonymous author stays anonymous (no actor);
moderators and facilitators are not named either.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from client.event_models import Notification, NotificationKind
from server.live_record import record, slug_of
from server.live_tables import NotificationRow
from server.tables import CommentRow, SubmissionRow, UserRow, VoteRow
from server.views import public

# A submission's new status, as what its author is told.
STATUS_KINDS: dict[str, NotificationKind] = {
    "published": "approved", "rejected": "rejected", "merged": "merged", "hidden": "hidden"}


async def rendered(session: AsyncSession, row: NotificationRow,
                   submission: SubmissionRow | None = None) -> Notification:
    submission = submission or await session.get(SubmissionRow, row.submission_id)
    assert submission is not None
    actor = await session.get(UserRow, row.actor_id) if row.actor_id is not None else None
    return Notification(
        id=row.id, kind=row.kind,
        challenge=await slug_of(session, row.challenge_id), submission_id=row.submission_id,
        submission_title=submission.title, comment_id=row.comment_id, into=row.into_id,
        reason=row.reason, actor=public(actor) if actor is not None else None,
        read=row.read_at is not None, created_at=row.created_at)


async def notify(session: AsyncSession, users: Iterable[int], kind: NotificationKind,
                 submission: SubmissionRow, *, actor: int | None, named: bool, now: datetime,
                 comment_id: int | None = None, into: int | None = None,
                 reason: str | None = None) -> None:
    """Tell each of ``users`` (but ``actor``, who did it) once."""
    for user_id in sorted(set(users) - {actor}):
        row = NotificationRow(user_id=user_id, challenge_id=submission.challenge_id,
                              kind=kind, submission_id=submission.id, comment_id=comment_id,
                              into_id=into, reason=reason,
                              actor_id=actor if named else None, created_at=now)
        session.add(row)
        await session.flush()
        await record(session, "notification", challenge_id=submission.challenge_id,
                     audience="user", user_id=user_id,
                     data=await rendered(session, row, submission))


async def comment_published(session: AsyncSession, comment: CommentRow,
                            submission: SubmissionRow, now: datetime) -> None:
    """A comment became visible: its submission's author and, for a reply, the author of
    the comment it answers are told (a reply's author once, as a reply)."""
    named = not comment.anonymous
    replied_to: int | None = None
    if comment.parent_id is not None:
        replied_to = (await session.execute(select(CommentRow.author_id).where(
            CommentRow.id == comment.parent_id))).scalar_one_or_none()
        if replied_to is not None:
            await notify(session, [replied_to], "reply", submission, actor=comment.author_id,
                         named=named, now=now, comment_id=comment.id)
    if submission.author_id != replied_to:
        await notify(session, [submission.author_id], "comment", submission,
                     actor=comment.author_id, named=named, now=now, comment_id=comment.id)


async def status_changed(session: AsyncSession, submission: SubmissionRow, before: str,
                         *, actor: int | None, now: datetime, into: int | None = None) -> None:
    """A moderator's decision (or the reports) changed the status of someone's post."""
    kind = STATUS_KINDS.get(submission.status)
    if kind is None or before == submission.status:
        return
    reason = submission.status_reason if kind in ("rejected", "hidden") else None
    await notify(session, [submission.author_id], kind, submission, actor=actor, named=False,
                 now=now, into=into, reason=reason)


async def supporters(session: AsyncSession, submission_ids: Iterable[int]) -> set[int]:
    """Who supports (a vote of +1) any of these submissions now."""
    ids = sorted(set(submission_ids))
    if not ids:
        return set()
    return set((await session.execute(select(VoteRow.user_id).where(
        VoteRow.submission_id.in_(ids), VoteRow.value == 1))).scalars())


async def shortlisted(session: AsyncSession, submission: SubmissionRow, sources: list[int],
                      *, actor: int, now: datetime) -> None:
    """Into the guide: its author and everyone who supports it or one of its sources."""
    people = await supporters(session, [submission.id, *sources])
    people.add(submission.author_id)
    await notify(session, people, "shortlisted", submission, actor=actor, named=False, now=now)
