"""The demo's crowd: staff who vote without posting, as most did in the campaign. They
give the demo's staff groups enough voters (``client.ranking.MIN_GROUP_SIZE`` on an
item) for ``sort=bridging`` and an item's group support to have something to show.
They cannot sign in: their password hash is not a hash.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.queries import mark_participant
from server.seed.common import DAY
from server.tables import SubmissionRow, UserRow, VoteRow

#: How many of each staff group; a few declare none. Big groups reach five voters on
#: the popular items, small ones rarely: both cases show in the demo.
CROWD: dict[str | None, int] = {
    "Nursing and midwifery registered": 12,
    "Allied health professionals": 9,
    "Administrative and clerical": 8,
    "Medical and dental": 7,
    "Estates and ancillary": 5,
    None: 4,
}
PICKS = 18  # items each person votes on
NOT_A_HASH = "!"  # argon2 refuses it, so nobody signs in as the crowd


async def _voter(session: AsyncSession, number: int, group: str | None,
                 now: datetime) -> UserRow:
    """The crowd's ``number``th person; kept when the demo is seeded again."""
    email = f"crowd-{number:02}@demo.invalid"
    user = (await session.execute(select(UserRow).where(
        UserRow.email == email))).scalar_one_or_none()
    if user is None:
        user = UserRow(email=email, display_name=f"Demo voter {number}",
                       password_hash=NOT_A_HASH, role="participant", staff_group=group,
                       created_at=now - 30 * DAY)
        session.add(user)
        await session.flush()
    return user


async def crowd_votes(session: AsyncSession, challenge_id: int, rows: Sequence[SubmissionRow],
                      appeal: Sequence[float], now: datetime) -> int:
    """Votes from the crowd on ``rows`` (popular items more often); how many. Each group
    leans its own way on each item, so some items bridge groups and some divide them.
    Its own random stream: what was seeded before stays as it was."""
    rng = random.Random(1999)
    lean = {(group, s): rng.gauss(0, 0.25) for group in CROWD for s in range(len(rows))}
    weights = [a ** 3 for a in appeal]
    count = 0
    number = 0
    for group, size in CROWD.items():
        for _ in range(size):
            number += 1
            user = await _voter(session, number, group, now)
            picked: set[int] = set()
            while len(picked) < PICKS:
                picked.add(rng.choices(range(len(rows)), weights=weights)[0])
            for s in sorted(picked):
                row = rows[s]
                chance = min(0.97, max(0.03, 0.5 + 0.45 * appeal[s] + lean[group, s]))
                value = 1 if rng.random() < chance else -1
                when = row.created_at + (now - row.created_at) * rng.random()
                session.add(VoteRow(user_id=user.id, submission_id=row.id, value=value,
                                    created_at=when, updated_at=when))
                row.up += value == 1
                row.down += value == -1
                await mark_participant(session, challenge_id, user.id, when)
                count += 1
    return count
