"""Challenges: list, read, and (admins) create and edit, phases and prompts included."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import (
    Challenge,
    ChallengeCreate,
    ChallengeSummary,
    ChallengeUpdate,
    FieldError,
    Page,
    PhaseIn,
    PromptIn,
)
from server import cursors
from server.deps import Admin, MaybeUser, ReadDB, Svc
from server.phases import current_phase
from server.problems import ProblemError
from server.queries import challenge_by_slug, counts_of, phases_of, supports_used
from server.services import Services
from server.tables import ChallengeRow, PhaseRow, PromptRow, UserRow
from server.views import challenge_out, summary_out

router = APIRouter(tags=["challenges"])


async def render(session: AsyncSession, services: Services, challenge: ChallengeRow,
                 viewer: UserRow | None) -> Challenge:
    """The challenge as ``viewer`` sees it: with their supports left, if the current
    phase has a vote budget (rendered per request, never kept for others)."""
    phases = await phases_of(session, challenge.id)
    prompts = (await session.execute(
        select(PromptRow).where(PromptRow.challenge_id == challenge.id)
        .order_by(PromptRow.position))).scalars().all()
    submissions, participants = (await counts_of(session, [challenge.id]))[challenge.id]
    current = current_phase(phases, services.now())
    out = challenge_out(challenge, phases, prompts, current, submissions, participants)
    if viewer is not None and current is not None and current.vote_budget is not None:
        used = await supports_used(session, viewer.id, challenge.id)
        out.supports_left = max(0, current.vote_budget - used)
    return out


def _phase_rows(challenge_id: int, phases: list[PhaseIn]) -> list[PhaseRow]:
    ordered = sorted(phases, key=lambda p: p.starts_at)
    return [PhaseRow(challenge_id=challenge_id, position=i, name=p.name,
                     starts_at=p.starts_at, ends_at=p.ends_at, submissions=p.submissions,
                     comments=p.comments, votes=p.votes, show_counts=p.show_counts,
                     vote_budget=p.vote_budget, develop=p.develop)
            for i, p in enumerate(ordered)]


def _prompt_rows(challenge_id: int, prompts: list[PromptIn]) -> list[PromptRow]:
    return [PromptRow(challenge_id=challenge_id, position=i, kind=p.kind, question=p.question,
                      description=p.description) for i, p in enumerate(prompts)]


def _unique_themes(themes: list[str], field: str) -> list[str]:
    seen: dict[str, str] = {}
    for theme in themes:
        seen.setdefault(theme.strip().casefold(), theme.strip())
    if len(seen) != len(themes):
        raise ProblemError(422, "Themes must be unique.",
                           errors=[FieldError(field=field, message="duplicate theme")])
    return list(seen.values())


@router.get("/challenges")
async def list_challenges(
    session: ReadDB, services: Svc,
    cursor: cursors.Cursor = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Page[ChallengeSummary]:
    tag = cursors.query_tag("challenges")
    query = select(ChallengeRow).order_by(ChallengeRow.id.desc()).limit(limit + 1)
    if cursor:
        (last_id,) = cursors.decode(cursor, tag, (int,))
        query = query.where(ChallengeRow.id < last_id)
    rows = list((await session.execute(query)).scalars())
    more = len(rows) > limit
    rows = rows[:limit]
    counts = await counts_of(session, [r.id for r in rows])
    now = services.now()
    items = []
    for row in rows:
        phase = current_phase(await phases_of(session, row.id), now)
        items.append(summary_out(row, phase, *counts[row.id]))
    next_cursor = cursors.encode(tag, [rows[-1].id]) if more else None
    return Page[ChallengeSummary](items=items, next_cursor=next_cursor)


@router.post("/challenges", status_code=status.HTTP_201_CREATED)
async def create_challenge(body: ChallengeCreate, admin: Admin, services: Svc) -> Challenge:
    now = services.now()
    async with services.db.write() as session:
        challenge = ChallengeRow(
            slug=body.slug, title=body.title.strip(), summary=body.summary,
            themes=_unique_themes(body.themes, "themes"), moderation=body.moderation,
            anonymous_default=body.anonymous_default, created_at=now, updated_at=now)
        session.add(challenge)
        try:
            await session.flush()
        except IntegrityError:
            raise ProblemError(409, f"A challenge with the slug {body.slug!r} exists.",
                               errors=[FieldError(field="slug", message="already taken")]
                               ) from None
        session.add_all(_phase_rows(challenge.id, body.phases))
        session.add_all(_prompt_rows(challenge.id, body.prompts))
        await session.commit()
    services.challenges.forget()
    async with services.db.read() as session:
        return await render(session, services, challenge, admin)


@router.get("/challenges/{slug}")
async def get_challenge(slug: str, session: ReadDB, viewer: MaybeUser,
                        services: Svc) -> Challenge:
    return await render(session, services, await challenge_by_slug(session, slug), viewer)


@router.patch("/challenges/{slug}")
async def update_challenge(slug: str, body: ChallengeUpdate, admin: Admin,
                           services: Svc) -> Challenge:
    async with services.db.write() as session:
        challenge = await challenge_by_slug(session, slug)
        if body.title is not None:
            challenge.title = body.title.strip()
        if body.summary is not None:
            challenge.summary = body.summary
        if body.themes is not None:
            challenge.themes = _unique_themes(body.themes, "themes")
        if body.moderation is not None:
            challenge.moderation = body.moderation
        if body.anonymous_default is not None:
            challenge.anonymous_default = body.anonymous_default
        if body.phases is not None:
            await session.execute(delete(PhaseRow).where(PhaseRow.challenge_id == challenge.id))
            session.add_all(_phase_rows(challenge.id, body.phases))
        if body.prompts is not None:
            await session.execute(
                delete(PromptRow).where(PromptRow.challenge_id == challenge.id))
            session.add_all(_prompt_rows(challenge.id, body.prompts))
        challenge.updated_at = services.now()
        await session.commit()
    services.challenges.forget()
    async with services.db.read() as session:
        return await render(session, services, challenge, admin)
