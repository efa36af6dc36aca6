"""The challenge screen as it first appears, drawn from ``tui.first_look`` while the
typed client loads; the app replaces it with the real ``ChallengeScreen`` moments later.

It looks the same and the cursor moves; any other key is kept and done on the real
screen once it is there.
"""

from __future__ import annotations

import dataclasses

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Container, Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static, TabbedContent, TabPane

from tui.first_look import FirstLook
from tui.screens.challenge import WIDE, ChallengeScreen
from tui.text import one_line
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar
from tui.widgets.submission_list import Query, Row, SubmissionList

# Done here: moving the cursor, and quitting.
NOW = {"down", "up", "first", "last", "app.quit"}


def deferred(binding: BindingType) -> BindingType:
    """The challenge screen's binding, with its action kept for later unless it is one
    this screen does itself."""
    assert isinstance(binding, Binding)
    if binding.action in NOW:
        return binding
    return dataclasses.replace(binding, action=f"later({binding.action!r})")


class FirstLookScreen(Screen[None]):
    AUTO_FOCUS = "SubmissionList"
    BINDINGS = [deferred(b) for b in ChallengeScreen.BINDINGS]

    def __init__(self, look: FirstLook, rows: list[Row]) -> None:
        super().__init__()
        self.look = look
        self.rows = rows
        self.pending: list[str] = []  # actions to do on the real screen, in order

    def compose(self) -> ComposeResult:
        look, rows = self.look, self.rows
        yield Static(Content.assemble(one_line(look.title, "bold"),
                                      Content.styled(f"  sort: {look.sort}", "dim")),
                     id="heading", classes="title")
        with Horizontal(id="panes"):
            with TabbedContent(id="tabs"):
                for index, (kind, question) in enumerate(look.prompts):
                    query = Query(look.slug, kind, look.sort)  # type: ignore[arg-type]
                    first_page = (rows, look.page.get("next_cursor"), 0)
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
        return self.query_one(f"#list-{self.look.prompts[0][0]}", SubmissionList)

    @property
    def highlighted(self) -> int:
        return self.front_list.highlighted or 0

    def action_later(self, action: str) -> None:
        self.pending.append(action)

    def action_down(self) -> None:
        self.front_list.action_cursor_down()

    def action_up(self) -> None:
        self.front_list.action_cursor_up()

    def action_first(self) -> None:
        self.front_list.action_first()

    def action_last(self) -> None:
        self.front_list.action_last()
