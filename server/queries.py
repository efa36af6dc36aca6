"""Queries more than one route needs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.problems import not_found
from server.tables import (
    ChallengeRow,
    ParticipantRow,
    PhaseRow,
    SubmissionRow,
    SubmissionThemeRow,
    VoteRow,
)


async def supports_used(session: AsyncSession, user_id: int, challenge_id: int) -> int:
    """The supports (votes of +1) this person has given in this challenge: what the
    current phase's vote budget limits."""
    return int((await session.execute(
        select(func.count()).select_from(VoteRow)
        .join(SubmissionRow, SubmissionRow.id == VoteRow.submission_id)
        .where(VoteRow.user_id == user_id, VoteRow.value == 1,
               SubmissionRow.challenge_id == challenge_id))).scalar_one())


async def challenge_by_slug(session: AsyncSession, slug: str) -> ChallengeRow:
    row = (await session.execute(
        select(ChallengeRow).where(ChallengeRow.slug == slug))).scalar_one_or_none()
    if row is None:
        raise not_found("challenge")
    return row


async def phases_of(session: AsyncSession, challenge_id: int) -> Sequence[PhaseRow]:
    return (await session.execute(
        select(PhaseRow).where(PhaseRow.challenge_id == challenge_id)
        .order_by(PhaseRow.position))).scalars().all()


async def counts_of(session: AsyncSession, challenge_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(published submissions, participants) per challenge."""
    if not challenge_ids:
        return {}
    subs = dict((await session.execute(
        select(SubmissionRow.challenge_id, func.count())
        .where(SubmissionRow.challenge_id.in_(challenge_ids),
               SubmissionRow.status == "published")
        .group_by(SubmissionRow.challenge_id))).all())
    people = dict((await session.execute(
        select(ParticipantRow.challenge_id, func.count())
        .where(ParticipantRow.challenge_id.in_(challenge_ids))
        .group_by(ParticipantRow.challenge_id))).all())
    return {cid: (int(subs.get(cid, 0)), int(people.get(cid, 0))) for cid in challenge_ids}


async def themes_of(session: AsyncSession, submission_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {sid: [] for sid in submission_ids}
    if submission_ids:
        rows = await session.execute(
            select(SubmissionThemeRow.submission_id, SubmissionThemeRow.theme)
            .where(SubmissionThemeRow.submission_id.in_(submission_ids))
            .order_by(SubmissionThemeRow.submission_id, SubmissionThemeRow.theme))
        for sid, theme in rows:
            found[sid].append(theme)
    return found


async def mark_participant(session: AsyncSession, challenge_id: int, user_id: int,
                           now: datetime) -> None:
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(ParticipantRow)
        .values(challenge_id=challenge_id, user_id=user_id, first_at=now)
        .on_conflict_do_nothing())
