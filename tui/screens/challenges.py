"""The list of challenges: title, current phase, time left, counts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui import clock
from tui.screens.base import AppScreen
from tui.text import one_line, plural, time_left
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import PhaseShown, StatusBar

if TYPE_CHECKING:
    from client.models import ChallengeSummary, Page


class ChallengeShown(Protocol):
    """What a line shows of a challenge: a ``ChallengeSummary``, or the first look's."""

    @property
    def title(self) -> str: ...
    @property
    def current_phase(self) -> PhaseShown | None: ...
    @property
    def submissions(self) -> int: ...
    @property
    def participants(self) -> int: ...


def challenge_line(challenge: ChallengeShown, now: datetime) -> Content:
    phase = challenge.current_phase
    when = (f"{phase.name}: {time_left(phase.ends_at, now)}" if phase
            else "no phase open")
    return Content.assemble(
        one_line(challenge.title, "bold"), "\n",
        Content.styled(f"  {one_line(when).plain} · {plural(challenge.submissions, 'submission')}"
                       f" · {challenge.participants} "
                       f"{'person' if challenge.participants == 1 else 'people'}", "dim"))


def layout() -> ComposeResult:
    """The challenges screen's widgets (the app's first look draws the same)."""
    yield Static("Challenges", classes="title", markup=False)
    yield OptionList(id="challenges")
    yield StatusBar()
    yield KeyBar()


def show_lines(options: OptionList, challenges: Sequence[ChallengeShown],
               highlighted: int = 0) -> None:
    now = clock.now()
    options.clear_options()
    options.add_options([Option(challenge_line(c, now)) for c in challenges])
    if challenges:
        options.highlighted = min(highlighted, len(challenges) - 1)
    else:
        options.add_option(Option("No challenges yet.", disabled=True))
    options.focus()


class ChallengesScreen(AppScreen[None]):
    BINDINGS = [
        # q quits from browsing screens only: in forms it is a letter (ctrl+q always quits).
        Binding("q", "app.quit", "Quit", id="challenges.quit"),
        Binding("r", "refresh", "Refresh", id="challenges.refresh"),
        Binding("j", "cursor_down", "Down", show=False, id="challenges.down"),
        Binding("k", "cursor_up", "Up", show=False, id="challenges.up"),
        Binding("g", "first", "First", show=False, id="challenges.first"),
        Binding("G", "last", "Last", show=False, id="challenges.last"),
        Binding("l", "open", "Open", show=False, id="challenges.open"),
        # Moderators and admins only (check_action hides it from everyone else).
        Binding("M", "moderate", "Moderate", tooltip="Moderation queue",
                id="challenges.moderate"),
    ]

    def __init__(self, page: Page[ChallengeSummary] | None = None,
                 highlighted: int = 0) -> None:
        """``page``: the challenges when the app has them already, else they are loaded;
        ``highlighted``: the one to put the cursor on."""
        super().__init__()
        self.challenges: list[ChallengeSummary] = []
        self.first_page = page
        self.start_at = highlighted

    def compose(self) -> ComposeResult:
        yield from layout()

    def on_mount(self) -> None:
        if self.first_page is not None:
            self.show_challenges(self.first_page, self.start_at)
            self.first_page = None
        else:
            self.load()

    def action_refresh(self) -> None:
        self.load()

    def action_cursor_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_first(self) -> None:
        self.query_one(OptionList).action_first()

    def action_last(self) -> None:
        self.query_one(OptionList).action_last()

    def action_open(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.open(self.challenges[options.highlighted])

    @work(exclusive=True)
    async def load(self) -> None:
        page = await self.challenge_app.api(lambda: self.client.list_challenges(limit=100))
        if page is not None:
            self.show_challenges(page)

    def show_challenges(self, page: Page[ChallengeSummary], highlighted: int = 0) -> None:
        self.challenges = page.items
        show_lines(self.query_one(OptionList), page.items, highlighted)

    @on(OptionList.OptionSelected)
    def selected(self, event: OptionList.OptionSelected) -> None:
        self.open(self.challenges[event.option_index])

    def open(self, challenge: ChallengeSummary) -> None:
        from tui.screens.challenge import ChallengeScreen

        self.app.push_screen(ChallengeScreen(challenge.slug))

    def action_moderate(self) -> None:
        from tui.screens.moderation import ModerationScreen

        self.app.push_screen(ModerationScreen())
