"""Support across staff groups: the tallies ``sort=bridging``, an item's ``groups`` and
the ballot log's manifest are all computed from, so the three agree.

The rule, in one place: a staff group counts in a challenge when at least
``client.ranking.MIN_GROUP_SIZE`` people who declared it have voted on any of the
challenge's submissions (whatever the submission's status now). Each submission's
tally is its votes from each counting group; people without a group, or in a group
that does not count, add nothing. ``client.ranking`` turns tallies into scores.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from client.ranking import MIN_GROUP_SIZE, bridging_score, supporting_groups
from server.tables import SubmissionRow, UserRow, VoteRow


@dataclass
class Tallies:
    """A challenge's counting groups and, per submission id, each group's (up, down)."""

    groups: frozenset[str]
    items: dict[int, dict[str, tuple[int, int]]] = field(default_factory=dict)

    def score(self, submission_id: int) -> float:
        return bridging_score(self.items.get(submission_id, {}), self.groups)

    def supporters(self, submission_id: int) -> list[str]:
        return supporting_groups(self.items.get(submission_id, {}), self.groups)

    def shown(self, submission_id: int) -> list[tuple[str, int, int]]:
        """(group, up, down) for each counting group with at least ``MIN_GROUP_SIZE``
        votes on the submission: what may be shown of it (smaller groups never)."""
        tally = self.items.get(submission_id, {})
        return [(g, *tally[g]) for g in sorted(tally)
                if g in self.groups and sum(tally[g]) >= MIN_GROUP_SIZE]


def counting_groups(voters_per_group: Iterable[tuple[str, int]]) -> frozenset[str]:
    return frozenset(g for g, n in voters_per_group if n >= MIN_GROUP_SIZE)


async def tallies(session: AsyncSession, challenge_id: int) -> Tallies:
    """Two grouped queries over the challenge's votes (by submission and staff group)."""
    voted = (select(UserRow.staff_group, func.count(func.distinct(VoteRow.user_id)))
             .join(VoteRow, VoteRow.user_id == UserRow.id)
             .join(SubmissionRow, SubmissionRow.id == VoteRow.submission_id)
             .where(SubmissionRow.challenge_id == challenge_id,
                    UserRow.staff_group.is_not(None))
             .group_by(UserRow.staff_group))
    groups = counting_groups((str(g), int(n)) for g, n in (await session.execute(voted)).all())
    out = Tallies(groups)
    if not groups:
        return out
    up = func.sum(case((VoteRow.value > 0, 1), else_=0))
    down = func.sum(case((VoteRow.value < 0, 1), else_=0))
    rows = (await session.execute(
        select(VoteRow.submission_id, UserRow.staff_group, up, down)
        .join(UserRow, UserRow.id == VoteRow.user_id)
        .join(SubmissionRow, SubmissionRow.id == VoteRow.submission_id)
        .where(SubmissionRow.challenge_id == challenge_id,
               UserRow.staff_group.in_(sorted(groups)))
        .group_by(VoteRow.submission_id, UserRow.staff_group))).all()
    items: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for submission_id, group, n_up, n_down in rows:
        items[int(submission_id)][str(group)] = (int(n_up), int(n_down))
    out.items = dict(items)
    return out
