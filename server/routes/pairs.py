"""Pairwise prioritisation: ``GET /challenges/{slug}/pairs/next`` and ``POST
/challenges/{slug}/pairs`` (which answers with the next pair too: one request per
comparison). Signed in, in a phase that allows ``pairwise``."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Response, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from client.models import Kind
from client.pairs_models import Pair, PairChoice, PairResult
from server import pair_tokens, pairs
from server.deps import CurrentUser, Svc
from server.idempotency import Idem
from server.phases import counts_visible, current_phase, require
from server.routes.submissions import render_many
from server.services import Services
from server.tables import ChallengeRow, PhaseRow, SubmissionRow, UserRow

router = APIRouter(tags=["pairs"])

#: A pair may vanish between choosing it and reading it (withdrawn meanwhile): choose
#: again this many times before saying none is left.
ATTEMPTS = 3


async def _next(session: AsyncSession, services: Services, challenge: ChallengeRow,
                phases: Sequence[PhaseRow], user: UserRow, kind: str, key: bytes,
                also_answered: tuple[int, int] | None = None) -> Pair | None:
    """The person's next pair of ``kind``, rendered as they see it, or None."""
    counts = counts_visible(phases, services.now())
    for _ in range(ATTEMPTS):
        chosen = await pairs.choose(session, challenge.id, kind, user.id,
                                    also_answered=also_answered)
        if chosen is None:
            return None
        left, right = chosen
        rows = {r.id: r for r in (await session.execute(
            select(SubmissionRow).where(SubmissionRow.id.in_(chosen),
                                        SubmissionRow.status == "published"))).scalars()}
        if len(rows) < 2:
            continue
        shown = await render_many(session, [rows[left], rows[right]], challenge.slug, user,
                                  counts)
        token = pair_tokens.sign(key, challenge.id, user.id, kind, left, right)
        return Pair(pair=token, left=shown[0], right=shown[1])
    return None


@router.get("/challenges/{slug}/pairs/next", response_model=Pair,
            responses={204: {"description": "No pair is left for you to compare."}})
async def next_pair(slug: str, kind: Kind, user: CurrentUser, services: Svc) -> Pair | Response:
    async with services.db.read() as session:
        challenge, phases = await services.challenges.by_slug(session, slug)
        require(phases, services.now(), "pairwise")
        key = await pair_tokens.key_for(services.db, session, challenge.id)
        found = await _next(session, services, challenge, phases, user, kind, key)
    if found is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return found


@router.post("/challenges/{slug}/pairs", response_model=PairResult)
async def compare(slug: str, body: PairChoice, user: CurrentUser, services: Svc,
                  idem: Idem) -> PairResult | Response:
    token = pair_tokens.parse(body.pair)
    now = services.now()
    # The next pair is chosen first, in a read transaction: the write transaction then
    # holds the two rows' locks (on SQLite, the database's) only to record the answer.
    async with services.db.read() as session:
        challenge, phases = await services.challenges.by_slug(session, slug)
        key = await pair_tokens.stored_key(session, challenge.id)
        pair_tokens.verify(token, key, challenge.id, user.id)
        following = None
        phase = current_phase(phases, now)
        if key is not None and phase is not None and phase.pairwise:
            following = await _next(session, services, challenge, phases, user, token.kind,
                                    key, also_answered=token.ordered)
    async with services.db.write() as session:
        if (replay := await idem.claim(session, user.id, body)) is not None:
            return replay
        require(phases, now, "pairwise")
        changed = await pairs.record(session, challenge_id=challenge.id, slug=challenge.slug,
                                     user=user, token=token, choice=body.choice,
                                     reason=body.reason, now=now)
        result = PairResult(left_id=token.left, right_id=token.right, choice=body.choice,
                            next=following)
        idem.remember(200, result)
        await session.commit()
    if changed:
        await services.invalidate.pages(challenge.id)
    return result
