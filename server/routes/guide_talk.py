"""People around a guide entry: pledges to test it, comments on it, and reports (flags)
on its text and its comments.

Pledges and comments: any signed-in person who may read the entry, while the current
phase allows ``develop``, on a published entry. A pledge note that looks like it
holds personal data is refused (422: it is short, and public at once); a comment is
held for a moderator as comments on submissions are (or by pre-moderation). Flags
reach the moderation queue; enough distinct reporters hide the entry or comment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from client.guide_models import EntryComment, EntryCommentCreate, Pledge, PledgeIn
from client.models import FieldError, Flag, FlagCreate, Page
from client.privacy import describe_findings, find_personal_data
from server import cursors
from server.deps import MAX_ID, CurrentUser, MaybeUser, ReadDB, Svc
from server.guide_access import Access, is_facilitator, readable_entry
from server.guide_tables import GuideCommentRow, GuideEntryRow, GuidePledgeRow
from server.guide_views import comment_out, pledge_out
from server.idempotency import Idem
from server.problems import ProblemError, not_found
from server.queries import mark_participant
from server.routes.submissions import held_for_personal_data
from server.services import Services
from server.tables import ChallengeRow, FlagRow, UserRow

router = APIRouter(tags=["guide"])

EntryId = Annotated[int, Path(ge=1, le=MAX_ID)]
CommentId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _open_for_people(entry: GuideEntryRow, access: Access, now: datetime) -> None:
    """What pledging and commenting need of the entry and the phase."""
    if entry.mod_status != "published":
        raise ProblemError(409, "This entry waits for a moderator; pledges and comments "
                                "open again once it is published.")
    access.require_develop(now)


# --- pledges ----------------------------------------------------------------------


@router.put("/guide/entries/{entry_id}/pledge")
async def pledge(entry_id: EntryId, body: PledgeIn, user: CurrentUser,
                 services: Svc) -> Pledge:
    """Pledge to test the solution ("my ward will try this"), or change your note: one
    pledge per person and entry."""
    now = services.now()
    findings = find_personal_data(body.note)
    if findings:
        raise ProblemError(422, f"The note looks like it contains "
                                f"{describe_findings(findings)}; leave out details that "
                                "identify a patient or colleague.",
                           errors=[FieldError(field="note", message="looks like personal data")])
    async with services.db.write() as session:
        # Locked: one person's two pledges at once go one after the other.
        entry, access, _ = await readable_entry(session, services, entry_id, user, lock=True)
        _open_for_people(entry, access, now)
        row = (await session.execute(select(GuidePledgeRow).where(
            GuidePledgeRow.entry_id == entry.id, GuidePledgeRow.user_id == user.id))
        ).scalar_one_or_none()
        if row is None:
            row = GuidePledgeRow(entry_id=entry.id, user_id=user.id, note=body.note,
                                 created_at=now, updated_at=now)
            session.add(row)
        else:
            row.note, row.updated_at = body.note, now
        await mark_participant(session, entry.challenge_id, user.id, now)
        try:
            await session.flush()
        except IntegrityError:  # the unique (entry, user) pair: a pledge already made
            raise ProblemError(409, "You pledged to this entry at the same moment from "
                                    "elsewhere; try again.") from None
        result = pledge_out(row, user)
        await session.commit()
    return result


@router.delete("/guide/entries/{entry_id}/pledge", status_code=status.HTTP_204_NO_CONTENT,
               response_class=Response)
async def withdraw_pledge(entry_id: EntryId, user: CurrentUser, services: Svc) -> Response:
    """Withdraw your pledge (while the develop phase runs); none to withdraw is fine."""
    now = services.now()
    async with services.db.write() as session:
        entry, access, _ = await readable_entry(session, services, entry_id, user, lock=True)
        access.require_develop(now)
        row = (await session.execute(select(GuidePledgeRow).where(
            GuidePledgeRow.entry_id == entry.id, GuidePledgeRow.user_id == user.id))
        ).scalar_one_or_none()
        if row is not None:
            await session.delete(row)
            await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# --- comments ---------------------------------------------------------------------


@router.get("/guide/entries/{entry_id}/comments")
async def list_entry_comments(
    entry_id: EntryId, session: ReadDB, services: Svc, viewer: MaybeUser,
    cursor: cursors.Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Page[EntryComment]:
    """Oldest first: the published comments, and the viewer's own in any status."""
    await readable_entry(session, services, entry_id, viewer)
    C = GuideCommentRow
    shown = C.status == "published"
    if viewer is not None:
        shown = or_(shown, C.author_id == viewer.id)
    query = (select(C, UserRow).join(UserRow, UserRow.id == C.author_id)
             .where(C.entry_id == entry_id, shown).order_by(C.id).limit(limit + 1))
    tag = cursors.query_tag("guide-comments", entry_id, viewer.id if viewer else None)
    if cursor:
        (last,) = cursors.decode(cursor, tag, (int,))
        query = query.where(C.id > last)
    rows = list(await session.execute(query))
    more = len(rows) > limit
    rows = rows[:limit]
    facilitator = is_facilitator(viewer)
    return Page[EntryComment](
        items=[comment_out(c, u, viewer, facilitator) for c, u in rows],
        next_cursor=cursors.encode(tag, [rows[-1][0].id]) if more else None)


