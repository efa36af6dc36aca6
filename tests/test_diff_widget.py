"""A diff's rows on screen (``tui.widgets.diff``) without a terminal: signs, numbers and
colours, unchanged runs and the cap noted, long lines wrapped under their gutter, and
hostile text kept literal."""

from __future__ import annotations

from client.line_diff import diff_lines
from tui.widgets.diff import GUTTER, Layout, diff_rows, line_row, summary

HOSTILE = "[/] [@click=app.quit]x[/] \x1b[31mred\x1b]0;t\x07 [b]b[/b]"


def test_rows_carry_sign_number_and_colour() -> None:
    diff = diff_lines("a\nb\nc", "a\nB\nc")
    rows = diff_rows(diff)
    assert [r.plain for r in rows] == ["   1   a", "   2 - b", "   2 + B", "   3   c"]
    assert all(r.gutter.cell_length == GUTTER for r in rows)
    removed, added = rows[1], rows[2]
    assert any("red" in str(span.style) for span in removed.text.spans)
    assert any("green" in str(span.style) for span in added.text.spans)
    assert summary(diff).plain == "+1 −1"


def test_unchanged_runs_and_the_cap_are_noted() -> None:
    old = "\n".join(f"line {n}" for n in range(40))
    new = old.replace("line 20", "line twenty")
    rows = diff_rows(diff_lines(old, new))
    assert rows[0].plain.strip() == "⋯ 17 unchanged lines"
    assert rows[-1].plain.strip() == "⋯ 16 unchanged lines"
    capped = diff_rows(diff_lines("", "\n".join(map(str, range(30)))), limit=10)
    assert len(capped) == 11 and capped[-1].plain.strip() == \
        "⋯ 20 more lines of this diff not shown."
    assert [r.plain for r in diff_rows(diff_lines("same", "same"))] == [
        " " * GUTTER + "The text is the same (only other fields changed)."]


def test_hostile_text_stays_literal_and_loses_its_escapes() -> None:
    (row,) = diff_rows(diff_lines("", HOSTILE))
    assert row.text.plain == "[/] [@click=app.quit]x[/] red [b]b[/b]"
    assert "\x1b" not in row.plain and "\x07" not in row.plain
    assert line_row(diff_lines("", "\tindented").rows[0]).text.plain == "    indented"  # type: ignore[arg-type]


def test_long_lines_wrap_under_their_gutter() -> None:
    long = " ".join(["word"] * 30)  # 149 cells
    rows = diff_rows(diff_lines("short", f"short\n{long}"))
    layout = Layout(rows, width=GUTTER + 40)
    assert layout.height == 1 + 4  # "short", then the long line over four lines
    first, second = layout.line(1), layout.line(2)
    assert first is not None and second is not None
    assert first.plain.startswith("   2 + word")
    assert second.plain.startswith(" " * GUTTER + "word")
    assert all(len((layout.line(y) or first).plain) <= GUTTER + 40 for y in range(5))
    assert layout.line(5) is None and layout.line(-1) is None
    joined = " ".join((layout.line(y) or first).plain[GUTTER:].strip() for y in range(1, 5))
    assert joined == long
