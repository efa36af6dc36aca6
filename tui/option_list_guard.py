"""A guard for Textual's ``OptionList`` page keys, applied once when the app starts.

Textual 8.2.8's ``OptionList._move_page`` looks the highlighted option's line up in a
cache that is only filled once the list has a size. PageUp or PageDown on a list that
has options but no size yet (the command palette's list in the moment between its
commands arriving and the next layout, e.g. PageDown right after ctrl+p; any list not
laid out yet) raised ``KeyError`` and ended the app. The palette builds its own
``CommandList``, so a subclass of ours could not cover it: the method itself is
wrapped, for every ``OptionList`` at once. The report for upstream, with a minimal
reproduction: docs/upstream/textual-optionlist-page-keyerror.md.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import OptionList

_GUARDED = "_challenge_page_guard"


def guard_option_list_paging() -> None:
    """Make PageUp/PageDown on a list not laid out yet do nothing (idempotent)."""
    move_page = getattr(OptionList, "_move_page", None)
    if move_page is None or getattr(move_page, _GUARDED, False):
        return  # a Textual without the method has its own paging; or done already

    def _move_page(self: OptionList, direction: Any) -> None:
        # ``_index_to_line`` lays the lines out if the list has a size; with none there
        # is no page to move by.
        if (self.highlighted or 0) not in self._index_to_line:
            return
        move_page(self, direction)

    setattr(_move_page, _GUARDED, True)
    OptionList._move_page = _move_page  # type: ignore[method-assign]
