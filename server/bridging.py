"""Support across staff groups: the tallies ``sort=bridging``, an item's ``groups`` and
the ballot log's manifest are all computed from, so the three agree.

The rule, in one place: a staff group (one of ``client.ranking.STAFF_GROUPS``) counts
in a challenge when at least ``client.ranking.MIN_GROUP_SIZE`` people who declared it
have voted on any of the challenge's submissions (whatever the submission's status
now). Each submission's tally is its votes from each counting group; people without a
group, or in a group that does not count, add nothing. ``client.ranking`` turns tallies into scores.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, String, exists, func, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from client.ranking import MIN_GROUP_SIZE, STAFF_GROUPS, bridging_score, supporting_groups
from server.tables import SubmissionRow, UserRow, VoteRow
from server.trust_tables import GroupTallyRow

#: A submission's bridging score and (group, up, down) of each group shown on it.
Support = tuple[float, tuple[tuple[str, int, int], ...]]


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


    def support(self, submission_id: int) -> Support:
        return self.score(submission_id), tuple(self.shown(submission_id))


def counting_groups(voters_per_group: Iterable[tuple[str, int]]) -> frozenset[str]:
    return frozenset(g for g, n in voters_per_group if n >= MIN_GROUP_SIZE)


def _voters(challenge_id: int, group: str) -> Select[str, int]:
    """Up to ``MIN_GROUP_SIZE`` people of ``group`` who voted in the challenge: a
    group's first five voters are found long before its whole history is read (counting
    every distinct voter took 7 s of a 2,000,000-vote challenge on SQLite)."""
    voted = (exists().where(VoteRow.user_id == UserRow.id,
                            SubmissionRow.id == VoteRow.submission_id,
                            SubmissionRow.challenge_id == challenge_id))
    some = (select(UserRow.id).where(UserRow.staff_group == group, voted)
            .limit(MIN_GROUP_SIZE).subquery())
    return select(literal(group, String), func.count()).select_from(some)


async def counting(session: AsyncSession, challenge_id: int) -> frozenset[str]:
    """The staff groups (of ``client.ranking.STAFF_GROUPS``; anything else stored, such
    as a group from before the fixed list, never counts) with at least
    ``MIN_GROUP_SIZE`` voters in the challenge."""
    query = union_all(*(_voters(challenge_id, g) for g in STAFF_GROUPS))
    return counting_groups((str(g), int(n)) for g, n in (await session.execute(query)).all())


async def tallies(session: AsyncSession, challenge_id: int,
                  submission_ids: Sequence[int] | None = None) -> Tallies:
    """The counting groups and each submission's votes from them (only those of
    ``submission_ids`` when given: a page's worth is one indexed look-up)."""
    groups = await counting(session, challenge_id)
    out = Tallies(groups)
    if not groups or (submission_ids is not None and not submission_ids):
        return out
    # The stored tallies (server/trust_tables.py GroupTallyRow): a row per submission
    # and group, not a count over every vote.
    query = (select(GroupTallyRow.submission_id, GroupTallyRow.staff_group, GroupTallyRow.up,
                    GroupTallyRow.down)
             .where(GroupTallyRow.staff_group.in_(sorted(groups)),
                    GroupTallyRow.up + GroupTallyRow.down > 0))
    if submission_ids is None:
        query = (query.join(SubmissionRow, SubmissionRow.id == GroupTallyRow.submission_id)
                 .where(SubmissionRow.challenge_id == challenge_id))
    else:
        query = query.where(GroupTallyRow.submission_id.in_(sorted(set(submission_ids))))
    items: dict[int, dict[str, tuple[int, int]]] = defaultdict(dict)
    for submission_id, group, n_up, n_down in (await session.execute(query)).all():
        items[int(submission_id)][str(group)] = (int(n_up), int(n_down))
    out.items = dict(items)
    return out
