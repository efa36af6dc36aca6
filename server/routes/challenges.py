"""Challenges: list, read, and (admins) create and edit, phases and prompts included."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import (
    Challenge,
    ChallengeCreate,
    ChallengeSummary,
    ChallengeUpdate,
    Page,
)
from server import challenge_setup, cursors
from server.deps import Admin, MaybeUser, ReadDB, Svc
from server.phases import current_phase
from server.queries import challenge_by_slug, counts_of, phases_of, supports_used
from server.services import Services
from server.tables import ChallengeRow, UserRow
from server.views import challenge_out, summary_out

router = APIRouter(tags=["challenges"])


async def render(session: AsyncSession, services: Services, challenge: ChallengeRow,
                 viewer: UserRow | None) -> Challenge:
    """The challenge as ``viewer`` sees it: with their supports left, if the current
    phase has a vote budget (rendered per request, never kept for others)."""
    phases = await phases_of(session, challenge.id)
    prompts = await challenge_setup.prompts_of(session, challenge.id)
    submissions, participants = (await counts_of(session, [challenge.id]))[challenge.id]
    current = current_phase(phases, services.now())
    out = challenge_out(challenge, phases, prompts, current, submissions, participants)
    if viewer is not None and current is not None and current.vote_budget is not None:
        used = await supports_used(session, viewer.id, challenge.id)
        out.supports_left = max(0, current.vote_budget - used)
    return out


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
    async with services.db.write() as session:
        challenge = await challenge_setup.create(session, body, services.now())
        await session.commit()
    await services.invalidate.challenge(challenge.id)
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
        await challenge_setup.update(session, challenge, body, services.now())
        await session.commit()
    await services.invalidate.challenge(challenge.id)
    async with services.db.read() as session:
        return await render(session, services, challenge, admin)
