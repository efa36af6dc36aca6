"""Styles looked up once per frame for widgets that draw line by line.

A widget's ``rich_style`` and ``visual_style`` walk its styles each time they are read;
read once per line, they were 40-60 % of drawing a long text. ``render_lines`` (one
frame's lines) keeps them, and ``render_line`` asks ``frame_styles``. A plain mixin
(not a widget), so the widget's CSS types stay what they were.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.style import Style as TextualStyle

if TYPE_CHECKING:
    from textual.widget import Widget

    _Base = Widget
else:
    _Base = object


class FrameStyles(_Base):
    _drawing: tuple[Style, TextualStyle] | None = None

    def render_lines(self, crop: Region) -> list[Strip]:
        self._drawing = (self.rich_style, self.visual_style)
        try:
            return super().render_lines(crop)
        finally:
            self._drawing = None

    def frame_styles(self) -> tuple[Style, TextualStyle]:
        """The styles of the frame being drawn (looked up now outside one)."""
        return self._drawing or (self.rich_style, self.visual_style)