@router.post("/guide/entries/{entry_id}/comments", status_code=status.HTTP_201_CREATED,
             response_model=EntryComment)
async def add_entry_comment(entry_id: EntryId, body: EntryCommentCreate, user: CurrentUser,
                            services: Svc, idem: Idem) -> EntryComment | Response:
    now = services.now()
    async with services.db.write() as session:
        if (replay := await idem.claim(session, user.id, body)) is not None:
            return replay
        entry, access, _ = await readable_entry(session, services, entry_id, user)
        _open_for_people(entry, access, now)
        moderation = (await session.execute(select(ChallengeRow.moderation).where(
            ChallengeRow.id == entry.challenge_id))).scalar_one()
        held = held_for_personal_data(body.body)
        if held is None and moderation == "pre":
            held = "Waiting for a moderator to approve it."
        row = GuideCommentRow(entry_id=entry.id, author_id=user.id, body=body.body,
                              status="pending" if held else "published", status_reason=held,
                              created_at=now, updated_at=now)
        session.add(row)
        await mark_participant(session, entry.challenge_id, user.id, now)
        await session.flush()
        result = comment_out(row, user, user, access.facilitator)
        idem.remember(201, result)
        await session.commit()
    return result


# --- flags ------------------------------------------------------------------------

Target = Literal["entry", "entry_comment"]


async def _file(session: AsyncSession, services: Services, user: UserRow, target: Target,
                target_id: int, body: FlagCreate) -> tuple[Flag, int]:
    """The flag, and how many people report the item now."""
    row = FlagRow(reporter_id=user.id, target_type=target, target_id=target_id,
                  reason=body.reason, note=body.note, created_at=services.now())
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        raise ProblemError(409, "You have already reported this.") from None
    count = int((await session.execute(
        select(func.count(func.distinct(FlagRow.reporter_id)))
        .where(FlagRow.target_type == target, FlagRow.target_id == target_id,
               FlagRow.resolved_at.is_(None)))).scalar_one())
    return Flag(id=row.id, target_type=target, target_id=target_id, reason=row.reason,
                note=row.note, created_at=row.created_at), count


def _hidden_reason(count: int) -> str:
    return f"Hidden after reports from {count} people; waiting for a moderator."


@router.post("/guide/entries/{entry_id}/flags", status_code=status.HTTP_201_CREATED,
             response_model=Flag)
async def flag_entry(entry_id: EntryId, body: FlagCreate, user: CurrentUser, services: Svc,
                     idem: Idem) -> Flag | Response:
    """Report an entry's text to the moderators."""
    async with services.db.write() as session:
        if (replay := await idem.claim(session, user.id, body)) is not None:
            return replay
        # Locked, so that reporters of one entry count one after another.
        entry, access, contributors = await readable_entry(session, services, entry_id, user,
                                                           lock=True)
        if access.is_editor(entry, contributors):
            raise ProblemError(409, "You can edit this entry: change its text instead.")
        result, count = await _file(session, services, user, "entry", entry.id, body)
        if entry.mod_status == "published" and count >= services.settings.flag_threshold:
            entry.mod_status, entry.mod_reason = "hidden", _hidden_reason(count)
            entry.held_at = services.now()
        idem.remember(201, result)
        await session.commit()
    return result


@router.post("/guide/comments/{comment_id}/flags", status_code=status.HTTP_201_CREATED,
             response_model=Flag)
async def flag_entry_comment(comment_id: CommentId, body: FlagCreate, user: CurrentUser,
                             services: Svc, idem: Idem) -> Flag | Response:
    """Report a comment on a guide entry to the moderators."""
    async with services.db.write() as session:
        if (replay := await idem.claim(session, user.id, body)) is not None:
            return replay
        entry_id = (await session.execute(select(GuideCommentRow.entry_id).where(
            GuideCommentRow.id == comment_id))).scalar_one_or_none()
        if entry_id is None:
            raise not_found("comment")
        # The entry, then the comment: the order moderation takes them in.
        await readable_entry(session, services, entry_id, user, lock=True)
        comment = (await session.execute(select(GuideCommentRow).where(
            GuideCommentRow.id == comment_id).with_for_update())).scalar_one()
        if comment.status != "published" and comment.author_id != user.id \
                and not is_facilitator(user):
            raise not_found("comment")
        if comment.author_id == user.id:
            raise ProblemError(409, "This is your own comment.")
        result, count = await _file(session, services, user, "entry_comment", comment.id, body)
        if comment.status == "published" and count >= services.settings.flag_threshold:
            await session.execute(update(GuideCommentRow).where(
                GuideCommentRow.id == comment.id).values(
                status="hidden", status_reason=_hidden_reason(count),
                updated_at=services.now()))
        idem.remember(201, result)
        await session.commit()
    return result

