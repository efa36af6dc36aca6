"""Who writes a ballot log segment: a claim, so one instance writes it in many short
transactions (SQLite's write lock is never held for the whole segment) while every
other instance leaves it alone.

Taking the claim happens under the per-challenge publishing lock (PostgreSQL: an
advisory lock; SQLite: the write transaction's own), after looking again whether the
segment is still due. Every batch the owner writes renews the lease in the same
transaction, and stops if the claim is no longer its own: a lease that lapsed (the
instance died, or stalled past ``LEASE``) was taken over, and the new owner first
removes the lines its predecessor wrote beyond the last segment. The segment's unique
(challenge, position) stays the last guard.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.ballot_schedule import Run
from server.db import Database
from server.trust_tables import BallotLineRow, BallotPublishingRow, BallotSegmentRow

#: How long a claim stands without being renewed (each batch renews it).
LEASE = timedelta(minutes=2)
#: The advisory lock namespace (with the challenge id) that serialises claiming.
LOCK_SPACE = 0x6261  # "ba"
#: Stale lines removed per transaction when a lapsed claim is taken over.
CLEAR_BATCH = 5000


class LostClaim(Exception):
    """The claim lapsed and another instance took it over: stop writing."""


async def latest_segment(session: AsyncSession, challenge_id: int) -> BallotSegmentRow | None:
    return (await session.execute(
        select(BallotSegmentRow).where(BallotSegmentRow.challenge_id == challenge_id)
        .order_by(BallotSegmentRow.position.desc()).limit(1))).scalar_one_or_none()


async def lock(session: AsyncSession, dialect: str, challenge_id: int) -> None:
    if dialect == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:space, :id)"),
                              {"space": LOCK_SPACE, "id": challenge_id})


@dataclass
class Claim:
    """This instance's claim on writing the segment after ``last``."""

    db: Database
    challenge_id: int
    owner: str
    clock: Callable[[], datetime]
    last: BallotSegmentRow | None

    @property
    def first_line(self) -> int:
        return self.last.first_line + self.last.count if self.last is not None else 1

    async def renew(self, session: AsyncSession) -> None:
        """In a write transaction about to write for this claim: LostClaim unless it is
        still ours (PostgreSQL: the row stays locked until that transaction ends, so
        nobody takes it over meanwhile)."""
        done = await session.execute(
            update(BallotPublishingRow)
            .where(BallotPublishingRow.challenge_id == self.challenge_id,
                   BallotPublishingRow.owner == self.owner)
            .values(lease_until=self.clock() + LEASE))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise LostClaim

    async def release(self, session: AsyncSession) -> None:
        await session.execute(delete(BallotPublishingRow).where(
            BallotPublishingRow.challenge_id == self.challenge_id,
            BallotPublishingRow.owner == self.owner))

    async def clear(self) -> None:
        """Remove lines a lapsed owner wrote past the last segment, a batch at a time."""
        while True:
            async with self.db.write() as session:
                await self.renew(session)
                stale = select(BallotLineRow.n).where(
                    BallotLineRow.challenge_id == self.challenge_id,
                    BallotLineRow.n >= self.first_line).limit(CLEAR_BATCH)
                ns = (await session.execute(stale)).scalars().all()
                if ns:
                    await session.execute(delete(BallotLineRow).where(
                        BallotLineRow.challenge_id == self.challenge_id,
                        BallotLineRow.n.in_(list(ns))))
                await session.commit()
            if len(ns) < CLEAR_BATCH:
                return


async def take(db: Database, challenge_id: int, run: Run,
               clock: Callable[[], datetime]) -> Claim | None:
    """The claim on publishing ``run``, or None when it is published already or another
    instance holds a live claim on it."""
    async with db.write() as session:
        await lock(session, db.dialect, challenge_id)
        last = await latest_segment(session, challenge_id)
        if last is not None and last.closed_at >= run.ends_at:
            return None
        now = clock()
        held = (await session.execute(
            select(BallotPublishingRow).where(BallotPublishingRow.challenge_id == challenge_id)
            .with_for_update())).scalar_one_or_none()
        if held is not None and held.lease_until > now:
            return None
        owner = uuid.uuid4().hex
        if held is None:
            session.add(BallotPublishingRow(challenge_id=challenge_id, closed_at=run.ends_at,
                                            owner=owner, lease_until=now + LEASE))
        else:  # lapsed: ours now
            held.closed_at, held.owner, held.lease_until = run.ends_at, owner, now + LEASE
        await session.commit()
    claim = Claim(db, challenge_id, owner, clock, last)
    if held is not None:
        await claim.clear()
    return claim
