"""The first screen as it first appears, drawn from ``tui.first_look`` while the typed
client loads; the app puts the real screen in its place moments later.

Each looks the same as the screen it stands in for and its cursor moves; any other key
is held and given to the real screen once it is there, as if typed then.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.containers import Container, Horizontal
from textual.content import Content
from textual.screen import Screen
from textual.widgets import OptionList, Static, TabbedContent, TabPane

from tui.first_look import OneChallenge, Summary
from tui.text import one_line
from tui.views import ADMIN_ACTIONS, CHALLENGE_KEYS, CHALLENGES_KEYS, WIDE, layout, show_lines
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar
from tui.widgets.submission_list import Query, Row, SubmissionList

# What acts at once on a first look: moving the cursor, and quitting.
NOW = frozenset({"cursor_down", "cursor_up", "first", "last", "page_down", "page_up",
                 "down", "up", "app.quit"})


class FirstLookBase(Screen[None]):
    """Holds every key but those in ``NOW`` (and all keys after the first it holds, so
    their order is kept) for the real screen: ``/`` then ``ward`` must search, not run
    four commands."""

    def __init__(self, can_moderate: bool) -> None:
        super().__init__()
        self.can_moderate = can_moderate
        self.held: list[events.Key] = []

    def on_key(self, event: events.Key) -> None:
        if not self.held:
            active = self.active_bindings.get(event.key)
            if active is not None and active.binding.action in NOW:
                return  # the bindings act on it
        self.held.append(event)
        event.stop()
        event.prevent_default()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # As the real screens: the moderation key is not offered to participants. The
        # admins' keys wait for the real screen (which knows the role), as held keys do.
        if action in ADMIN_ACTIONS:
            return False
        return self.can_moderate if action == "moderate" else True

    @property
    def highlighted(self) -> int:
        raise NotImplementedError


class FirstChallengeScreen(FirstLookBase):
    """Stands in for ``ChallengeScreen``."""

    AUTO_FOCUS = "SubmissionList"
    BINDINGS = CHALLENGE_KEYS  # shown in the key bar; held keys do not reach them

    def __init__(self, one: OneChallenge, rows: list[Row], *, can_moderate: bool) -> None:
        super().__init__(can_moderate)
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
    BINDINGS = CHALLENGES_KEYS

    def __init__(self, summaries: list[Summary], *, can_moderate: bool) -> None:
        super().__init__(can_moderate)
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
