"""The rankings a challenge publishes, as pure functions of counts.

The server orders its lists with these and ``change-challenge verify`` recomputes them
from the published ballot log, so both must produce the same floats bit for bit: keep
every computation here, in one order of operations, and never round elsewhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

Z95 = 1.959963984540054  # two-sided 95% normal quantile

#: The NHS Electronic Staff Record's staff groups (NHS Occupation Code Manual), in
#: plain words; a person may declare one, or none.
STAFF_GROUPS: tuple[str, ...] = (
    "Additional clinical services",
    "Additional professional scientific and technical",
    "Administrative and clerical",
    "Allied health professionals",
    "Estates and ancillary",
    "Healthcare scientists",
    "Medical and dental",
    "Nursing and midwifery registered",
    "Students",
)

#: No figure about a staff group of fewer people than this is shown or published.
MIN_GROUP_SIZE = 5


def wilson_lower_bound(up: int, down: int, z: float = Z95) -> float:
    """Lower bound of the Wilson score interval for the share of supporters (``top``).

    A submission with 2 of 2 supporting ranks below one with 90 of 100: the bound
    rewards evidence, not just the ratio. No votes scores 0.
    """
    n = up + down
    if n <= 0:
        return 0.0
    p = up / n
    z2 = z * z
    centre = p + z2 / (2 * n)
    margin = z * math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)
    return max(0.0, (centre - margin) / (1 + z2 / n))


def pairwise_score(wins: int, losses: int) -> float:
    """``pairwise``: the chance the item wins a comparison, smoothed by one win and one
    loss (All Our Ideas' score, without its factor of 100): new items start at 0.5."""
    return (wins + 1) / (wins + losses + 2)


def group_support(up: int, down: int) -> float:
    """One staff group's smoothed support for an item (Laplace: one of each)."""
    return (up + 1) / (up + down + 2)


def bridging_score(tallies: Mapping[str, tuple[int, int]], groups: Iterable[str]) -> float:
    """``bridging``: the product over ``groups`` (the staff groups that count, each of at
    least ``MIN_GROUP_SIZE`` voters in the challenge) of each group's smoothed support
    for the item; ``tallies`` maps a group to the item's (up, down) votes from it. An
    item a single group loves and the others oppose scores below one all of them like,
    as in Pol.is's group-aware consensus. No groups: 1.0 for every item."""
    score = 1.0
    for group in sorted(groups):
        up, down = tallies.get(group, (0, 0))
        score *= group_support(up, down)
    return score


def supporting_groups(tallies: Mapping[str, tuple[int, int]],
                      groups: Iterable[str]) -> list[str]:
    """The groups (of ``groups``) shown as supporting an item: at least
    ``MIN_GROUP_SIZE`` of the group voted on it, and more supported than opposed."""
    out = []
    for group in sorted(groups):
        up, down = tallies.get(group, (0, 0))
        if up + down >= MIN_GROUP_SIZE and up > down:
            out.append(group)
    return out
