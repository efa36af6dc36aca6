"""How a submission stands in the rankings of issue 15, in words: its pairwise record
and its support across staff groups. Plain functions of the figures the server sent
(none of them is computed here), shared by the list rows and the submission's header.

Staff group names are server text: callers show them as ``Content``, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from tui.text import plural

if TYPE_CHECKING:
    from tui.submission_rows import Row

#: (group, up, down): one staff group's votes on an item, as ``GroupSupport`` carries.
GroupTally = tuple[str, int, int]

#: Why a sort made of counts is refused while the phase hides them (the server answers
#: 403 to it then).
HIDDEN = {
    "top": "Votes are hidden while this phase runs, so there is no 'top' yet.",
    "pairwise": "Comparisons are hidden while this phase runs, so there is no pairwise "
                "order yet.",
    "bridging": "Votes are hidden while this phase runs, so there is no order by support "
                "across staff groups yet.",
}
COUNTED_SORTS = frozenset(HIDDEN)


def record(wins: int, losses: int) -> str:
    """Wins and losses, as a list row's short figure: ``12–3``."""
    return f"{wins}–{losses}"


def comparisons(wins: int, losses: int) -> str:
    """How many comparisons stand behind the pairwise score."""
    n = wins + losses
    return plural(n, "comparison") if n else "not compared yet"


def score(value: float) -> str:
    """A ranking score, short: three significant figures (a bridging score, a product
    over groups, can be small)."""
    return f"{value:.3g}"


def supports(up: int, down: int) -> bool:
    """Whether a group supports the item (``client.ranking.supporting_groups``' rule;
    the server sends only groups large enough to be shown)."""
    return up > down


def share(up: int, down: int) -> str:
    """The share of a group's votes that support the item, as a percentage."""
    n = up + down
    return f"{round(100 * up / n)}%" if n else "–"


def groups_line(groups: Sequence[GroupTally]) -> str:
    """A list row's word on support across groups: ``2 of 3 groups support``."""
    if not groups:
        return "no group of 5 voters yet"
    backing = sum(1 for _, up, down in groups if supports(up, down))
    return f"{backing} of {plural(len(groups), 'group')} support{'s' if backing == 1 else ''}"


def ordered(groups: Sequence[GroupTally]) -> list[GroupTally]:
    """Groups as a submission shows them: the most supportive first, then by name."""
    return sorted(groups, key=lambda g: (-(g[1] / (g[1] + g[2]) if g[1] + g[2] else 0), g[0]))


def row_figures(row: Row, sort: str) -> tuple[str, str]:
    """What a list row shows of its standing under ``sort``: the figure before its title
    (votes, or wins–losses under ``pairwise``) and the words that start its second line
    (what stands behind the order: the comparisons, or the groups). Empty while hidden."""
    votes = f"▲{row.up} ▼{row.down} " if row.up is not None else ""
    if sort == "pairwise" and row.wins is not None and row.losses is not None:
        return f"{record(row.wins, row.losses)} ", comparisons(row.wins, row.losses)
    if sort == "bridging" and row.groups is not None:
        said = groups_line(row.groups)
        if row.bridging is not None:
            said += f" · bridging {score(row.bridging)}"
        return votes, said
    return votes, ""
