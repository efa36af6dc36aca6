"""The list of challenges: title, current phase, time left, counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.widgets import OptionList

from tui.screens.base import AppScreen
from tui.views import CHALLENGES_KEYS, layout, show_lines

if TYPE_CHECKING:
    from client.models import Challenge, ChallengeSummary, Page


class ChallengesScreen(AppScreen[None]):
    BINDINGS = CHALLENGES_KEYS  # in tui.views: its first look shows the same keys

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
        self.challenge_app.open_challenge(challenge.slug)

    def action_moderate(self) -> None:
        self.challenge_app.open_moderation()

    def action_new_challenge(self) -> None:
        self.challenge_app.open_challenge_setup(None, self.set_up)

    @work(exclusive=True, group="edit")
    async def action_edit_challenge(self) -> None:
        """The highlighted challenge in full (the list has summaries), to change."""
        options = self.query_one(OptionList)
        if options.highlighted is None or not self.challenges:
            return
        slug = self.challenges[options.highlighted].slug
        challenge = await self.challenge_app.api(lambda: self.client.get_challenge(slug))
        if challenge is not None and self.is_current:
            self.challenge_app.open_challenge_setup(challenge, self.set_up)

    def set_up(self, challenge: Challenge | None) -> None:
        if challenge is not None:
            self.load()
