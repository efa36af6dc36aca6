"""Pairwise comparisons in the database: the next pair for a person, and recording an
answer with its counters exact (the routes are in ``server.routes.pairs``).

Recording locks the two submissions (smaller id first, so two comparisons never wait on
each other in a cycle) before it reads the person's earlier answer: answers about the
same item queue on its row, and each sees the one before it committed, so ``wins``,
``losses`` and ``pairwise_score`` stay exact however many arrive at once. On SQLite the
write transaction holds the database's write lock already.
"""

from __future__ import annotations

import random
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from client.pairs_models import PairChoiceValue
from client.ranking import pairwise_score
from server import live_record
from server.pair_selection import choose_pair
from server.pair_tokens import PairToken
from server.problems import PAIR_GONE, ProblemError
from server.queries import mark_participant
from server.tables import SubmissionRow, UserRow
from server.trust_tables import ComparisonRow

S = SubmissionRow
C = ComparisonRow
_rng = random.SystemRandom()


async def eligible(session: AsyncSession, challenge_id: int, kind: str,
                   user_id: int) -> dict[int, int]:
    """Each submission this person may be shown, with its comparisons so far: the
    published ones of ``kind`` in the challenge, except their own."""
    found = await session.execute(
        select(S.id, S.wins + S.losses).where(
            S.challenge_id == challenge_id, S.status == "published", S.kind == kind,
            S.author_id != user_id))
    return {sid: n for sid, n in found}


async def answered(session: AsyncSession, challenge_id: int, kind: str,
                   user_id: int) -> list[tuple[int, int]]:
    """This person's answered pairs of ``kind`` (their own: hundreds at most, read by
    the unique index that starts with the person)."""
    found = await session.execute(select(C.low_id, C.high_id).where(
        C.user_id == user_id, C.challenge_id == challenge_id, C.kind == kind))
    return [(low, high) for low, high in found]


async def choose(session: AsyncSession, challenge_id: int, kind: str, user_id: int, *,
                 also_answered: tuple[int, int] | None = None,
                 rng: random.Random = _rng) -> tuple[int, int] | None:
    """The next pair (left, right) for this person, or None when none is left;
    ``also_answered``: a pair being answered now, not yet stored."""
    compared = await eligible(session, challenge_id, kind, user_id)
    if len(compared) < 2:
        return None
    done = await answered(session, challenge_id, kind, user_id)
    if also_answered is not None:
        done.append(also_answered)
    return choose_pair(compared, done, rng)


def gone() -> ProblemError:
    return ProblemError(409, "One of these submissions can no longer be compared (it was "
                             "withdrawn, hidden or merged); ask for the next pair.",
                        type=PAIR_GONE, title="Pair no longer available")


async def _locked(session: AsyncSession, submission_id: int) -> SubmissionRow | None:
    return (await session.execute(
        select(S).where(S.id == submission_id).with_for_update())).scalar_one_or_none()


async def record(session: AsyncSession, *, challenge_id: int, slug: str, user: UserRow,
                 token: PairToken, choice: PairChoiceValue, reason: str | None,
                 now: datetime) -> bool:
    """Store ``user``'s answer to the pair of ``token`` (checked already), replacing an
    earlier one, and move the counters by the difference; in the caller's write
    transaction. True when the counters changed (lists and live counts to update);
    409 pair-gone when either item may no longer be compared."""
    low_id, high_id = token.ordered
    rows: list[SubmissionRow] = []
    for sid in (low_id, high_id):  # in id order: no lock cycles
        row = await _locked(session, sid)
        if (row is None or row.challenge_id != challenge_id or row.status != "published"
                or row.kind != token.kind or row.author_id == user.id):
            raise gone()
        rows.append(row)
    winner = {"left": token.left, "right": token.right, "skip": None}[choice]
    reason = reason if choice == "skip" else None
    existing = (await session.execute(select(C).where(
        C.user_id == user.id, C.low_id == low_id, C.high_id == high_id))).scalar_one_or_none()
    if existing is None:
        session.add(ComparisonRow(challenge_id=challenge_id, user_id=user.id,
                                  kind=token.kind, low_id=low_id, high_id=high_id,
                                  winner_id=winner, reason=reason, created_at=now,
                                  updated_at=now))
        await mark_participant(session, challenge_id, user.id, now)
        old: int | None = None
    else:
        old = existing.winner_id
        if old == winner and existing.reason == reason:
            return False
        existing.winner_id, existing.reason, existing.updated_at = winner, reason, now
    if old == winner:
        return False
    for row in rows:
        # Undo the old answer, count the new one: a skip counts neither way.
        row.wins += (winner == row.id) - (old == row.id)
        row.losses += ((winner is not None and winner != row.id)
                       - (old is not None and old != row.id))
        row.pairwise_score = pairwise_score(row.wins, row.losses)
    for row in rows:
        await live_record.counts_of(session, row, "vote", slug=slug)
    return True
