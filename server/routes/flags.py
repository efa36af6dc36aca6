"""Flags: reports on submissions and comments; enough distinct reporters hide an item."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response, status
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import Flag, FlagCreate
from server import live_notify, live_record
from server.deps import CommentId, CurrentUser, SubmissionId, Svc
from server.idempotency import Idem
from server.problems import ProblemError, not_found
from server.routes.submissions import visible_submission
from server.services import Services
from server.tables import CommentRow, FlagRow, SubmissionRow, UserRow

router = APIRouter(tags=["flags"])

Target = Literal["submission", "comment"]


async def _reporters(session: AsyncSession, target: Target, target_id: int) -> int:
    return int((await session.execute(
        select(func.count(func.distinct(FlagRow.reporter_id)))
        .where(FlagRow.target_type == target, FlagRow.target_id == target_id,
               FlagRow.resolved_at.is_(None)))).scalar_one())


async def _file(session: AsyncSession, services: Services, user: UserRow, target: Target,
                target_id: int, body: FlagCreate, author_id: int) -> Flag:
    if author_id == user.id:
        raise ProblemError(409, f"This is your own {target}: edit or withdraw it instead.")
    row = FlagRow(reporter_id=user.id, target_type=target, target_id=target_id,
                  reason=body.reason, note=body.note, created_at=services.now())
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        raise ProblemError(409, f"You have already reported this {target}.") from None
    return Flag(id=row.id, target_type=target, target_id=target_id, reason=row.reason,
                note=row.note, created_at=row.created_at)


def _hidden_reason(count: int) -> str:
    return f"Hidden after reports from {count} people; waiting for a moderator."


@router.post("/submissions/{submission_id}/flags", status_code=status.HTTP_201_CREATED,
             response_model=Flag)
async def flag_submission(submission_id: SubmissionId, body: FlagCreate, user: CurrentUser,
                          services: Svc, idem: Idem) -> Flag | Response:
    async with services.db.write() as session:
        if (replay := await idem.claim(session, user.id, body)) is not None:
            return replay
        # Locked, so that reporters of one item count one after another: without it
        # each of three simultaneous reporters counted fewer than three (PostgreSQL).
        submission = await visible_submission(session, submission_id, user, lock=True)
        result = await _file(session, services, user, "submission", submission.id, body,
                             submission.author_id)
        count = await _reporters(session, "submission", submission.id)
        if submission.status == "published" and count >= services.settings.flag_threshold:
            submission.status = "hidden"
            submission.status_reason = _hidden_reason(count)
            await live_record.submission(session, submission, was_published=True)
            await live_notify.status_changed(session, submission, "published", actor=None,
                                             now=services.now())
        await live_record.queue_added(session, [("submission", submission.id)])
        idem.remember(201, result)
        await session.commit()
    await services.invalidate.pages(submission.challenge_id)  # reports may have hidden it
    return result


@router.post("/comments/{comment_id}/flags", status_code=status.HTTP_201_CREATED,
             response_model=Flag)
async def flag_comment(comment_id: CommentId, body: FlagCreate, user: CurrentUser,
                       services: Svc, idem: Idem) -> Flag | Response:
    async with services.db.write() as session:
        if (replay := await idem.claim(session, user.id, body)) is not None:
            return replay
        thread = (await session.execute(select(CommentRow.submission_id).where(
            CommentRow.id == comment_id))).scalar_one_or_none()
        if thread is None:
            raise not_found("comment")
        # The thread, then the comment: the order moderation decisions lock them in.
        submission = await visible_submission(session, thread, user, lock=True)
        comment = await session.get(CommentRow, comment_id, with_for_update=True)
        if comment is None or (comment.status != "published" and comment.author_id != user.id
                               and user.role not in ("moderator", "admin")):
            raise not_found("comment")
        result = await _file(session, services, user, "comment", comment.id, body,
                             comment.author_id)
        count = await _reporters(session, "comment", comment.id)
        if comment.status == "published" and count >= services.settings.flag_threshold:
            comment.status = "hidden"
            comment.status_reason = _hidden_reason(count)
            await session.execute(
                update(SubmissionRow).where(SubmissionRow.id == comment.submission_id)
                .values(comments=SubmissionRow.comments - 1))
            await live_record.counts(session, [comment.submission_id], "comments")
        await live_record.queue_added(session, [("comment", comment.id)])
        idem.remember(201, result)
        await session.commit()
    await services.invalidate.pages(submission.challenge_id)  # a hidden comment leaves its count
    return result
