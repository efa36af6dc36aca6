"""The phase timeline: each phase a bar across the challenge's dates, the one being
edited picked out, today marked. The geometry is ``tui.timeline``'s; this colours it.

Bars are reversed text (``│name``), so they read without colour too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

from tui import clock
from tui.timeline import draw, lay_out

Span = tuple[datetime, datetime] | None


class PhaseTimeline(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "timeline--bar", "timeline--selected", "timeline--axis"}
    DEFAULT_CSS = """
    PhaseTimeline { height: auto; padding: 0 1; }
    PhaseTimeline > .timeline--bar { text-style: reverse; color: $primary; }
    PhaseTimeline > .timeline--selected { text-style: bold reverse; color: $accent; }
    PhaseTimeline > .timeline--axis { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spans: list[Span] = []
        self.names: list[str] = []
        self.selected: int | None = None

    def show(self, spans: Sequence[Span], names: Sequence[str], selected: int | None) -> None:
        """The phases as they stand in the form (names as typed: shown as plain text)."""
        self.spans, self.names, self.selected = list(spans), list(names), selected
        self.refresh(layout=True)

    def lines(self, width: int) -> list[Content]:
        bar, picked, axis = (self.get_visual_style(f"timeline--{part}")
                             for part in ("bar", "selected", "axis"))
        drawn = draw(lay_out(self.spans, clock.now(), width), self.names)
        lines = []
        for pieces in drawn[:-1]:
            lines.append(Content.assemble(*(
                (text, picked if index == self.selected else bar) if index is not None
                else text for text, index in pieces)))
        lines.append(Content.assemble(*((text, axis) for text, _ in drawn[-1])))
        return lines

    def render(self) -> Content:
        return Content("\n").join(self.lines(max(self.content_size.width, 1)))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(draw(lay_out(self.spans, clock.now(), max(width, 1)), self.names))
