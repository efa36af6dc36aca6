"""Check boxes whose state shows without colour.

Textual draws a check box as ``▐X▌`` chosen or not, told apart by colour only: under
``NO_COLOR`` (or a monochrome terminal) every box looked chosen. These draw the ``X``
only when chosen, a blank otherwise.
"""

from __future__ import annotations

from typing import TypeVar

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList

V = TypeVar("V")
CHOSEN, UNCHOSEN = Checkbox.BUTTON_INNER, " "


class MarkedCheckbox(Checkbox):
    def watch_value(self) -> None:
        self.BUTTON_INNER = CHOSEN if self.value else UNCHOSEN
        super().watch_value()

    def on_mount(self) -> None:
        self.BUTTON_INNER = CHOSEN if self.value else UNCHOSEN


class MarkedSelectionList(SelectionList[V]):
    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        index = self.scroll_offset.y + y
        if not 0 <= index < self.option_count:
            return strip
        if self.get_option_at_index(index).value in self.selected:
            return strip
        segments = list(strip)
        # The button is the first three segments: left side, inside, right side.
        if len(segments) > 1 and segments[1].text == CHOSEN:
            segments[1] = Segment(UNCHOSEN, segments[1].style)
        return Strip(segments, strip.cell_length)
