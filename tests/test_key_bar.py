"""The key bar at any width: help and the screen's first keys stay, the least important
go first (quit, refresh, the palette, then the screen's last keys), descriptions are
shortened before anything is left out, and no key is ever cut in half."""

from __future__ import annotations

from typing import ClassVar

import pytest
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from tui.widgets.key_bar import KeyBar


class Keys(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("question_mark", "help", "Help")]

    def compose(self) -> ComposeResult:
        yield Static("body")
        yield KeyBar()

    def on_mount(self) -> None:
        self.screen._bindings.bind("q", "app.quit", "Quit")
        for key, action, description in [
                ("escape", "back", "Close (edit kept)"), ("e", "edit", "Edit"),
                ("p", "pledge", "Pledge"), ("c", "comment", "Comment"), ("f", "flag", "Flag"),
                ("s", "settings", "Settings"), ("H", "history", "History"),
                ("r", "refresh", "Refresh")]:
            self.screen._bindings.bind(key, action, description)
        self.screen.refresh_bindings()


async def shown(width: int) -> tuple[str, list[tuple[int, int, str]]]:
    app = Keys()
    async with app.run_test(size=(width, 5)) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        return bar.render().plain, list(bar._spans)


async def test_everything_fits_when_wide() -> None:
    line, _ = await shown(160)
    assert line.startswith("q Quit esc Close (edit kept) e Edit p Pledge c Comment f Flag "
                           "s Settings H History r Refresh ? Help")
    assert line.endswith("▏^p palette ")


async def test_at_80_columns_help_and_the_screens_keys_stay() -> None:
    line, spans = await shown(80)
    # Shortened first, then quit, refresh and the palette left out: none cut in half.
    assert line.rstrip() == ("esc Close e Edit p Pledge c Comment f Flag s Settings "
                             "H History ? Help")
    assert [key for *_, key in spans] == ["escape", "e", "p", "c", "f", "s", "H",
                                          "question_mark"]
    for start, end, _key in spans:  # each span is a whole hint, as drawn
        assert line[start:end].strip() == line[start:end] and line[start:end]


@pytest.mark.parametrize("width", [24, 30, 41, 50])
async def test_narrow_the_screens_last_keys_go_and_help_stays(width: int) -> None:
    line, spans = await shown(width)
    words = line.split()
    assert line.rstrip().endswith("? Help") and len(line) <= width
    assert words[:2] == ["esc", "Close"]  # the first of the screen's keys
    every = ["escape", "e", "p", "c", "f", "s", "H"]
    kept = [key for *_, key in spans][:-1]
    assert kept == every[:len(kept)]  # left out from the last, in order
