"""Challenge statistics, and the health check."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from sqlalchemy import Select, func, select, text

from client import __version__
from client.models import DayStats, Health, Stats
from server.deps import HeavyReadDB, Svc
from server.problems import database_unavailable
from server.queries import challenge_by_slug
from server.tables import CommentRow, ParticipantRow, SubmissionRow, SubmissionThemeRow, VoteRow

router = APIRouter(tags=["stats"])


@router.get("/health")
async def health(services: Svc) -> Health:
    try:
        async with services.db.read() as session:
            await session.execute(text("SELECT 1"))
    except Exception as exc:  # any database failure means "not healthy", not a crash
        raise database_unavailable(exc) from None
    return Health(status="ok", version=__version__, database=services.db.dialect)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@router.get("/challenges/{slug}/stats")
async def stats(slug: str, session: HeavyReadDB) -> Stats:
    challenge = await challenge_by_slug(session, slug)
    published = (SubmissionRow.challenge_id == challenge.id,
                 SubmissionRow.status == "published")

    async def scalar(query: Select[Any]) -> int:
        return int((await session.execute(query)).scalar_one() or 0)

    by_kind = dict((await session.execute(
        select(SubmissionRow.kind, func.count()).where(*published)
        .group_by(SubmissionRow.kind))).all())
    by_theme = dict((await session.execute(
        select(SubmissionThemeRow.theme, func.count())
        .join(SubmissionRow, SubmissionRow.id == SubmissionThemeRow.submission_id)
        .where(*published).group_by(SubmissionThemeRow.theme))).all())
    in_challenge = select(SubmissionRow.id).where(*published).scalar_subquery()
    votes_q = select(VoteRow).where(VoteRow.submission_id.in_(in_challenge)).subquery()
    comments_q = select(CommentRow).where(CommentRow.submission_id.in_(in_challenge),
                                          CommentRow.status == "published").subquery()
    subs_q = select(SubmissionRow).where(*published).subquery()

    days: dict[date, dict[str, int]] = {}
    for name, sub in (("submissions", subs_q), ("comments", comments_q), ("votes", votes_q)):
        day = func.date(sub.c.created_at)
        for value, count in (await session.execute(
                select(day, func.count()).group_by(day))):
            days.setdefault(_as_date(value), {})[name] = int(count)
    per_day = [DayStats(day=d, submissions=c.get("submissions", 0),
                        comments=c.get("comments", 0), votes=c.get("votes", 0))
               for d, c in sorted(days.items())]
    return Stats(
        challenge=challenge.slug,
        participants=await scalar(select(func.count()).select_from(ParticipantRow).where(
            ParticipantRow.challenge_id == challenge.id)),
        submissions=sum(int(v) for v in by_kind.values()),
        submissions_by_kind={k: int(v) for k, v in by_kind.items()},
        submissions_by_theme={k: int(v) for k, v in by_theme.items()},
        votes=await scalar(select(func.count()).select_from(votes_q)),
        comments=await scalar(select(func.count()).select_from(comments_q)),
        per_day=per_day)
