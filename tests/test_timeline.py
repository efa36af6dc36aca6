"""The phase timeline's geometry and text, without a terminal."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from rich.cells import cell_len

from tui.timeline import draw, lay_out

START = datetime(2027, 3, 1, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def span(first_day: int, last_day: int) -> tuple[datetime, datetime]:
    return START + first_day * DAY, START + last_day * DAY


def text(lines: list[list[tuple[str, int | None]]]) -> list[str]:
    return ["".join(piece for piece, _ in line) for line in lines]


def test_bars_are_proportional_and_meet_at_their_boundary() -> None:
    timeline = lay_out([span(0, 1), span(1, 4)], START + 2 * DAY, 40)
    assert [(b.index, b.lane, b.start, b.end) for b in timeline.bars] == [
        (0, 0, 0, 10), (1, 0, 10, 40)]
    assert timeline.today == 20 and not timeline.before and not timeline.after
    assert timeline.lanes == 1


def test_a_gap_stays_empty_and_order_is_by_date_not_by_list() -> None:
    timeline = lay_out([span(3, 4), span(0, 2)], START, 40)
    bars = {b.index: (b.start, b.end) for b in timeline.bars}
    assert bars == {1: (0, 20), 0: (30, 40)}
    lines = text(draw(timeline, ["Vote", "Share"]))
    assert lines[0] == "│Share".ljust(20) + " " * 10 + "│Vote".ljust(10)


def test_overlapping_phases_go_on_another_lane() -> None:
    timeline = lay_out([span(0, 3), span(2, 4), span(3, 4)], START, 40)
    lanes = {b.index: b.lane for b in timeline.bars}
    assert lanes == {0: 0, 1: 1, 2: 0}
    assert len(draw(timeline, ["a", "b", "c"])) == 3  # two lanes and the dates


def test_a_short_phase_still_shows_and_one_without_sensible_dates_does_not() -> None:
    timeline = lay_out([span(0, 100), (START + DAY, START + DAY + timedelta(minutes=1)),
                        None, span(300, 200)], START, 50)
    short = next(b for b in timeline.bars if b.index == 1)
    assert short.end - short.start == 1
    assert {b.index for b in timeline.bars} == {0, 1}
    assert timeline.last == START + 100 * DAY  # the backwards one does not stretch it


def test_nothing_with_dates_says_so() -> None:
    timeline = lay_out([None, None], START, 40)
    assert timeline.first is None and timeline.bars == []
    assert text(draw(timeline, ["a", "b"])) == ["No phase has dates to show yet.".ljust(40)]


def test_today_is_marked_under_its_cell_or_pointed_to() -> None:
    inside = text(draw(lay_out([span(0, 10)], START + 5 * DAY, 60), ["Share"]))
    assert inside[-1].index("▲ today") == 30
    assert inside[-1].startswith("1 Mar 2027") and inside[-1].endswith("11 Mar 2027")
    late = text(draw(lay_out([span(0, 10)], START + 10 * DAY - timedelta(hours=1), 60),
                     ["Share"]))
    assert late[-1].endswith("today ▲")  # at the right edge it points from its end
    before = text(draw(lay_out([span(0, 10)], START - DAY, 60), ["Share"]))
    assert before[-1].startswith("◀ today · 1 Mar 2027")
    after = text(draw(lay_out([span(0, 10)], START + 11 * DAY, 60), ["Share"]))
    assert after[-1].rstrip().endswith("11 Mar 2027 · today ▶")


def test_names_are_plain_text_cut_to_their_bar_and_every_line_is_the_width() -> None:
    hostile = "[/] [@click=app.quit]x[/] \x1b[31mred 看护看护看护"
    timeline = lay_out([span(0, 1), span(1, 2)], START, 81)
    lines = draw(timeline, [hostile, "  Vote\nnow "])
    first = text(lines)[0]
    assert first.startswith("│[/] [@click=app.quit]x[/] red 看护看护…")
    assert "\x1b" not in first and "│Vote now" in first
    assert all(cell_len(line) == 81 for line in text(lines))
    assert [index for _, index in lines[0] if index is not None] == [0, 1]
