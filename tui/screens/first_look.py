"""The first screen as it first appears, drawn from ``tui.first_look`` while the typed
client loads; the app puts the real screen in its place moments later.

Each looks the same as the screen it stands in for and its cursor moves; any other key
is kept and done on the real screen once it is there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static, TabbedContent, TabPane

from tui.first_look import OneChallenge, Summary
from tui.screens.challenge import WIDE, ChallengeScreen
from tui.screens.challenges import ChallengesScreen, layout, show_lines
from tui.text import one_line
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar
from tui.widgets.submission_list import Query, Row, SubmissionList


def deferred(bindings: Iterable[BindingType], now: set[str]) -> list[BindingType]:
    """A screen's bindings, each action kept for later unless it is in ``now``."""
    kept: list[BindingType] = []
    for binding in bindings:
        assert isinstance(binding, Binding)
        kept.append(binding if binding.action in now else dataclasses.replace(
            binding, action=f"later({binding.action!r})"))
    return kept


class FirstLookBase(Screen[None]):
    def __init__(self) -> None:
        super().__init__()
        self.pending: list[str] = []  # actions to do on the real screen, in order

    def action_later(self, action: str) -> None:
        self.pending.append(action)

    @property
    def highlighted(self) -> int:
        raise NotImplementedError


class FirstChallengeScreen(FirstLookBase):
    """Stands in for ``ChallengeScreen``."""

    AUTO_FOCUS = "SubmissionList"
    BINDINGS = deferred(ChallengeScreen.BINDINGS, {"down", "up", "first", "last", "app.quit"})

    def __init__(self, one: OneChallenge, rows: list[Row]) -> None:
        super().__init__()
        self.one = one
        self.rows = rows

    def compose(self) -> ComposeResult:
        one = self.one
        yield Static(Content.assemble(one_line(one.title, "bold"),
                                      Content.styled(f"  sort: {one.sort}", "dim")),
                     id="heading", classes="title")
        with Horizontal(id="panes"):
            with TabbedContent(id="tabs"):
                for index, (kind, question) in enumerate(one.prompts):
                    query = Query(one.slug, kind, one.sort)  # type: ignore[arg-type]
                    first_page = (self.rows, one.page.get("next_cursor"), 0)
                    yield TabPane(one_line(question),
                                  SubmissionList(None, query, id=f"list-{kind}",
                                                 first_page=first_page if index == 0
                                                 else None, lazy=index > 0),
                                  id=f"tab-{kind}")
            yield Container(id="detail")  # empty, so the list is as wide as it will be
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.set_class(self.app.size.width >= WIDE, "wide")

    @property
    def front_list(self) -> SubmissionList:
        return self.query_one(f"#list-{self.one.prompts[0][0]}", SubmissionList)

    @property
    def highlighted(self) -> int:
        return self.front_list.highlighted or 0

    def action_down(self) -> None:
        self.front_list.action_cursor_down()

    def action_up(self) -> None:
        self.front_list.action_cursor_up()

    def action_first(self) -> None:
        self.front_list.action_first()

    def action_last(self) -> None:
        self.front_list.action_last()


class FirstChallengesScreen(FirstLookBase):
    """Stands in for ``ChallengesScreen``."""

    AUTO_FOCUS = "OptionList"
    BINDINGS = deferred(ChallengesScreen.BINDINGS, {"cursor_down", "cursor_up", "app.quit"})

    def __init__(self, summaries: list[Summary]) -> None:
        super().__init__()
        self.summaries = summaries

    def compose(self) -> ComposeResult:
        yield from layout()

    def on_mount(self) -> None:
        show_lines(self.query_one(OptionList), self.summaries)

    @property
    def highlighted(self) -> int:
        return self.query_one(OptionList).highlighted or 0

    def action_cursor_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    @on(OptionList.OptionSelected)
    def selected(self) -> None:
        self.pending.append("open")  # the highlighted one, on the real screen
