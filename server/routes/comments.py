"""Comments, with one level of replies."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from sqlalchemy import select, update

from client.models import Comment, CommentCreate, FieldError, Page
from server import cursors, live_notify, live_record
from server.comment_pages import comment_page
from server.deps import CurrentUser, MaybeUser, ReadDB, SubmissionId, Svc
from server.idempotency import Idem
from server.moderation import COMMENTS_LOCKED
from server.phases import require
from server.problems import ProblemError
from server.queries import mark_participant, phases_of
from server.routes.submissions import held_for_personal_data, visible_submission
from server.tables import ChallengeRow, CommentRow, SubmissionRow
from server.views import comment_out

router = APIRouter(tags=["comments"])


@router.get("/submissions/{submission_id}/comments")
async def list_comments(
    submission_id: SubmissionId, session: ReadDB, viewer: MaybeUser,
    cursor: cursors.Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[Comment]:
    """Oldest first; replies carry ``parent_id`` and the client nests them. A signed-in
    viewer also gets their own comments that are not published (held, rejected...),
    with the moderator's reason: nobody else sees those."""
    await visible_submission(session, submission_id, viewer)
    return await comment_page(session, submission_id, viewer, cursor, limit)


@router.post("/submissions/{submission_id}/comments", status_code=status.HTTP_201_CREATED,
             response_model=Comment)
async def add_comment(submission_id: SubmissionId, body: CommentCreate, user: CurrentUser,
                      services: Svc, idem: Idem) -> Comment | Response:
    now = services.now()
    async with services.db.write() as session:
        if (replay := await idem.claim(session, user.id, body)) is not None:
            return replay
        submission = await visible_submission(session, submission_id, user)
        require(await phases_of(session, submission.challenge_id), now, "comments")
        if submission.status != "published":
            raise ProblemError(409, f"A {submission.status} submission cannot take comments.")
        if submission.comments_locked:
            raise ProblemError(403, "A moderator has locked the comments on this submission.",
                               type=COMMENTS_LOCKED, title="Comments locked")
        if body.parent_id is not None:
            parent = await session.get(CommentRow, body.parent_id)
            if (parent is None or parent.submission_id != submission.id
                    or parent.status != "published"):
                raise ProblemError(422, "The comment you reply to is not on this submission.",
                                   errors=[FieldError(field="parent_id", message="not found")])
            if parent.parent_id is not None:
                raise ProblemError(422, "Replies go one level deep; reply to the comment "
                                        "this one answers.",
                                   errors=[FieldError(field="parent_id",
                                                      message="cannot reply to a reply")])
        moderation = (await session.execute(select(ChallengeRow.moderation).where(
            ChallengeRow.id == submission.challenge_id))).scalar_one()
        held = held_for_personal_data(body.body)
        row = CommentRow(submission_id=submission.id, parent_id=body.parent_id,
                         author_id=user.id, body=body.body,
                         anonymous=submission.anonymous and submission.author_id == user.id,
                         status="pending" if moderation == "pre" or held else "published",
                         status_reason=held, created_at=now, updated_at=now)
        session.add(row)
        if row.status == "published":
            await session.execute(
                update(SubmissionRow)
                .where(SubmissionRow.id == submission.id)
                .values(comments=SubmissionRow.comments + 1))
        await mark_participant(session, submission.challenge_id, user.id, now)
        await session.flush()
        result = comment_out(row, user, user)
        await live_record.comment(session, row, submission.challenge_id)
        if row.status == "published":
            await live_record.counts(session, [submission.id], "comments")
            await live_notify.comment_published(session, row, submission, now)
        else:
            await live_record.queue_added(session, [("comment", row.id)])
        idem.remember(201, result)
        await session.commit()
    await services.invalidate.pages(submission.challenge_id)  # its comment count
    return result
