"""A stale edit put together with the entry as it is now, without widgets: the state of
the merge screen (``tui.screens.entry_merge``).

The edit (``mine``) began from ``base``; someone else's version (``theirs``) came first.
``client.merge3`` keeps both people's changes; where both changed the same lines the
person picks, conflict by conflict, their lines, the others' or both, or edits the result
by hand. Whatever they pick, the result is only ever a new draft begun from the current
version (``rebased``): saving it can be refused again, and merged again the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from client import merge3
from client.merge3 import Choice, Clean, Conflict, Merge
from tui.entry_drafts import EntryDraft
from tui.entry_editing import base_title

if TYPE_CHECKING:
    from client.guide_models import GuideEntry

MINE, THEIRS = "yours", "theirs"  # the names the markers carry


@dataclass(frozen=True)
class Merged:
    """What the merge screen hands back: the result as a draft begun from the current
    version; ``save``: send it now (False: cancelled after typing into the result, kept
    for the editor)."""

    draft: EntryDraft
    save: bool


@dataclass(frozen=True)
class TitleMerge:
    """The title, merged as one line: ``title`` is the result; when both changed it
    differently, ``theirs`` is what the others chose (the person's is kept)."""

    title: str
    theirs: str | None = None

    @property
    def conflict(self) -> bool:
        return self.theirs is not None


def merge_title(base: str, mine: str, theirs: str) -> TitleMerge:
    if mine in (base, theirs):
        return TitleMerge(theirs)
    if theirs == base:
        return TitleMerge(mine)
    return TitleMerge(mine, theirs)


@dataclass
class MergeSession:
    draft: EntryDraft  # the stale edit: base, mine
    current: GuideEntry  # the entry now: theirs, and the version the result begins from
    merge: Merge = field(init=False)
    title: TitleMerge = field(init=False)
    choices: dict[int, Choice] = field(default_factory=dict)
    edited: str | None = None  # the result as typed by hand; picks no longer apply
    at: int = 0  # the conflict shown

    def __post_init__(self) -> None:
        self.merge = merge3.merge(self.draft.base_text, self.draft.text, self.current.body)
        self.title = merge_title(base_title(self.draft), self.draft.title, self.current.title)

    # --- conflicts ----------------------------------------------------------------

    @property
    def conflicts(self) -> list[Conflict]:
        return self.merge.conflicts

    @property
    def clean(self) -> bool:
        return self.merge.clean

    @property
    def unresolved(self) -> list[int]:
        return [n for n in range(len(self.conflicts)) if n not in self.choices]

    @property
    def conflict(self) -> Conflict | None:
        """The conflict shown (None when there is none)."""
        return self.conflicts[self.at] if self.conflicts else None

    def move(self, step: int) -> None:
        if self.conflicts:
            self.at = (self.at + step) % len(self.conflicts)

    def pick(self, choice: Choice) -> None:
        """Resolve the conflict shown; then show the next unresolved one, if any."""
        if not self.conflicts:
            return
        self.choices[self.at] = choice
        left = self.unresolved
        if left:
            later = [n for n in left if n > self.at]
            self.at = later[0] if later else left[0]

    # --- the result ---------------------------------------------------------------

    def picked(self) -> str:
        """The merge with each conflict as picked, and the unpicked ones written out
        between markers (both sides kept, to pick from or edit)."""
        lines: list[str] = []
        number = 0
        for hunk in self.merge.hunks:
            if isinstance(hunk, Clean):
                lines.extend(hunk.lines)
                continue
            if number in self.choices:
                lines.extend(hunk.pick(self.choices[number]))
            else:
                lines += [f"<<<<<<< {MINE}", *hunk.mine, "=======", *hunk.theirs,
                          f">>>>>>> {THEIRS}"]
            number += 1
        return merge3.join(lines)

    def result(self) -> str:
        return self.picked() if self.edited is None else self.edited

    def conflict_line(self, number: int) -> int:
        """Where conflict ``number`` begins in ``picked()``, as a 0-based line."""
        line = 0
        seen = 0
        for hunk in self.merge.hunks:
            if isinstance(hunk, Clean):
                line += len(hunk.lines)
                continue
            if seen == number:
                return line
            line += (len(hunk.pick(self.choices[seen])) if seen in self.choices
                     else len(hunk.mine) + len(hunk.theirs) + 3)
            seen += 1
        return line

    @property
    def ready(self) -> bool:
        """Every conflict picked (or the result edited by hand)."""
        return self.edited is not None or not self.unresolved

    def markers_left(self) -> bool:
        """Whether a result edited by hand still holds a conflict's markers (that the
        texts merged did not hold already)."""
        if self.edited is None:
            return False
        inputs = (self.draft.base_text, self.draft.text, self.current.body)
        return merge3.has_markers(self.edited) and not any(map(merge3.has_markers, inputs))

    def rebased(self, title: str | None = None) -> EntryDraft:
        """The result as a draft begun from the current version: what is saved next."""
        return replace(self.draft, base_version=self.current.version,
                       base_text=self.current.body, base_title=self.current.title,
                       text=self.result(), title=self.title.title if title is None else title)
