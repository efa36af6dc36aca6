"""``i``: your notifications, newest first, unread marked; enter opens the submission one
is about and marks it (and those before it) read. New ones arrive live."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from client.errors import ChallengeError
from client.event_models import Notification
from tui import clock
from tui.live import LiveUpdate
from tui.notices import describe
from tui.screens.base import AppScreen
from tui.session import describe as problem
from tui.text import ago
from tui.widgets.key_bar import KeyBar
from tui.widgets.status_bar import StatusBar

PAGE = 50


def notice_line(notice: Notification) -> Content:
    """Unread: marked and bold. The sentence is untrusted text: never markup."""
    mark = Content.styled("● ", "bold") if not notice.read else Content("  ")
    said = Content(describe(notice))
    return Content.assemble(
        mark, said.stylize("bold") if not notice.read else said, "\n",
        Content.styled(f"  {notice.challenge} · {ago(notice.created_at, clock.now())}",
                       "dim"))


class InboxScreen(AppScreen[None]):
    AUTO_FOCUS = "#inbox"
    BINDINGS = [
        Binding("q", "app.quit", "Quit", id="inbox.quit"),
        Binding("escape,h", "back", "Back", id="inbox.back"),
        Binding("enter,l", "open", "Open", id="inbox.open"),
        Binding("r", "refresh", "Refresh", id="inbox.refresh"),
        Binding("j", "down", show=False, id="inbox.down"),
        Binding("k", "up", show=False, id="inbox.up"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.notices: list[Notification] = []

    def compose(self) -> ComposeResult:
        yield Static("Inbox", classes="title", markup=False)
        yield OptionList(id="inbox")
        yield StatusBar()
        yield KeyBar()

    def on_mount(self) -> None:
        self.action_refresh()

    @property
    def options(self) -> OptionList:
        return self.query_one("#inbox", OptionList)

    @work(exclusive=True, group="inbox")
    async def action_refresh(self) -> None:
        page = await self.challenge_app.api(lambda: self.client.notifications(limit=PAGE))
        if page is None:
            return
        self.challenge_app.set_unread(page.unread)
        self.show(page.items, highlight=0)

    def show(self, notices: list[Notification], highlight: int | None) -> None:
        """Draw ``notices``; the cursor on ``highlight`` (None: on the one it was on)."""
        options = self.options
        was = options.highlighted_option.id if options.highlighted_option else None
        self.notices = notices
        options.clear_options()
        options.add_options([Option(notice_line(n), id=str(n.id)) for n in notices])
        if not notices:
            options.add_option(Option(Content.styled(
                "Nothing yet: replies to you and decisions on your posts come here.", "dim"),
                disabled=True))
        elif highlight is None and was is not None:
            options.highlighted = options.get_option_index(was)
        else:
            options.highlighted = highlight or 0

    @on(LiveUpdate)
    def heard(self, message: LiveUpdate) -> None:
        data = message.event.data
        if message.event.name == "reset":
            self.action_refresh()
        elif isinstance(data, Notification) and all(n.id != data.id for n in self.notices):
            self.show([data, *self.notices], highlight=None)

    @property
    def current(self) -> Notification | None:
        index = self.options.highlighted
        return self.notices[index] if index is not None and index < len(self.notices) else None

    @on(OptionList.OptionSelected, "#inbox")
    def selected(self) -> None:
        self.action_open()

    def action_open(self) -> None:
        if (notice := self.current) is not None:
            self.open(notice)

    @work(exclusive=True, group="inbox-open")
    async def open(self, notice: Notification) -> None:
        """Marked read (it and those before it), then its submission opened."""
        if not notice.read:
            try:
                result = await self.client.mark_notifications_read(notice.id)
            except ChallengeError as error:
                self.notify(problem(error), title="Not marked read", severity="error",
                            markup=False)
            else:
                self.challenge_app.set_unread(result.unread)
                self.show([n.model_copy(update={"read": True}) if n.id <= notice.id else n
                           for n in self.notices], highlight=None)
        try:
            item = await self.client.get_submission(notice.submission_id)
            challenge = await self.client.get_challenge(item.challenge)
        except ChallengeError as error:
            self.notify(problem(error), title="Cannot open it", severity="error",
                        markup=False)
            return
        self.challenge_app.open_submission(item, challenge, lambda _: None)

    def action_down(self) -> None:
        self.options.action_cursor_down()

    def action_up(self) -> None:
        self.options.action_cursor_up()

    def action_back(self) -> None:
        self.dismiss(None)
