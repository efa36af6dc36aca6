"""A line-based three-way merge: what two people did to the same text, put together.

Two people start from one version of a guide entry (``base``); one sends first, the
other's edit is refused as stale (412). Rather than one edit silently replacing the
other, the second person is offered ``merge(base, mine, theirs)``: the changes each
side made to different lines are both kept; where both changed the same lines in
different ways the result holds a ``Conflict`` with both versions, for the person to
choose between (``Merge.resolve``). Identical changes on both sides count once.

The method is diff3's: each side is matched line by line against the base
(``difflib.SequenceMatcher``); base lines matched on both sides are *stable* and
anchor the merge; between anchors each side either left the base alone or changed
it. Lines are split on ``"\\n"`` only, ends not kept, so a text and its merge agree
on trailing newlines and a line added after a last line without one is a clean
insertion, not a change to that line.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

Choice = Literal["mine", "theirs", "both", "base"]
Lines = tuple[str, ...]


def split(text: str) -> Lines:
    """``text`` as lines; ``join(split(text)) == text`` for every text."""
    return tuple(text.split("\n"))


def join(lines: Iterable[str]) -> str:
    return "\n".join(lines)


@dataclass(frozen=True)
class Clean:
    """Lines both sides agree on (unchanged, changed by one side, or changed alike)."""

    lines: Lines


@dataclass(frozen=True)
class Conflict:
    """Lines both sides changed differently: the base's and each side's version."""

    base: Lines
    mine: Lines
    theirs: Lines

    def pick(self, choice: Choice) -> Lines:
        if choice == "both":
            return self.mine + self.theirs
        return {"mine": self.mine, "theirs": self.theirs, "base": self.base}[choice]


Hunk = Clean | Conflict


@dataclass(frozen=True)
class Merge:
    hunks: tuple[Hunk, ...]

    @property
    def conflicts(self) -> list[Conflict]:
        return [hunk for hunk in self.hunks if isinstance(hunk, Conflict)]

    @property
    def clean(self) -> bool:
        return not self.conflicts

    def resolve(self, choices: Mapping[int, Choice] | None = None,
                default: Choice = "mine") -> str:
        """The merged text, conflict ``n`` (counted from 0) taken as ``choices[n]``,
        the others as ``default``."""
        choices = choices or {}
        lines: list[str] = []
        number = 0
        for hunk in self.hunks:
            if isinstance(hunk, Clean):
                lines.extend(hunk.lines)
            else:
                lines.extend(hunk.pick(choices.get(number, default)))
                number += 1
        return join(lines)

    @property
    def text(self) -> str:
        """The merged text; only meaningful when ``clean``."""
        return self.resolve()

    def with_markers(self, mine: str = "mine", theirs: str = "theirs") -> str:
        """The merge with each conflict written out between git-style markers, for a
        person to edit by hand."""
        lines: list[str] = []
        for hunk in self.hunks:
            if isinstance(hunk, Clean):
                lines.extend(hunk.lines)
            else:
                lines += [f"<<<<<<< {mine}", *hunk.mine, "=======", *hunk.theirs,
                          f">>>>>>> {theirs}"]
        return join(lines)


MARKERS = ("<<<<<<< ", "=======", ">>>>>>> ")


def has_markers(text: str) -> bool:
    """Whether ``text`` still holds a conflict's markers (left in by mistake)."""
    return any(line.startswith(MARKERS) for line in text.split("\n"))


def matches(base: Lines, other: Lines) -> dict[int, int]:
    """For each base line matched in ``other``, its index there (increasing)."""
    # autojunk off: blank lines are common in Markdown, and junked lines never match.
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    found: dict[int, int] = {}
    for start, other_start, size in matcher.get_matching_blocks():
        for offset in range(size):
            found[start + offset] = other_start + offset
    return found


def merge(base: str, mine: str, theirs: str) -> Merge:
    """Put ``mine`` and ``theirs``, both edits of ``base``, together."""
    old, left, right = split(base), split(mine), split(theirs)
    in_left, in_right = matches(old, left), matches(old, right)
    # The base lines both sides kept, in order: where the sides meet again.
    kept = [j for j in range(len(old)) if j in in_left and j in in_right]
    hunks: list[Hunk] = []
    stable: list[str] = []
    i = a = b = 0  # where we are in base, mine and theirs

    def flush() -> None:
        if stable:
            hunks.append(Clean(tuple(stable)))
            stable.clear()

    while True:
        # Lines that sit at the same place on both sides, unchanged: carried over.
        while i < len(old) and in_left.get(i) == a and in_right.get(i) == b:
            stable.append(old[i])
            i, a, b = i + 1, a + 1, b + 1
        at = bisect_left(kept, i)
        sync = kept[at] if at < len(kept) else None
        if sync is None:
            end_i, end_a, end_b = len(old), len(left), len(right)
        else:
            end_i, end_a, end_b = sync, in_left[sync], in_right[sync]
        was, ours, others = old[i:end_i], left[a:end_a], right[b:end_b]
        if ours == was:
            stable.extend(others)  # only they changed it (or nobody did)
        elif others == was or ours == others:
            stable.extend(ours)  # only I changed it, or we both did the same
        else:
            flush()
            hunks.append(Conflict(was, ours, others))
        i, a, b = end_i, end_a, end_b
        if sync is None:
            break
    flush()
    return Merge(tuple(hunks))
