"""What changed between two versions of a text, line by line: the history's diff.

Pure (no widgets): the TUI draws the result (``tui.widgets.diff``). Unchanged lines
are kept only around changes (``context`` on each side); the runs left out are
``Skipped`` markers, so a one-line change to a long entry shows a few lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from client.merge3 import split

Sign = Literal[" ", "+", "-"]


@dataclass(frozen=True)
class DiffLine:
    """A line as it was (``-``), as it is (``+``) or unchanged (`` ``), with its
    1-based number in the old and new text (None where it is not in that text)."""

    sign: Sign
    text: str
    old: int | None
    new: int | None


@dataclass(frozen=True)
class Skipped:
    """Unchanged lines left out."""

    count: int


@dataclass(frozen=True)
class LineDiff:
    rows: tuple[DiffLine | Skipped, ...]
    added: int
    removed: int

    @property
    def same(self) -> bool:
        return not self.added and not self.removed


def diff_lines(old: str, new: str, context: int = 3) -> LineDiff:
    """``old`` to ``new``; ``context`` unchanged lines kept either side of a change."""
    # An empty text has no lines (not one empty line): from nothing, all is added.
    before, after = (split(text) if text else () for text in (old, new))
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    rows: list[DiffLine | Skipped] = []
    added = removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            span = i2 - i1
            # Context after the previous change and before the next one.
            head = 0 if i1 == 0 and j1 == 0 else min(context, span)
            tail = 0 if i2 == len(before) and j2 == len(after) else min(context, span - head)
            for n in range(head):
                rows.append(DiffLine(" ", before[i1 + n], i1 + n + 1, j1 + n + 1))
            if span - head - tail > 0:
                rows.append(Skipped(span - head - tail))
            for n in range(span - tail, span):
                rows.append(DiffLine(" ", before[i1 + n], i1 + n + 1, j1 + n + 1))
        else:
            for n in range(i1, i2):
                rows.append(DiffLine("-", before[n], n + 1, None))
            for n in range(j1, j2):
                rows.append(DiffLine("+", after[n], None, n + 1))
            removed += i2 - i1
            added += j2 - j1
    if not added and not removed:
        return LineDiff((), 0, 0)
    return LineDiff(tuple(rows), added, removed)
