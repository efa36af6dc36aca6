"""Text helpers of the app: untrusted text made safe, times made readable, rows fitted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.text import ago, one_line, plain, plural, safe, time_left
from tui.widgets.rows import fit

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("raw, shown", [
    ("\x1b[31mred\x1b[0m", "red"),
    ("title\x1b]0;pwned\x07 here", "title here"),
    ("bell\x07 and nul\x00", "bell and nul"),
    ("\u202eevil\u2066", "evil"),
    ("[/] [@click=app.quit]x[/]", "[/] [@click=app.quit]x[/]"),
])
def test_plain_removes_control_sequences_and_keeps_brackets(raw: str, shown: str) -> None:
    assert plain(raw) == shown
    assert safe(raw).plain == shown
    assert safe(raw).spans == []  # never parsed as markup


def test_one_line_folds_whitespace() -> None:
    assert one_line("a\n\tb   c").plain == "a b c"


@pytest.mark.parametrize("delta, text", [
    (timedelta(days=5, hours=3, minutes=20), "5 days 3 h left"),
    (timedelta(days=1, hours=0), "1 day 0 h left"),
    (timedelta(hours=2, minutes=10), "2 h 10 min left"),
    (timedelta(seconds=30), "1 min left"),
    (timedelta(seconds=-1), "ended"),
])
def test_time_left(delta: timedelta, text: str) -> None:
    assert time_left(NOW + delta, NOW) == text


@pytest.mark.parametrize("delta, text", [
    (timedelta(seconds=20), "just now"), (timedelta(minutes=5), "5 min ago"),
    (timedelta(hours=3), "3 h ago"), (timedelta(days=2), "2 d ago"),
])
def test_ago(delta: timedelta, text: str) -> None:
    assert ago(NOW - delta, NOW) == text


def test_plural() -> None:
    assert (plural(1, "comment"), plural(0, "comment"), plural(2, "comment")) == (
        "1 comment", "0 comments", "2 comments")


@pytest.mark.parametrize("text, width, fitted", [
    ("Hello world", 8, "Hello w…"), ("Hello", 5, "Hello"), ("看护看护看护", 7, "看护看…"),
    ("anything", 0, ""),
])
def test_rows_fit_with_an_ellipsis(text: str, width: int, fitted: str) -> None:
    assert fit(text, width) == fitted


def test_the_status_bar_drops_whole_parts_that_do_not_fit() -> None:
    from dataclasses import dataclass

    from tui.widgets.status_bar import StatusInfo

    @dataclass
    class Who:
        display_name: str
        role: str

    info = StatusInfo(server="https://challenge.example.org", user=Who("Ada [b]", "moderator"),
                      store="environment")
    now = datetime.now(UTC)
    full = info.render(now).plain
    assert full == ("Ada [b] (moderator) │ token: environment │ challenge.example.org")
    assert info.render(now, len(full)).plain == full
    assert info.render(now, len(full) - 1).plain == "Ada [b] (moderator) │ token: environment"
    # Narrower, the name and role give way before where the token is kept; at 10 cells
    # the line is cut to fit.
    assert info.render(now, 30).plain == "Ada [b] │ token: environment"
    assert len(info.render(now, 10).plain) <= 10


def test_counts_are_hidden_only_by_a_phase_that_says_so_and_never_from_moderators() -> None:
    from tui.session import counts_hidden

    assert counts_hidden(False)  # for everyone: moderators too (the server hides them)
    assert not counts_hidden(True)
    assert not counts_hidden(None)  # no phase open
