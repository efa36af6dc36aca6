"""The phase timeline's geometry: where each phase sits on a strip of ``width`` cells
spanning the challenge, first start to last end, and where today is.

Plain logic (no widgets): ``lay_out`` gives the cells, ``draw`` the text of each line;
the widget (``tui.widgets.timeline``) only colours them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rich.cells import set_cell_size

from tui.text import plain
from tui.widgets.rows import fit

MAX_LANES = 3  # overlapping phases (a mistake being made) stack; more share the last
TODAY = "▲ today"


@dataclass(frozen=True)
class Bar:
    index: int  # the phase's place in the list
    lane: int  # 0: the top line; overlapping phases go below
    start: int  # its first cell
    end: int  # one past its last cell


@dataclass(frozen=True)
class Timeline:
    width: int
    bars: list[Bar]
    first: datetime | None  # the earliest start, None without a phase with dates
    last: datetime | None
    today: int | None  # the cell of now, None when now is outside the strip
    before: bool  # now is before the first start
    after: bool  # now is after the last end

    @property
    def lanes(self) -> int:
        return max((bar.lane for bar in self.bars), default=0) + 1


def cell(moment: datetime, first: datetime, last: datetime, width: int) -> int:
    """The cell ``moment`` falls in, 0 to ``width`` (the end of the strip)."""
    span = (last - first).total_seconds()
    share = (moment - first).total_seconds() / span if span > 0 else 0.0
    return max(0, min(width, int(share * width)))


def lay_out(spans: Sequence[tuple[datetime, datetime] | None], now: datetime,
            width: int) -> Timeline:
    """``spans``: each phase's (start, end); None for one without dates yet, and one that
    ends before it starts (a mistake being made), are left out."""
    known = [(i, span) for i, span in enumerate(spans) if span is not None and span[1] > span[0]]
    width = max(width, 1)
    if not known:
        return Timeline(width, [], None, None, None, False, False)
    first = min(start for _, (start, _) in known)
    last = max(end for _, (_, end) in known)
    bars: list[Bar] = []
    ends: list[int] = []  # the end of the last bar on each lane
    for index, (start, end) in sorted(known, key=lambda item: item[1][0]):
        left = min(cell(start, first, last, width), width - 1)
        right = max(cell(end, first, last, width), left + 1)  # never narrower than a cell
        lane = next((n for n, taken in enumerate(ends) if taken <= left),
                    min(len(ends), MAX_LANES - 1))
        if lane == len(ends):
            ends.append(right)
        else:
            ends[lane] = max(ends[lane], right)
        bars.append(Bar(index, lane, left, right))
    inside = first <= now <= last
    today = min(cell(now, first, last, width), width - 1) if inside else None
    return Timeline(width, sorted(bars, key=lambda b: b.index), first, last, today,
                    now < first, now > last)


def label(name: str, width: int) -> str:
    """A bar's text, exactly ``width`` cells: a mark where it starts, then as much of
    its name as fits."""
    return set_cell_size("│" + fit(name, width - 1), width) if width > 1 else "│"


def _day(moment: datetime) -> str:
    local = moment.astimezone()
    return f"{local.day} {local:%b %Y}"


Piece = tuple[str, int | None]  # text, and the phase it belongs to (None: the space between)


def draw(timeline: Timeline, names: Sequence[str]) -> list[list[Piece]]:
    """The strip's lines, each as pieces of text: one line per lane, then the dates and
    today's mark. Names are shown as plain text on one line."""
    width = timeline.width
    if timeline.first is None or timeline.last is None:
        return [[(set_cell_size("No phase has dates to show yet.", width), None)]]
    lines: list[list[Piece]] = []
    for lane in range(timeline.lanes):
        pieces: list[Piece] = []
        at = 0
        for bar in sorted((b for b in timeline.bars if b.lane == lane), key=lambda b: b.start):
            start = max(bar.start, at)  # the last lane holds what overflows: clipped
            if start >= bar.end:
                continue
            if start > at:
                pieces.append((" " * (start - at), None))
            name = " ".join(plain(names[bar.index]).split()) or f"phase {bar.index + 1}"
            pieces.append((label(name, bar.end - start), bar.index))
            at = bar.end
        if at < width:
            pieces.append((" " * (width - at), None))
        lines.append(pieces)
    return [*lines, [(_axis(timeline), None)]]


def _axis(timeline: Timeline) -> str:
    """The first start's day at the left, the last end's at the right, today marked."""
    width = timeline.width
    assert timeline.first is not None and timeline.last is not None
    left, right = _day(timeline.first), _day(timeline.last)
    if timeline.before:
        left = f"◀ today · {left}"
    if timeline.after:
        right = f"{right} · today ▶"
    axis = [" "] * width
    if timeline.today is None:
        axis[:len(left)] = left[:width]
        if len(left) + 1 + len(right) <= width:
            axis[width - len(right):] = right
        return "".join(axis)[:width]
    # The mark under today's cell; near the right edge it points from its end.
    at = timeline.today
    mark = TODAY
    if at + len(TODAY) > width:
        mark = "today ▲"
        at = max(0, at - len(mark) + 1)
    axis[at:at + len(mark)] = mark[:width - at]
    # Dates only where they leave the mark whole.
    if len(left) + 1 <= at:
        axis[:len(left)] = left
    if at + len(mark) + 1 + len(right) <= width:
        axis[width - len(right):] = right
    return "".join(axis)[:width]
