"""Each instance's ballot log publisher: a task beside the requests that publishes a
challenge's segment once a run of voting has ended (server/ballot_schedule.py), so no
request ever waits for one (at national scale a segment is minutes of work).

It looks at every challenge's phases when the next run of voting is due to end, and at
least every ``ballot_publish_seconds`` besides (phases an admin edits; a clock moved in
tests); a request that finds a segment due but not there yet nudges it. Every instance
runs one: ``ballot_log.publish`` lets one of them write each segment.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from server import ballot_log
from server.ballot_schedule import due, next_closing
from server.db import Database
from server.tables import ChallengeRow, PhaseRow
from server.trust_tables import BallotSegmentRow

log = logging.getLogger(__name__)

#: The shortest wait between two looks (a run that ends in a moment).
SOONEST = 0.05


class Publisher:
    def __init__(self, db: Database, clock: Callable[[], datetime], every: float) -> None:
        self.db = db
        self.clock = clock
        self.every = every
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ballot-publisher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def nudge(self) -> None:
        """Look now (a request found a segment due)."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                wait = await self.publish_due()
            except Exception:  # the database away, say: look again later
                log.exception("publishing ballot logs failed")
                wait = self.every
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def publish_due(self) -> float:
        """Publish every segment due now; how long to wait before looking again."""
        async with self.db.read() as session:
            challenges = (await session.execute(select(ChallengeRow))).scalars().all()
            phases: dict[int, list[PhaseRow]] = defaultdict(list)
            for phase in (await session.execute(select(PhaseRow))).scalars():
                phases[phase.challenge_id].append(phase)
            closed = {cid: at for cid, at in await session.execute(
                select(BallotSegmentRow.challenge_id, func.max(BallotSegmentRow.closed_at))
                .group_by(BallotSegmentRow.challenge_id))}
        for challenge in challenges:
            run = due(phases[challenge.id], self.clock(), closed.get(challenge.id))
            if run is None:
                continue
            try:
                result = await ballot_log.publish(self.db, challenge, run, self.clock)
            except Exception:  # one challenge's trouble holds up no other's
                log.exception("publishing the ballot log of %s failed", challenge.slug)
                continue
            if result.done:
                log.info("published the ballot log of %s up to %s (longest write "
                         "transaction %.3f s)", challenge.slug, ballot_log.stamp(run.ends_at),
                         result.longest_write)
        now = self.clock()
        closings = [c for c in (next_closing(p, now) for p in phases.values()) if c is not None]
        if not closings:
            return self.every
        return max(SOONEST, min(self.every, (min(closings) - now).total_seconds()))
