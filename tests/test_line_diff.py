"""The history's line diff: what was removed, added, and the context around it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from client.line_diff import DiffLine, Skipped, diff_lines
from client.merge3 import join

LONG = join(f"line {n}" for n in range(1, 21))


def test_the_same_text_has_no_rows() -> None:
    diff = diff_lines(LONG, LONG)
    assert diff.same and diff.rows == ()


def test_one_changed_line_in_a_long_text_shows_its_context_only() -> None:
    diff = diff_lines(LONG, LONG.replace("line 10", "line ten"))
    assert (diff.added, diff.removed) == (1, 1)
    assert diff.rows == (
        Skipped(6),
        DiffLine(" ", "line 7", 7, 7), DiffLine(" ", "line 8", 8, 8),
        DiffLine(" ", "line 9", 9, 9),
        DiffLine("-", "line 10", 10, None), DiffLine("+", "line ten", None, 10),
        DiffLine(" ", "line 11", 11, 11), DiffLine(" ", "line 12", 12, 12),
        DiffLine(" ", "line 13", 13, 13),
        Skipped(7),
    )


def test_changes_close_together_share_their_context() -> None:
    new = LONG.replace("line 5", "five").replace("line 8", "eight")
    diff = diff_lines(LONG, new, context=2)
    assert not any(isinstance(row, Skipped) for row in diff.rows[1:-1])
    assert [row.sign for row in diff.rows if isinstance(row, DiffLine)] == [
        " ", " ", "-", "+", " ", " ", "-", "+", " ", " "]


def test_lines_added_at_the_start_and_end() -> None:
    diff = diff_lines("b", "a\nb\nc")
    assert diff.rows == (DiffLine("+", "a", None, 1), DiffLine(" ", "b", 1, 2),
                         DiffLine("+", "c", None, 3))
    assert (diff.added, diff.removed) == (2, 0)


def test_from_nothing() -> None:
    diff = diff_lines("", "# Title\n\ntext")
    assert diff.rows == (DiffLine("+", "# Title", None, 1), DiffLine("+", "", None, 2),
                         DiffLine("+", "text", None, 3))
    assert diff_lines("gone", "").rows == (DiffLine("-", "gone", 1, None),)


lines = st.lists(st.sampled_from(["", "a", "b", "c", "- x"]), max_size=15).map(join)


@given(lines, lines)
def test_the_rows_rebuild_both_texts_where_shown(old: str, new: str) -> None:
    """With all the context, the old side of the rows is the old text, and the new side
    the new text."""
    diff = diff_lines(old, new, context=10_000)
    assert not any(isinstance(row, Skipped) for row in diff.rows)
    rows = [row for row in diff.rows if isinstance(row, DiffLine)]
    if old != new:
        assert join(r.text for r in rows if r.sign != "+") == old
        assert join(r.text for r in rows if r.sign != "-") == new
        assert diff.added == sum(r.sign == "+" for r in rows)
        assert diff.removed == sum(r.sign == "-" for r in rows)
    else:
        assert diff.same
