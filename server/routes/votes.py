"""Votes: one per person per submission; counters and score change in the same transaction."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import VoteRequest, VoteResult
from server import live_record
from server.deps import CurrentUser, SubmissionId, Svc
from server.phases import counts_visible, require
from server.problems import VOTE_BUDGET, ProblemError, not_found
from server.queries import mark_participant, supports_used
from server.ranking import wilson_lower_bound
from server.services import Services
from server.tables import PhaseRow, SubmissionRow, UserRow, VoteRow

router = APIRouter(tags=["votes"])


async def _locked(session: AsyncSession, services: Services, submission_id: int,
                  user: UserRow) -> tuple[SubmissionRow, PhaseRow, bool, str]:
    """Lock the voter, then the submission (always in that order, so no deadlocks).

    The voter's lock makes the vote budget exact under concurrent votes; the
    submission's lock serialises counter updates (so the counters this transaction
    sets are the ones it commits: the live event takes them from the row). On SQLite
    the write transaction already holds the database lock. Also returns the
    challenge's slug, from the cache that gave its phases.
    """
    if services.db.dialect == "postgresql":
        await session.execute(select(UserRow.id).where(UserRow.id == user.id).with_for_update())
    row = (await session.execute(
        select(SubmissionRow).where(SubmissionRow.id == submission_id).with_for_update()
    )).scalar_one_or_none()
    if row is None or (row.status != "published" and row.author_id != user.id
                       and user.role not in ("moderator", "admin")):
        raise not_found("submission")
    challenge = await services.challenges.by_id(session, row.challenge_id)
    phases = challenge.phases
    now = services.now()
    phase = require(phases, now, "votes")
    if row.status != "published":
        raise ProblemError(409, f"A {row.status} submission cannot be voted on.")
    return row, phase, counts_visible(phases, now), challenge.challenge.slug


def _apply(row: SubmissionRow, old: int | None, new: int | None) -> None:
    row.up += (new == 1) - (old == 1)
    row.down += (new == -1) - (old == -1)
    row.score = wilson_lower_bound(row.up, row.down)


def _result(row: SubmissionRow, my_vote: int | None, counts: bool,
            supports_left: int | None) -> VoteResult:
    if not counts:
        return VoteResult(submission_id=row.id, my_vote=my_vote, supports_left=supports_left)
    return VoteResult(submission_id=row.id, my_vote=my_vote, up=row.up, down=row.down,
                      score=row.score, supports_left=supports_left)


def _left(phase: PhaseRow, used: int | None, old: int | None, new: int | None) -> int | None:
    """The voter's supports left once ``old`` became ``new``; None without a budget."""
    if phase.vote_budget is None or used is None:
        return None
    return max(0, phase.vote_budget - (used - (old == 1) + (new == 1)))


async def _existing(session: AsyncSession, user_id: int, submission_id: int) -> VoteRow | None:
    return (await session.execute(select(VoteRow).where(
        VoteRow.user_id == user_id, VoteRow.submission_id == submission_id))
    ).scalar_one_or_none()


@router.put("/submissions/{submission_id}/vote")
async def vote(submission_id: SubmissionId, body: VoteRequest, user: CurrentUser,
               services: Svc) -> VoteResult:
    now = services.now()
    async with services.db.write() as session:
        row, phase, counts, slug = await _locked(session, services, submission_id, user)
        existing = await _existing(session, user.id, row.id)
        old = existing.value if existing else None
        # Counted under the voter's lock: exact, and the answer says what is left.
        used = (await supports_used(session, user.id, row.challenge_id)
                if phase.vote_budget is not None else None)
        if old == body.value:
            return _result(row, old, counts, _left(phase, used, old, old))
        if (body.value == 1 and phase.vote_budget is not None and used is not None
                and used >= phase.vote_budget):
            raise ProblemError(
                409, f"You have used all {phase.vote_budget} of your supports in this "
                     "phase; withdraw one to support something else.",
                type=VOTE_BUDGET, title="Vote budget spent")
        if existing is None:
            session.add(VoteRow(user_id=user.id, submission_id=row.id, value=body.value,
                                created_at=now, updated_at=now))
        else:
            existing.value = body.value
            existing.updated_at = now
        _apply(row, old, body.value)
        if existing is None:
            await mark_participant(session, row.challenge_id, user.id, now)
        await live_record.counts_of(session, row, "vote", slug=slug)
        await session.commit()
    await services.invalidate.pages(row.challenge_id, voter=user.id)
    return _result(row, body.value, counts, _left(phase, used, old, body.value))


@router.delete("/submissions/{submission_id}/vote")
async def unvote(submission_id: SubmissionId, user: CurrentUser, services: Svc) -> VoteResult:
    async with services.db.write() as session:
        row, phase, counts, slug = await _locked(session, services, submission_id, user)
        existing = await _existing(session, user.id, row.id)
        old = existing.value if existing else None
        used = (await supports_used(session, user.id, row.challenge_id)
                if phase.vote_budget is not None else None)
        if existing is not None:
            _apply(row, existing.value, None)
            await session.delete(existing)
            await live_record.counts_of(session, row, "vote", slug=slug)
            await session.commit()
            await services.invalidate.pages(row.challenge_id, voter=user.id)
    return _result(row, None, counts, _left(phase, used, old, None))
